/* test-session.c: the agent's session in a project window
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * Real QEMU (the tiny test guest, whose entrypoint each test sets), real
 * Xvfb. An agent that ends leaves the user in control of a running VM: a
 * banner over the console says how it ended (its status, or the signal)
 * and offers Restart Agent, Open Shell and Shut Down; the preference
 * "Shut down when the agent exits" keeps the seed's power-off. Before a
 * start with neither an API key nor the agent's sign-in files, the window
 * says so and offers a key or a sign-in inside the guest.
 */
#include "config.h"

#include <glib/gstdio.h>
#include <adwaita.h>

#include "corral-agent-banner.h"
#include "corral-alert.h"
#include "corral-application.h"
#include "corral-console-view.h"
#include "corral-network-policy.h"
#include "corral-secrets.h"
#include "corral-vm.h"
#include "corral-window-private.h"
#include "app-test-util.h"

#define BOOT 180  /* s: about 4 here, far more on a loaded shared machine */

static CorralApplication *app;
static GSettings *settings;

/* --- helpers ---------------------------------------------------------------- */

static CorralVmState
vm_state (CorralWindow *window)
{
  CorralVm *vm = corral_window_get_vm (window);

  return vm != NULL ? corral_vm_get_state (vm) : CORRAL_VM_STATE_STOPPED;
}

static void
wait_for_state (CorralWindow  *window,
                CorralVmState  state,
                guint          seconds)
{
  gint64 deadline = g_get_monotonic_time () + seconds * G_USEC_PER_SEC;

  while (corral_window_get_vm (window) == NULL || vm_state (window) != state)
    {
      if (g_get_monotonic_time () > deadline)
        {
          CorralVm *vm = corral_window_get_vm (window);
          g_autofree char *text = corral_test_console_text (window->console);

          g_test_message ("console shows:\n%s", text);
          g_test_message ("agent state %d", vm ? (int) corral_vm_get_agent_state (vm) : -1);
          g_error ("VM not in state %d after %u s (now %d: %s)", state, seconds,
                   vm ? (int) corral_vm_get_state (vm) : -1, vm ? corral_vm_get_error_message (vm) : "no vm");
        }
      corral_test_iterate (100);
    }
}

static gboolean
banner_shown (CorralWindow *window)
{
  return corral_agent_banner_get_shown (CORRAL_AGENT_BANNER (window->agent_banner));
}

static void
wait_for_banner (CorralWindow *window,
                 gboolean      shown,
                 guint         seconds)
{
  gint64 deadline = g_get_monotonic_time () + seconds * G_USEC_PER_SEC;

  while (banner_shown (window) != shown)
    {
      if (g_get_monotonic_time () > deadline)
        {
          g_autofree char *text = corral_test_console_text (window->console);
          g_test_message ("console shows:\n%s", text);
          g_error ("the agent banner is %s after %u s", shown ? "not shown" : "still shown", seconds);
        }
      corral_test_iterate (100);
    }
}

/* Clicks the banner's button for @action, as a user would: it must be
 * there, visible and enabled. */
static void
click (GtkWidget  *root,
       const char *action)
{
  GtkWidget *button = corral_test_find_action_button (root, action);
  gint64 deadline = g_get_monotonic_time () + 10 * G_USEC_PER_SEC;

  g_assert_nonnull (button);
  /* A bar that was just revealed maps its buttons a frame later. */
  while (!gtk_widget_get_mapped (button) && g_get_monotonic_time () < deadline)
    corral_test_iterate (50);
  g_assert_true (gtk_widget_get_mapped (button));
  g_assert_true (gtk_widget_is_sensitive (button));
  g_signal_emit_by_name (button, "clicked");
}

static void
type (GtkWidget  *console,
      const char *text)
{
  vte_terminal_feed_child (corral_console_view_get_terminal (CORRAL_CONSOLE_VIEW (console)), text, -1);
}

