/* gui-test-util.c: waiting for what a user would see, under Xvfb
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "config.h"

#include <string.h>

#include <glib/gstdio.h>

#include "gui-test-util.h"

void
corral_test_init (void)
{
  /* GUI tests run on their own Xvfb (tests/util/gui-wrapper.sh). */
  g_assert_nonnull (g_getenv ("DISPLAY"));

  /* G_TEST_OPTION_ISOLATE_DIRS points XDG_DATA_DIRS at an empty folder;
   * the screenshots should show the icons a user sees. */
  {
    const char *path[] = { "/usr/local/share/icons", "/usr/share/icons", "/usr/share/pixmaps", NULL };
    GtkIconTheme *theme = gtk_icon_theme_get_for_display (gdk_display_get_default ());

    gtk_icon_theme_set_search_path (theme, path);
    gtk_icon_theme_add_resource_path (theme, "/io/github/corral/Corral/icons");
  }
}

/* Iterates until @check returns TRUE or @seconds pass. */
#define wait_until corral_test_wait_until

static gboolean
is_mapped (gpointer data)
{
  return gtk_widget_get_mapped (data);
}

void
corral_test_wait_mapped (GtkWidget *widget)
{
  g_assert_true (wait_until (is_mapped, widget, 10));
  /* Let it draw a frame or two. */
  corral_test_iterate (100);
}

static gboolean
flag_set (gpointer data)
{
  return *(gboolean *) data;
}

void
corral_test_wait_for_flag (gboolean *flag,
                           guint     seconds)
{
  g_assert_true (wait_until (flag_set, flag, seconds));
}

static gboolean
is_active (gpointer data)
{
  return gtk_window_is_active (data);
}

gboolean
corral_test_wait_active (GtkWindow *window,
                         guint      seconds)
{
  return wait_until (is_active, window, seconds);
}

GtkWidget *
corral_test_find_widget (GtkWidget      *root,
                         CorralTestMatch match,
                         gconstpointer   data)
{
  if (match (root, data))
    return root;
  for (GtkWidget *c = gtk_widget_get_first_child (root); c != NULL; c = gtk_widget_get_next_sibling (c))
    {
      GtkWidget *found = corral_test_find_widget (c, match, data);

      if (found != NULL)
        return found;
    }
  return NULL;
}

static gboolean
is_type (GtkWidget *widget, gconstpointer type)
{
  return G_TYPE_CHECK_INSTANCE_TYPE (widget, GPOINTER_TO_SIZE (type));
}

GtkWidget *
corral_test_find_descendant (GtkWidget *root,
                             GType      type)
{
  return corral_test_find_widget (root, is_type, GSIZE_TO_POINTER (type));
}

static gboolean
is_button_labelled (GtkWidget *widget, gconstpointer label)
{
  return GTK_IS_BUTTON (widget) && gtk_widget_get_mapped (widget) &&
         g_strcmp0 (gtk_button_get_label (GTK_BUTTON (widget)), label) == 0;
}

GtkWidget *
corral_test_find_button (GtkWidget  *root,
                         const char *label)
{
  return corral_test_find_widget (root, is_button_labelled, label);
}

static gboolean
is_action_button (GtkWidget *widget, gconstpointer action)
{
  return GTK_IS_BUTTON (widget) &&
         g_strcmp0 (gtk_actionable_get_action_name (GTK_ACTIONABLE (widget)), action) == 0;
}

GtkWidget *
corral_test_find_action_button (GtkWidget  *root,
                                const char *action)
{
  return corral_test_find_widget (root, is_action_button, action);
}

static gboolean
is_label_showing (GtkWidget *widget, gconstpointer text)
{
  return GTK_IS_LABEL (widget) && gtk_widget_get_mapped (widget) &&
         strstr (gtk_label_get_text (GTK_LABEL (widget)), text) != NULL;
}

typedef struct {
  GtkWidget       *root;
  CorralTestMatch  match;
  gconstpointer    data;
  GtkWidget       *found;
} Find;

