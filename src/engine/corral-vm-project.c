/* corral-vm-project.c: CorralVm's watch on the project folder
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * QEMU shares the project folder it found at start (9p holds it open).
 * Should that folder be deleted, moved away or unmounted while the VM
 * runs, the guest goes on working on a folder nobody will see again:
 * the agent's work is lost without a word. So while a run lasts the
 * folder's path is checked against what QEMU got (the same device and
 * inode); when it no longer is, project-missing tells the window and the
 * terminal, which say so. The check is asynchronous (a folder on a
 * network file system that went away can hang a stat() for minutes: the
 * app must not). The guest keeps running: what it still holds in memory
 * is the user's to save or drop.
 *
 * The check runs when something may have changed, not on a clock: a file
 * monitor on the folder's name (inotify on its parent: a delete, a
 * rename, a new folder there; not the agent's writes inside it, nor a
 * change of the folder's times or mode) and the
 * mount monitor (an unmount). What neither reports (an ancestor moved, a
 * network file system changed from elsewhere) the slow backstop catches.
 */
#include "config.h"

#include <gio/gunixmounts.h>

#include "corral-vm-private.h"

#define PROJECT_BACKSTOP_SECONDS 30

static void check_project (CorralVm *self);

/* Nothing more to learn once the folder is gone (or the run ends). */
static void
stop_watching (CorralVm *self)
{
  g_clear_handle_id (&self->project_source, g_source_remove);
  if (self->project_monitor != NULL)
    {
      g_signal_handlers_disconnect_by_data (self->project_monitor, self);
      g_file_monitor_cancel (self->project_monitor);
      g_clear_object (&self->project_monitor);
    }
  g_clear_signal_handler (&self->mounts_changed_id, self->mount_monitor);
  g_clear_object (&self->mount_monitor);
}

static void
query_cb (GObject      *source,
          GAsyncResult *result,
          gpointer      user_data)
{
  g_autoptr(GFileInfo) info = NULL;
  g_autoptr(GError) error = NULL;
  CorralVm *self;
  gboolean same;

  info = g_file_query_info_finish (G_FILE (source), result, &error);
  if (g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
    return;   /* the run ended; the Vm may be gone */
  self = user_data;
  self->project_checking = FALSE;
  same = info != NULL &&
         g_file_info_get_file_type (info) == G_FILE_TYPE_DIRECTORY &&
         g_file_info_get_attribute_uint32 (info, G_FILE_ATTRIBUTE_UNIX_DEVICE) == self->project_dev &&
         g_file_info_get_attribute_uint64 (info, G_FILE_ATTRIBUTE_UNIX_INODE) == self->project_ino;
  if (same)
    {
      /* Events come in bursts (a rename, then a new folder): one check
       * at a time, and one more after it if any came meanwhile. */
      if (self->project_recheck)
        check_project (self);
      return;
    }
  g_message ("The project folder %s is gone from where QEMU found it (%s)",
             corral_profile_get_project_path (self->profile),
             error ? error->message : "another folder is there now");
  stop_watching (self);
  _corral_vm_set_project_missing (self, TRUE);
}

static gboolean
project_timeout_cb (gpointer user_data)
{
  check_project (user_data);
  return G_SOURCE_CONTINUE;
}

static void
project_changed_cb (GFileMonitor      *monitor,
                    GFile             *file,
                    GFile             *other,
                    GFileMonitorEvent  event,
                    CorralVm          *self)
{
  /* Only what can take the folder away. The guest can change the
   * folder's own times and mode over 9p as fast as it likes (a loop of
   * `touch /project`: thousands of events a second), and each would
   * cost a stat. */
  switch (event)
    {
    case G_FILE_MONITOR_EVENT_DELETED:
    case G_FILE_MONITOR_EVENT_CREATED:
    case G_FILE_MONITOR_EVENT_MOVED_IN:
    case G_FILE_MONITOR_EVENT_MOVED_OUT:
    case G_FILE_MONITOR_EVENT_RENAMED:
    case G_FILE_MONITOR_EVENT_MOVED:
    case G_FILE_MONITOR_EVENT_PRE_UNMOUNT:
    case G_FILE_MONITOR_EVENT_UNMOUNTED:
      check_project (self);
      break;
    case G_FILE_MONITOR_EVENT_CHANGED:
    case G_FILE_MONITOR_EVENT_CHANGES_DONE_HINT:
    case G_FILE_MONITOR_EVENT_ATTRIBUTE_CHANGED:
    default:
      break;
    }
}

static void
mounts_changed_cb (GUnixMountMonitor *monitor,
                   CorralVm          *self)
{
  check_project (self);
}

static void
check_project (CorralVm *self)
{
  g_autoptr(GFile) file = g_file_new_for_path (corral_profile_get_project_path (self->profile));

  if (self->project_cancellable == NULL || self->project_missing)
    return;
  if (self->project_checking)
    {
      self->project_recheck = TRUE;
      return;
    }
  self->project_checking = TRUE;
  self->project_recheck = FALSE;
  g_file_query_info_async (file, G_FILE_ATTRIBUTE_STANDARD_TYPE "," G_FILE_ATTRIBUTE_UNIX_DEVICE ","
                           G_FILE_ATTRIBUTE_UNIX_INODE, G_FILE_QUERY_INFO_NONE, G_PRIORITY_LOW,
                           self->project_cancellable, query_cb, self);
}

gboolean
_corral_vm_watch_project (CorralVm  *self,
                          GError   **error)
{
  g_autoptr(GFile) file = g_file_new_for_path (corral_profile_get_project_path (self->profile));
  g_autoptr(GFileInfo) info = NULL;

  /* What QEMU is about to get (the start checks the folder exists). */
  info = g_file_query_info (file, G_FILE_ATTRIBUTE_UNIX_DEVICE "," G_FILE_ATTRIBUTE_UNIX_INODE,
                            G_FILE_QUERY_INFO_NONE, NULL, error);
  if (info == NULL)
    return FALSE;
  self->project_dev = g_file_info_get_attribute_uint32 (info, G_FILE_ATTRIBUTE_UNIX_DEVICE);
  self->project_ino = g_file_info_get_attribute_uint64 (info, G_FILE_ATTRIBUTE_UNIX_INODE);
  self->project_cancellable = g_cancellable_new ();
  self->project_checking = self->project_recheck = FALSE;
  /* (Without a monitor, as on some file systems, the backstop remains.) */
  self->project_monitor = g_file_monitor_file (file, G_FILE_MONITOR_WATCH_MOVES, NULL, NULL);
  if (self->project_monitor != NULL)
    g_signal_connect (self->project_monitor, "changed", G_CALLBACK (project_changed_cb), self);
  self->mount_monitor = G_OBJECT (g_unix_mount_monitor_get ());
  self->mounts_changed_id = g_signal_connect (self->mount_monitor, "mounts-changed",
                                              G_CALLBACK (mounts_changed_cb), self);
  self->project_source = g_timeout_add_seconds (PROJECT_BACKSTOP_SECONDS, project_timeout_cb, self);
  return TRUE;
}

void
_corral_vm_unwatch_project (CorralVm *self)
{
  stop_watching (self);
  if (self->project_cancellable != NULL)
    g_cancellable_cancel (self->project_cancellable);
  g_clear_object (&self->project_cancellable);
  _corral_vm_set_project_missing (self, FALSE);
}
