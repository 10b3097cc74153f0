/* corral-window-dnd.c: folders dropped on a window open as projects
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * The whole window is a drop target for a file list. On the start page a
 * dropped folder opens right here; on a project window it is offered in a
 * new window (a window belongs to one project). Anything that is not a
 * folder is refused with a message saying why.
 */
#include "config.h"

#include <glib/gi18n.h>

#include "corral-alert.h"
#include "corral-window-private.h"

static char *
display_name (GFile *file)
{
  g_autofree char *path = g_file_get_path (file);

  if (path != NULL)
    return g_filename_display_basename (path);
  return g_file_get_uri (file);
}

static void
offer_response_cb (GtkWidget    *alert,
                   const char   *response,
                   CorralWindow *self)
{
  GPtrArray *folders = g_object_get_data (G_OBJECT (alert), "folders");

  if (g_strcmp0 (response, "open") != 0)
    return;
  for (guint i = 0; i < folders->len; i++)
    corral_window_request_folder (self, g_ptr_array_index (folders, i), FALSE);
}

/* A project window holds one project: other folders go to new windows,
 * after asking, so a stray drop does not start a VM. */
static void
offer_new_windows (CorralWindow *self,
                   GPtrArray    *folders)
{
  g_autofree char *name = display_name (g_ptr_array_index (folders, 0));
  g_autofree char *heading = NULL;
  g_autofree char *body = NULL;
  GtkWidget *alert;

  /* Names in the body: a heading wider than the dialog makes libadwaita
   * 1.7 warn as it lays it out. */
  if (folders->len == 1)
    {
      heading = g_strdup (_("Open in New Window?"));
      body = g_strdup_printf (_("“%s” opens in its own window, with its own virtual machine."), name);
    }
  else
    {
      heading = g_strdup_printf (ngettext ("Open %u Folder?", "Open %u Folders?", folders->len),
                                 folders->len);
      body = g_strdup (_("Each project opens in its own window, with its own virtual machine."));
    }

  alert = corral_alert_new (heading, body);
  corral_alert_add_responses (alert,
                              "cancel", _("_Cancel"),
                              "open", _("_Open in New Window"),
                              NULL);
  corral_alert_set_response_appearance (alert, "open", ADW_RESPONSE_SUGGESTED);
  corral_alert_set_default_response (alert, "open");
  corral_alert_set_close_response (alert, "cancel");
  g_object_set_data_full (G_OBJECT (alert), "folders",
                          g_ptr_array_ref (folders), (GDestroyNotify) g_ptr_array_unref);
  g_signal_connect_object (alert, "response", G_CALLBACK (offer_response_cb), self, 0);
  corral_alert_present (alert, GTK_WIDGET (self));
}

gboolean
corral_window_drop_files (CorralWindow *self,
                          GdkFileList  *files)
{
  g_autoptr(GPtrArray) folders = g_ptr_array_new_with_free_func (g_object_unref);
  g_autoptr(GPtrArray) refused = g_ptr_array_new_with_free_func (g_free);
  GSList *list;

  g_return_val_if_fail (CORRAL_IS_WINDOW (self), FALSE);
  g_return_val_if_fail (files != NULL, FALSE);

  list = gdk_file_list_get_files (files);
  for (GSList *l = list; l != NULL; l = l->next)
    {
      GFile *file = l->data;
      g_autofree char *path = g_file_get_path (file);

      if (path != NULL && g_file_query_file_type (file, G_FILE_QUERY_INFO_NONE, NULL) == G_FILE_TYPE_DIRECTORY)
        {
          /* Dropping the project's own folder on its window: nothing to do. */
          if (self->project_path != NULL)
            {
              g_autofree char *real = realpath (path, NULL);
              if (g_strcmp0 (real, self->project_path) == 0)
                continue;
            }
          g_ptr_array_add (folders, g_object_ref (file));
        }
      else
        g_ptr_array_add (refused, display_name (file));
    }
  g_slist_free (list);

  if (refused->len == 1)
    {
      g_autofree char *msg =
        g_strdup_printf (_("“%s” is not a folder. Drop a project folder to open it."),
                         (char *) g_ptr_array_index (refused, 0));
      corral_window_add_toast (self, msg);
    }
  else if (refused->len > 1)
    {
      g_autofree char *msg =
        g_strdup_printf (ngettext ("%u item is not a folder. Drop project folders to open them.",
                                   "%u items are not folders. Drop project folders to open them.",
                                   refused->len),
                         refused->len);
      corral_window_add_toast (self, msg);
    }

  if (folders->len == 0)
    return FALSE;

  if (self->project_path == NULL)
    {
      /* The first folder takes this window, the others get their own. */
      for (guint i = 0; i < folders->len; i++)
        corral_window_request_folder (self, g_ptr_array_index (folders, i), FALSE);
    }
  else
    offer_new_windows (self, folders);

  return TRUE;
}

static gboolean
drop_cb (GtkDropTarget *target,
         const GValue  *value,
         double         x,
         double         y,
         CorralWindow  *self)
{
  gtk_widget_remove_css_class (self->start_page, "drop-highlight");
  if (!G_VALUE_HOLDS (value, GDK_TYPE_FILE_LIST))
    return FALSE;
  return corral_window_drop_files (self, g_value_get_boxed (value));
}

static GdkDragAction
enter_cb (GtkDropTarget *target,
          double         x,
          double         y,
          CorralWindow  *self)
{
  gtk_widget_add_css_class (self->start_page, "drop-highlight");
  return GDK_ACTION_COPY;
}

static void
leave_cb (GtkDropTarget *target,
          CorralWindow  *self)
{
  gtk_widget_remove_css_class (self->start_page, "drop-highlight");
}

void
corral_window_init_dnd (CorralWindow *self)
{
  self->drop_target = gtk_drop_target_new (GDK_TYPE_FILE_LIST, GDK_ACTION_COPY);
  g_signal_connect (self->drop_target, "drop", G_CALLBACK (drop_cb), self);
  g_signal_connect (self->drop_target, "enter", G_CALLBACK (enter_cb), self);
  g_signal_connect (self->drop_target, "leave", G_CALLBACK (leave_cb), self);
  gtk_widget_add_controller (GTK_WIDGET (self), GTK_EVENT_CONTROLLER (self->drop_target));
}
