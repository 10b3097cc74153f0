/* test-window.c: the application and its windows, without a VM
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * Runs under tests/gui-wrapper.sh (own Xvfb, own D-Bus session), so this
 * process is the primary instance and `corral DIR` launched from here is a
 * second launch that forwards its command line to it, as on a desktop.
 */
#include "config.h"

#include <glib/gstdio.h>
#include <adwaita.h>

#include "corral-alert.h"
#include "corral-application.h"
#include "corral-network-log.h"
#include "corral-network-panel.h"
#include "corral-network-settings.h"
#include "corral-settings-dialog.h"
#include "corral-window-private.h"
#include "gui-test-util.h"

static CorralApplication *app;

static char *
make_dir (const char *name)
{
  char *path = g_build_filename (g_get_home_dir (), name, NULL);

  g_assert_cmpint (g_mkdir_with_parents (path, 0700), ==, 0);
  return path;
}

static void
close_all_windows (void)
{
  GList *windows = g_list_copy (gtk_application_get_windows (GTK_APPLICATION (app)));

  for (GList *l = windows; l != NULL; l = l->next)
    gtk_window_destroy (l->data);
  g_list_free (windows);
  /* Dialogs (not application windows) too. */
  {
    GListModel *toplevels = gtk_window_get_toplevels ();
    while (g_list_model_get_n_items (toplevels) > 0)
      {
        g_autoptr(GtkWindow) w = g_list_model_get_item (toplevels, 0);
        gtk_window_destroy (w);
      }
  }
  corral_test_iterate (100);
}

static CorralWindow *
project_window (const char *path)
{
  GtkWindow *window = corral_application_find_project (app, path);

  return window != NULL ? CORRAL_WINDOW (window) : NULL;
}

static guint
count_corral_windows (void)
{
  guint n = 0;

  for (GList *l = gtk_application_get_windows (GTK_APPLICATION (app)); l != NULL; l = l->next)
    if (CORRAL_IS_WINDOW (l->data))
      n++;
  return n;
}

static CorralWindow *
new_start_window (void)
{
  CorralWindow *window;

  g_application_activate (G_APPLICATION (app));
  window = CORRAL_WINDOW (gtk_application_get_active_window (GTK_APPLICATION (app)));
  g_assert_nonnull (window);
  g_assert_null (corral_window_get_project_path (window));
  corral_test_wait_mapped (GTK_WIDGET (window));
  return window;
}

/* Runs `corral ARGS...` as a second process and waits for it to exit. */
static int
run_second_instance (const char *arg, ...)
{
  g_autoptr(GPtrArray) argv = g_ptr_array_new ();
  g_autoptr(GError) error = NULL;
  GPid pid;
  int status = -1;
  gboolean done = FALSE;
  va_list ap;

  g_ptr_array_add (argv, (char *) g_getenv ("CORRAL_BIN"));
  va_start (ap, arg);
  for (const char *a = arg; a != NULL; a = va_arg (ap, const char *))
    g_ptr_array_add (argv, (char *) a);
  va_end (ap);
  g_ptr_array_add (argv, NULL);

  g_assert_true (g_spawn_async (NULL, (char **) argv->pdata, NULL, G_SPAWN_DO_NOT_REAP_CHILD,
                                NULL, NULL, &pid, &error));
  g_assert_no_error (error);
  corral_test_watch_child (pid, &status, &done);
  /* The command line is handled here, in the primary: keep iterating. */
  corral_test_wait_for_flag (&done, 30);
  return status;
}

