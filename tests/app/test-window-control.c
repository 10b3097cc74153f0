/* test-window-control.c: a project window whose VM Corral lost control of
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * Real QEMU (the tiny test guest), real Xvfb. QEMU's end of the QMP
 * socket is shut down from outside while the guest runs: no QEMU command
 * does that, but a broken socket or a confused QEMU can, and the user
 * must then learn from the window (not from a log) that the guest runs
 * on, that pause/reset/screenshots are gone and that Stop ends it at once.
 * And a project run without confinement says so for the whole run.
 */
#include "config.h"

#include <errno.h>
#include <signal.h>
#include <sys/socket.h>
#include <unistd.h>
#include <adwaita.h>

#include "corral-application.h"
#include "corral-project-paths.h"
#include "corral-settings-dialog.h"
#include "corral-console-view.h"
#include "corral-vm.h"
#include "corral-window-private.h"
#include "app-test-util.h"

static CorralApplication *app;

/* The guest's shell prompt is on the last line: a person can type. */
static void
wait_for_prompt (GtkWidget *console,
                 guint      seconds)
{
  gint64 deadline = g_get_monotonic_time () + seconds * G_USEC_PER_SEC;

  for (;;)
    {
      g_autofree char *shown = corral_test_console_text (console);

      g_strchomp (shown);
      if (strstr (shown, "CORRAL-GUEST-READY") != NULL && g_str_has_suffix (shown, "/project#"))
        return;
      if (g_get_monotonic_time () > deadline)
        {
          g_test_message ("console shows:\n%s", shown);
          g_error ("no shell prompt within %u s", seconds);
        }
      corral_test_iterate (100);
    }
}

static void
type (GtkWidget  *console,
      const char *text)
{
  vte_terminal_feed_child (corral_console_view_get_terminal (CORRAL_CONSOLE_VIEW (console)), text, -1);
}

static void
wait_for_state (CorralWindow  *window,
                CorralVmState  state,
                guint          seconds)
{
  gint64 deadline = g_get_monotonic_time () + seconds * G_USEC_PER_SEC;

  while (corral_window_get_vm (window) == NULL ||
         corral_vm_get_state (corral_window_get_vm (window)) != state)
    {
      if (g_get_monotonic_time () > deadline)
        {
          CorralVm *vm = corral_window_get_vm (window);
          g_error ("VM not in state %d after %u s (now %d: %s; stderr: %s)", state, seconds,
                   vm ? (int) corral_vm_get_state (vm) : -1,
                   vm ? corral_vm_get_error_message (vm) : "no vm",
                   vm ? corral_vm_get_qemu_stderr (vm) : "");
        }
      corral_test_iterate (100);
    }
}

static gboolean
wait_for_revealed (GtkInfoBar *bar,
                   gboolean    revealed,
                   guint       seconds)
{
  gint64 deadline = g_get_monotonic_time () + seconds * G_USEC_PER_SEC;

  while (gtk_info_bar_get_revealed (bar) != revealed && g_get_monotonic_time () < deadline)
    corral_test_iterate (100);
  return gtk_info_bar_get_revealed (bar) == revealed;
}

/* Whether win.NAME is enabled, as a menu item or button bound to it
 * sees it (GTK 4.8 has no getter for a widget's actions): a probe button
 * inside the window (in the hidden KVM bar) follows the action. */
static gboolean
action_enabled (CorralWindow *window,
                const char   *name)
{
  g_autofree char *detailed = g_strconcat ("win.", name, NULL);
  GtkWidget *probe = gtk_button_new ();
  gboolean enabled;

  gtk_info_bar_add_child (window->kvm_bar, probe);
  gtk_actionable_set_action_name (GTK_ACTIONABLE (probe), detailed);
  corral_test_iterate (50);
  enabled = gtk_widget_get_sensitive (probe);
  gtk_info_bar_remove_child (window->kvm_bar, probe);
  return enabled;
}

