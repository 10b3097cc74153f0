/* test-cli.c: `corral` as a user runs it, as a subprocess */
#include "config.h"

#include <glib/gstdio.h>
#include <gio/gio.h>

#include "corral-profile.h"

typedef struct {
  int status;
  char *out;
  char *err;
} Result;

static void
result_clear (Result *r)
{
  g_free (r->out);
  g_free (r->err);
}
G_DEFINE_AUTO_CLEANUP_CLEAR_FUNC (Result, result_clear)

static char *guest_manifest;

static void
run (Result *r, const char *first, ...)
{
  g_autoptr(GPtrArray) argv = g_ptr_array_new ();
  g_autoptr(GError) error = NULL;
  g_auto(GStrv) env = g_get_environ ();
  va_list ap;
  const char *arg;

  g_ptr_array_add (argv, (gpointer) g_getenv ("CORRAL_BIN"));
  va_start (ap, first);
  for (arg = first; arg != NULL; arg = va_arg (ap, const char *))
    g_ptr_array_add (argv, (gpointer) arg);
  va_end (ap);
  g_ptr_array_add (argv, NULL);

  /* The child uses this test's isolated folders (GLib's isolation sets
   * them for this process only), so "creates nothing" is checked where it
   * would create things. */
  env = g_environ_setenv (env, "HOME", g_get_home_dir (), TRUE);
  env = g_environ_setenv (env, "XDG_CONFIG_HOME", g_get_user_config_dir (), TRUE);
  env = g_environ_setenv (env, "XDG_STATE_HOME", g_get_user_state_dir (), TRUE);
  env = g_environ_setenv (env, "XDG_CACHE_HOME", g_get_user_cache_dir (), TRUE);
  env = g_environ_setenv (env, "XDG_RUNTIME_DIR", g_get_user_runtime_dir (), TRUE);
  env = g_environ_setenv (env, "ANTHROPIC_API_KEY", "sk-ant-test-SECRET", TRUE);
  env = g_environ_setenv (env, "GH_TOKEN", "ghp_test_SECRET", TRUE);
  g_assert_true (g_spawn_sync (NULL, (char **) argv->pdata, env, G_SPAWN_DEFAULT,
                               NULL, NULL, &r->out, &r->err, &r->status, &error));
  g_assert_no_error (error);
  g_test_message ("stdout: %s\nstderr: %s", r->out, r->err);
}

static guint
count_entries (const char *dir)
{
  g_autoptr(GDir) d = g_dir_open (dir, 0, NULL);
  guint n = 0;

  while (d != NULL && g_dir_read_name (d) != NULL)
    n++;
  return n;
}

/* The dry run prints the jail's line, the network's, then QEMU's after
 * "# QEMU:". */
static char *
qemu_line (const char *out)
{
  const char *start = strstr (out, "# QEMU:\n");
  const char *end;

  g_assert_nonnull (start);
  start += strlen ("# QEMU:\n");
  end = strchr (start, '\n');
  g_assert_nonnull (end);
  return g_strndup (start, end - start);
}

static void
test_dry_run (void)
{
  g_auto(Result) r = { 0 };
  g_autofree char *project = g_build_filename (g_get_home_dir (), "my proj,1", NULL);
  g_auto(GStrv) lines = NULL;
  g_auto(GStrv) argv = NULL;
  gboolean found_share = FALSE;

  g_assert_cmpint (g_mkdir_with_parents (project, 0700), ==, 0);
  run (&r, "--dry-run", "--guest", guest_manifest, "--no-network", "--memory", "512",
       "--cores", "1", project, "--", "--model", "opus", NULL);
  g_assert_true (g_spawn_check_wait_status (r.status, NULL));

  lines = g_strsplit (r.out, "\n", 0);
  /* The jail first: bubblewrap and Corral's helper, ending where QEMU's
   * command begins. */
  g_assert_true (g_str_has_prefix (lines[0], "# "));
  g_assert_true (g_shell_parse_argv (lines[1], NULL, &argv, NULL));
  g_assert_true (g_str_has_suffix (argv[0], "bwrap"));
  g_assert_cmpstr (argv[g_strv_length (argv) - 1], ==, "--");
  g_clear_pointer (&argv, g_strfreev);
  /* QEMU's: the exact argv, one shell-quoted line. */
  {
    g_autofree char *line = qemu_line (r.out);
    g_assert_true (g_shell_parse_argv (line, NULL, &argv, NULL));
  }
  g_assert_true (g_str_has_suffix (argv[0], "qemu-system-x86_64"));
  for (guint i = 0; argv[i] != NULL; i++)
    {
      if (g_str_equal (argv[i], "-m"))
        g_assert_cmpstr (argv[i + 1], ==, "512");
      if (g_str_equal (argv[i], "-nic"))
        g_assert_cmpstr (argv[i + 1], ==, "none");
      if (g_str_has_prefix (argv[i], "local,id=fs_project_share,"))
        {
          g_autofree char *expected = g_strdup_printf ("local,id=fs_project_share,path=%s/my proj,,1,security_model=none",
                                                       g_get_home_dir ());
          g_assert_cmpstr (argv[i], ==, expected);
          found_share = TRUE;
        }
    }
  g_assert_true (found_share);
  g_assert_nonnull (strstr (r.out, "\nEnvironment:\n"));
  g_assert_nonnull (strstr (r.out, "Entrypoint: claude --model opus\n"));

  /* Secrets in the app's environment reach neither argv nor QEMU's env. */
  g_assert_null (strstr (r.out, "SECRET"));
  g_assert_null (strstr (r.err, "SECRET"));

  /* And nothing was created: no profile, no run dir, no state dir. */
  g_assert_cmpuint (count_entries (g_get_user_config_dir ()), ==, 0);
  g_assert_cmpuint (count_entries (g_get_user_state_dir ()), ==, 0);
  g_assert_cmpuint (count_entries (g_get_user_runtime_dir ()), ==, 0);
  g_assert_cmpuint (count_entries (g_get_user_cache_dir ()), ==, 0);
}