static void
test_start_page_lists_saved (void)
{
  g_autofree char *old = make_dir ("older-project");
  g_autofree char *new = make_dir ("newer-project");
  g_autoptr(CorralProfile) p1 = corral_profile_load (old, NULL, NULL);
  g_autoptr(CorralProfile) p2 = corral_profile_load (new, NULL, NULL);
  CorralWindow *window;
  GtkWidget *row;

  corral_profile_set_last_used (p1, 1000000000);
  corral_profile_set_last_used (p2, 1700000000);
  g_assert_true (corral_profile_save (p1, NULL));
  g_assert_true (corral_profile_save (p2, NULL));

  window = new_start_window ();
  g_assert_true (gtk_widget_get_mapped (window->recent_box));
  corral_test_screenshot ("start-page");

  /* Newest first, by folder name, with the path underneath. */
  row = gtk_widget_get_first_child (GTK_WIDGET (window->recent_list));
  g_assert_cmpstr (adw_preferences_row_get_title (ADW_PREFERENCES_ROW (row)), ==, "newer-project");
  g_assert_nonnull (strstr (adw_action_row_get_subtitle (ADW_ACTION_ROW (row)), "newer-project"));
  row = gtk_widget_get_next_sibling (row);
  g_assert_cmpstr (adw_preferences_row_get_title (ADW_PREFERENCES_ROW (row)), ==, "older-project");
  g_assert_null (gtk_widget_get_next_sibling (row));

  /* Clicking a recent project opens it in this window. */
  g_signal_emit_by_name (window->recent_list, "row-activated", row);
  g_assert_cmpstr (corral_window_get_project_path (window), ==, old);
  g_assert_cmpstr (gtk_stack_get_visible_child_name (window->stack), ==, "project");

  close_all_windows ();
}

static void
test_start_page_empty (void)
{
  CorralWindow *window = new_start_window ();

  /* No saved project: no empty "Recent" list, just the Open button. */
  g_assert_false (gtk_widget_get_visible (window->recent_box));
  g_assert_true (gtk_widget_get_mapped (gtk_widget_get_first_child (gtk_widget_get_parent (window->recent_box))));
  close_all_windows ();
}

static void
test_open_from_command_line (void)
{
  g_autofree char *dir = make_dir ("cli-project");
  g_autofree char *file = g_build_filename (g_get_home_dir (), "notes.txt", NULL);
  CorralWindow *window;

  g_assert_cmpint (run_second_instance (dir, NULL), ==, 0);
  window = project_window (dir);
  g_assert_nonnull (window);
  corral_test_wait_mapped (GTK_WIDGET (window));
  g_assert_cmpstr (gtk_window_get_title (GTK_WINDOW (window)), ==, "cli-project");
  g_assert_cmpstr (adw_window_title_get_title (window->window_title), ==, "cli-project");
  g_assert_cmpstr (gtk_stack_get_visible_child_name (window->stack), ==, "project");

  /* A file is not a project: the shell hears it, the window shows it. */
  g_assert_true (g_file_set_contents (file, "x", -1, NULL));
  g_assert_cmpint (run_second_instance (file, NULL), ==, 0);
  g_assert_cmpuint (count_corral_windows (), ==, 1);
  g_assert_true (corral_test_wait_for_text (GTK_WIDGET (window), "is a file, not a folder", 5));

  close_all_windows ();
}

static void
test_second_launch_presents (void)
{
  g_autofree char *a = make_dir ("project-a");
  g_autofree char *b = make_dir ("project-b");
  g_autofree char *a_link = g_build_filename (g_get_home_dir (), "link-to-a", NULL);
  CorralWindow *wa, *wb;

  g_assert_cmpint (run_second_instance (a, NULL), ==, 0);
  g_assert_cmpint (run_second_instance (b, NULL), ==, 0);
  wa = project_window (a);
  wb = project_window (b);
  g_assert_nonnull (wa);
  g_assert_nonnull (wb);
  g_assert_true (wa != wb);
  corral_test_wait_mapped (GTK_WIDGET (wb));
  g_assert_true (corral_test_wait_active (GTK_WINDOW (wb), 5));

  /* Again, through a symlink: the same project, the same window, raised. */
  g_assert_cmpint (symlink (a, a_link), ==, 0);
  g_assert_cmpint (run_second_instance (a_link, NULL), ==, 0);
  g_assert_cmpuint (count_corral_windows (), ==, 2);
  g_assert_true (project_window (a) == wa);
  g_assert_true (corral_test_wait_active (GTK_WINDOW (wa), 5));

  close_all_windows ();
}

static void
drop (CorralWindow *window,
      GFile        *file)
{
  g_autoptr(GSList) list = g_slist_prepend (NULL, file);
  g_auto(GValue) value = G_VALUE_INIT;
  gboolean accepted = FALSE;

  /* What GTK hands the drop target's handler after a real drop. */
  g_value_init (&value, GDK_TYPE_FILE_LIST);
  g_value_take_boxed (&value, gdk_file_list_new_from_list (list));
  g_signal_emit_by_name (window->drop_target, "drop", &value, 20.0, 20.0, &accepted);
}

