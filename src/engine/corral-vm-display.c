/* corral-vm-display.c: CorralVm's graphical display
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * The display reaches the app as VNC client sockets QEMU is handed over
 * QMP (no listening socket anywhere), the clipboard as a socketpair QEMU
 * inherits, and screenshots as PNGs QEMU writes into a file Corral opened
 * (QEMU's jail has no view of the host's folders).
 */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <sys/socket.h>
#include <unistd.h>

#include <glib/gi18n.h>

#include "corral-vm-private.h"

/* The display's clipboard: a socketpair; we keep one end, and QEMU's end
 * (returned, for the launcher) becomes its CORRAL_VM_CLIPBOARD_CHILD_FD.
 * -1 when the guest has no display or no socket could be had (the guest
 * then runs without a shared clipboard). */
int
_corral_vm_open_clipboard (CorralVm *self)
{
  int cv[2];

  if (!corral_vm_has_display (self))
    return -1;
  if (socketpair (AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, cv) < 0)
    return -1;
  self->clipboard_fd = cv[0];
  return cv[1];
}

/* --- screenshots ------------------------------------------------------------ */

/* add-fd (our file into an fd set) -> screendump to /dev/fdset/N ->
 * remove-fd. */
typedef struct {
  int    fd;
  gint64 fdset;
} Shot;

static void
shot_free (Shot *shot)
{
  if (shot->fd >= 0)
    close (shot->fd);
  g_free (shot);
}

static void
remove_fd_cb (GObject      *source,
              GAsyncResult *result,
              gpointer      user_data)
{
  /* Whatever QEMU answers: the fd set was only ever a way in. */
  JsonNode *reply = corral_qmp_execute_finish (CORRAL_QMP (source), result, NULL);

  g_clear_pointer (&reply, json_node_unref);
}

static void
screendump_cb (GObject      *source,
               GAsyncResult *result,
               gpointer      user_data)
{
  g_autoptr(GTask) task = user_data;
  Shot *shot = g_task_get_task_data (task);
  g_autoptr(JsonNode) reply = NULL;
  g_autoptr(JsonObject) args = json_object_new ();
  GError *error = NULL;

  reply = corral_qmp_execute_finish (CORRAL_QMP (source), result, &error);
  json_object_set_int_member (args, "fdset-id", shot->fdset);
  if (!corral_qmp_is_closed (CORRAL_QMP (source)))
    corral_qmp_execute_async (CORRAL_QMP (source), "remove-fd", args, -1, NULL, remove_fd_cb, NULL);
  if (reply == NULL)
    g_task_return_new_error (task, CORRAL_VM_ERROR, CORRAL_VM_ERROR_QMP,
                             _("Could not take a screenshot: %s"), error->message);
  else
    g_task_return_boolean (task, TRUE);
  g_clear_error (&error);
}

static void
add_fd_cb (GObject      *source,
           GAsyncResult *result,
           gpointer      user_data)
{
  g_autoptr(GTask) task = user_data;
  Shot *shot = g_task_get_task_data (task);
  g_autoptr(JsonNode) reply = NULL;
  g_autoptr(JsonObject) args = NULL;
  g_autofree char *path = NULL;
  GError *error = NULL;
  JsonObject *object;

  reply = corral_qmp_execute_finish (CORRAL_QMP (source), result, &error);
  object = reply != NULL && JSON_NODE_HOLDS_OBJECT (reply) ? json_node_get_object (reply) : NULL;
  if (object == NULL || !json_object_has_member (object, "fdset-id") ||
      json_node_get_value_type (json_object_get_member (object, "fdset-id")) != G_TYPE_INT64)
    {
      g_task_return_new_error (task, CORRAL_VM_ERROR, CORRAL_VM_ERROR_QMP,
                               _("Could not take a screenshot: %s"),
                               error ? error->message : _("QEMU did not take the file"));
      g_clear_error (&error);
      return;
    }
  shot->fdset = json_object_get_int_member (object, "fdset-id");
  path = g_strdup_printf ("/dev/fdset/%" G_GINT64_FORMAT, shot->fdset);
  args = corral_qmp_args ("filename", path, "format", "png", NULL);
  corral_qmp_execute_async (CORRAL_QMP (source), "screendump", args, -1,
                            g_task_get_cancellable (task), screendump_cb, g_object_ref (task));
}

void
corral_vm_screendump_async (CorralVm            *self,
                            const char          *png_path,
                            GCancellable        *cancellable,
                            GAsyncReadyCallback  callback,
                            gpointer             user_data)
{
  g_autoptr(GTask) task = NULL;
  Shot *shot;

  g_return_if_fail (CORRAL_IS_VM (self));
  g_return_if_fail (png_path != NULL);

  task = g_task_new (self, cancellable, callback, user_data);
  g_task_set_source_tag (task, corral_vm_screendump_async);
  if (!_corral_vm_check_running (self, task))
    return;
  shot = g_new0 (Shot, 1);
  shot->fd = open (png_path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC | O_NOCTTY, 0666);
  shot->fdset = -1;
  g_task_set_task_data (task, shot, (GDestroyNotify) shot_free);
  if (shot->fd < 0)
    {
      int errsv = errno;
      g_autofree char *display = g_filename_display_name (png_path);

      g_task_return_new_error (task, G_IO_ERROR, g_io_error_from_errno (errsv),
                               _("Could not take a screenshot: cannot write “%s”: %s"),
                               display, g_strerror (errsv));
      return;
    }
  /* QEMU (>= 7.1) writes the PNG into the file we opened, passed along. */
  corral_qmp_execute_async (self->qmp, "add-fd", NULL, shot->fd, cancellable,
                            add_fd_cb, g_steal_pointer (&task));
}

