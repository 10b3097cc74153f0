/* test-dirs.c: the run (metadata) dir and the state dir */
#include "config.h"

#include <fcntl.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>
#include <glib/gstdio.h>
#include <gio/gio.h>

#include "corral-meta-dir.h"
#include "corral-project-paths.h"
#include "corral-state-dir.h"

static CorralHost *
test_host (void)
{
  CorralHost *host = g_new0 (CorralHost, 1);

  host->home = g_strdup (g_get_home_dir ());
  host->uid = 1234;
  host->gid = 5678;
  host->lang = g_strdup ("de_DE.UTF-8");
  host->lc_all = NULL;
  return host;
}

static guint
mode_of (const char *path)
{
  GStatBuf st;

  g_assert_cmpint (g_lstat (path, &st), ==, 0);
  return st.st_mode & 07777;
}

static char *
read_meta (CorralMetaDir *dir, const char *name)
{
  g_autofree char *path = g_build_filename (corral_meta_dir_get_meta_path (dir), name, NULL);
  char *contents = NULL;

  if (!g_file_get_contents (path, &contents, NULL, NULL))
    return NULL;
  g_assert_cmpuint (mode_of (path), ==, 0600);
  return contents;
}

static void
test_meta_contents (void)
{
  g_autoptr(CorralHost) host = test_host ();
  g_autoptr(CorralProfile) profile = corral_profile_new ("/home/me/my project");
  g_autoptr(CorralMetaDir) dir = NULL;
  g_autoptr(GError) error = NULL;
  g_autofree char *claude_json = g_build_filename (host->home, ".claude.json", NULL);
  g_autofree char *gitconfig = g_build_filename (host->home, ".gitconfig", NULL);
  g_autofree char *base = corral_runtime_base_dir ();
  g_autofree char *expected_path = corral_meta_dir_path_for ("/home/me/my project");
  const char *args[] = { "--model", "it's", NULL };
  char *v;

  g_assert_cmpint (g_mkdir_with_parents (host->home, 0700), ==, 0);
  g_assert_true (g_file_set_contents (claude_json, "{\"numStartups\": 3}", -1, NULL));
  g_assert_true (g_file_set_contents (gitconfig, "[user]\n\tname = Me\n", -1, NULL));
  corral_profile_set_agent_args (profile, args);
  corral_profile_set_forward_gh_token (profile, TRUE);

  dir = corral_meta_dir_create ("/home/me/my project", &error);
  g_assert_no_error (error);
  g_assert_cmpstr (corral_meta_dir_get_path (dir), ==, expected_path);
  g_assert_true (g_str_has_prefix (corral_meta_dir_get_path (dir), base));
  g_assert_cmpuint (mode_of (base), ==, 0700);
  g_assert_cmpuint (mode_of (corral_meta_dir_get_path (dir)), ==, 0700);
  g_assert_cmpuint (mode_of (corral_meta_dir_get_meta_path (dir)), ==, 0700);
  g_assert_cmpuint (mode_of (corral_meta_dir_get_gitconfig_path (dir)), ==, 0700);

  g_assert_true (corral_meta_dir_populate (dir, profile, host, "sk-secret", "ghp_token", &error));
  g_assert_no_error (error);

  v = read_meta (dir, "entrypoint"); g_assert_cmpstr (v, ==, "claude --model 'it'\\''s'"); g_free (v);
  /* The key stays on the host: the guest gets the placeholder the proxy
   * swaps, and where the proxy is. */
  v = read_meta (dir, "apikey"); g_assert_cmpstr (v, ==, CORRAL_PROXY_PLACEHOLDER_KEY); g_free (v);
  v = read_meta (dir, "proxy"); g_assert_cmpstr (v, ==, "http://10.0.2.2:3128"); g_free (v);
  v = read_meta (dir, "api_base_url"); g_assert_cmpstr (v, ==, "http://10.0.2.2:3128"); g_free (v);
  v = read_meta (dir, "no_proxy"); g_assert_cmpstr (v, ==, "localhost,127.0.0.1,::1,10.0.2.2"); g_free (v);
  v = read_meta (dir, "gh_token"); g_assert_cmpstr (v, ==, "ghp_token"); g_free (v);
  v = read_meta (dir, "host_home"); g_assert_cmpstr (v, ==, host->home); g_free (v);
  v = read_meta (dir, "host_project"); g_assert_cmpstr (v, ==, "/home/me/my project"); g_free (v);
  v = read_meta (dir, "claude.json"); g_assert_cmpstr (v, ==, "{\"numStartups\": 3}"); g_free (v);
  v = read_meta (dir, "lang"); g_assert_cmpstr (v, ==, "de_DE.UTF-8"); g_free (v);
  v = read_meta (dir, "lc_all"); g_assert_cmpstr (v, ==, ""); g_free (v);
  v = read_meta (dir, "uid"); g_assert_cmpstr (v, ==, "1234"); g_free (v);
  v = read_meta (dir, "gid"); g_assert_cmpstr (v, ==, "5678"); g_free (v);
  {
    g_autofree char *copy = g_build_filename (corral_meta_dir_get_gitconfig_path (dir), ".gitconfig", NULL);
    g_autofree char *text = NULL;
    g_assert_true (g_file_get_contents (copy, &text, NULL, NULL));
    g_assert_cmpstr (text, ==, "[user]\n\tname = Me\n");
  }

  /* A copy, not the live file: the guest agent's rewrite cannot race. */
  g_assert_true (g_file_set_contents (claude_json, "{}", -1, NULL));
  v = read_meta (dir, "claude.json"); g_assert_cmpstr (v, ==, "{\"numStartups\": 3}"); g_free (v);

  corral_meta_dir_destroy (dir);
  g_assert_false (g_file_test (expected_path, G_FILE_TEST_EXISTS));
  corral_meta_dir_destroy (dir);
}