static void
test_control_lost_shown (void)
{
  g_autofree char *dir = g_build_filename (g_get_home_dir (), "lost-project", NULL);
  g_autoptr(GFile) file = NULL;
  g_autoptr(CorralProfile) profile = NULL;
  CorralWindow *window;
  GtkWidget *console, *stop_now;
  gint64 begin;
  int pid;

  g_assert_cmpint (g_mkdir_with_parents (dir, 0700), ==, 0);
  profile = corral_profile_load (dir, NULL, NULL);
  corral_profile_set_entrypoint_mode (profile, CORRAL_ENTRYPOINT_SHELL);
  corral_profile_set_memory_mib (profile, 256);
  corral_profile_set_cores (profile, 1);
  corral_profile_set_network (profile, FALSE);
  g_assert_true (corral_profile_save (profile, NULL));

  file = g_file_new_for_path (dir);
  corral_application_open_folder (app, file, FALSE, NULL);
  window = CORRAL_WINDOW (corral_application_find_project (app, dir));
  g_assert_nonnull (window);
  corral_test_wait_mapped (GTK_WIDGET (window));
  wait_for_state (window, CORRAL_VM_STATE_RUNNING, 180);
  console = corral_window_get_console (window, CORRAL_CONSOLE_AGENT);
  wait_for_prompt (console, 180);

  /* All is well: no banner, the QMP operations are offered. Jailed, no
   * network: nothing weakens the containment, nothing to warn about. */
  g_assert_false (gtk_info_bar_get_revealed (window->control_lost_bar));
  g_assert_cmpint (corral_vm_get_confinement (corral_window_get_vm (window)), ==, CORRAL_CONFINEMENT_JAIL);
  g_assert_false (gtk_info_bar_get_revealed (window->security_bar));
  g_assert_true (action_enabled (window, "pause"));
  g_assert_true (action_enabled (window, "reset"));

  pid = corral_vm_get_qemu_pid (corral_window_get_vm (window));
  g_assert_cmpint (pid, >, 0);
  if (!corral_test_shut_qmp_socket (pid))
    {
      g_test_skip ("this process may not take a descriptor from QEMU (ptrace rules)");
      gtk_widget_activate_action (GTK_WIDGET (window), "win.force-off", NULL);
      wait_for_state (window, CORRAL_VM_STATE_STOPPED, 60);
      return;
    }

  /* The window says so, in words, with the way out. */
  g_assert_true (wait_for_revealed (window->control_lost_bar, TRUE, 15));
  g_assert_true (corral_test_wait_for_text (GTK_WIDGET (window->control_lost_bar),
                                            "Corral lost control of this virtual machine", 5));
  g_assert_true (corral_test_wait_for_text (GTK_WIDGET (window->control_lost_bar),
                                            "stopping it ends it at once", 5));
  g_assert_true (gtk_widget_get_mapped (GTK_WIDGET (window->control_lost_bar)));
  /* Not a failure: the guest runs on, no error bar, the header says so. */
  g_assert_false (gtk_info_bar_get_revealed (window->error_bar));
  g_assert_cmpstr (adw_window_title_get_subtitle (window->window_title), ==, "Running");
  /* What needs QMP is no longer offered; Stop is. */
  g_assert_false (action_enabled (window, "pause"));
  g_assert_false (action_enabled (window, "reset"));
  g_assert_true (action_enabled (window, "stop"));
  corral_test_screenshot ("control-lost");

  /* The console still reaches the guest. */
  type (console, "echo still-$((6*7))\r");
  corral_test_wait_for_console (console, "still-42", 60);
  g_assert_true (gtk_info_bar_get_revealed (window->control_lost_bar));

  /* The banner's Stop ends QEMU at once (SIGTERM: no power button to
   * press), not after the power-down timeout, and that is a stop. */
  begin = g_get_monotonic_time ();
  stop_now = corral_test_find_action_button (GTK_WIDGET (window->control_lost_bar), "win.stop");
  g_assert_nonnull (stop_now);
  g_assert_true (gtk_widget_get_mapped (stop_now));
  g_assert_true (gtk_widget_is_sensitive (stop_now));
  g_signal_emit_by_name (stop_now, "clicked");
  wait_for_state (window, CORRAL_VM_STATE_STOPPED, 60);
  g_test_message ("stopped in %.1f s", (g_get_monotonic_time () - begin) / 1e6);
  g_assert_cmpint (g_get_monotonic_time () - begin, <, 15 * G_USEC_PER_SEC);
  g_assert_true (wait_for_revealed (window->control_lost_bar, FALSE, 5));
  g_assert_false (gtk_info_bar_get_revealed (window->error_bar));
  g_assert_cmpstr (adw_window_title_get_subtitle (window->window_title), ==, "Stopped");
  g_assert_cmpint (kill (pid, 0), ==, -1);

  /* The same window starts again, with control. */
  gtk_widget_activate_action (GTK_WIDGET (window), "win.start", NULL);
  wait_for_state (window, CORRAL_VM_STATE_RUNNING, 180);
  g_assert_false (gtk_info_bar_get_revealed (window->control_lost_bar));
  g_assert_true (action_enabled (window, "pause"));
  gtk_widget_activate_action (GTK_WIDGET (window), "win.force-off", NULL);
  wait_for_state (window, CORRAL_VM_STATE_STOPPED, 60);
  g_assert_false (gtk_info_bar_get_revealed (window->control_lost_bar));
  gtk_window_destroy (GTK_WINDOW (window));
  corral_test_iterate (100);
}

