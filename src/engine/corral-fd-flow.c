/* corral-fd-flow.c: bytes from one descriptor to another, never blocking
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "config.h"

#include <errno.h>
#include <unistd.h>

#include <glib-unix.h>

#include "corral-fd-flow.h"

#define READ_SIZE 8192

struct _CorralFdFlow
{
  int                   from;
  int                   to;
  CorralTerminalFilter *filter;
  CorralFdFlowReadFunc  read_func;
  gpointer              read_data;
  GByteArray           *pending;   /* bytes [written, len) still to write */
  gsize                 written;
  guint                 read_source;
  guint                 write_source;
  int                   priority;
  gboolean              source_ended;
};

static gboolean read_cb (int fd, GIOCondition condition, gpointer user_data);

/* Writes what the destination takes now; TRUE when nothing is left. */
static gboolean
flush (CorralFdFlow *flow)
{
  while (flow->written < flow->pending->len)
    {
      ssize_t n = write (flow->to, flow->pending->data + flow->written,
                         flow->pending->len - flow->written);

      if (n > 0)
        {
          flow->written += n;
          continue;
        }
      if (n < 0 && errno == EINTR)
        continue;
      if (n < 0 && errno == EAGAIN)
        return FALSE;
      /* The destination is gone (EIO, EPIPE): its bytes go nowhere, as
       * on a line nobody listens to, and the source is still read. */
      break;
    }
  g_byte_array_set_size (flow->pending, 0);
  flow->written = 0;
  return TRUE;
}

static void
watch_source (CorralFdFlow *flow)
{
  if (!flow->source_ended && flow->read_source == 0)
    flow->read_source = g_unix_fd_add_full (flow->priority, flow->from, G_IO_IN | G_IO_HUP | G_IO_ERR,
                                            read_cb, flow, NULL);
}

static gboolean
write_cb (int          fd,
          GIOCondition condition,
          gpointer     user_data)
{
  CorralFdFlow *flow = user_data;

  if (!flush (flow))
    return G_SOURCE_CONTINUE;
  flow->write_source = 0;
  watch_source (flow);
  return G_SOURCE_REMOVE;
}

static gboolean
read_cb (int          fd,
         GIOCondition condition,
         gpointer     user_data)
{
  CorralFdFlow *flow = user_data;
  char buf[READ_SIZE];
  ssize_t n = read (fd, buf, sizeof buf);

  if (n < 0 && (errno == EAGAIN || errno == EINTR))
    return G_SOURCE_CONTINUE;
  if (n <= 0)
    {
      /* End of file, or EIO: a pty whose other side is gone. */
      flow->read_source = 0;
      flow->source_ended = TRUE;
      return G_SOURCE_REMOVE;
    }

  /* Only read while nothing is pending: this read is all the flow holds. */
  if (flow->filter != NULL)
    corral_terminal_filter_feed (flow->filter, buf, n, flow->pending);
  else
    g_byte_array_append (flow->pending, (const guint8 *) buf, n);
  if (flow->read_func != NULL)
    flow->read_func (flow, flow->read_data);
  if (flush (flow))
    return G_SOURCE_CONTINUE;

  /* The destination is full: nothing more is read until it took this. */
  flow->read_source = 0;
  flow->write_source = g_unix_fd_add_full (flow->priority, flow->to, G_IO_OUT | G_IO_HUP | G_IO_ERR,
                                           write_cb, flow, NULL);
  return G_SOURCE_REMOVE;
}

CorralFdFlow *
corral_fd_flow_new (int                   from,
                    int                   to,
                    CorralTerminalFilter *filter,
                    int                   priority)
{
  CorralFdFlow *flow;

  g_return_val_if_fail (from >= 0, NULL);
  g_return_val_if_fail (to >= 0, NULL);

  flow = g_new0 (CorralFdFlow, 1);
  flow->from = from;
  flow->to = to;
  flow->filter = filter;
  flow->priority = priority;
  flow->pending = g_byte_array_sized_new (READ_SIZE);
  watch_source (flow);
  return flow;
}

void
corral_fd_flow_free (CorralFdFlow *flow)
{
  if (flow == NULL)
    return;
  g_clear_handle_id (&flow->read_source, g_source_remove);
  g_clear_handle_id (&flow->write_source, g_source_remove);
  g_byte_array_unref (flow->pending);
  g_free (flow);
}

void
corral_fd_flow_set_read_func (CorralFdFlow         *flow,
                              CorralFdFlowReadFunc  func,
                              gpointer              user_data)
{
  g_return_if_fail (flow != NULL);

  flow->read_func = func;
  flow->read_data = user_data;
}

gsize
corral_fd_flow_get_pending (CorralFdFlow *flow)
{
  g_return_val_if_fail (flow != NULL, 0);

  return flow->pending->len - flow->written;
}

gboolean
corral_fd_flow_is_reading (CorralFdFlow *flow)
{
  g_return_val_if_fail (flow != NULL, FALSE);

  return !flow->source_ended;
}
