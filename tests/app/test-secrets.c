/* test-secrets.c: the API key and the GitHub token leave no trace
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * Runs of the real corral (the terminal run and the window, separate
 * processes on this test's Xvfb) against the tiny guest, 12 by default,
 * 100 with CORRAL_TEST_FULL=1. Marker strings stand for the API key and
 * the GitHub token, given through the environment (terminal and window)
 * or through the keyring (the window; gui-wrapper.sh runs a private
 * gnome-keyring). A third of the runs end by a power-down (the agent
 * ends, the guest powers off), a third by SIGKILL of QEMU, a third by
 * SIGKILL or SIGTERM of corral. Every other run has the network on (the
 * proxy that holds the key, passt).
 *
 * While the guest runs, no marker is in any process's command line, in
 * the environment of anything corral started (bwrap, QEMU, passt), or,
 * for the API key, in the folder the guest reads (the host's proxy swaps
 * a placeholder; the GitHub token is in it, as forwarding it means).
 * After each run no marker is in corral's output or in any file under
 * this test's home, config, state, cache and runtime folders or the
 * project, except the run folder a SIGKILLed corral could not remove;
 * after the loop and one more start, no run folder is left at all.
 */
#include "config.h"

#include <errno.h>
#include <signal.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/wait.h>
#include <unistd.h>

#include <glib/gstdio.h>
#include <gio/gunixinputstream.h>

#include "corral-meta-dir.h"
#include "corral-project-paths.h"
#include "corral-network-policy.h"
#include "corral-secrets.h"
#include "corral-test-util.h"

typedef enum {
  FROM_ENV_TERMINAL,
  FROM_ENV_WINDOW,
  FROM_KEYRING_WINDOW,
  N_SOURCES
} Source;

typedef enum {
  END_POWER_DOWN,
  END_KILL_QEMU,
  END_KILL_CORRAL,
  N_ENDS
} End;

static const char * const source_names[] = { "environment, terminal", "environment, window", "keyring, window" };

/* Markers: random, so that nothing else on this computer holds them. */
static char *env_key, *env_token, *keyring_key, *keyring_token;
static const char *markers[4];

typedef struct {
  guint runs;
  guint ends[N_ENDS];
  guint corral_sigkill, corral_sigterm;
  guint sources[N_SOURCES];
  guint networked;
  guint cmdlines, environs, files;
  guint hits;
  guint left_for_next_start;
} Figures;

static Figures figures;

/* --- looking for the markers ---------------------------------------------------- */

static gboolean
holds_marker (const char *data,
              gsize       length,
              const char *where)
{
  gboolean found = FALSE;

  for (guint i = 0; i < G_N_ELEMENTS (markers); i++)
    if (memmem (data, length, markers[i], strlen (markers[i])) != NULL)
      {
        g_test_message ("LEAK: marker %u in %s", i, where);
        figures.hits++;
        found = TRUE;
      }
  return found;
}

/* Every process's command line (whatever its owner: a helper QEMU
 * started, another user's tool). */
static void
scan_cmdlines (void)
{
  g_autoptr(GDir) proc = g_dir_open ("/proc", 0, NULL);
  const char *name;

  g_assert_nonnull (proc);
  while ((name = g_dir_read_name (proc)) != NULL)
    {
      g_autofree char *path = NULL;
      g_autofree char *text = NULL;
      gsize length;

      if (!g_ascii_isdigit (name[0]))
        continue;
      path = g_strdup_printf ("/proc/%s/cmdline", name);
      if (!g_file_get_contents (path, &text, &length, NULL))
        continue;  /* ended meanwhile */
      figures.cmdlines++;
      holds_marker (text, length, path);
    }
}

/* The environment of everything @corral started. Corral's own holds the
 * environment's markers (the test put them there), nothing below it may.
 * Returns how many were read: each must be (a check that cannot read is
 * no check). */
static guint
scan_environs (int corral)
{
  g_autoptr(GArray) pids = corral_test_descendants (corral);
  guint read = 0;

  for (guint i = 0; i < pids->len; i++)
    {
      int pid = g_array_index (pids, int, i);
      g_autofree char *path = g_strdup_printf ("/proc/%d/environ", pid);
      g_autofree char *text = NULL;
      g_autoptr(GError) error = NULL;
      gsize length;

      if (!g_file_get_contents (path, &text, &length, &error))
        {
          /* Gone meanwhile is fine; unreadable is not. */
          g_assert_true (kill (pid, 0) == -1 && errno == ESRCH);
          continue;
        }
      read++;
      figures.environs++;
      holds_marker (text, length, path);
    }
  return read;
}