static gboolean
found (gpointer data)
{
  Find *f = data;

  f->found = corral_test_find_widget (f->root, f->match, f->data);
  return f->found != NULL;
}

gboolean
corral_test_wait_for_text (GtkWidget  *root,
                           const char *text,
                           guint       seconds)
{
  Find f = { root, is_label_showing, text, NULL };
  return wait_until (found, &f, seconds);
}

GtkWidget *
corral_test_wait_for_button (GtkWidget  *root,
                             const char *label,
                             guint       seconds)
{
  Find f = { root, is_button_labelled, label, NULL };

  wait_until (found, &f, seconds);
  return f.found;
}

void
corral_test_click_button (GtkWidget  *root,
                          const char *label)
{
  GtkWidget *button = corral_test_find_button (root, label);

  if (button == NULL)
    g_error ("No button “%s” is shown in %s", label, G_OBJECT_TYPE_NAME (root));
  g_assert_true (gtk_widget_is_sensitive (button));
  /* What a pointer click emits (activating would wait 250 ms first). */
  g_signal_emit_by_name (button, "clicked");
}

GtkWidget *
corral_test_find_toplevel (GType type)
{
  GListModel *toplevels = gtk_window_get_toplevels ();

  for (guint i = 0; i < g_list_model_get_n_items (toplevels); i++)
    {
      g_autoptr(GObject) w = g_list_model_get_item (toplevels, i);
      if (G_TYPE_CHECK_INSTANCE_TYPE (w, type))
        return GTK_WIDGET (w);
    }
  return NULL;
}

typedef struct {
  int      *status;
  gboolean *done;
} ChildWatch;

static void
child_cb (GPid pid, int status, gpointer data)
{
  ChildWatch *w = data;

  *w->status = g_spawn_check_wait_status (status, NULL) ? 0 : (WIFEXITED (status) ? WEXITSTATUS (status) : -1);
  *w->done = TRUE;
  g_spawn_close_pid (pid);
  g_free (w);
}

void
corral_test_watch_child (GPid      pid,
                         int      *status,
                         gboolean *done)
{
  ChildWatch *w = g_new0 (ChildWatch, 1);

  w->status = status;
  w->done = done;
  g_child_watch_add (pid, child_cb, w);
}

char *
corral_test_screenshot (const char *name)
{
  g_autofree char *dir = g_build_filename (g_getenv ("G_TEST_BUILDDIR"), "screenshots", NULL);
  char *file = NULL;
  g_autofree char *png = g_strconcat (name, ".png", NULL);
  const char *argv[] = { "import", "-window", "root", NULL, NULL };
  g_autoptr(GError) error = NULL;
  int status;

  /* Let pending frames reach the screen. */
  corral_test_iterate (400);
  g_assert_cmpint (g_mkdir_with_parents (dir, 0755), ==, 0);
  file = g_build_filename (dir, png, NULL);
  argv[3] = file;
  g_assert_true (g_spawn_sync (NULL, (char **) argv, NULL, G_SPAWN_SEARCH_PATH | G_SPAWN_STDOUT_TO_DEV_NULL,
                               NULL, NULL, NULL, NULL, &status, &error));
  g_assert_no_error (error);
  g_assert_true (g_spawn_check_wait_status (status, NULL));
  g_test_message ("screenshot: %s", file);
  return file;
}

static void
clipboard_text_cb (GObject *source, GAsyncResult *result, gpointer data)
{
  char *text = gdk_clipboard_read_text_finish (GDK_CLIPBOARD (source), result, NULL);

  *(char **) data = text != NULL ? text : g_strdup ("");
}

char *
corral_test_clipboard_text (GdkClipboard *clipboard)
{
  char *text = NULL;
  gint64 deadline = g_get_monotonic_time () + 10 * G_USEC_PER_SEC;

  gdk_clipboard_read_text_async (clipboard, NULL, clipboard_text_cb, &text);
  while (text == NULL && g_get_monotonic_time () < deadline)
    corral_test_iterate (50);
  return text != NULL ? text : g_strdup ("");
}