static void
test_meta_optional_files (void)
{
  g_autoptr(CorralHost) host = test_host ();
  g_autoptr(CorralProfile) profile = corral_profile_new ("/p");
  g_autoptr(CorralMetaDir) dir = corral_meta_dir_create ("/p", NULL);
  char *v;

  /* gh token not forwarded: not written even when known. No key: no file. */
  corral_profile_set_entrypoint_mode (profile, CORRAL_ENTRYPOINT_SHELL);
  g_assert_true (corral_meta_dir_populate (dir, profile, host, NULL, "ghp_token", NULL));
  g_assert_null (read_meta (dir, "gh_token"));
  g_assert_null (read_meta (dir, "apikey"));
  g_assert_null (read_meta (dir, "claude.json"));
  /* Network off: no proxy to tell about */
  corral_profile_set_network_mode (profile, CORRAL_NETWORK_OFF);
  g_assert_true (corral_meta_dir_populate (dir, profile, host, "sk-secret", NULL, NULL));
  g_assert_null (read_meta (dir, "proxy"));
  g_assert_null (read_meta (dir, "api_base_url"));
  v = read_meta (dir, "apikey"); g_assert_cmpstr (v, ==, CORRAL_PROXY_PLACEHOLDER_KEY); g_free (v);
  v = read_meta (dir, "entrypoint"); g_assert_cmpstr (v, ==, "bash"); g_free (v);

  corral_profile_set_entrypoint_mode (profile, CORRAL_ENTRYPOINT_CUSTOM);
  corral_profile_set_custom_command (profile, "make test && echo ok");
  g_assert_true (corral_meta_dir_populate (dir, profile, host, NULL, NULL, NULL));
  v = read_meta (dir, "entrypoint"); g_assert_cmpstr (v, ==, "make test && echo ok"); g_free (v);
}

static void
test_meta_finalize_removes (void)
{
  CorralMetaDir *dir = corral_meta_dir_create ("/q", NULL);
  g_autofree char *path = g_strdup (corral_meta_dir_get_path (dir));

  g_assert_true (corral_meta_dir_write (dir, "apikey", "k", -1, NULL));
  g_object_unref (dir);
  g_assert_false (g_file_test (path, G_FILE_TEST_EXISTS));
}

