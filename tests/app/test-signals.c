/* test-signals.c: the application ended by a signal while a VM runs
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * SIGTERM (a logout, systemd, kill), SIGINT (Ctrl+C in the shell that
 * started Corral) and SIGHUP (that terminal closed) to the real
 * application, a separate process on this test's Xvfb, with the tiny
 * guest running in its window: the guest is shut down, its run folder
 * (the API key in it) is removed, nothing of the VM stays behind (QEMU,
 * bwrap, passt), the project's lock is free, and Corral exits cleanly.
 * Before, the app died at once and the run folder stayed on disk until
 * the next start (under ~/.cache when there is no XDG_RUNTIME_DIR).
 */
#include "config.h"

#include <errno.h>
#include <signal.h>
#include <sys/prctl.h>
#include <sys/wait.h>

#include <glib/gstdio.h>

#include "corral-meta-dir.h"
#include "corral-state-dir.h"
#include "corral-test-util.h"

static gboolean
file_exists (gpointer path)
{
  return g_file_test (path, G_FILE_TEST_EXISTS);
}

/* Gone, or a zombie we (the subreaper) reap now. */
static gboolean
process_gone (int pid)
{
  waitpid (pid, NULL, WNOHANG);
  return kill (pid, 0) == -1 && errno == ESRCH;
}

static gboolean
all_gone (gpointer data)
{
  GArray *pids = data;

  for (guint i = 0; i < pids->len; i++)
    if (!process_gone (g_array_index (pids, int, i)))
      return FALSE;
  return TRUE;
}

static void
test_signal (gconstpointer data)
{
  int sig = GPOINTER_TO_INT (data);
  g_autofree char *project = corral_test_make_project ("signal", "signalled project");
  g_autofree char *parent = g_path_get_dirname (project);
  g_autofree char *booted = g_build_filename (project, "booted", NULL);
  g_autofree char *run_dir = corral_meta_dir_path_for (project);
  g_autoptr(CorralProfile) profile = corral_test_small_profile (project);
  g_autoptr(GSubprocessLauncher) launcher = NULL;
  g_autoptr(GSubprocess) corral = NULL;
  g_autoptr(GError) error = NULL;
  g_autoptr(GArray) vm_pids = NULL;
  g_autoptr(CorralStateDir) lock = NULL;
  gint64 begin;
  int corral_pid;

  /* The guest says it is up (acpid has the power button by then) by
   * leaving a file in the project. */
  corral_profile_set_entrypoint_mode (profile, CORRAL_ENTRYPOINT_CUSTOM);
  corral_profile_set_custom_command (profile, "touch booted; exec sh -l");
  g_assert_true (corral_profile_save (profile, &error));
  g_assert_no_error (error);

  launcher = corral_test_corral_launcher (G_SUBPROCESS_FLAGS_NONE);
  g_subprocess_launcher_setenv (launcher, "ANTHROPIC_API_KEY", "sk-ant-signal-SECRET", TRUE);
  /* The system's MIME database and icons (GLib's isolation hides them,
   * and the app's icon would not load: a warning, fatal here). */
  g_subprocess_launcher_setenv (launcher, "XDG_DATA_DIRS", "/usr/local/share:/usr/share", TRUE);
  corral = g_subprocess_launcher_spawn (launcher, &error, g_getenv ("CORRAL_BIN"),
                                        "--guest", g_getenv ("CORRAL_TEST_GUEST"), project, NULL);
  g_assert_no_error (error);
  corral_pid = atoi (g_subprocess_get_identifier (corral));

  if (!corral_test_wait_until (file_exists, booted, CORRAL_TEST_BOOT_TIMEOUT))
    {
      kill (corral_pid, SIGKILL);
      g_error ("the guest did not boot in the window");
    }
  g_assert_true (g_file_test (run_dir, G_FILE_TEST_IS_DIR));
  vm_pids = corral_test_descendants (corral_pid);
  g_assert_cmpint (corral_test_find_qemu (corral_pid), >, 0);

  begin = g_get_monotonic_time ();
  g_assert_cmpint (kill (corral_pid, sig), ==, 0);
  if (!corral_test_wait_until (corral_test_subprocess_ended, corral, 120))
    {
      kill (corral_pid, SIGKILL);
      g_error ("Corral did not end within 120 s of %s", g_strsignal (sig));
    }
  g_test_message ("%s: Corral ended after %.1f s", g_strsignal (sig),
                  (g_get_monotonic_time () - begin) / 1e6);

  /* A clean end, after the VM's. */
  g_assert_true (g_subprocess_get_if_exited (corral));
  g_assert_cmpint (g_subprocess_get_exit_status (corral), ==, 0);
  g_assert_false (g_file_test (run_dir, G_FILE_TEST_EXISTS));
  g_assert_true (corral_test_wait_until (all_gone, vm_pids, 30));
  lock = corral_state_dir_acquire (project, &error);
  g_assert_no_error (error);
  corral_state_dir_release (lock);
  corral_test_remove_tree (parent);
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, G_TEST_OPTION_ISOLATE_DIRS, NULL);
  /* Whatever Corral leaves is reparented to us, to be seen and reaped. */
  g_assert_cmpint (prctl (PR_SET_CHILD_SUBREAPER, 1), ==, 0);

  g_test_add_data_func ("/signals/sigterm", GINT_TO_POINTER (SIGTERM), test_signal);
  g_test_add_data_func ("/signals/sigint", GINT_TO_POINTER (SIGINT), test_signal);
  g_test_add_data_func ("/signals/sighup", GINT_TO_POINTER (SIGHUP), test_signal);
  return g_test_run ();
}