/* Every file under @path (links not followed). @allowed: one file that
 * may hold the GitHub token (a killed corral's run folder) or NULL. */
static void
scan_tree (const char *path,
           const char *allowed)
{
  GStatBuf st;

  if (g_lstat (path, &st) != 0)
    return;
  if (S_ISDIR (st.st_mode))
    {
      g_autoptr(GDir) dir = g_dir_open (path, 0, NULL);
      const char *name;

      while (dir != NULL && (name = g_dir_read_name (dir)) != NULL)
        {
          g_autofree char *child = g_build_filename (path, name, NULL);
          scan_tree (child, allowed);
        }
    }
  else if (S_ISREG (st.st_mode))
    {
      g_autofree char *text = NULL;
      gsize length;

      if (!g_file_get_contents (path, &text, &length, NULL))
        return;
      figures.files++;
      if (g_strcmp0 (path, allowed) == 0 && length > 0 &&
          (g_str_equal (text, env_token) || g_str_equal (text, keyring_token)))
        return;
      holds_marker (text, length, path);
    }
  else
    {
      /* A link's target is text too. */
      g_autofree char *target = g_file_read_link (path, NULL);

      if (target != NULL)
        holds_marker (target, strlen (target), path);
    }
}

/* What this test and the corral it runs may write to: its isolated home
 * and XDG folders (GLib made them side by side) and the project. */
static void
scan_files (const char *project,
            const char *allowed)
{
  g_autofree char *isolated = g_path_get_dirname (g_get_home_dir ());

  scan_tree (isolated, allowed);
  scan_tree (project, allowed);
}

static guint
run_folders_left (void)
{
  g_autofree char *base = corral_runtime_base_dir ();
  g_autoptr(GDir) dir = g_dir_open (base, 0, NULL);
  const char *name;
  guint n = 0;

  while (dir != NULL && (name = g_dir_read_name (dir)) != NULL)
    {
      g_autofree char *owner = g_build_filename (base, name, "owner", NULL);

      if (g_file_test (owner, G_FILE_TEST_EXISTS))
        n++;
    }
  return n;
}

/* --- one run ------------------------------------------------------------------- */

static gboolean
file_exists (gpointer path)
{
  return g_file_test (path, G_FILE_TEST_EXISTS);
}

static gboolean
file_gone (gpointer path)
{
  return !g_file_test (path, G_FILE_TEST_EXISTS);
}

/* Gone, or a zombie we (the subreaper) reap now. */
static gboolean
all_gone (gpointer data)
{
  GArray *pids = data;

  for (guint i = 0; i < pids->len; i++)
    {
      int pid = g_array_index (pids, int, i);

      waitpid (pid, NULL, WNOHANG);
      if (!(kill (pid, 0) == -1 && errno == ESRCH))
        return FALSE;
    }
  return TRUE;
}

static void
stored_cb (GObject      *source,
           GAsyncResult *result,
           gpointer      data)
{
  g_autoptr(GError) error = NULL;

  g_assert_true (corral_secrets_store_finish (result, &error));
  g_assert_no_error (error);
  (*(guint *) data)++;
}

static gboolean
two_stored (gpointer data)
{
  return *(guint *) data == 2;
}

/* Both markers in the keyring: the test's session has one
 * (gui-wrapper.sh), or the keyring runs would test nothing. */
static void
store_in_keyring (void)
{
  guint stored = 0;

  corral_secrets_store_async (CORRAL_SECRET_API_KEY, keyring_key, NULL, stored_cb, &stored);
  corral_secrets_store_async (CORRAL_SECRET_GH_TOKEN, keyring_token, NULL, stored_cb, &stored);
  g_assert_true (corral_test_wait_until (two_stored, &stored, 30));
}

/* The window's preference "Shut down when the agent exits", in a
 * settings file the corral we start reads (this test's own GSettings are
 * in memory). */
static void
write_window_settings (void)
{
  g_autofree char *dir = g_build_filename (g_get_user_config_dir (), "glib-2.0", "settings", NULL);
  g_autofree char *file = g_build_filename (dir, "keyfile", NULL);

  g_assert_cmpint (g_mkdir_with_parents (dir, 0700), ==, 0);
  g_assert_true (g_file_set_contents (file, "[io/github/corral/Corral]\nshutdown-on-agent-exit=true\n", -1, NULL));
}