static void
test_meta_stale_sweep (void)
{
  g_autofree char *base = corral_runtime_base_dir ();
  g_autofree char *other = g_build_filename (base, "not-a-run-dir", NULL);
  g_autofree char *dead_path = NULL;
  g_autoptr(CorralMetaDir) live = NULL;
  g_autoptr(CorralMetaDir) again = NULL;
  g_autoptr(GError) error = NULL;
  int pipefd[2];
  pid_t child;
  char c;

  /* A run dir made by a process that then dies without cleaning up. */
  g_assert_cmpint (pipe (pipefd), ==, 0);
  child = fork ();
  if (child == 0)
    {
      CorralMetaDir *dir = corral_meta_dir_create ("/dead", NULL);
      corral_meta_dir_write (dir, "apikey", "secret", -1, NULL);
      c = 'x';
      if (write (pipefd[1], &c, 1) != 1) {}
      _exit (0);   /* no finalize: like a kill */
    }
  g_assert_cmpint (read (pipefd[0], &c, 1), ==, 1);
  waitpid (child, NULL, 0);
  dead_path = corral_meta_dir_path_for ("/dead");
  g_assert_true (g_file_test (dead_path, G_FILE_TEST_IS_DIR));

  live = corral_meta_dir_create ("/live", NULL);
  g_assert_cmpint (g_mkdir_with_parents (other, 0700), ==, 0);

  g_assert_cmpuint (corral_meta_dir_sweep_stale (), ==, 1);
  g_assert_false (g_file_test (dead_path, G_FILE_TEST_EXISTS));
  g_assert_true (g_file_test (corral_meta_dir_get_path (live), G_FILE_TEST_IS_DIR));
  g_assert_true (g_file_test (other, G_FILE_TEST_IS_DIR));

  /* A live owner's dir is not taken over. */
  again = corral_meta_dir_create ("/live", &error);
  g_assert_null (again);
  g_assert_error (error, G_IO_ERROR, G_IO_ERROR_BUSY);
  g_assert_true (g_file_test (corral_meta_dir_get_path (live), G_FILE_TEST_IS_DIR));
  close (pipefd[0]);
  close (pipefd[1]);
}

static void
test_meta_stale_replaced (void)
{
  g_autofree char *path = corral_meta_dir_path_for ("/r");
  g_autofree char *owner = g_build_filename (path, "owner", NULL);
  g_autofree char *leftover = g_build_filename (path, "meta", NULL);
  g_autoptr(CorralMetaDir) dir = NULL;
  g_autoptr(GError) error = NULL;

  /* pid 0 never owns anything: the dir is stale and gets replaced. */
  g_assert_cmpint (g_mkdir_with_parents (leftover, 0755), ==, 0);
  g_assert_true (g_file_set_contents (owner, "999999999 1\n", -1, NULL));
  dir = corral_meta_dir_create ("/r", &error);
  g_assert_no_error (error);
  g_assert_cmpuint (mode_of (corral_meta_dir_get_meta_path (dir)), ==, 0700);
}

