/* test-hostile-names.c: project folders with names a user may really have
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * Names with "&", "<", quotes, a very long name, right-to-left text and
 * bytes that are not UTF-8 go through the start page's recent list, the
 * project window's title, the settings dialog and the toasts, under
 * G_DEBUG=fatal-warnings (the suite's setting): a name parsed as Pango
 * markup ("Failed to set text … from markup") or an invalid UTF-8 label
 * is a warning, and here a crash. Runs under tests/util/gui-wrapper.sh.
 */
#include "config.h"

#include <glib/gstdio.h>
#include <adwaita.h>

#include "corral-application.h"
#include "corral-project-paths.h"
#include "corral-settings-dialog.h"
#include "corral-window-private.h"
#include "gui-test-util.h"

static CorralApplication *app;

typedef struct {
  const char *tag;     /* for screenshots and messages */
  const char *name;    /* the folder's name, bytes as on disk */
} Hostile;

#define LONG_NAME "a-very-long-project-name-" \
  "0123456789012345678901234567890123456789012345678901234567890123456789" \
  "0123456789012345678901234567890123456789012345678901234567890123456789" \
  "0123456789012345678901234567890123456789012345678901234567890123456789-end"

static const Hostile hostile[] = {
  { "ampersand", "proj, with comma's & spaces" },
  { "markup",    "<b>bold<b> & <i \"quoted\"> &amp; 'single' <" },
  { "long",      LONG_NAME },
  { "rtl",       "\xd9\x85\xd8\xb4\xd8\xb1\xd9\x88\xd8\xb9 \xe2\x80\xae" "txt.exe\xe2\x80\xac" " \xd7\xa4\xd7\xa8\xd7\x95\xd7\x99\xd7\xa7\xd7\x98" },
  { "not-utf8",  "caf\xe9-\xff\xfe-latin1" },
};