static void
one_run (const char *project,
         guint       n)
{
  End end = n % N_ENDS;
  Source source = (n / N_ENDS) % N_SOURCES;
  gboolean window = source != FROM_ENV_TERMINAL;
  /* Every other run with the network on: then Corral's proxy holds the
   * key, and passt runs beside QEMU. */
  gboolean network = n % 2 == 1;
  int corral_signal = SIGKILL;
  g_autofree char *booted = g_build_filename (project, "booted", NULL);
  g_autofree char *stop = g_build_filename (project, "stop", NULL);
  g_autofree char *run_dir = corral_meta_dir_path_for (project);
  g_autofree char *key_file = g_build_filename (run_dir, "meta", "apikey", NULL);
  g_autofree char *token_file = g_build_filename (run_dir, "meta", "gh_token", NULL);
  g_autofree char *key = NULL, *token = NULL;
  g_autoptr(GSubprocessLauncher) launcher = NULL;
  g_autoptr(GSubprocess) corral = NULL;
  g_autoptr(GError) error = NULL;
  g_autoptr(GArray) started = NULL;
  g_autoptr(GPtrArray) argv = g_ptr_array_new ();
  g_autofree char *where = NULL;
  CorralTestConsole out = CORRAL_TEST_CONSOLE_INIT, err = CORRAL_TEST_CONSOLE_INIT;
  const char *expected_token;
  int corral_pid, qemu_pid;

  if (end == END_KILL_CORRAL)
    {
      corral_signal = (figures.corral_sigkill + figures.corral_sigterm) % 2 == 0 ? SIGKILL : SIGTERM;
      if (corral_signal == SIGKILL)
        figures.corral_sigkill++;
      else
        figures.corral_sigterm++;
    }
  g_unlink (booted);
  g_unlink (stop);
  {
    g_autoptr(CorralProfile) profile = corral_profile_load (project, NULL, &error);

    g_assert_no_error (error);
    corral_profile_set_network_mode (profile, network ? CORRAL_NETWORK_ALLOWLIST : CORRAL_NETWORK_OFF);
    g_assert_true (corral_profile_save (profile, &error));
    g_assert_no_error (error);
  }

  launcher = corral_test_corral_launcher (G_SUBPROCESS_FLAGS_STDIN_PIPE |
                                          G_SUBPROCESS_FLAGS_STDOUT_PIPE |
                                          G_SUBPROCESS_FLAGS_STDERR_PIPE);
  g_subprocess_launcher_unsetenv (launcher, "GH_TOKEN");
  g_subprocess_launcher_unsetenv (launcher, "GITHUB_TOKEN");
  if (source == FROM_KEYRING_WINDOW)
    expected_token = keyring_token;
  else
    {
      g_subprocess_launcher_setenv (launcher, "ANTHROPIC_API_KEY", env_key, TRUE);
      g_subprocess_launcher_setenv (launcher, "GH_TOKEN", env_token, TRUE);
      expected_token = env_token;
    }
  g_ptr_array_add (argv, (char *) g_getenv ("CORRAL_BIN"));
  if (window)
    {
      g_subprocess_launcher_setenv (launcher, "GSETTINGS_BACKEND", "keyfile", TRUE);
      /* The system's icons and MIME data (a missing icon is a warning,
       * fatal here). */
      g_subprocess_launcher_setenv (launcher, "XDG_DATA_DIRS", "/usr/local/share:/usr/share", TRUE);
    }
  else
    g_ptr_array_add (argv, "--terminal");
  g_ptr_array_add (argv, "--guest");
  g_ptr_array_add (argv, (char *) g_getenv ("CORRAL_TEST_GUEST"));
  g_ptr_array_add (argv, (char *) project);
  g_ptr_array_add (argv, NULL);
  corral = g_subprocess_launcher_spawnv (launcher, (const char * const *) argv->pdata, &error);
  g_assert_no_error (error);
  corral_pid = atoi (g_subprocess_get_identifier (corral));
  corral_test_console_attach (&out, g_unix_input_stream_get_fd (
                                G_UNIX_INPUT_STREAM (g_subprocess_get_stdout_pipe (corral))));
  corral_test_console_attach (&err, g_unix_input_stream_get_fd (
                                G_UNIX_INPUT_STREAM (g_subprocess_get_stderr_pipe (corral))));

  if (!corral_test_wait_until (file_exists, booted, CORRAL_TEST_BOOT_TIMEOUT))
    {
      kill (corral_pid, SIGKILL);
      g_error ("run %u (%s): the guest did not boot; corral said:\n%s\n%s",
               n, source_names[source], out.text->str, err.text->str);
    }

  /* The guest runs: look everywhere a secret could show. */
  qemu_pid = corral_test_find_qemu (corral_pid);
  g_assert_cmpint (qemu_pid, >, 0);
  started = corral_test_descendants (corral_pid);
  scan_cmdlines ();
  /* bwrap, its pid 1 and QEMU at least, each read. */
  g_assert_cmpuint (scan_environs (corral_pid), >=, 3);
  /* The guest's folder: the key's placeholder, never the key; the token,
   * since the project forwards it (and so this run had it to leak). */
  g_assert_true (g_file_get_contents (key_file, &key, NULL, NULL));
  g_assert_cmpstr (key, ==, CORRAL_PROXY_PLACEHOLDER_KEY);
  g_assert_true (g_file_get_contents (token_file, &token, NULL, NULL));
  g_assert_cmpstr (token, ==, expected_token);
  scan_tree (run_dir, token_file);

  switch (end)
    {
    case END_POWER_DOWN:
      /* The agent ends; the guest powers off (the terminal always, the
       * window by its preference). */
      g_assert_true (g_file_set_contents (stop, "", 0, NULL));
      g_assert_true (corral_test_wait_until (file_gone, run_dir, CORRAL_TEST_BOOT_TIMEOUT));
      break;
    case END_KILL_QEMU:
      g_assert_cmpint (kill (qemu_pid, SIGKILL), ==, 0);
      g_assert_true (corral_test_wait_until (file_gone, run_dir, 60));
      break;
    case END_KILL_CORRAL:
      g_assert_cmpint (kill (corral_pid, corral_signal), ==, 0);
      break;
    default:
      g_assert_not_reached ();
    }
  /* The window stays open with its VM stopped: SIGTERM quits it. */
  if (window && end != END_KILL_CORRAL)
    {
      g_assert_true (corral_test_wait_until (all_gone, started, 60));
      kill (corral_pid, SIGTERM);
    }
  if (!corral_test_wait_until (corral_test_subprocess_ended, corral, 120))
    {
      kill (corral_pid, SIGKILL);
      g_error ("run %u: corral did not end; it said:\n%s\n%s", n, out.text->str, err.text->str);
    }
  g_assert_true (corral_test_wait_until (all_gone, started, 60));
  /* Its last words. */
  corral_test_wait_until ((gboolean (*) (gpointer)) corral_test_console_ended, &out, 10);
  corral_test_wait_until ((gboolean (*) (gpointer)) corral_test_console_ended, &err, 10);

  where = g_strdup_printf ("corral's output (run %u)", n);
  holds_marker (out.text->str, out.text->len, where);
  holds_marker (err.text->str, err.text->len, where);
  if (end == END_KILL_CORRAL && corral_signal == SIGKILL)
    {
      /* No code runs on SIGKILL: the run folder stays, for the next
       * start to sweep. Only its token file may hold a marker. */
      g_assert_true (g_file_test (run_dir, G_FILE_TEST_IS_DIR));
      figures.left_for_next_start++;
      scan_files (project, token_file);
    }
  else
    {
      g_assert_false (g_file_test (run_dir, G_FILE_TEST_EXISTS));
      scan_files (project, NULL);
    }
  if (figures.hits > 0)
    g_test_message ("run %u corral said:\n%s\n%s", n, out.text->str, err.text->str);
  corral_test_console_detach (&out);
  corral_test_console_detach (&err);
  g_assert_cmpuint (figures.hits, ==, 0);

  figures.runs++;
  figures.ends[end]++;
  figures.sources[source]++;
  if (network)
    figures.networked++;
}