static char *
read_runs (const char *dir)
{
  g_autofree char *path = g_build_filename (dir, "runs", NULL);
  char *text = NULL;

  g_file_get_contents (path, &text, NULL, NULL);
  return text != NULL ? text : g_strdup ("");
}

/* A project whose entrypoint is @command (a custom command). */
static CorralWindow *
open_project (const char *name,
              const char *command)
{
  g_autofree char *dir = g_build_filename (g_get_home_dir (), name, NULL);
  g_autoptr(CorralProfile) profile = NULL;
  g_autoptr(GFile) file = NULL;
  CorralWindow *window;

  g_assert_cmpint (g_mkdir_with_parents (dir, 0700), ==, 0);
  profile = corral_profile_load (dir, NULL, NULL);
  if (command != NULL)
    {
      corral_profile_set_entrypoint_mode (profile, CORRAL_ENTRYPOINT_CUSTOM);
      corral_profile_set_custom_command (profile, command);
    }
  corral_profile_set_memory_mib (profile, 256);
  corral_profile_set_cores (profile, 1);
  corral_profile_set_network (profile, FALSE);
  g_assert_true (corral_profile_save (profile, NULL));

  file = g_file_new_for_path (dir);
  corral_application_open_folder (app, file, FALSE, NULL);
  window = CORRAL_WINDOW (corral_application_find_project (app, dir));
  g_assert_nonnull (window);
  corral_test_wait_mapped (GTK_WIDGET (window));
  return window;
}

static void
close_window (CorralWindow *window)
{
  if (vm_state (window) != CORRAL_VM_STATE_STOPPED && vm_state (window) != CORRAL_VM_STATE_FAILED)
    {
      gtk_widget_activate_action (GTK_WIDGET (window), "win.force-off", NULL);
      wait_for_state (window, CORRAL_VM_STATE_STOPPED, 60);
    }
  gtk_window_destroy (GTK_WINDOW (window));
  corral_test_iterate (100);
}

/* --- when the agent ends ------------------------------------------------------ */

/* Exit 3: the banner says so with the 3, the VM runs on. Restart runs the
 * entrypoint again (a second run marker), Open Shell gives a prompt on
 * the console, Shut Down powers the VM off cleanly. */