static void
close_all_windows (void)
{
  GList *windows = g_list_copy (gtk_application_get_windows (GTK_APPLICATION (app)));

  for (GList *l = windows; l != NULL; l = l->next)
    gtk_window_destroy (l->data);
  g_list_free (windows);
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

static char *
make_project (const char *name)
{
  g_autofree char *parent = g_build_filename (g_get_home_dir (), "projects", NULL);
  char *path = g_build_filename (parent, name, NULL);

  g_assert_cmpint (g_mkdir_with_parents (path, 0700), ==, 0);
  return path;
}

static CorralWindow *
new_start_window (void)
{
  CorralWindow *window;

  g_application_activate (G_APPLICATION (app));
  window = CORRAL_WINDOW (gtk_application_get_active_window (GTK_APPLICATION (app)));
  g_assert_nonnull (window);
  corral_test_wait_mapped (GTK_WIDGET (window));
  return window;
}

/* Every hostile folder saved as a recent project: the start page lists
 * each by its name as the user would read it (U+FFFD for bytes that are
 * not UTF-8), nothing parsed as markup. */
static void
test_recent_list (void)
{
  CorralWindow *window;
  guint found = 0;

  for (guint i = 0; i < G_N_ELEMENTS (hostile); i++)
    {
      g_autofree char *path = make_project (hostile[i].name);
      g_autoptr(CorralProfile) profile = corral_profile_load (path, NULL, NULL);

      corral_profile_set_last_used (profile, 1700000000 + i);
      g_assert_true (corral_profile_save (profile, NULL));
    }

  window = new_start_window ();
  g_assert_true (gtk_widget_get_mapped (window->recent_box));
  corral_test_iterate (200);
  corral_test_screenshot ("hostile-names-start-page");

  for (GtkWidget *row = gtk_widget_get_first_child (GTK_WIDGET (window->recent_list));
       row != NULL; row = gtk_widget_get_next_sibling (row))
    {
      const char *title = adw_preferences_row_get_title (ADW_PREFERENCES_ROW (row));

      g_test_message ("recent: %s", title);
      g_assert_true (g_utf8_validate (title, -1, NULL));
      g_assert_false (adw_preferences_row_get_use_markup (ADW_PREFERENCES_ROW (row)));
      for (guint i = 0; i < G_N_ELEMENTS (hostile); i++)
        {
          g_autofree char *shown = g_filename_display_name (hostile[i].name);
          if (g_str_equal (title, shown))
            found++;
        }
    }
  g_assert_cmpuint (found, ==, G_N_ELEMENTS (hostile));
  close_all_windows ();
}

/* Each hostile folder opened from the start page: the window's title,
 * its settings dialog and a toast that names the folder. */
static void
test_project_window (gconstpointer data)
{
  const Hostile *h = data;
  g_autofree char *path = make_project (h->name);
  g_autofree char *shown = g_filename_display_name (h->name);
  g_autoptr(GFile) folder = g_file_new_for_path (path);
  g_autofree char *settings_title = NULL;
  g_autofree char *shot = NULL;
  CorralWindow *window = new_start_window ();
  GtkWidget *dialog;
  GtkWindow *project;

  /* A damaged settings file: its warning, a toast, holds the path. */
  {
    g_autoptr(CorralProfile) profile = corral_profile_new (path);
    g_assert_true (corral_profile_save (profile, NULL));
    g_assert_true (g_file_set_contents (corral_profile_get_file_path (profile),
                                        "[VM\n<b>&amp;</b>", -1, NULL));
  }

  /* (A damaged file is not in the recent list: opened as from Open
   * Folder… or a drop.) */
  corral_application_open_folder (app, folder, FALSE, GTK_WINDOW (window));
  project = corral_application_find_project (app, path);
  g_assert_nonnull (project);
  corral_test_wait_mapped (GTK_WIDGET (project));
  g_assert_cmpstr (gtk_window_get_title (project), ==, shown);
  g_assert_true (corral_test_wait_for_text (GTK_WIDGET (project), "could not be read", 5));
  corral_test_iterate (200);
  shot = g_strdup_printf ("hostile-names-window-%s", h->tag);
  g_free (corral_test_screenshot (shot));

  gtk_widget_activate_action (GTK_WIDGET (project), "win.settings", NULL);
  dialog = corral_test_find_toplevel (CORRAL_TYPE_SETTINGS_DIALOG);
  g_assert_nonnull (dialog);
  corral_test_wait_mapped (dialog);
  settings_title = g_strdup_printf ("Settings of “%s”", shown);
  g_assert_cmpstr (gtk_window_get_title (GTK_WINDOW (dialog)), ==, settings_title);
  corral_test_iterate (200);
  g_free (shot);
  shot = g_strdup_printf ("hostile-names-settings-%s", h->tag);
  g_free (corral_test_screenshot (shot));

  /* The same folder dropped again, as a file would be: presented, and a
   * file inside it refused in a toast that names it. */
  {
    g_autofree char *file_path = g_build_filename (path, "<not & a folder>", NULL);
    g_autoptr(GFile) file = NULL;

    g_assert_true (g_file_set_contents (file_path, "x", 1, NULL));
    file = g_file_new_for_path (file_path);
    corral_application_open_folder (app, file, FALSE, project);
    g_assert_true (corral_test_wait_for_text (GTK_WIDGET (project), "is a file, not a folder", 5));
  }
  close_all_windows ();
}

/* A folder whose name has a line break: refused in words, and nothing
 * (no settings file) made for it. */
static void
test_line_break (void)
{
  g_autofree char *path = make_project ("two\nlines");
  g_autoptr(GFile) folder = g_file_new_for_path (path);
  g_autofree char *profiles = corral_project_profiles_dir ();
  g_autofree char *key = corral_project_key (path);
  g_autofree char *profile = g_strdup_printf ("%s/%s.ini", profiles, key);
  CorralWindow *window = new_start_window ();

  corral_application_open_folder (app, folder, FALSE, GTK_WINDOW (window));
  g_assert_true (corral_test_wait_for_text (GTK_WIDGET (window), "line break", 5));
  g_assert_null (corral_application_find_project (app, path));
  g_assert_false (g_file_test (profile, G_FILE_TEST_EXISTS));
  close_all_windows ();
}

int
main (int argc, char **argv)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(GSettings) settings = NULL;

  g_content_type_set_mime_dirs (NULL);
  g_test_init (&argc, &argv, G_TEST_OPTION_ISOLATE_DIRS, NULL);
  g_assert_cmpstr (g_getenv ("G_DEBUG"), ==, "fatal-warnings");

  app = corral_application_new ();
  g_assert_true (g_application_register (G_APPLICATION (app), NULL, &error));
  g_assert_no_error (error);
  corral_test_init ();
  g_application_hold (G_APPLICATION (app));

  /* Names, not VMs: nothing boots. */
  settings = g_settings_new (APPLICATION_ID);
  g_settings_set_boolean (settings, "start-on-open", FALSE);

  g_test_add_func ("/hostile-names/recent-list", test_recent_list);
  for (guint i = 0; i < G_N_ELEMENTS (hostile); i++)
    {
      g_autofree char *name = g_strdup_printf ("/hostile-names/window/%s", hostile[i].tag);
      g_test_add_data_func (name, &hostile[i], test_project_window);
    }
  g_test_add_func ("/hostile-names/line-break", test_line_break);
  return g_test_run ();
}
