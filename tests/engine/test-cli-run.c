/* test-cli-run.c: `corral PROJECT` boots the tiny guest in the terminal,
 * runs the saved entrypoint in the project, and cleans up after itself */
#include "config.h"

#include <glib/gstdio.h>
#include <gio/gio.h>

#include "corral-meta-dir.h"
#include "corral-profile.h"
#include "corral-state-dir.h"
#include "corral-test-util.h"

static void
test_run_custom_entrypoint (void)
{
  g_autofree char *project = g_build_filename (g_get_home_dir (), "proj, with comma", NULL);
  g_autoptr(CorralProfile) profile = corral_profile_new (project);
  g_autoptr(GSubprocessLauncher) launcher = NULL;
  g_autoptr(GSubprocess) corral = NULL;
  g_autoptr(GError) error = NULL;
  g_autofree char *out = NULL;
  g_autofree char *err = NULL;
  g_autofree char *written = NULL;
  g_autofree char *listing = NULL;
  g_autofree char *written_path = NULL;
  g_autofree char *listing_path = NULL;
  g_autofree char *run_dir = NULL;
  g_autoptr(CorralStateDir) state = NULL;

  g_assert_cmpint (g_mkdir_with_parents (project, 0700), ==, 0);
  /* A saved custom entrypoint (the command line cannot set one). */
  corral_profile_set_entrypoint_mode (profile, CORRAL_ENTRYPOINT_CUSTOM);
  corral_profile_set_custom_command (profile,
    "echo \"hello from $(pwd)\" > written.txt; ls /mnt/meta > meta.txt; "
    "echo x > /mnt/meta/nope 2>/dev/null || echo meta-ro >> meta.txt");
  g_assert_true (corral_profile_save (profile, &error));

  launcher = corral_test_corral_launcher (G_SUBPROCESS_FLAGS_STDOUT_PIPE | G_SUBPROCESS_FLAGS_STDERR_PIPE);
  g_subprocess_launcher_setenv (launcher, "ANTHROPIC_API_KEY", "sk-ant-cli-run-SECRET", TRUE);
  corral = g_subprocess_launcher_spawn (launcher, &error, g_getenv ("CORRAL_BIN"),
                                        "--terminal", "--memory", "256", "--cores", "1", "--no-network",
                                        "--guest", g_getenv ("CORRAL_TEST_GUEST"), project, NULL);
  g_assert_no_error (error);
  g_assert_true (g_subprocess_communicate_utf8 (corral, NULL, NULL, &out, &err, &error));
  g_assert_no_error (error);
  g_test_message ("stdout: %s\nstderr: %s", out, err);
  g_assert_true (g_subprocess_get_if_exited (corral));
  g_assert_cmpint (g_subprocess_get_exit_status (corral), ==, 0);
  g_assert_nonnull (strstr (out, "CORRAL-ENTRYPOINT-EXIT 0"));

  /* The entrypoint ran in the project and wrote there. */
  written_path = g_build_filename (project, "written.txt", NULL);
  g_assert_true (g_file_get_contents (written_path, &written, NULL, NULL));
  /* (The tiny guest starts it in /project; real guests at the host path.) */
  g_assert_true (g_str_has_prefix (written, "hello from /"));

  listing_path = g_build_filename (project, "meta.txt", NULL);
  g_assert_true (g_file_get_contents (listing_path, &listing, NULL, NULL));
  g_assert_nonnull (strstr (listing, "apikey\n"));
  g_assert_nonnull (strstr (listing, "host_project\n"));
  g_assert_nonnull (strstr (listing, "meta-ro\n"));

  /* Afterwards: no run dir (no key left on disk), the lock is free. */
  run_dir = corral_meta_dir_path_for (project);
  g_assert_false (g_file_test (run_dir, G_FILE_TEST_EXISTS));
  state = corral_state_dir_acquire (project, &error);
  g_assert_no_error (error);
  g_assert_null (strstr (out, "SECRET"));
  g_assert_null (strstr (err, "SECRET"));
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, G_TEST_OPTION_ISOLATE_DIRS, NULL);
  g_unsetenv ("CORRAL_QEMU");
  if (g_getenv ("CORRAL_BIN") == NULL || g_getenv ("CORRAL_TEST_GUEST") == NULL)
    {
      g_printerr ("CORRAL_BIN and CORRAL_TEST_GUEST must be set\n");
      return 1;
    }
  g_test_add_func ("/cli-run/custom-entrypoint", test_run_custom_entrypoint);
  return g_test_run ();
}