static void
test_agent_ends (void)
{
  CorralWindow *window = open_project ("ends", "echo run >> /project/runs; echo RUN-MARK; exit 3");
  const char *project = corral_window_get_project_path (window);
  GtkWidget *banner = window->agent_banner;
  g_autofree char *runs = NULL;
  const char *text;

  wait_for_state (window, CORRAL_VM_STATE_RUNNING, BOOT);
  wait_for_banner (window, TRUE, BOOT);
  text = corral_agent_banner_get_text (CORRAL_AGENT_BANNER (banner));
  g_assert_cmpstr (text, ==, "The command exited with status 3.");
  g_assert_true (corral_test_wait_for_text (banner, "The command exited with status 3.", 5));
  g_assert_true (corral_test_wait_for_text (banner, "The virtual machine is still running.", 5));
  /* Over the console, visible. */
  g_assert_true (gtk_widget_is_ancestor (banner, window->console));
  g_assert_true (gtk_widget_get_mapped (banner));
  corral_test_wait_for_console (window->console, "RUN-MARK", 30);
  corral_test_screenshot ("agent-ended");
  /* The VM keeps running: no error, no power-off. */
  corral_test_iterate (2000);
  g_assert_cmpint (vm_state (window), ==, CORRAL_VM_STATE_RUNNING);
  g_assert_false (gtk_info_bar_get_revealed (window->error_bar));
  g_assert_cmpstr (adw_window_title_get_subtitle (window->window_title), ==, "Running");
  runs = read_runs (project);
  g_assert_cmpstr (runs, ==, "run\n");
  g_clear_pointer (&runs, g_free);

  /* Restart Agent: the same command again, without a reboot. */
  click (banner, "win.restart-agent");
  wait_for_banner (window, FALSE, 30);
  wait_for_banner (window, TRUE, 60);
  runs = read_runs (project);
  g_assert_cmpstr (runs, ==, "run\nrun\n");
  g_assert_cmpstr (corral_agent_banner_get_text (CORRAL_AGENT_BANNER (banner)), ==,
                   "The command exited with status 3.");

  /* Open Shell: a shell on the agent console, as --shell gives. */
  click (banner, "win.agent-shell");
  wait_for_banner (window, FALSE, 30);
  corral_test_wait_for_console (window->console, "sandbox:/project", 60);
  corral_test_iterate (500);
  type (window->console, "echo shell-$((6*7))\r");
  corral_test_wait_for_console (window->console, "shell-42", 30);
  g_assert_true (gtk_widget_has_focus (GTK_WIDGET (corral_console_view_get_terminal (CORRAL_CONSOLE_VIEW (window->console)))));
  corral_test_screenshot ("agent-shell");
  type (window->console, "exit 0\r");
  wait_for_banner (window, TRUE, 60);
  g_assert_cmpstr (corral_agent_banner_get_text (CORRAL_AGENT_BANNER (banner)), ==,
                   "The shell exited normally (status 0).");

  /* Shut Down: the VM powers off, and that is a stop. */
  click (banner, "win.stop");
  wait_for_state (window, CORRAL_VM_STATE_STOPPED, 60);
  g_assert_null (corral_vm_get_error_message (corral_window_get_vm (window)));
  g_assert_false (banner_shown (window));
  g_assert_cmpstr (adw_window_title_get_subtitle (window->window_title), ==, "Stopped");
  close_window (window);
}

/* An entrypoint killed by a signal: the banner names it. */
static void
test_agent_killed (void)
{
  CorralWindow *window = open_project ("killed", "echo about-to-die; kill -TERM $$");

  wait_for_state (window, CORRAL_VM_STATE_RUNNING, BOOT);
  wait_for_banner (window, TRUE, BOOT);
  g_assert_cmpstr (corral_agent_banner_get_text (CORRAL_AGENT_BANNER (window->agent_banner)), ==,
                   "The command was killed by signal 15 (SIGTERM).");
  g_assert_true (corral_test_wait_for_text (window->agent_banner, "SIGTERM", 5));
  corral_test_screenshot ("agent-killed");
  close_window (window);
}

/* "Shut down when the agent exits": the seed's behaviour, no banner. */
static void
test_shutdown_preference (void)
{
  CorralWindow *window;

  g_settings_set_boolean (settings, "shutdown-on-agent-exit", TRUE);
  window = open_project ("shuts-down", "echo bye; exit 3");
  wait_for_state (window, CORRAL_VM_STATE_RUNNING, BOOT);
  wait_for_state (window, CORRAL_VM_STATE_STOPPED, BOOT);
  g_assert_null (corral_vm_get_error_message (corral_window_get_vm (window)));
  g_assert_false (banner_shown (window));
  g_assert_false (gtk_info_bar_get_revealed (window->error_bar));
  corral_test_wait_for_console (window->console, "bye", 5);
  g_settings_reset (settings, "shutdown-on-agent-exit");
  close_window (window);
}

/* --- before the first start ------------------------------------------------- */

static void
stored_cb (GObject *source, GAsyncResult *result, gpointer data)
{
  g_assert_true (corral_secrets_store_finish (result, NULL));
  *(gboolean *) data = TRUE;
}

static void
store_key (const char *key)
{
  gboolean done = FALSE;

  corral_secrets_store_async (CORRAL_SECRET_API_KEY, key, NULL, stored_cb, &done);
  corral_test_wait_for_flag (&done, 20);
}

static void
lookup_cb (GObject *source, GAsyncResult *result, gpointer data)
{
  char **out = data;

  *out = corral_secrets_lookup_finish (result, NULL);
  if (*out == NULL)
    *out = g_strdup ("");
}