static void
test_state_dir (void)
{
  const char *project = "/home/me/proj";
  g_autoptr(CorralStateDir) a = NULL;
  g_autoptr(CorralStateDir) b = NULL;
  g_autoptr(CorralStateDir) c = NULL;
  g_autoptr(GError) error = NULL;
  g_autofree char *states = corral_project_states_dir ();
  g_autofree char *key = corral_project_key (project);
  g_autofree char *expected = g_build_filename (states, key, NULL);
  g_autofree char *lookup = corral_state_dir_lookup (project);
  g_autofree char *path_file = NULL;
  g_autofree char *tag_file = NULL;
  g_autofree char *text = NULL;

  g_assert_cmpstr (lookup, ==, expected);
  g_assert_false (g_file_test (expected, G_FILE_TEST_EXISTS));

  a = corral_state_dir_acquire (project, &error);
  g_assert_no_error (error);
  g_assert_cmpstr (corral_state_dir_get_path (a), ==, expected);
  path_file = g_build_filename (expected, "path", NULL);
  tag_file = g_build_filename (expected, "CACHEDIR.TAG", NULL);
  g_assert_true (g_file_get_contents (path_file, &text, NULL, NULL));
  g_assert_cmpstr (text, ==, "/home/me/proj\n");
  g_clear_pointer (&text, g_free);
  g_assert_true (g_file_get_contents (tag_file, &text, NULL, NULL));
  g_assert_true (g_str_has_prefix (text, "Signature: 8a477f597d28d172789f06886806bc55"));

  /* Second VM of the same project: refused, with a readable reason. */
  b = corral_state_dir_acquire (project, &error);
  g_assert_null (b);
  g_assert_error (error, CORRAL_STATE_DIR_ERROR, CORRAL_STATE_DIR_ERROR_BUSY);
  g_assert_nonnull (strstr (error->message, "already running"));
  g_clear_error (&error);

  corral_state_dir_release (a);
  c = corral_state_dir_acquire (project, &error);
  g_assert_no_error (error);
}

static void
test_state_dir_other_process (void)
{
  g_autoptr(CorralStateDir) a = corral_state_dir_acquire ("/x/proj", NULL);
  pid_t child;
  int status;

  g_assert_nonnull (a);
  child = fork ();
  if (child == 0)
    {
      GError *error = NULL;
      CorralStateDir *b = corral_state_dir_acquire ("/x/proj", &error);
      _exit (b == NULL && g_error_matches (error, CORRAL_STATE_DIR_ERROR, CORRAL_STATE_DIR_ERROR_BUSY) ? 0 : 1);
    }
  g_assert_cmpint (waitpid (child, &status, 0), ==, child);
  g_assert_true (WIFEXITED (status));
  g_assert_cmpint (WEXITSTATUS (status), ==, 0);
}

static void
test_state_dir_collision (void)
{
  const char *project = "/y/proj";
  g_autofree char *states = corral_project_states_dir ();
  g_autofree char *key = corral_project_key (project);
  g_autofree char *first = g_build_filename (states, key, NULL);
  g_autofree char *first_path = g_build_filename (first, "path", NULL);
  g_autoptr(CorralStateDir) s = NULL;
  g_autofree char *second = NULL;

  /* Another project recorded under this key: this one goes next to it. */
  g_assert_cmpint (g_mkdir_with_parents (first, 0700), ==, 0);
  g_assert_true (g_file_set_contents (first_path, "/other/proj\n", -1, NULL));
  s = corral_state_dir_acquire (project, NULL);
  second = g_strdup_printf ("%s-2", first);
  g_assert_cmpstr (corral_state_dir_get_path (s), ==, second);
}

/* The guest writes the state dir (a share): its `path` may come back as
 * a FIFO or a link to /dev/zero. The next start must neither hang nor
 * read forever, and puts a real file back. */
static void
test_state_dir_hostile_path (void)
{
  const char *project = "/z/proj";
  g_autofree char *states = corral_project_states_dir ();
  g_autofree char *key = corral_project_key (project);
  g_autofree char *dir = g_build_filename (states, key, NULL);
  g_autofree char *path_file = g_build_filename (dir, "path", NULL);
  const char *kinds[] = { "fifo", "/dev/zero", "/etc/hostname" };

  g_assert_cmpint (g_mkdir_with_parents (dir, 0700), ==, 0);
  alarm (20);   /* a hang fails the test */
  for (guint i = 0; i < G_N_ELEMENTS (kinds); i++)
    {
      g_autoptr(CorralStateDir) s = NULL;
      g_autoptr(GError) error = NULL;
      g_autofree char *lookup = NULL;
      g_autofree char *text = NULL;
      GStatBuf st;

      g_unlink (path_file);
      if (i == 0)
        g_assert_cmpint (mkfifo (path_file, 0600), ==, 0);
      else
        g_assert_cmpint (symlink (kinds[i], path_file), ==, 0);
      lookup = corral_state_dir_lookup (project);
      g_assert_cmpstr (lookup, ==, dir);
      s = corral_state_dir_acquire (project, &error);
      g_assert_no_error (error);
      g_assert_cmpint (g_lstat (path_file, &st), ==, 0);
      g_assert_true (S_ISREG (st.st_mode));
      g_assert_true (g_file_get_contents (path_file, &text, NULL, NULL));
      g_assert_cmpstr (text, ==, "/z/proj\n");
    }
  alarm (0);
}