/* A project that runs without confinement says so, in the window, for
 * the whole run (and not after it). */
static void
test_unconfined_shown (void)
{
  g_autofree char *dir = g_build_filename (g_get_home_dir (), "unconfined-project", NULL);
  g_autoptr(GFile) file = NULL;
  g_autoptr(CorralProfile) profile = NULL;
  CorralWindow *window;
  CorralVm *vm;

  g_assert_cmpint (g_mkdir_with_parents (dir, 0700), ==, 0);
  profile = corral_profile_load (dir, NULL, NULL);
  corral_profile_set_entrypoint_mode (profile, CORRAL_ENTRYPOINT_SHELL);
  corral_profile_set_memory_mib (profile, 256);
  corral_profile_set_cores (profile, 1);
  corral_profile_set_network (profile, FALSE);
  corral_profile_set_unconfined (profile, TRUE);
  g_assert_true (corral_profile_save (profile, NULL));

  file = g_file_new_for_path (dir);
  corral_application_open_folder (app, file, FALSE, NULL);
  window = CORRAL_WINDOW (corral_application_find_project (app, dir));
  g_assert_nonnull (window);
  corral_test_wait_mapped (GTK_WIDGET (window));
  wait_for_state (window, CORRAL_VM_STATE_RUNNING, 180);
  vm = corral_window_get_vm (window);
  g_assert_cmpint (corral_vm_get_confinement (vm), ==, CORRAL_CONFINEMENT_NONE);

  g_assert_true (wait_for_revealed (window->security_bar, TRUE, 15));
  g_assert_true (gtk_widget_get_mapped (GTK_WIDGET (window->security_bar)));
  g_assert_true (corral_test_wait_for_text (GTK_WIDGET (window->security_bar),
                                            "This project runs without confinement", 5));
  corral_test_screenshot ("unconfined-warning");
  wait_for_prompt (corral_window_get_console (window, CORRAL_CONSOLE_AGENT), 180);
  g_assert_true (gtk_info_bar_get_revealed (window->security_bar));

  gtk_widget_activate_action (GTK_WIDGET (window), "win.force-off", NULL);
  wait_for_state (window, CORRAL_VM_STATE_STOPPED, 60);
  g_assert_true (wait_for_revealed (window->security_bar, FALSE, 5));
  gtk_window_destroy (GTK_WINDOW (window));
  corral_test_iterate (100);
}