static char *
lookup_key (void)
{
  char *key = NULL;

  corral_secrets_lookup_async (CORRAL_SECRET_API_KEY, NULL, lookup_cb, &key);
  while (key == NULL)
    corral_test_iterate (50);
  return key;
}

static gboolean
wait_for_start_or_notice (CorralWindow *window)
{
  gint64 deadline = g_get_monotonic_time () + 30 * G_USEC_PER_SEC;

  while (g_get_monotonic_time () < deadline)
    {
      if (gtk_info_bar_get_revealed (window->signin_bar))
        return FALSE;
      if (vm_state (window) == CORRAL_VM_STATE_STARTING || vm_state (window) == CORRAL_VM_STATE_RUNNING)
        return TRUE;
      corral_test_iterate (100);
    }
  g_error ("neither a start nor the sign-in notice");
}

/* A fresh home, no key, no sign-in: the notice, before any start. It
 * offers a key (kept in the keyring, then the VM starts with it) or a
 * start without one. */
static void
test_sign_in_notice (void)
{
  CorralWindow *window;
  g_autofree char *stored = NULL;

  window = open_project ("fresh", NULL);  /* the agent */
  g_assert_false (wait_for_start_or_notice (window));
  g_assert_true (corral_test_wait_for_text (GTK_WIDGET (window->signin_bar), "no way to sign in", 5));
  g_assert_true (corral_test_wait_for_text (GTK_WIDGET (window->signin_bar), "no Anthropic API key", 5));
  g_assert_true (corral_test_wait_for_text (GTK_WIDGET (window->signin_bar), "browser on its display", 5));
  g_assert_true (gtk_widget_get_mapped (GTK_WIDGET (window->signin_bar)));
  g_assert_nonnull (corral_test_find_action_button (GTK_WIDGET (window->signin_bar), "win.enter-api-key"));
  /* Nothing started: no QEMU. */
  g_assert_cmpint (vm_state (window), ==, CORRAL_VM_STATE_STOPPED);
  g_assert_cmpint (corral_vm_get_qemu_pid (corral_window_get_vm (window)), ==, 0);
  corral_test_screenshot ("sign-in-notice");

  /* Enter API Key…: a field; Save stores it in the keyring and starts. */
  click (GTK_WIDGET (window->signin_bar), "win.enter-api-key");
  {
    GtkWidget *dialog = NULL;
    GtkWidget *entry;
    gint64 deadline = g_get_monotonic_time () + 10 * G_USEC_PER_SEC;

    while ((dialog = corral_alert_get_shown (GTK_WINDOW (window))) == NULL &&
           g_get_monotonic_time () < deadline)
      corral_test_iterate (50);
    g_assert_nonnull (dialog);
    corral_test_wait_mapped (dialog);
    entry = g_object_get_data (G_OBJECT (dialog), "corral-entry");
    g_assert_true (ADW_IS_PASSWORD_ENTRY_ROW (entry));
    g_assert_true (gtk_widget_is_ancestor (entry, corral_alert_get_extra_child (dialog)));
    corral_test_screenshot ("sign-in-enter-key");
    gtk_editable_set_text (GTK_EDITABLE (entry), "sk-ant-entered-at-first-start");
    corral_test_click_button (dialog, "_Save and Start");
    corral_test_iterate (200);
    g_assert_null (corral_alert_get_shown (GTK_WINDOW (window)));
  }
  wait_for_state (window, CORRAL_VM_STATE_RUNNING, BOOT);
  g_assert_false (gtk_info_bar_get_revealed (window->signin_bar));
  stored = lookup_key ();
  g_assert_cmpstr (stored, ==, "sk-ant-entered-at-first-start");
  /* ...and the VM got it: the key stays with Corral's proxy on the host,
   * the guest's metadata has the placeholder it swaps (only with a key). */
  {
    g_autofree char *meta = g_build_filename (corral_vm_get_run_dir (corral_window_get_vm (window)),
                                              "meta", "apikey", NULL);
    g_autofree char *key = NULL;

    g_assert_true (g_file_get_contents (meta, &key, NULL, NULL));
    g_assert_cmpstr (key, ==, CORRAL_PROXY_PLACEHOLDER_KEY);
  }
  close_window (window);
  store_key (NULL);
}

