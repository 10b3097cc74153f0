/* corral-vm-session.c: CorralVm's agent session channel
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * The guest's agent console runs the entrypoint. Its session helper tells
 * us, over a virtio-serial port on a socketpair QEMU inherits (nothing
 * listens anywhere), when the entrypoint starts and how it ends, then
 * waits for the host's choice: run it again, a shell, or power off
 * (corral-session-protocol.h, guest contract section 9). The guest is
 * not trusted: its lines are parsed strictly and bounded, and the worst
 * a lying guest gets is a wrong banner in its own window.
 */
#include "config.h"

#include <errno.h>
#include <sys/socket.h>
#include <unistd.h>

#include <glib-unix.h>
#include <glib/gi18n.h>

#include "corral-guest-io.h"
#include "corral-vm-private.h"

/* A few bytes on a socket nobody else writes: they fit, or the guest
 * has stopped reading altogether. MSG_NOSIGNAL: a QEMU that quit leaves
 * a closed end, and a write there would SIGPIPE the app unless something
 * else (GSocket, once used) happened to ignore that signal. */
static gboolean
write_line (CorralVm    *self,
            const char  *line,
            GError     **error)
{
  gsize length = strlen (line);

  while (length > 0)
    {
      ssize_t n = send (self->session_fd, line, length, MSG_NOSIGNAL);

      if (n < 0 && errno == EINTR)
        continue;
      if (n <= 0)
        {
          int errsv = errno;

          g_set_error (error, CORRAL_VM_ERROR, CORRAL_VM_ERROR_NO_SESSION,
                       _("Could not reach the guest’s agent console: %s"),
                       n < 0 ? g_strerror (errsv) : "?");
          return FALSE;
        }
      line += n;
      length -= n;
    }
  return TRUE;
}

static gboolean
send_command (CorralVm              *self,
              CorralSessionCommand  command,
              GError              **error)
{
  if (self->session_fd < 0 || !self->session_hello)
    {
      g_set_error (error, CORRAL_VM_ERROR, CORRAL_VM_ERROR_NO_SESSION,
                   _("The guest does not take requests for its agent console (it may be an older guest)"));
      return FALSE;
    }
  return write_line (self, corral_session_command_line (command), error);
}

/* Sends @rows x @columns for @terminal unless the guest has it already
 * (*@sent_rows x *@sent_columns), and remembers what went out. */
static void
send_size_line (CorralVm              *self,
                CorralSessionTerminal  terminal,
                long                   rows,
                long                   columns,
                long                  *sent_rows,
                long                  *sent_columns)
{
  g_autoptr(GError) error = NULL;
  g_autofree char *line = NULL;

  if (rows <= 0 || (rows == *sent_rows && columns == *sent_columns))
    return;
  line = corral_session_size_line (terminal, rows, columns);
  if (!write_line (self, line, &error))
    {
      /* The next change tries again; meanwhile the size is stale. */
      g_debug ("%s", error->message);
      return;
    }
  *sent_rows = rows;
  *sent_columns = columns;
}

/* The guest's relay stops asking the terminal for its size once it is
 * told (a guest of version 2 or later), so an idle agent console costs
 * nothing: the relay reads SIZE while the agent runs, and a new run
 * gets the size again. */
static void
send_size (CorralVm *self)
{
  if (self->session_fd < 0 || self->session_version < CORRAL_SESSION_VERSION_SIZE ||
      self->agent_state != CORRAL_AGENT_STATE_RUNNING)
    return;
  send_size_line (self, CORRAL_SESSION_TERMINAL_AGENT, self->agent_rows, self->agent_columns,
                  &self->sent_rows, &self->sent_columns);
}

/* The second console is a serial line with a shell behind the guest's
 * relay: a guest of version 3 or later sets this size on the line itself
 * (as `stty rows` would), whatever runs there, and its relay stops
 * asking. Sent whenever the helper says HELLO and after each change. */
static void
send_second_size (CorralVm *self)
{
  if (self->session_fd < 0 || self->session_version < CORRAL_SESSION_VERSION_SECOND_SIZE)
    return;
  send_size_line (self, CORRAL_SESSION_TERMINAL_SECOND, self->second_rows, self->second_columns,
                  &self->second_sent_rows, &self->second_sent_columns);
}

