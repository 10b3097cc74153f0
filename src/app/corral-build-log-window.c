/* corral-build-log-window.c: the guest build's log, live
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * The builder writes everything its tools print to a log file (and says
 * where, as it moves); this window shows its end and, while the build
 * runs, reads it again every second, staying at the bottom unless the
 * reader scrolled up.
 */
#include "config.h"

#include <glib/gi18n.h>

#include "corral-build-log-window.h"

#define MAX_LOG (256 * 1024)

struct _CorralBuildLogWindow
{
  AdwWindow parent_instance;

  AdwWindowTitle    *window_title;
  GtkScrolledWindow *scrolled;
  GtkTextView       *text_view;

  CorralGuestBuild  *build;
  char              *shown;
  guint              refresh_id;
};

G_DEFINE_FINAL_TYPE (CorralBuildLogWindow, corral_build_log_window, ADW_TYPE_WINDOW)

static gboolean
at_bottom (CorralBuildLogWindow *self)
{
  GtkAdjustment *adj = gtk_scrolled_window_get_vadjustment (self->scrolled);

  return gtk_adjustment_get_value (adj) + gtk_adjustment_get_page_size (adj) >=
         gtk_adjustment_get_upper (adj) - 4;
}

static gboolean
scroll_to_end_cb (gpointer data)
{
  CorralBuildLogWindow *self = data;
  GtkAdjustment *adj = gtk_scrolled_window_get_vadjustment (self->scrolled);

  gtk_adjustment_set_value (adj, gtk_adjustment_get_upper (adj));
  return G_SOURCE_REMOVE;
}

static void
refresh (CorralBuildLogWindow *self)
{
  g_autofree char *text = corral_guest_build_dup_log_text (self->build, MAX_LOG);
  const char *path = corral_guest_build_get_progress (self->build)->log_path;
  gboolean follow;

  adw_window_title_set_subtitle (self->window_title, path != NULL ? path : "");
  if (g_strcmp0 (text, self->shown) == 0)
    return;
  follow = self->shown == NULL || at_bottom (self);
  gtk_text_buffer_set_text (gtk_text_view_get_buffer (self->text_view), text, -1);
  g_free (self->shown);
  self->shown = g_steal_pointer (&text);
  /* After the new text is laid out. */
  if (follow)
    g_idle_add_full (G_PRIORITY_LOW, scroll_to_end_cb, g_object_ref (self), g_object_unref);
}

static gboolean
refresh_cb (gpointer data)
{
  CorralBuildLogWindow *self = data;

  refresh (self);
  if (corral_guest_build_get_running (self->build))
    return G_SOURCE_CONTINUE;
  self->refresh_id = 0;
  return G_SOURCE_REMOVE;
}

static void
state_cb (CorralBuildLogWindow *self)
{
  refresh (self);
  if (self->refresh_id == 0 && corral_guest_build_get_running (self->build))
    self->refresh_id = g_timeout_add_seconds (1, refresh_cb, self);
}

GtkWidget *
corral_build_log_window_new (CorralGuestBuild *build)
{
  CorralBuildLogWindow *self;

  g_return_val_if_fail (CORRAL_IS_GUEST_BUILD (build), NULL);

  self = g_object_new (CORRAL_TYPE_BUILD_LOG_WINDOW, NULL);
  self->build = g_object_ref (build);
  g_signal_connect_object (build, "notify::state", G_CALLBACK (state_cb), self, G_CONNECT_SWAPPED);
  g_signal_connect_object (build, "notify::log-path", G_CALLBACK (refresh), self, G_CONNECT_SWAPPED);
  state_cb (self);
  return GTK_WIDGET (self);
}

static void
corral_build_log_window_dispose (GObject *object)
{
  CorralBuildLogWindow *self = CORRAL_BUILD_LOG_WINDOW (object);

  g_clear_handle_id (&self->refresh_id, g_source_remove);
  if (self->build != NULL)
    g_signal_handlers_disconnect_by_data (self->build, self);
  g_clear_object (&self->build);
  gtk_widget_dispose_template (GTK_WIDGET (self), CORRAL_TYPE_BUILD_LOG_WINDOW);

  G_OBJECT_CLASS (corral_build_log_window_parent_class)->dispose (object);
}

static void
corral_build_log_window_finalize (GObject *object)
{
  g_free (CORRAL_BUILD_LOG_WINDOW (object)->shown);

  G_OBJECT_CLASS (corral_build_log_window_parent_class)->finalize (object);
}

static void
corral_build_log_window_class_init (CorralBuildLogWindowClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  GtkWidgetClass *widget_class = GTK_WIDGET_CLASS (klass);

  object_class->dispose = corral_build_log_window_dispose;
  object_class->finalize = corral_build_log_window_finalize;

  gtk_widget_class_set_template_from_resource (widget_class, CORRAL_RESOURCE_PATH "/ui/corral-build-log-window.ui");
  gtk_widget_class_bind_template_child (widget_class, CorralBuildLogWindow, window_title);
  gtk_widget_class_bind_template_child (widget_class, CorralBuildLogWindow, scrolled);
  gtk_widget_class_bind_template_child (widget_class, CorralBuildLogWindow, text_view);
  gtk_widget_class_add_binding_action (widget_class, GDK_KEY_Escape, 0, "window.close", NULL);
}

static void
corral_build_log_window_init (CorralBuildLogWindow *self)
{
  gtk_widget_init_template (GTK_WIDGET (self));
}