/* The jail's /var/tmp is QEMU's to fill before Corral removes it: a tree
 * deeper than any path (nftw gave up on it, and it stayed), folders left
 * 0000, and links to the user's folders, which must survive. */
static void
test_remove_tree_hostile (void)
{
  g_autofree char *base = g_build_filename (g_get_user_cache_dir (), "remove-tree", NULL);
  g_autofree char *tree = g_build_filename (base, "tree", NULL);
  g_autofree char *outside = g_build_filename (base, "outside", NULL);
  g_autofree char *marker = g_build_filename (outside, "marker", NULL);
  g_autofree char *link = g_build_filename (tree, "link", NULL);
  g_autofree char *locked = g_build_filename (tree, "locked", NULL);
  g_autofree char *locked_file = g_build_filename (locked, "f", NULL);
  char name[201];
  int fd;

  g_assert_cmpint (g_mkdir_with_parents (tree, 0700), ==, 0);
  g_assert_cmpint (g_mkdir_with_parents (outside, 0700), ==, 0);
  g_assert_true (g_file_set_contents (marker, "keep\n", -1, NULL));
  g_assert_cmpint (symlink (outside, link), ==, 0);
  g_assert_cmpint (g_mkdir (locked, 0700), ==, 0);
  g_assert_true (g_file_set_contents (locked_file, "x", -1, NULL));
  g_assert_cmpint (g_chmod (locked, 0), ==, 0);

  /* 100 folders of 200 characters: 20 000 bytes of path. */
  memset (name, 'd', 200);
  name[200] = '\0';
  fd = open (tree, O_RDONLY | O_DIRECTORY);
  for (guint i = 0; i < 100; i++)
    {
      int next;

      g_assert_cmpint (mkdirat (fd, name, 0700), ==, 0);
      next = openat (fd, name, O_RDONLY | O_DIRECTORY);
      g_assert_cmpint (next, >=, 0);
      if (i % 10 == 0)
        g_assert_cmpint (symlinkat (outside, next, "link"), ==, 0);
      close (fd);
      fd = next;
    }
  close (fd);

  g_assert_true (corral_remove_tree (tree, NULL));
  g_assert_false (g_file_test (tree, G_FILE_TEST_EXISTS));
  g_assert_true (g_file_test (marker, G_FILE_TEST_IS_REGULAR));
  corral_remove_tree (base, NULL);
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, G_TEST_OPTION_ISOLATE_DIRS, NULL);
  g_test_add_func ("/meta-dir/contents", test_meta_contents);
  g_test_add_func ("/meta-dir/optional-files", test_meta_optional_files);
  g_test_add_func ("/meta-dir/finalize-removes", test_meta_finalize_removes);
  g_test_add_func ("/meta-dir/stale-sweep", test_meta_stale_sweep);
  g_test_add_func ("/meta-dir/stale-replaced", test_meta_stale_replaced);
  g_test_add_func ("/state-dir/lock", test_state_dir);
  g_test_add_func ("/state-dir/other-process", test_state_dir_other_process);
  g_test_add_func ("/state-dir/collision", test_state_dir_collision);
  g_test_add_func ("/state-dir/hostile-path-file", test_state_dir_hostile_path);
  g_test_add_func ("/remove-tree/hostile", test_remove_tree_hostile);
  return g_test_run ();
}