static void
test_profile_overridden_not_saved (void)
{
  g_auto(Result) r = { 0 };
  g_autofree char *project = g_build_filename (g_get_home_dir (), "p2", NULL);

  g_assert_cmpint (g_mkdir_with_parents (project, 0700), ==, 0);
  run (&r, "--dry-run", "--shell", "--guest", guest_manifest, project, NULL);
  g_assert_true (g_spawn_check_wait_status (r.status, NULL));
  g_assert_nonnull (strstr (r.out, "Entrypoint: bash\n"));
  /* A new project's allowlist network: passt, reached on fd 7. */
  g_assert_nonnull (strstr (r.out, "-netdev stream,id=net0,server=off,addr.type=fd,addr.str=7"));
}

/* --network off is --no-network; the other modes keep a network device */
static void
test_network_option (void)
{
  g_autofree char *project = g_build_filename (g_get_home_dir (), "net", NULL);
  const char *modes[] = { "off", "allowlist", "full" };

  g_assert_cmpint (g_mkdir_with_parents (project, 0700), ==, 0);
  for (guint i = 0; i < G_N_ELEMENTS (modes); i++)
    {
      g_auto(Result) r = { 0 };

      run (&r, "--dry-run", "--network", modes[i], "--guest", guest_manifest, project, NULL);
      g_assert_true (g_spawn_check_wait_status (r.status, NULL));
      if (i == 0)
        g_assert_nonnull (strstr (r.out, "-nic none"));
      else
        g_assert_null (strstr (r.out, "-nic none"));
      g_assert_nonnull (strstr (r.out, i == 0 ? "Network: off" : i == 1 ? "Network: allowlist; " : "Network: full; "));
      if (i > 0)
        g_assert_nonnull (strstr (r.out, "/proxy.sock"));
    }
}

static void
check_fails (Result *r, const char *in_message)
{
  g_auto(GStrv) err_lines = NULL;

  g_assert_false (g_spawn_check_wait_status (r->status, NULL));
  g_assert_cmpstr (r->out, ==, "");
  /* One line, saying why. */
  err_lines = g_strsplit (r->err, "\n", 0);
  g_assert_cmpuint (g_strv_length (err_lines), ==, 2);
  g_assert_cmpstr (err_lines[1], ==, "");
  g_assert_true (g_str_has_prefix (err_lines[0], "corral: "));
  g_assert_nonnull (strstr (err_lines[0], in_message));
}