static void
test_secrets_loop (void)
{
  guint runs = g_strcmp0 (g_getenv ("CORRAL_TEST_FULL"), "1") == 0 ? 100 : 12;
  g_autofree char *project = corral_test_make_project ("secrets", "secret project");
  g_autofree char *parent = g_path_get_dirname (project);
  g_autoptr(CorralProfile) profile = corral_test_small_profile (project);
  g_autoptr(GError) error = NULL;
  gint64 begin = g_get_monotonic_time ();

  /* The agent: says it is up, waits for the test's word, ends. */
  corral_profile_set_entrypoint_mode (profile, CORRAL_ENTRYPOINT_CUSTOM);
  corral_profile_set_custom_command (profile,
                                     "touch booted; while [ ! -e stop ]; do sleep 0.2; done");
  corral_profile_set_forward_gh_token (profile, TRUE);
  g_assert_true (corral_profile_save (profile, &error));
  g_assert_no_error (error);
  store_in_keyring ();
  write_window_settings ();

  for (guint n = 0; n < runs; n++)
    one_run (project, n);

  /* One more start sweeps what the SIGKILLed corrals left: a terminal
   * run of another project, ended by its agent. */
  {
    g_autofree char *other = g_build_filename (parent, "next project", NULL);
    g_autoptr(CorralProfile) next = NULL;
    g_autoptr(GSubprocessLauncher) launcher = NULL;
    g_autoptr(GSubprocess) corral = NULL;

    g_assert_cmpint (g_mkdir (other, 0755), ==, 0);
    next = corral_test_small_profile (other);
    corral_profile_set_entrypoint_mode (next, CORRAL_ENTRYPOINT_CUSTOM);
    corral_profile_set_custom_command (next, "true");
    g_assert_true (corral_profile_save (next, &error));
    g_assert_no_error (error);
    launcher = corral_test_corral_launcher (G_SUBPROCESS_FLAGS_STDIN_PIPE |
                                            G_SUBPROCESS_FLAGS_STDOUT_SILENCE |
                                            G_SUBPROCESS_FLAGS_STDERR_SILENCE);
    corral = g_subprocess_launcher_spawn (launcher, &error, g_getenv ("CORRAL_BIN"),
                                          "--terminal", "--guest", g_getenv ("CORRAL_TEST_GUEST"),
                                          other, NULL);
    g_assert_no_error (error);
    g_assert_true (g_subprocess_wait (corral, NULL, &error));
    g_assert_no_error (error);
    g_assert_true (g_subprocess_get_if_exited (corral));
  }
  g_assert_cmpuint (run_folders_left (), ==, 0);
  scan_files (project, NULL);
  g_assert_cmpuint (figures.hits, ==, 0);

  g_test_message ("secrets: %u runs in %.0f s: %u by power-down, %u by SIGKILL of QEMU, "
                  "%u by SIGKILL of corral, %u by SIGTERM of corral",
                  figures.runs, (g_get_monotonic_time () - begin) / 1e6,
                  figures.ends[END_POWER_DOWN], figures.ends[END_KILL_QEMU],
                  figures.corral_sigkill, figures.corral_sigterm);
  g_test_message ("secrets: markers from the %s in %u runs, the %s in %u, the %s in %u; "
                  "%u runs with the network on (the proxy, passt)",
                  source_names[0], figures.sources[0], source_names[1], figures.sources[1],
                  source_names[2], figures.sources[2], figures.networked);
  g_test_message ("secrets: scanned %u command lines, %u environments of corral's children, %u files; "
                  "hits %u; run folders left by SIGKILL %u, left after one more start %u",
                  figures.cmdlines, figures.environs, figures.files, figures.hits,
                  figures.left_for_next_start, run_folders_left ());
  corral_test_remove_tree (parent);
}

static char *
marker (const char *prefix)
{
  return g_strdup_printf ("%s%08x%08x", prefix, g_random_int (), g_random_int ());
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, G_TEST_OPTION_ISOLATE_DIRS, NULL);
  /* Whatever corral leaves is reparented to us, to be seen and reaped. */
  g_assert_cmpint (prctl (PR_SET_CHILD_SUBREAPER, 1), ==, 0);

  markers[0] = env_key = marker ("sk-ant-env-LEAKMARK-");
  markers[1] = env_token = marker ("ghp_env_LEAKMARK_");
  markers[2] = keyring_key = marker ("sk-ant-keyring-LEAKMARK-");
  markers[3] = keyring_token = marker ("ghp_keyring_LEAKMARK_");

  g_test_add_func ("/secrets/no-trace", test_secrets_loop);
  return g_test_run ();
}