/* Start and Sign In: the VM starts without a key; the agent runs (here
 * the tiny guest has no `claude`: the banner shows what became of it). */
static void
test_sign_in_start_anyway (void)
{
  CorralWindow *window = open_project ("sign-in-inside", NULL);

  g_assert_false (wait_for_start_or_notice (window));
  click (GTK_WIDGET (window->signin_bar), "win.start-and-sign-in");
  wait_for_state (window, CORRAL_VM_STATE_RUNNING, BOOT);
  g_assert_false (gtk_info_bar_get_revealed (window->signin_bar));
  wait_for_banner (window, TRUE, BOOT);
  g_assert_true (corral_test_wait_for_text (window->agent_banner, "The agent exited with status 127.", 5));
  close_window (window);
}

/* No notice when the keyring has a key, or when ~/.claude holds the
 * agent's sign-in. */
static void
test_no_notice_with_key_or_sign_in (void)
{
  CorralWindow *window;
  const CorralHost *host;
  g_autofree char *claude = NULL;
  g_autofree char *credentials = NULL;

  store_key ("sk-ant-already-there");
  window = open_project ("has-key", NULL);
  g_assert_true (wait_for_start_or_notice (window));
  g_assert_false (gtk_info_bar_get_revealed (window->signin_bar));
  /* (Running before the Force Off: one during the jail's start-up could
   * leave QEMU behind, see /vm/force-off-early.) */
  wait_for_state (window, CORRAL_VM_STATE_RUNNING, BOOT);
  close_window (window);
  store_key (NULL);

  window = open_project ("has-sign-in", NULL);
  g_assert_false (wait_for_start_or_notice (window));
  gtk_info_bar_response (window->signin_bar, GTK_RESPONSE_CLOSE);
  g_assert_false (gtk_info_bar_get_revealed (window->signin_bar));
  host = corral_context_get_host (corral_window_get_context (window));
  claude = g_build_filename (host->home, ".claude", NULL);
  credentials = g_build_filename (claude, ".credentials.json", NULL);
  g_assert_cmpint (g_mkdir_with_parents (claude, 0700), ==, 0);
  g_assert_true (g_file_set_contents (credentials, "{\"claudeAiOauth\":{}}", -1, NULL));
  gtk_widget_activate_action (GTK_WIDGET (window), "win.start", NULL);
  g_assert_true (wait_for_start_or_notice (window));
  g_assert_false (gtk_info_bar_get_revealed (window->signin_bar));
  wait_for_state (window, CORRAL_VM_STATE_RUNNING, BOOT);
  close_window (window);
  g_unlink (credentials);
}

int
main (int argc, char **argv)
{
  g_autoptr(GError) error = NULL;

  g_content_type_set_mime_dirs (NULL);
  g_test_init (&argc, &argv, G_TEST_OPTION_ISOLATE_DIRS, NULL);
  /* The test checks English words. */
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

  g_test_add_func ("/session/agent-ends", test_agent_ends);
  g_test_add_func ("/session/agent-killed", test_agent_killed);
  g_test_add_func ("/session/shutdown-preference", test_shutdown_preference);
  g_test_add_func ("/session/sign-in/notice", test_sign_in_notice);
  g_test_add_func ("/session/sign-in/start-anyway", test_sign_in_start_anyway);
  g_test_add_func ("/session/sign-in/not-needed", test_no_notice_with_key_or_sign_in);

  return g_test_run ();
}