/* A project with a small profile, saved. */
static void
prepare_project (const char *dir)
{
  g_autoptr(CorralProfile) profile = NULL;

  g_assert_cmpint (g_mkdir_with_parents (dir, 0700), ==, 0);
  profile = corral_profile_load (dir, NULL, NULL);
  corral_profile_set_entrypoint_mode (profile, CORRAL_ENTRYPOINT_SHELL);
  corral_profile_set_memory_mib (profile, 256);
  corral_profile_set_cores (profile, 1);
  corral_profile_set_network (profile, FALSE);
  g_assert_true (corral_profile_save (profile, NULL));
}

/* Opens @dir's window and waits until its VM runs. */
static CorralWindow *
open_running (const char *dir)
{
  g_autoptr(GFile) file = g_file_new_for_path (dir);
  CorralWindow *window;

  corral_application_open_folder (app, file, FALSE, NULL);
  window = CORRAL_WINDOW (corral_application_find_project (app, dir));
  g_assert_nonnull (window);
  corral_test_wait_mapped (GTK_WIDGET (window));
  wait_for_state (window, CORRAL_VM_STATE_RUNNING, 180);
  wait_for_prompt (corral_window_get_console (window, CORRAL_CONSOLE_AGENT), 180);
  return window;
}

/* The project folder deleted while its VM runs: the window says so
 * (the guest now works on a folder nobody will see), the console still
 * works, the banner's Shut Down stops the guest, the next start says the
 * folder is gone, and with the folder back the window starts it again. */
static void
test_project_missing_shown (void)
{
  g_autofree char *dir = g_build_filename (g_get_home_dir (), "vanishing & co", NULL);
  CorralWindow *window;

  prepare_project (dir);
  window = open_running (dir);
  GtkWidget *console;
  GtkWidget *shut_down;

  console = corral_window_get_console (window, CORRAL_CONSOLE_AGENT);
  g_assert_false (gtk_info_bar_get_revealed (window->project_missing_bar));
  corral_test_remove_tree (dir);
  g_assert_true (wait_for_revealed (window->project_missing_bar, TRUE, 20));
  g_assert_true (corral_test_wait_for_text (GTK_WIDGET (window->project_missing_bar),
                                            "vanishing & co” is gone", 5));
  g_assert_true (corral_test_wait_for_text (GTK_WIDGET (window->project_missing_bar),
                                            "what the agent writes now is lost", 5));
  g_assert_cmpstr (adw_window_title_get_subtitle (window->window_title), ==, "Running");
  g_assert_false (gtk_info_bar_get_revealed (window->error_bar));
  corral_test_screenshot ("project-missing");

  type (console, "echo alive-$((6*7))\r");
  corral_test_wait_for_console (console, "alive-42", 60);

  shut_down = corral_test_find_action_button (GTK_WIDGET (window->project_missing_bar), "win.stop");
  g_assert_nonnull (shut_down);
  g_assert_true (gtk_widget_is_sensitive (shut_down));
  g_signal_emit_by_name (shut_down, "clicked");
  wait_for_state (window, CORRAL_VM_STATE_STOPPED, 120);
  g_assert_true (wait_for_revealed (window->project_missing_bar, FALSE, 5));

  /* Started again without the folder: told why. */
  gtk_widget_activate_action (GTK_WIDGET (window), "win.start", NULL);
  wait_for_state (window, CORRAL_VM_STATE_FAILED, 60);
  g_assert_true (wait_for_revealed (window->error_bar, TRUE, 5));
  g_assert_true (corral_test_wait_for_text (GTK_WIDGET (window->error_bar), "does not exist", 5));

  /* The folder back: the same window starts it. */
  g_assert_cmpint (g_mkdir_with_parents (dir, 0700), ==, 0);
  gtk_widget_activate_action (GTK_WIDGET (window), "win.start", NULL);
  wait_for_state (window, CORRAL_VM_STATE_RUNNING, 180);
  g_assert_false (gtk_info_bar_get_revealed (window->project_missing_bar));
  gtk_widget_activate_action (GTK_WIDGET (window), "win.force-off", NULL);
  wait_for_state (window, CORRAL_VM_STATE_STOPPED, 60);
  gtk_window_destroy (GTK_WINDOW (window));
  corral_test_iterate (100);
}

