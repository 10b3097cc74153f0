/* test-i18n.c: the windows in German, as a German user sees them
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * Uses the .mo files of the build tree, so a string that is marked but
 * not translated, or a .ui string not marked, shows up as English here.
 */
#include "config.h"

#include <glib/gi18n.h>
#include <locale.h>
#include <adwaita.h>

#include "corral-application.h"
#include "corral-settings-dialog.h"
#include "corral-window-private.h"
#include "gui-test-util.h"

static CorralApplication *app;

static void
test_german (void)
{
  g_autofree char *dir = g_build_filename (g_get_home_dir (), "mein-projekt", NULL);
  g_autoptr(CorralProfile) profile = NULL;
  g_autoptr(GFile) file = NULL;
  CorralWindow *window;
  GtkWidget *dialog;

  g_assert_cmpint (g_mkdir_with_parents (dir, 0700), ==, 0);
  profile = corral_profile_load (dir, NULL, NULL);
  corral_profile_set_last_used (profile, 1700000000);
  g_assert_true (corral_profile_save (profile, NULL));

  g_application_activate (G_APPLICATION (app));
  window = CORRAL_WINDOW (gtk_application_get_active_window (GTK_APPLICATION (app)));
  corral_test_wait_mapped (GTK_WIDGET (window));
  g_assert_true (corral_test_wait_for_text (GTK_WIDGET (window), "Zuletzt verwendete Projekte", 5));
  g_assert_true (corral_test_wait_for_text (GTK_WIDGET (window), "Ordner öffnen …", 5));
  g_assert_true (corral_test_wait_for_text (GTK_WIDGET (window), "mein-projekt", 5));
  corral_test_screenshot ("start-page-de");

  file = g_file_new_for_path (dir);
  corral_application_open_folder (app, file, FALSE, GTK_WINDOW (window));
  g_assert_cmpstr (corral_window_get_project_path (window), ==, dir);
  g_assert_cmpstr (adw_window_title_get_subtitle (window->window_title), ==, "Gestoppt");

  gtk_widget_activate_action (GTK_WIDGET (window), "win.settings", NULL);
  dialog = corral_test_find_toplevel (CORRAL_TYPE_SETTINGS_DIALOG);
  corral_test_wait_mapped (dialog);
  g_assert_cmpstr (gtk_window_get_title (GTK_WINDOW (dialog)), ==, "Einstellungen von „mein-projekt“");
  g_assert_true (corral_test_wait_for_text (dialog, "Arbeitsspeicher (MiB)", 5));
  g_assert_true (corral_test_wait_for_text (dialog, "Damit erhält der Agent Ihre privaten Schlüssel", 5));
  corral_test_screenshot ("settings-dialog-de");
}

int
main (int argc, char **argv)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(GSettings) settings = NULL;

  g_setenv ("LOCPATH", corral_test_german_locpath (), TRUE);
  g_setenv ("LANG", "de_DE.UTF-8", TRUE);
  g_unsetenv ("LC_ALL");
  g_unsetenv ("LANGUAGE");
  g_assert_nonnull (setlocale (LC_ALL, ""));
  g_assert_nonnull (g_getenv ("CORRAL_LOCALEDIR"));
  bindtextdomain (GETTEXT_PACKAGE, g_getenv ("CORRAL_LOCALEDIR"));
  bind_textdomain_codeset (GETTEXT_PACKAGE, "UTF-8");
  textdomain (GETTEXT_PACKAGE);

  g_content_type_set_mime_dirs (NULL);
  g_test_init (&argc, &argv, G_TEST_OPTION_ISOLATE_DIRS, NULL);

  app = corral_application_new ();
  g_assert_true (g_application_register (G_APPLICATION (app), NULL, &error));
  g_assert_no_error (error);
  g_application_hold (G_APPLICATION (app));
  corral_test_init ();
  settings = g_settings_new (APPLICATION_ID);
  g_settings_set_boolean (settings, "start-on-open", FALSE);

  g_test_add_func ("/i18n/german", test_german);

  return g_test_run ();
}