static void
test_bad_input (void)
{
  g_autofree char *file = g_build_filename (g_get_home_dir (), "afile", NULL);

  g_assert_cmpint (g_mkdir_with_parents (g_get_home_dir (), 0700), ==, 0);
  g_assert_true (g_file_set_contents (file, "x", -1, NULL));
  {
    g_auto(Result) r = { 0 };
    run (&r, "--dry-run", "--frobnicate", NULL);
    check_fails (&r, "--frobnicate");
  }
  {
    g_auto(Result) r = { 0 };
    run (&r, "--dry-run", "--guest", guest_manifest, "/nonexistent/project", NULL);
    check_fails (&r, "does not exist");
  }
  {
    g_auto(Result) r = { 0 };
    run (&r, "--dry-run", "--guest", guest_manifest, file, NULL);
    check_fails (&r, "not a folder");
  }
  {
    g_auto(Result) r = { 0 };
    run (&r, "--dry-run", "--memory", "lots", "--guest", guest_manifest, g_get_home_dir (), NULL);
    check_fails (&r, "--memory");
  }
  {
    g_auto(Result) r = { 0 };
    run (&r, "--dry-run", "--memory", "16000000", "--guest", guest_manifest, g_get_home_dir (), NULL);
    check_fails (&r, "more than this computer has");
  }
  {
    g_auto(Result) r = { 0 };
    run (&r, "--dry-run", "--cores", "0", "--guest", guest_manifest, g_get_home_dir (), NULL);
    check_fails (&r, "--cores");
  }
  {
    g_auto(Result) r = { 0 };
    run (&r, "--dry-run", "--guest", "/nonexistent/guest.ini", g_get_home_dir (), NULL);
    check_fails (&r, "/nonexistent/guest.ini");
  }
  {
    g_auto(Result) r = { 0 };
    run (&r, "--dry-run", "--guest", guest_manifest, g_get_home_dir (), "/tmp", NULL);
    check_fails (&r, "Only one project folder");
  }
  {
    g_auto(Result) r = { 0 };
    run (&r, "--dry-run", "--network", "open", "--guest", guest_manifest, g_get_home_dir (), NULL);
    check_fails (&r, "--network needs off, allowlist or full");
  }
  {
    g_auto(Result) r = { 0 };
    run (&r, "--dry-run", "--no-network", "--network", "full", "--guest", guest_manifest, g_get_home_dir (), NULL);
    check_fails (&r, "contradict");
  }
  {
    /* A folder QEMU could take but the guest could not: refused, not
     * shared under a wrong name. */
    g_auto(Result) r = { 0 };
    g_autofree char *two_lines = g_build_filename (g_get_home_dir (), "two\nlines", NULL);
    g_assert_cmpint (g_mkdir_with_parents (two_lines, 0700), ==, 0);
    run (&r, "--dry-run", "--guest", guest_manifest, two_lines, NULL);
    check_fails (&r, "line break");
  }
}

/* A project path with a line break is refused before anything is named
 * after it: no profile, no state or run folder (it used to be refused
 * only once the command was built, after both were made). */
static void
test_line_break_refused_early (void)
{
  g_autofree char *two_lines = g_build_filename (g_get_home_dir (), "two\nlines", NULL);
  g_autofree char *profiles = g_build_filename (g_get_user_config_dir (), "corral", NULL);
  g_autofree char *states = g_build_filename (g_get_user_state_dir (), "corral", NULL);
  g_autofree char *runs = g_build_filename (g_get_user_runtime_dir (), "corral", NULL);
  const char *modes[] = { "--dry-run", "--terminal" };

  g_assert_cmpint (g_mkdir_with_parents (two_lines, 0700), ==, 0);
  for (guint i = 0; i < G_N_ELEMENTS (modes); i++)
    {
      g_auto(Result) r = { 0 };

      run (&r, modes[i], "--shell", "--guest", guest_manifest, "--memory", "256", two_lines, NULL);
      check_fails (&r, "line break");
      g_assert_nonnull (strstr (r.err, "two\\nlines"));
      g_assert_cmpuint (count_entries (profiles), ==, 0);
      g_assert_cmpuint (count_entries (states), ==, 0);
      g_assert_cmpuint (count_entries (runs), ==, 0);
    }
}

/* A damaged settings file: --dry-run says so, uses the defaults, and
 * leaves the file where and as it is (it promises to change nothing;
 * it used to move the file aside). */
static void
test_dry_run_damaged_profile_untouched (void)
{
  g_autofree char *project = g_build_filename (g_get_home_dir (), "damaged", NULL);
  g_autofree char *dir = g_build_filename (g_get_user_config_dir (), "corral", "projects", NULL);
  g_autoptr(CorralProfile) profile = NULL;
  g_autofree char *file = NULL;
  g_autofree char *kept = NULL;
  g_autoptr(GError) error = NULL;
  g_auto(Result) r = { 0 };

  g_assert_cmpint (g_mkdir_with_parents (project, 0700), ==, 0);
  profile = corral_profile_new (project);
  g_assert_true (corral_profile_save (profile, &error));
  file = g_strdup (corral_profile_get_file_path (profile));
  g_assert_true (g_file_set_contents (file, "[VM\n\x1b[31mMemoryMiB=1234\n", -1, NULL));

  run (&r, "--dry-run", "--guest", guest_manifest, project, NULL);
  g_assert_true (g_spawn_check_wait_status (r.status, NULL));
  g_assert_nonnull (strstr (r.err, "could not be read"));
  g_assert_nonnull (strstr (r.err, "default settings are used"));
  g_assert_null (strchr (r.err, '\x1b'));
  g_assert_nonnull (strstr (r.out, " -m 4096 "));
  g_assert_true (g_file_get_contents (file, &kept, NULL, NULL));
  g_assert_cmpstr (kept, ==, "[VM\n\x1b[31mMemoryMiB=1234\n");
  g_assert_cmpuint (count_entries (dir), ==, 1);
}