void
corral_vm_set_agent_console_size (CorralVm *self,
                                  long      rows,
                                  long      columns)
{
  g_return_if_fail (CORRAL_IS_VM (self));

  self->agent_rows = CLAMP (rows, 1, CORRAL_SESSION_MAX_GRID);
  self->agent_columns = CLAMP (columns, 1, CORRAL_SESSION_MAX_GRID);
  send_size (self);
}

void
corral_vm_set_second_console_size (CorralVm *self,
                                   long      rows,
                                   long      columns)
{
  g_return_if_fail (CORRAL_IS_VM (self));

  self->second_rows = CLAMP (rows, 1, CORRAL_SESSION_MAX_GRID);
  self->second_columns = CLAMP (columns, 1, CORRAL_SESSION_MAX_GRID);
  send_second_size (self);
}

static gboolean
confirm_timeout_cb (gpointer user_data)
{
  CorralVm *self = user_data;

  self->session_confirm_source = 0;
  if (self->agent_state == CORRAL_AGENT_STATE_STARTING)
    {
      g_message ("The guest did not confirm the agent's restart within %d s",
                 CORRAL_VM_SESSION_CONFIRM_SECONDS);
      _corral_vm_set_agent_state (self, CORRAL_AGENT_STATE_ENDED);
    }
  return G_SOURCE_REMOVE;
}

static void
handle_message (CorralVm                   *self,
                const CorralSessionMessage *message)
{
  switch (message->kind)
    {
    case CORRAL_SESSION_MESSAGE_HELLO:
      self->session_hello = TRUE;
      self->session_version = message->value;
      self->second_sent_rows = self->second_sent_columns = 0;  /* a new helper */
      send_second_size (self);
      break;

    case CORRAL_SESSION_MESSAGE_STARTED:
      g_clear_handle_id (&self->session_confirm_source, g_source_remove);
      self->agent_was_entrypoint = message->run == CORRAL_SESSION_RUN_ENTRYPOINT;
      self->agent_exit_status = -1;
      self->agent_exit_signal = 0;
      _corral_vm_set_agent_state (self, CORRAL_AGENT_STATE_RUNNING);
      self->sent_rows = self->sent_columns = 0;  /* a new relay */
      send_size (self);
      break;

    case CORRAL_SESSION_MESSAGE_EXIT:
    case CORRAL_SESSION_MESSAGE_SIGNAL:
      g_clear_handle_id (&self->session_confirm_source, g_source_remove);
      if (message->kind == CORRAL_SESSION_MESSAGE_EXIT)
        {
          self->agent_exit_status = message->value;
          self->agent_exit_signal = 0;
        }
      else
        {
          self->agent_exit_status = -1;
          self->agent_exit_signal = message->value;
        }
      _corral_vm_set_agent_state (self, CORRAL_AGENT_STATE_ENDED);
      /* The seed's behaviour: the agent was the VM's reason to run. */
      if (self->agent_exit_action == CORRAL_AGENT_EXIT_POWER_OFF &&
          self->state == CORRAL_VM_STATE_RUNNING)
        {
          g_autoptr(GError) error = NULL;

          if (!send_command (self, CORRAL_SESSION_COMMAND_POWEROFF, &error))
            corral_vm_power_down (self);
        }
      break;

    default:
      break;
    }
}

static gboolean
session_readable_cb (int           fd,
                     GIOCondition  condition,
                     gpointer      user_data)
{
  CorralVm *self = user_data;
  g_autoptr(GArray) messages = NULL;
  guint8 buf[512];
  ssize_t n = read (fd, buf, sizeof buf);

  if (n < 0 && (errno == EAGAIN || errno == EINTR))
    return G_SOURCE_CONTINUE;
  if (n <= 0)
    {
      /* QEMU let go of its end: it is exiting. */
      self->session_source = 0;
      return G_SOURCE_REMOVE;
    }

  messages = corral_session_decoder_feed (self->session_decoder, buf, n);
  if (messages == NULL)
    return G_SOURCE_CONTINUE;
  /* A handler of the notifications may stop the VM, which closes this. */
  g_object_ref (self);
  for (guint i = 0; i < messages->len && self->session_fd == fd; i++)
    handle_message (self, &g_array_index (messages, CorralSessionMessage, i));
  g_object_unref (self);
  return self->session_fd == fd ? G_SOURCE_CONTINUE : G_SOURCE_REMOVE;
}