static void
test_drop_folder_opens (void)
{
  g_autofree char *dir = make_dir ("dropped-project");
  g_autoptr(GFile) file = g_file_new_for_path (dir);
  CorralWindow *window = new_start_window ();

  drop (window, file);
  g_assert_cmpstr (corral_window_get_project_path (window), ==, dir);
  g_assert_cmpstr (gtk_stack_get_visible_child_name (window->stack), ==, "project");
  g_assert_cmpuint (count_corral_windows (), ==, 1);
  /* And it is remembered: the next start page lists it. */
  {
    g_autoptr(GPtrArray) saved = corral_profile_list_saved ();
    g_assert_cmpuint (saved->len, ==, 1);
    g_assert_cmpstr (corral_profile_get_project_path (g_ptr_array_index (saved, 0)), ==, dir);
  }
  close_all_windows ();
}

static void
test_drop_file_refused (void)
{
  g_autofree char *path = g_build_filename (g_get_home_dir (), "report.pdf", NULL);
  g_autoptr(GFile) file = g_file_new_for_path (path);
  CorralWindow *window = new_start_window ();

  g_assert_cmpint (g_mkdir_with_parents (g_get_home_dir (), 0700), ==, 0);
  g_assert_true (g_file_set_contents (path, "%PDF", -1, NULL));
  drop (window, file);
  g_assert_null (corral_window_get_project_path (window));
  g_assert_cmpstr (gtk_stack_get_visible_child_name (window->stack), ==, "start");
  g_assert_true (corral_test_wait_for_text (GTK_WIDGET (window), "“report.pdf” is not a folder", 5));
  corral_test_screenshot ("drop-file-refused");
  close_all_windows ();
}

static void
test_drop_on_project_offers_new_window (void)
{
  g_autofree char *first = make_dir ("first");
  g_autofree char *second = make_dir ("second");
  g_autoptr(GFile) first_file = g_file_new_for_path (first);
  g_autoptr(GFile) file = g_file_new_for_path (second);
  CorralWindow *window = new_start_window ();
  GtkWidget *alert;

  drop (window, first_file);
  g_assert_cmpstr (corral_window_get_project_path (window), ==, first);

  /* A project window keeps its project: the other folder is offered. */
  drop (window, file);
  g_assert_cmpstr (corral_window_get_project_path (window), ==, first);
  alert = corral_alert_get_shown (GTK_WINDOW (window));
  g_assert_nonnull (alert);
  corral_test_wait_mapped (alert);
  /* It names the folder. */
  g_assert_true (corral_test_wait_for_text (alert, "“second”", 5));
  corral_test_click_button (alert, "_Open in New Window");
  corral_test_iterate (50);
  g_assert_null (corral_alert_get_shown (GTK_WINDOW (window)));
  g_assert_nonnull (project_window (second));
  g_assert_true (project_window (second) != window);
  g_assert_cmpuint (count_corral_windows (), ==, 2);
  close_all_windows ();
}

static GtkWidget *
child (GtkWidget  *dialog,
       const char *name)
{
  GObject *object = gtk_widget_get_template_child (dialog, CORRAL_TYPE_SETTINGS_DIALOG, name);

  g_assert_nonnull (object);
  return GTK_WIDGET (object);
}

static GtkWidget *
network_child (GtkWidget  *dialog,
               const char *name)
{
  GtkWidget *page = corral_test_find_descendant (dialog, CORRAL_TYPE_NETWORK_SETTINGS);
  GObject *object;

  g_assert_nonnull (page);
  object = gtk_widget_get_template_child (page, CORRAL_TYPE_NETWORK_SETTINGS, name);
  g_assert_nonnull (object);
  return GTK_WIDGET (object);
}