/* The dry run's stand-ins (PTY names, inherited fds) are explained, and
 * only those this guest gets: the clipboard's fd 4 only with a display. */
static void
test_dry_run_stand_ins (void)
{
  g_autofree char *project = g_build_filename (g_get_home_dir (), "stand-ins", NULL);
  g_autofree char *dir = g_path_get_dirname (guest_manifest);
  g_autofree char *graphical = g_build_filename (dir, "graphical.ini", NULL);

  g_assert_cmpint (g_mkdir_with_parents (project, 0700), ==, 0);
  g_assert_true (g_file_set_contents (graphical,
                                      "[Guest]\nKernel=vmlinux\nCmdline=console=ttyS0\nMinMemory=64\nGraphical=true\n", -1, NULL));
  {
    g_auto(Result) r = { 0 };

    run (&r, "--dry-run", "--guest", guest_manifest, "--memory", "512", project, NULL);
    g_assert_true (g_spawn_check_wait_status (r.status, NULL));
    g_assert_nonnull (strstr (r.out, "-add-fd fd=5,set=5 -chardev serial,path=/dev/fdset/5,id=agent"));
    g_assert_nonnull (strstr (r.out, "-chardev socket,id=qmp,fd=3"));
    g_assert_nonnull (strstr (r.out, "(fd 3 is the QMP socket, fds 5 and 6 the consoles’ PTYs, fd 11 the agent session channel: all made at start.)"));
    /* Every guest has the agent session's channel. */
    g_assert_nonnull (strstr (r.out, "-chardev socket,fd=11,id=session"));
    g_assert_nonnull (strstr (r.out, "name=io.github.corral.session.0"));
    g_assert_null (strstr (r.out, "id=clipboard"));
    g_assert_null (strstr (r.out, "fd 4"));
  }
  {
    g_auto(Result) r = { 0 };

    run (&r, "--dry-run", "--guest", graphical, "--memory", "512", project, NULL);
    g_assert_true (g_spawn_check_wait_status (r.status, NULL));
    g_assert_nonnull (strstr (r.out, "-chardev socket,fd=4,id=clipboard"));
    g_assert_nonnull (strstr (r.out, "(fd 3 is the QMP socket, fd 4 the clipboard channel, fds 5 and 6 the consoles’ PTYs, fd 11 the agent session channel: all made at start.)"));
    /* One virtio-serial controller for both ports. */
    g_assert_nonnull (strstr (r.out, "-chardev socket,fd=11,id=session"));
    g_assert_null (strstr (strstr (r.out, "virtio-serial-pci") + 1, "virtio-serial-pci"));
  }
  g_unlink (graphical);
}

int
main (int argc, char **argv)
{
  g_autofree char *dir = NULL;
  g_autofree char *kernel = NULL;

  g_test_init (&argc, &argv, G_TEST_OPTION_ISOLATE_DIRS, NULL);
  g_assert_nonnull (g_getenv ("CORRAL_BIN"));
  g_unsetenv ("CORRAL_QEMU");

  /* A manifest whose files exist; nothing boots in these tests. */
  dir = g_dir_make_tmp ("corral-cli-XXXXXX", NULL);
  kernel = g_build_filename (dir, "vmlinux", NULL);
  g_assert_true (g_file_set_contents (kernel, "", 0, NULL));
  guest_manifest = g_build_filename (dir, "guest.ini", NULL);
  g_assert_true (g_file_set_contents (guest_manifest,
                                      "[Guest]\nKernel=vmlinux\nCmdline=console=ttyS0\nMinMemory=64\n", -1, NULL));

  g_test_add_func ("/cli/dry-run", test_dry_run);
  g_test_add_func ("/cli/dry-run-stand-ins", test_dry_run_stand_ins);
  g_test_add_func ("/cli/overrides", test_profile_overridden_not_saved);
  g_test_add_func ("/cli/bad-input", test_bad_input);
  g_test_add_func ("/cli/network-option", test_network_option);

  g_test_add_func ("/cli/line-break-refused-early", test_line_break_refused_early);
  g_test_add_func ("/cli/dry-run-damaged-profile-untouched", test_dry_run_damaged_profile_untouched);
  {
    int status = g_test_run ();
    g_unlink (kernel);
    g_unlink (guest_manifest);
    g_rmdir (dir);
    return status;
  }
}