gboolean
corral_vm_screendump_finish (CorralVm      *self,
                             GAsyncResult  *result,
                             GError       **error)
{
  g_return_val_if_fail (g_task_is_valid (result, self), FALSE);
  return g_task_propagate_boolean (G_TASK (result), error);
}

/* --- display ---------------------------------------------------------------- */

typedef struct {
  int   client_fd;   /* ours: returned to the caller */
  char *fdname;
} DisplayData;

static void
display_data_free (DisplayData *data)
{
  if (data->client_fd >= 0)
    close (data->client_fd);
  g_free (data->fdname);
  g_free (data);
}

static void
add_client_cb (GObject      *source,
               GAsyncResult *result,
               gpointer      user_data)
{
  g_autoptr(GTask) task = user_data;
  DisplayData *data = g_task_get_task_data (task);
  g_autoptr(JsonNode) reply = NULL;
  GError *error = NULL;
  int fd;

  reply = corral_qmp_execute_finish (CORRAL_QMP (source), result, &error);
  if (reply == NULL)
    {
      g_task_return_new_error (task, CORRAL_VM_ERROR, CORRAL_VM_ERROR_QMP,
                               _("QEMU did not accept the display connection: %s"), error->message);
      g_error_free (error);
      return;
    }
  fd = data->client_fd;
  data->client_fd = -1;
  g_task_return_int (task, fd);
}

static void
getfd_cb (GObject      *source,
          GAsyncResult *result,
          gpointer      user_data)
{
  g_autoptr(GTask) task = user_data;
  DisplayData *data = g_task_get_task_data (task);
  g_autoptr(JsonNode) reply = NULL;
  g_autoptr(JsonObject) args = NULL;
  GCancellable *cancellable = g_task_get_cancellable (task);
  GError *error = NULL;

  reply = corral_qmp_execute_finish (CORRAL_QMP (source), result, &error);
  if (reply == NULL)
    {
      g_task_return_new_error (task, CORRAL_VM_ERROR, CORRAL_VM_ERROR_QMP,
                               _("Could not hand the display connection to QEMU: %s"), error->message);
      g_error_free (error);
      return;
    }
  /* QEMU's VNC server serves the passed socket as one client; it asks
   * no password: only this process holds the other end. */
  args = corral_qmp_args ("protocol", "vnc", "fdname", data->fdname, NULL);
  json_object_set_boolean_member (args, "skipauth", TRUE);
  corral_qmp_execute_async (CORRAL_QMP (source), "add_client", args, -1,
                            cancellable, add_client_cb, g_steal_pointer (&task));
}

void
corral_vm_open_display_async (CorralVm            *self,
                              GCancellable        *cancellable,
                              GAsyncReadyCallback  callback,
                              gpointer             user_data)
{
  g_autoptr(GTask) task = NULL;
  g_autoptr(JsonObject) args = NULL;
  DisplayData *data;
  int sv[2];

  g_return_if_fail (CORRAL_IS_VM (self));

  task = g_task_new (self, cancellable, callback, user_data);
  g_task_set_source_tag (task, corral_vm_open_display_async);
  if (!_corral_vm_check_running (self, task))
    return;
  if (!corral_vm_has_display (self))
    {
      g_task_return_new_error (task, CORRAL_VM_ERROR, CORRAL_VM_ERROR_NOT_RUNNING,
                               _("This guest has no graphical display"));
      return;
    }
  if (socketpair (AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, sv) < 0)
    {
      int errsv = errno;
      g_task_return_new_error (task, G_IO_ERROR, g_io_error_from_errno (errsv),
                               "socketpair: %s", g_strerror (errsv));
      return;
    }
  data = g_new0 (DisplayData, 1);
  data->client_fd = sv[0];
  data->fdname = g_strdup_printf ("corral-display-%u", ++self->display_serial);
  g_task_set_task_data (task, data, (GDestroyNotify) display_data_free);

  args = corral_qmp_args ("fdname", data->fdname, NULL);
  /* The QMP client sends a dup along; QEMU's end must not stay here too,
   * or the client would never see the connection close. */
  corral_qmp_execute_async (self->qmp, "getfd", args, sv[1], cancellable,
                            getfd_cb, g_steal_pointer (&task));
  close (sv[1]);
}

int
corral_vm_open_display_finish (CorralVm      *self,
                               GAsyncResult  *result,
                               GError       **error)
{
  g_return_val_if_fail (g_task_is_valid (result, self), -1);
  return (int) g_task_propagate_int (G_TASK (result), error);
}

int
corral_vm_get_clipboard_fd (CorralVm *self)
{
  g_return_val_if_fail (CORRAL_IS_VM (self), -1);
  return self->clipboard_fd;
}

gboolean
corral_vm_has_display (CorralVm *self)
{
  g_return_val_if_fail (CORRAL_IS_VM (self), FALSE);
  return self->guest != NULL && corral_guest_get_graphical (self->guest) &&
         g_strcmp0 (corral_guest_get_vga (self->guest), "none") != 0;
}