static void
test_settings_dialog_saves (void)
{
  g_autofree char *dir = make_dir ("configured");
  g_autoptr(GFile) file = g_file_new_for_path (dir);
  g_autoptr(GKeyFile) kf = g_key_file_new ();
  g_autoptr(GError) error = NULL;
  g_autoptr(CorralProfile) reloaded = NULL;
  CorralWindow *window;
  GtkWidget *dialog;
  const CorralHost *host = corral_context_get_host (corral_application_get_context (app));
  GtkAdjustment *memory;
  const char * const *args;

  corral_application_open_folder (app, file, FALSE, NULL);
  window = project_window (dir);
  g_assert_nonnull (window);

  gtk_widget_activate_action (GTK_WIDGET (window), "win.settings", NULL);
  dialog = corral_test_find_toplevel (CORRAL_TYPE_SETTINGS_DIALOG);
  g_assert_nonnull (dialog);
  corral_test_wait_mapped (dialog);

  /* Bounded by this computer. */
  memory = gtk_spin_button_get_adjustment (GTK_SPIN_BUTTON (child (dialog, "memory_spin")));
  g_assert_cmpfloat (gtk_adjustment_get_upper (memory), ==, (double) (host->ram_bytes / (1024 * 1024)));
  g_assert_cmpfloat (gtk_adjustment_get_upper (gtk_spin_button_get_adjustment (GTK_SPIN_BUTTON (child (dialog, "cores_spin")))),
                     ==, (double) host->n_cpus);

  /* The user changes things; each lands in the file, no Apply. */
  gtk_spin_button_set_value (GTK_SPIN_BUTTON (child (dialog, "memory_spin")), 1024);
  gtk_spin_button_set_value (GTK_SPIN_BUTTON (child (dialog, "cores_spin")), 1);
  adw_combo_row_set_selected (ADW_COMBO_ROW (network_child (dialog, "network_row")), CORRAL_NETWORK_OFF);
  gtk_switch_set_active (GTK_SWITCH (child (dialog, "share_ssh_switch")), FALSE);
  gtk_switch_set_active (GTK_SWITCH (child (dialog, "forward_gh_token_switch")), TRUE);
  gtk_editable_set_text (GTK_EDITABLE (child (dialog, "agent_args_row")), "--model opus 'two words'");
  adw_combo_row_set_selected (ADW_COMBO_ROW (child (dialog, "entrypoint_row")), CORRAL_ENTRYPOINT_SHELL);
  corral_test_iterate (20);
  /* Agent rows make no sense for a shell. */
  g_assert_false (gtk_widget_get_visible (child (dialog, "agent_args_row")));

  corral_test_screenshot ("settings-dialog");

  g_assert_true (g_key_file_load_from_file (kf, corral_profile_get_file_path (window->profile), 0, &error));
  g_assert_no_error (error);
  reloaded = corral_profile_load (dir, NULL, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (corral_profile_get_memory_mib (reloaded), ==, 1024);
  g_assert_cmpuint (corral_profile_get_cores (reloaded), ==, 1);
  g_assert_false (corral_profile_get_network (reloaded));
  g_assert_true (corral_profile_get_forward_gh_token (reloaded));
  g_assert_cmpint (corral_profile_get_entrypoint_mode (reloaded), ==, CORRAL_ENTRYPOINT_SHELL);
  g_assert_cmpuint (corral_profile_get_shares (reloaded), ==, CORRAL_SHARES_DEFAULT & ~CORRAL_SHARE_SSH);
  args = corral_profile_get_agent_args (reloaded);
  g_assert_cmpuint (g_strv_length ((char **) args), ==, 3);
  g_assert_cmpstr (args[2], ==, "two words");

  /* While the VM runs, a change says when it applies. */
  g_object_set (dialog, "vm-running", TRUE, NULL);
  adw_combo_row_set_selected (ADW_COMBO_ROW (network_child (dialog, "network_row")), CORRAL_NETWORK_FULL);
  g_assert_true (corral_test_wait_for_text (dialog, "next time the virtual machine starts", 5));

  close_all_windows ();
}


/* The network page: the mode, the agent's hosts, the presets, the hosts
 * a person adds (checked as typed) and removes; all saved at once. */
static void
test_network_settings (void)
{
  g_autofree char *dir = make_dir ("network-settings");
  g_autoptr(GFile) file = g_file_new_for_path (dir);
  g_autoptr(CorralProfile) reloaded = NULL;
  CorralWindow *window;
  GtkWidget *dialog, *entry;

  corral_application_open_folder (app, file, FALSE, NULL);
  window = project_window (dir);
  g_assert_nonnull (window);
  /* The header says the mode: a new project's is the allowlist */
  g_assert_true (gtk_widget_get_visible (window->network_button));
  g_assert_cmpstr (gtk_label_get_label (window->network_label), ==, "Allowlist");

  gtk_widget_activate_action (GTK_WIDGET (window), "win.network-settings", NULL);
  dialog = corral_test_find_toplevel (CORRAL_TYPE_SETTINGS_DIALOG);
  g_assert_nonnull (dialog);
  corral_test_wait_mapped (dialog);
  g_assert_cmpstr (adw_preferences_window_get_visible_page_name (ADW_PREFERENCES_WINDOW (dialog)), ==, "network");
  g_assert_cmpuint (adw_combo_row_get_selected (ADW_COMBO_ROW (network_child (dialog, "network_row"))), ==,
                    CORRAL_NETWORK_ALLOWLIST);
  g_assert_true (corral_test_wait_for_text (dialog, "api.anthropic.com, claude.ai", 5));
  g_assert_true (corral_test_wait_for_text (dialog, "registry.npmjs.org", 5));

  /* A host, as a person may type it: kept in its canonical form */
  entry = network_child (dialog, "allow_entry_row");
  gtk_editable_set_text (GTK_EDITABLE (entry), " https://Internal.Example.COM/repo ");
  g_signal_emit_by_name (entry, "apply");
  corral_test_iterate (50);
  g_assert_cmpstr (gtk_editable_get_text (GTK_EDITABLE (entry)), ==, "");
  g_assert_true (corral_test_wait_for_text (dialog, "internal.example.com", 5));
  gtk_editable_set_text (GTK_EDITABLE (entry), "*.corp.example:8443");
  g_signal_emit_by_name (entry, "apply");
  /* An address is refused, with the reason, and the text stays to fix */
  gtk_editable_set_text (GTK_EDITABLE (entry), "10.1.2.3");
  g_signal_emit_by_name (entry, "apply");
  g_assert_true (gtk_widget_has_css_class (entry, "error"));
  g_assert_true (corral_test_wait_for_text (dialog, "IP addresses cannot be allowed", 5));
  g_assert_cmpstr (gtk_editable_get_text (GTK_EDITABLE (entry)), ==, "10.1.2.3");
  corral_profile_set_network_preset (window->profile, "pypi", FALSE);
  corral_test_iterate (100);
  corral_test_screenshot ("settings-network");

  reloaded = corral_profile_load (dir, NULL, NULL);
  g_assert_cmpuint (g_strv_length ((char **) corral_profile_get_network_allow (reloaded)), ==, 2);
  g_assert_cmpstr (corral_profile_get_network_allow (reloaded)[0], ==, "internal.example.com");
  g_assert_cmpstr (corral_profile_get_network_allow (reloaded)[1], ==, "*.corp.example:8443");
  g_assert_false (corral_profile_get_network_preset (reloaded, "pypi"));
  g_assert_true (corral_profile_get_network_preset (reloaded, "github"));

  /* Full: the lists keep their values but are greyed out; the header says so */
  adw_combo_row_set_selected (ADW_COMBO_ROW (network_child (dialog, "network_row")), CORRAL_NETWORK_FULL);
  corral_test_iterate (50);
  g_assert_false (gtk_widget_get_sensitive (network_child (dialog, "allow_group")));
  g_assert_cmpstr (gtk_label_get_label (window->network_label), ==, "Full");

  close_all_windows ();
}

/* The network panel: what the guest tried to reach, and Allow on a
 * refused host adds it to the project's allowlist, saved. */
static void
test_network_panel (void)
{
  g_autofree char *dir = make_dir ("network-panel");
  g_autoptr(GFile) file = g_file_new_for_path (dir);
  g_autoptr(CorralNetworkLog) log = corral_network_log_new ();
  g_autoptr(CorralProfile) reloaded = NULL;
  CorralWindow *window;
  GtkWidget *button = NULL;

  corral_application_open_folder (app, file, FALSE, NULL);
  window = project_window (dir);
  g_assert_nonnull (window);
  gtk_toggle_button_set_active (GTK_TOGGLE_BUTTON (window->network_button), TRUE);
  g_assert_true (corral_test_wait_for_text (window->network_panel, "Nothing Yet", 5));

  /* What a run's proxy reports (as CorralVm's log does) */
  corral_network_panel_set_log (CORRAL_NETWORK_PANEL (window->network_panel), log);
  corral_network_log_record (log, "api.anthropic.com", 443, TRUE, NULL);
  corral_network_log_record (log, "api.anthropic.com", 443, TRUE, NULL);
  corral_network_log_record (log, "registry.npmjs.org", 443, TRUE, NULL);
  corral_network_log_record (log, "evil.example", 443, FALSE, "evil.example is not on this project’s network allowlist");
  corral_network_log_record (log, "1.2.3.4", 443, FALSE, "1.2.3.4 is an IP address: Corral’s proxy connects to host names only");
  corral_network_log_record (log, "a<b>&amp;.example", 80, FALSE, "markup in a name stays text");
  g_assert_true (corral_test_wait_for_text (window->network_panel, "api.anthropic.com:443", 5));
  g_assert_true (corral_test_wait_for_text (window->network_panel, "Allowed: 2 connections", 5));
  g_assert_true (corral_test_wait_for_text (window->network_panel, "evil.example:443", 5));
  corral_test_screenshot ("network-panel");

  /* One Allow button per refused name, none for the address */
  for (GtkWidget *w = window->network_panel; w != NULL; )
    {
      GtkWidget *next = gtk_widget_get_first_child (w);

      if (GTK_IS_BUTTON (w) && g_strcmp0 (gtk_button_get_label (GTK_BUTTON (w)), "Allow") == 0 &&
          g_strcmp0 (g_object_get_data (G_OBJECT (w), "corral-allow"), "evil.example") == 0)
        button = w;
      while (next == NULL && w != window->network_panel)
        {
          next = gtk_widget_get_next_sibling (w);
          if (next == NULL)
            w = gtk_widget_get_parent (w);
        }
      w = next;
    }
  g_assert_nonnull (button);
  g_signal_emit_by_name (button, "clicked");
  corral_test_iterate (100);
  g_assert_false (gtk_widget_get_sensitive (button));
  g_assert_true (corral_test_wait_for_text (GTK_WIDGET (window), "evil.example is allowed", 5));
  reloaded = corral_profile_load (dir, NULL, NULL);
  g_assert_true (g_strv_contains (corral_profile_get_network_allow (reloaded), "evil.example"));

  corral_network_panel_set_log (CORRAL_NETWORK_PANEL (window->network_panel), NULL);
  close_all_windows ();
}

static void
test_open_enter (void)
{
  g_autofree char *dir = make_dir ("enter-project");
  CorralWindow *window;

  /* `corral --enter DIR`: the project's window, on its second console. */
  g_assert_cmpint (run_second_instance ("--enter", dir, NULL), ==, 0);
  window = project_window (dir);
  g_assert_nonnull (window);
  g_assert_nonnull (window->enter_page);
  g_assert_true (adw_tab_view_get_selected_page (window->tab_view) == window->enter_page);

  /* Back on the agent console, --enter again: same window, same tab. */
  adw_tab_view_set_selected_page (window->tab_view, window->console_page);
  g_assert_cmpint (run_second_instance ("--enter", dir, NULL), ==, 0);
  g_assert_cmpuint (count_corral_windows (), ==, 1);
  g_assert_true (adw_tab_view_get_selected_page (window->tab_view) == window->enter_page);
  g_assert_cmpint (adw_tab_view_get_n_pages (window->tab_view), ==, 2);

  /* Without a folder it says what is missing. */
  g_assert_cmpint (run_second_instance ("--enter", NULL), !=, 0);
  close_all_windows ();
}

static void
test_layout_remembered (void)
{
  g_autofree char *dir = make_dir ("layout-project");
  g_autoptr(GFile) file = g_file_new_for_path (dir);
  g_autoptr(GSettings) settings = g_settings_new (APPLICATION_ID);
  CorralWindow *window;

  corral_application_open_folder (app, file, FALSE, NULL);
  window = project_window (dir);
  /* What the display's owner does once the guest has a display. */
  g_object_set_data (G_OBJECT (window->display_area), "corral-has-display", GINT_TO_POINTER (TRUE));
  corral_window_update_layout (window);

  g_settings_set_string (settings, "layout", "side-by-side");
  g_assert_true (gtk_paned_get_end_child (window->paned) == window->display_area);
  g_assert_null (window->display_page);

  /* Through the menu's action, as the user does. */
  g_action_group_activate_action (G_ACTION_GROUP (app), "layout", g_variant_new_string ("tabs"));
  g_assert_cmpstr (g_settings_get_string (settings, "layout"), ==, "tabs");
  g_assert_null (gtk_paned_get_end_child (window->paned));
  g_assert_nonnull (window->display_page);
  g_assert_true (adw_tab_page_get_child (window->display_page) == window->display_area);

  /* A new window follows the remembered choice. */
  {
    g_autofree char *other = make_dir ("layout-other");
    g_autoptr(GFile) other_file = g_file_new_for_path (other);
    CorralWindow *second;

    corral_application_open_folder (app, other_file, FALSE, NULL);
    second = project_window (other);
    g_object_set_data (G_OBJECT (second->display_area), "corral-has-display", GINT_TO_POINTER (TRUE));
    corral_window_update_layout (second);
    g_assert_nonnull (second->display_page);
  }

  g_action_group_activate_action (G_ACTION_GROUP (app), "layout", g_variant_new_string ("side-by-side"));
  g_assert_true (gtk_paned_get_end_child (window->paned) == window->display_area);
  g_assert_null (window->display_page);
  close_all_windows ();
}

/* Opens @name with start-on-open, so the VM is started at once. */
static CorralWindow *
open_and_start (const char *name)
{
  g_autofree char *dir = make_dir (name);
  g_autoptr(GFile) file = g_file_new_for_path (dir);
  CorralWindow *window;

  corral_application_open_folder (app, file, FALSE, NULL);
  window = project_window (dir);
  g_assert_nonnull (window);
  corral_test_wait_mapped (GTK_WIDGET (window));
  if (window->vm == NULL)
    gtk_widget_activate_action (GTK_WIDGET (window), "win.start", NULL);
  return window;
}

static void
test_error_guest_missing (void)
{
  g_autoptr(GSettings) settings = g_settings_new (APPLICATION_ID);
  CorralWindow *window;

  g_settings_set_string (settings, "guest-manifest", "/nonexistent/guest.ini");
  window = open_and_start ("no-guest");
  g_assert_true (gtk_info_bar_get_revealed (window->error_bar));
  g_assert_true (corral_test_wait_for_text (GTK_WIDGET (window), "guest system is missing", 5));
  g_assert_true (corral_test_wait_for_text (GTK_WIDGET (window), "/nonexistent/guest.ini", 5));
  g_assert_true (gtk_widget_get_visible (window->preferences_button));
  /* Still a working window: Start is there to try again. */
  g_assert_true (gtk_widget_get_visible (window->start_button));
  g_assert_true (gtk_widget_is_sensitive (window->start_button));
  g_settings_reset (settings, "guest-manifest");
  close_all_windows ();
}

static void
test_error_qemu_missing (void)
{
  g_autoptr(GSettings) settings = g_settings_new (APPLICATION_ID);
  CorralWindow *window;

  g_settings_set_string (settings, "guest-manifest", g_getenv ("CORRAL_TEST_GUEST"));
  g_settings_set_string (settings, "qemu-binary", "/nonexistent/qemu-system-x86_64");
  window = open_and_start ("no-qemu");
  g_assert_true (corral_test_wait_for_text (GTK_WIDGET (window), "QEMU is not installed", 5));
  g_assert_true (gtk_widget_get_visible (window->preferences_button));
  g_settings_reset (settings, "qemu-binary");
  g_settings_reset (settings, "guest-manifest");
  close_all_windows ();
}

static void
test_error_qemu_exits_at_once (void)
{
  g_autoptr(GSettings) settings = g_settings_new (APPLICATION_ID);
  g_autofree char *guest_dir = make_dir ("broken-guest");
  g_autofree char *kernel = g_build_filename (guest_dir, "vmlinux", NULL);
  g_autofree char *manifest = g_build_filename (guest_dir, "guest.ini", NULL);
  CorralWindow *window;
  gint64 deadline;

  /* A kernel QEMU cannot load: real QEMU exits at once, saying why. */
  g_assert_true (g_file_set_contents (kernel, "not a kernel", -1, NULL));
  g_assert_true (g_file_set_contents (manifest,
                                      "[Guest]\nName=Broken\nKernel=vmlinux\nCmdline=console=ttyS0\n"
                                      "AgentSerial=0\nEnterSerial=1\nGraphical=false\nVga=none\n"
                                      "MinMemory=64\nMachine=q35\n", -1, NULL));
  g_settings_set_string (settings, "guest-manifest", manifest);
  /* A shell: the agent, with no key here, would first get the sign-in
   * notice (test-session). */
  {
    g_autofree char *dir = make_dir ("broken-kernel");
    g_autoptr(CorralProfile) profile = corral_profile_load (dir, NULL, NULL);

    corral_profile_set_entrypoint_mode (profile, CORRAL_ENTRYPOINT_SHELL);
    g_assert_true (corral_profile_save (profile, NULL));
  }
  window = open_and_start ("broken-kernel");

  deadline = g_get_monotonic_time () + 60 * G_USEC_PER_SEC;
  while (!gtk_widget_get_visible (window->stderr_expander) && g_get_monotonic_time () < deadline)
    corral_test_iterate (100);
  g_assert_true (gtk_info_bar_get_revealed (window->error_bar));
  g_assert_true (gtk_widget_get_visible (window->stderr_expander));
  /* QEMU's own words, readable by the user. */
  gtk_expander_set_expanded (GTK_EXPANDER (window->stderr_expander), TRUE);
  g_assert_true (corral_test_wait_for_text (window->stderr_expander, "qemu", 5));
  g_assert_true (gtk_widget_get_visible (window->start_button));
  corral_test_screenshot ("qemu-exits-at-once");
  g_settings_reset (settings, "guest-manifest");
  close_all_windows ();
}

static void
test_corrupt_profile_kept_aside (void)
{
  g_autofree char *dir = make_dir ("damaged");
  g_autoptr(CorralProfile) profile = corral_profile_load (dir, NULL, NULL);
  g_autoptr(GFile) file = g_file_new_for_path (dir);
  g_autofree char *settings_dir = NULL;
  g_autoptr(GDir) listing = NULL;
  const char *name;
  gboolean kept = FALSE;
  CorralWindow *window;

  g_assert_true (corral_profile_save (profile, NULL));
  g_assert_true (g_file_set_contents (corral_profile_get_file_path (profile), "[Project\n\x01garbage", -1, NULL));

  corral_application_open_folder (app, file, FALSE, NULL);
  window = project_window (dir);
  g_assert_nonnull (window);
  /* Opened with defaults, and the user is told. */
  g_assert_true (corral_test_wait_for_text (GTK_WIDGET (window), "could not be read", 5));

  /* The damaged file is still there, under another name. */
  settings_dir = g_path_get_dirname (corral_profile_get_file_path (profile));
  listing = g_dir_open (settings_dir, 0, NULL);
  while ((name = g_dir_read_name (listing)) != NULL)
    if (strstr (name, "corrupt") != NULL)
      kept = TRUE;
  g_assert_true (kept);
  close_all_windows ();
}

int
main (int argc, char **argv)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(GSettings) settings = NULL;

  /* Isolated XDG dirs hide the system's MIME database (icons in the
   * GResource are sniffed) and icon theme: keep those two. */
  g_content_type_set_mime_dirs (NULL);
  g_test_init (&argc, &argv, G_TEST_OPTION_ISOLATE_DIRS, NULL);

  app = corral_application_new ();
  g_assert_true (g_application_register (G_APPLICATION (app), NULL, &error));
  g_assert_no_error (error);
  g_assert_false (g_application_get_is_remote (G_APPLICATION (app)));
  corral_test_init ();
  g_application_hold (G_APPLICATION (app));

  /* These tests are about windows: no VM is started. */
  settings = g_settings_new (APPLICATION_ID);
  g_settings_set_boolean (settings, "start-on-open", FALSE);

  g_test_add_func ("/window/start-page/empty", test_start_page_empty);
  g_test_add_func ("/window/start-page/lists-saved", test_start_page_lists_saved);
  g_test_add_func ("/window/open/command-line", test_open_from_command_line);
  g_test_add_func ("/window/open/second-launch-presents", test_second_launch_presents);
  g_test_add_func ("/window/drop/folder-opens", test_drop_folder_opens);
  g_test_add_func ("/window/drop/file-refused", test_drop_file_refused);
  g_test_add_func ("/window/drop/on-project-offers-new-window", test_drop_on_project_offers_new_window);
  g_test_add_func ("/window/settings-dialog/saves", test_settings_dialog_saves);
  g_test_add_func ("/window/settings-dialog/network", test_network_settings);
  g_test_add_func ("/window/network-panel", test_network_panel);
  g_test_add_func ("/window/open/enter", test_open_enter);
  g_test_add_func ("/window/layout/remembered", test_layout_remembered);
  g_test_add_func ("/window/errors/guest-missing", test_error_guest_missing);
  g_test_add_func ("/window/errors/corrupt-profile", test_corrupt_profile_kept_aside);
  g_test_add_func ("/window/errors/qemu-missing", test_error_qemu_missing);
  g_test_add_func ("/window/errors/qemu-exits-at-once", test_error_qemu_exits_at_once);

  return g_test_run ();
}
