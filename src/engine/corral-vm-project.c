/* corral-vm-project.c: CorralVm's watch on the project folder
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * QEMU shares the project folder it found at start (9p holds it open).
 * Should that folder be deleted, moved away or unmounted while the VM
 * runs, the guest goes on working on a folder nobody will see again:
 * the agent's work is lost without a word. So while a run lasts the
 * folder's path is checked every few seconds against what QEMU got (the
 * same device and inode); when it no longer is, project-missing tells
 * the window and the terminal, which say so. The check is asynchronous
 * (a folder on a network file system that went away can hang a stat()
 * for minutes: the app must not). The guest keeps running: what it still
 * holds in memory is the user's to save or drop.
 */
#include "config.h"

#include "corral-vm-private.h"

#define PROJECT_CHECK_SECONDS 2

static void check_project (CorralVm *self);

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
  same = info != NULL &&
         g_file_info_get_file_type (info) == G_FILE_TYPE_DIRECTORY &&
         g_file_info_get_attribute_uint32 (info, G_FILE_ATTRIBUTE_UNIX_DEVICE) == self->project_dev &&
         g_file_info_get_attribute_uint64 (info, G_FILE_ATTRIBUTE_UNIX_INODE) == self->project_ino;
  if (same)
    return;
  g_message ("The project folder %s is gone from where QEMU found it (%s)",
             corral_profile_get_project_path (self->profile),
             error ? error->message : "another folder is there now");
  g_clear_handle_id (&self->project_source, g_source_remove);
  _corral_vm_set_project_missing (self, TRUE);
}

static gboolean
project_timeout_cb (gpointer user_data)
{
  check_project (user_data);
  return G_SOURCE_CONTINUE;
}

static void
check_project (CorralVm *self)
{
  g_autoptr(GFile) file = g_file_new_for_path (corral_profile_get_project_path (self->profile));

  if (self->project_cancellable == NULL)
    return;
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
  self->project_source = g_timeout_add_seconds (PROJECT_CHECK_SECONDS, project_timeout_cb, self);
  return TRUE;
}

void
_corral_vm_unwatch_project (CorralVm *self)
{
  g_clear_handle_id (&self->project_source, g_source_remove);
  if (self->project_cancellable != NULL)
    g_cancellable_cancel (self->project_cancellable);
  g_clear_object (&self->project_cancellable);
  _corral_vm_set_project_missing (self, FALSE);
}