int
_corral_vm_open_session (CorralVm *self)
{
  int sv[2];

  if (socketpair (AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, sv) < 0)
    {
      g_message ("No agent session channel: %s", g_strerror (errno));
      return -1;
    }
  g_unix_set_fd_nonblocking (sv[0], TRUE, NULL);
  self->session_fd = sv[0];
  self->session_decoder = corral_session_decoder_new ();
  self->session_source = g_unix_fd_add_full (CORRAL_GUEST_IO_PRIORITY, sv[0],
                                             G_IO_IN | G_IO_HUP | G_IO_ERR,
                                             session_readable_cb, self, NULL);
  return sv[1];
}

void
_corral_vm_session_reset (CorralVm *self)
{
  g_clear_handle_id (&self->session_confirm_source, g_source_remove);
  self->session_hello = FALSE;
  self->session_version = 0;
  self->sent_rows = self->sent_columns = 0;
  self->second_sent_rows = self->second_sent_columns = 0;
  self->agent_was_entrypoint = TRUE;
  self->agent_exit_status = -1;
  self->agent_exit_signal = 0;
  if (self->session_decoder != NULL)
    {
      corral_session_decoder_free (self->session_decoder);
      self->session_decoder = corral_session_decoder_new ();
    }
  _corral_vm_set_agent_state (self, CORRAL_AGENT_STATE_UNKNOWN);
}

void
_corral_vm_close_session (CorralVm *self)
{
  g_clear_handle_id (&self->session_source, g_source_remove);
  if (self->session_fd >= 0)
    {
      close (self->session_fd);
      self->session_fd = -1;
    }
  _corral_vm_session_reset (self);
  g_clear_pointer (&self->session_decoder, corral_session_decoder_free);
}

static gboolean
ask (CorralVm              *self,
     CorralSessionCommand   command,
     GError               **error)
{
  if (self->state != CORRAL_VM_STATE_RUNNING || self->agent_state != CORRAL_AGENT_STATE_ENDED)
    {
      g_set_error (error, CORRAL_VM_ERROR, CORRAL_VM_ERROR_NO_SESSION,
                   _("The agent console is busy: nothing has ended there"));
      return FALSE;
    }
  if (!send_command (self, command, error))
    return FALSE;
  _corral_vm_set_agent_state (self, CORRAL_AGENT_STATE_STARTING);
  g_clear_handle_id (&self->session_confirm_source, g_source_remove);
  self->session_confirm_source = g_timeout_add_seconds (CORRAL_VM_SESSION_CONFIRM_SECONDS,
                                                        confirm_timeout_cb, self);
  return TRUE;
}

gboolean
corral_vm_restart_agent (CorralVm  *self,
                         GError   **error)
{
  g_return_val_if_fail (CORRAL_IS_VM (self), FALSE);
  return ask (self, CORRAL_SESSION_COMMAND_RESTART, error);
}

gboolean
corral_vm_open_agent_shell (CorralVm  *self,
                            GError   **error)
{
  g_return_val_if_fail (CORRAL_IS_VM (self), FALSE);
  return ask (self, CORRAL_SESSION_COMMAND_SHELL, error);
}

CorralAgentState
corral_vm_get_agent_state (CorralVm *self)
{
  g_return_val_if_fail (CORRAL_IS_VM (self), CORRAL_AGENT_STATE_UNKNOWN);
  return self->agent_state;
}

gboolean
corral_vm_get_agent_was_entrypoint (CorralVm *self)
{
  g_return_val_if_fail (CORRAL_IS_VM (self), TRUE);
  return self->agent_was_entrypoint;
}

int
corral_vm_get_agent_exit_status (CorralVm *self)
{
  g_return_val_if_fail (CORRAL_IS_VM (self), -1);
  return self->agent_exit_status;
}

int
corral_vm_get_agent_exit_signal (CorralVm *self)
{
  g_return_val_if_fail (CORRAL_IS_VM (self), 0);
  return self->agent_exit_signal;
}

int
corral_vm_get_session_fd (CorralVm *self)
{
  g_return_val_if_fail (CORRAL_IS_VM (self), -1);
  return self->session_fd;
}
