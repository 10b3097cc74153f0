/* corral-console-pump.c: a virtio agent console's buffer between QEMU and its PTY
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <unistd.h>

#include <gio/gio.h>
#include <glib-unix.h>
#include <glib/gi18n.h>

#include "corral-console-pump.h"

/* How long the output still in the buffer may take to reach the terminal
 * once QEMU has gone. */
#define DRAIN_SECONDS 5
#define CHUNK 65536
/* The same when the Vm stops the pump (QEMU gone, its run released). */
#define STOP_DRAIN_SECONDS 1

struct _CorralConsolePump
{
  int      qemu_fd;
  int      pty_fd;
  int      wake[2];   /* written to stop the thread */
  GThread *thread;
};

/* Bytes waiting to go one way: data[start..len). */
typedef struct {
  GByteArray *data;
  gsize       start;
} Queue;

static gsize
queue_size (const Queue *q)
{
  return q->data->len - q->start;
}

/* Writes what it can of q to fd; FALSE on an error other than "later". */
static gboolean
queue_flush (Queue *q,
             int    fd)
{
  ssize_t n = write (fd, q->data->data + q->start, queue_size (q));

  if (n < 0)
    return errno == EAGAIN || errno == EINTR;
  q->start += n;
  if (q->start == q->data->len)
    {
      g_byte_array_set_size (q->data, 0);
      q->start = 0;
    }
  else if (q->start > q->data->len / 2)
    {
      g_byte_array_remove_range (q->data, 0, q->start);
      q->start = 0;
    }
  return TRUE;
}

/* Appends what fd has (at most CHUNK); 0 at its end, -1 on nothing yet. */
static ssize_t
queue_fill (Queue *q,
            int    fd)
{
  guint8 buf[CHUNK];
  ssize_t n = read (fd, buf, sizeof buf);

  if (n < 0)
    return (errno == EAGAIN || errno == EINTR) ? -1 : 0;
  g_byte_array_append (q->data, buf, n);
  return n;
}

static gpointer
pump_thread (gpointer user_data)
{
  CorralConsolePump *self = user_data;
  Queue out = { g_byte_array_new (), 0 };  /* guest -> terminal */
  Queue in = { g_byte_array_new (), 0 };   /* terminal -> guest */
  gboolean qemu_open = TRUE, pty_open = TRUE;
  gint64 drain_until = 0;
  gboolean stopping = FALSE;

  while (pty_open)
    {
      struct pollfd fds[3] = {
        { stopping ? -1 : self->wake[0], POLLIN, 0 },
        { self->qemu_fd, 0, 0 },
        { self->pty_fd, 0, 0 },
      };
      int timeout = -1;

      if (qemu_open)
        fds[1].events = (queue_size (&out) < CORRAL_CONSOLE_PUMP_MAX ? POLLIN : 0) |
                        (queue_size (&in) > 0 ? POLLOUT : 0);
      else
        fds[1].fd = -1;
      fds[2].events = (queue_size (&out) > 0 ? POLLOUT : 0) |
                      (qemu_open && queue_size (&in) < CHUNK ? POLLIN : 0);
      if (!qemu_open)
        {
          gint64 left = drain_until - g_get_monotonic_time ();

          if (queue_size (&out) == 0 || left <= 0)
            break;
          timeout = (int) (left / 1000) + 1;
        }

      if (poll (fds, G_N_ELEMENTS (fds), timeout) < 0)
        {
          if (errno == EINTR)
            continue;
          break;
        }
      if (fds[0].revents)
        {
          /* Stopping: what QEMU sent last (it may just have exited) still
           * reaches the terminal, briefly; nothing more is read. */
          if (qemu_open)
            while (queue_size (&out) < CORRAL_CONSOLE_PUMP_MAX && queue_fill (&out, self->qemu_fd) > 0)
              ;
          if (!stopping)
            drain_until = g_get_monotonic_time () + STOP_DRAIN_SECONDS * G_USEC_PER_SEC;
          qemu_open = FALSE;
          stopping = TRUE;
          if (queue_size (&out) == 0)
            break;
        }

      if (fds[1].revents & (POLLIN | POLLHUP | POLLERR))
        {
          if (queue_fill (&out, self->qemu_fd) == 0)
            {
              /* QEMU is gone: what it sent still goes to the terminal. */
              qemu_open = FALSE;
              drain_until = g_get_monotonic_time () + DRAIN_SECONDS * G_USEC_PER_SEC;
            }
        }
      if (qemu_open && (fds[1].revents & POLLOUT) && !queue_flush (&in, self->qemu_fd))
        {
          qemu_open = FALSE;
          drain_until = g_get_monotonic_time () + DRAIN_SECONDS * G_USEC_PER_SEC;
        }
      if ((fds[2].revents & POLLOUT) && !queue_flush (&out, self->pty_fd))
        pty_open = FALSE;
      /* A PTY's slave reads EIO while no one has the master open: then
       * nothing is typed, and the output waits in the buffer. */
      if (pty_open && (fds[2].revents & POLLIN))
        queue_fill (&in, self->pty_fd);
    }

  /* The terminal sees the console end once nobody else holds the PTY. */
  close (self->pty_fd);
  self->pty_fd = -1;
  g_byte_array_unref (out.data);
  g_byte_array_unref (in.data);
  return NULL;
}

CorralConsolePump *
corral_console_pump_new (int          qemu_fd,
                         const char  *pty_path,
                         GError     **error)
{
  g_autoptr(CorralConsolePump) self = g_new0 (CorralConsolePump, 1);

  self->qemu_fd = qemu_fd;
  self->pty_fd = -1;
  self->wake[0] = self->wake[1] = -1;
  g_unix_set_fd_nonblocking (qemu_fd, TRUE, NULL);
  self->pty_fd = open (pty_path, O_RDWR | O_NOCTTY | O_NONBLOCK | O_CLOEXEC);
  if (self->pty_fd < 0 || !g_unix_open_pipe (self->wake, FD_CLOEXEC, NULL))
    {
      int errsv = errno;
      g_set_error (error, G_IO_ERROR, g_io_error_from_errno (errsv),
                   _("Could not create a console for the virtual machine (%s: %s)"),
                   pty_path, g_strerror (errsv));
      return NULL;
    }
  self->thread = g_thread_new ("corral-console", pump_thread, self);
  return g_steal_pointer (&self);
}

void
corral_console_pump_free (CorralConsolePump *self)
{
  if (self == NULL)
    return;
  if (self->thread != NULL)
    {
      char c = 0;

      if (write (self->wake[1], &c, 1) < 0)
        g_warning ("console pump: %s", g_strerror (errno));
      g_thread_join (self->thread);
    }
  if (self->pty_fd >= 0)
    close (self->pty_fd);
  if (self->qemu_fd >= 0)
    close (self->qemu_fd);
  for (guint i = 0; i < 2; i++)
    if (self->wake[i] >= 0)
      close (self->wake[i]);
  g_free (self);
}