static gboolean private_mounts;

/* The disk holding the settings is full: opening the project says the
 * settings could not be saved, and so does the settings dialog at a
 * change; the VM starts all the same; with room again, the change is
 * saved. */
static void
test_disk_full_shown (void)
{
  g_autofree char *dir = g_build_filename (g_get_home_dir (), "full-disk project", NULL);
  g_autofree char *profiles = NULL;
  g_autoptr(CorralProfile) reloaded = NULL;
  CorralWindow *window;
  GtkWidget *dialog;

  if (!private_mounts)
    {
      g_test_skip ("a full disk needs root (a tmpfs in a mount namespace of the test's own)");
      return;
    }
  profiles = corral_project_profiles_dir ();
  prepare_project (dir);
  corral_test_fill_disk (profiles);

  {
    g_autoptr(GFile) file = g_file_new_for_path (dir);

    corral_application_open_folder (app, file, FALSE, NULL);
    window = CORRAL_WINDOW (corral_application_find_project (app, dir));
    g_assert_nonnull (window);
  }
  g_assert_true (corral_test_wait_for_text (GTK_WIDGET (window), "settings could not be saved", 10));
  g_assert_true (corral_test_wait_for_text (GTK_WIDGET (window), "No space left on device", 5));
  corral_test_screenshot ("disk-full-window");
  /* The VM starts all the same. */
  wait_for_state (window, CORRAL_VM_STATE_RUNNING, 180);

  gtk_widget_activate_action (GTK_WIDGET (window), "win.settings", NULL);
  dialog = corral_test_find_toplevel (CORRAL_TYPE_SETTINGS_DIALOG);
  g_assert_nonnull (dialog);
  corral_test_wait_mapped (dialog);
  g_object_set (window->profile, "memory-mib", 300, NULL);
  g_assert_true (corral_test_wait_for_text (dialog, "could not be saved", 10));
  corral_test_screenshot ("disk-full-settings");

  /* Room again: the next change is saved. */
  corral_test_unfill_disk (profiles);
  g_object_set (window->profile, "memory-mib", 320, NULL);
  corral_test_iterate (200);
  reloaded = corral_profile_load (dir, NULL, NULL);
  g_assert_cmpuint (corral_profile_get_memory_mib (reloaded), ==, 320);
  gtk_window_destroy (GTK_WINDOW (dialog));
  gtk_widget_activate_action (GTK_WIDGET (window), "win.force-off", NULL);
  wait_for_state (window, CORRAL_VM_STATE_STOPPED, 60);
  gtk_window_destroy (GTK_WINDOW (window));
  corral_test_iterate (100);
}

int
main (int argc, char **argv)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(GSettings) settings = NULL;

  /* Before anything starts a thread (root only). */
  private_mounts = corral_test_private_mounts ();
  g_content_type_set_mime_dirs (NULL);
  g_test_init (&argc, &argv, G_TEST_OPTION_ISOLATE_DIRS, NULL);
  /* The test checks English labels. */
  g_setenv ("LANGUAGE", "C", TRUE);
  g_unsetenv ("ANTHROPIC_API_KEY");

  app = corral_application_new ();
  g_assert_true (g_application_register (G_APPLICATION (app), NULL, &error));
  g_assert_no_error (error);
  g_application_hold (G_APPLICATION (app));
  corral_test_init ();

  settings = g_settings_new (APPLICATION_ID);
  g_assert_nonnull (g_getenv ("CORRAL_TEST_GUEST"));
  g_settings_set_string (settings, "guest-manifest", g_getenv ("CORRAL_TEST_GUEST"));
  g_settings_set_boolean (settings, "start-on-open", TRUE);

  g_test_add_func ("/window/control-lost/shown", test_control_lost_shown);
  g_test_add_func ("/window/project-missing/shown", test_project_missing_shown);
  g_test_add_func ("/window/disk-full/shown", test_disk_full_shown);
  g_test_add_func ("/window/unconfined/shown", test_unconfined_shown);

  return g_test_run ();
}
