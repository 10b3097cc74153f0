/* corral-vnc-readahead.c: gvnc's socket read in big pieces
 *
 * gtk-vnc reads its socket through g_socket_receive() 4 KiB at a time, so
 * a full 1920×1080 update in QEMU's raw encoding takes over 2000 recv()
 * calls; under emulation-grade virtualisation those system calls cost
 * more than drawing the frame (build-aux/bench p3; README, "Where a full
 * frame's time goes"). gvnc's API has no say in that size, so Corral
 * defines g_socket_receive() itself: an executable's definition stands
 * for a library's in every other library that calls it (ELF symbol
 * interposition), gvnc included. A socket named here before gvnc wrapped
 * it is served from a buffer that one recv() fills with whatever the
 * kernel holds; every other socket goes to GIO as before.
 *
 * It stays a stream read: bytes come out in order, at most @size and at
 * least one, and a call says it would block (the only time gvnc waits
 * for G_IO_IN) only once the buffer is empty. The buffer is the GSocket's
 * own (object data), so it cannot outlive that socket and reach another
 * one that gets the same fd number later.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "config.h"

#include <string.h>

#include <gio/gio.h>

#include "corral-vnc-readahead.h"

/* 16 times gvnc's own: a raw 1920×1080 frame in about 130 calls instead
 * of 2000. 256 KiB measured no better (P3: 0.85× gvncviewer, against
 * 0.84× with this) and held 192 KiB more while a display is open. */
#define READAHEAD_SIZE (64 * 1024)

typedef struct {
  gsize start, len;
  guint8 data[READAHEAD_SIZE];
} Readahead;

static GMutex watch_lock;
static GArray *watched;  /* int: fds whose next GSocket gets a buffer */
static int n_watched;    /* atomic: most sockets never take the lock */

void
corral_vnc_readahead_watch (int fd)
{
  g_return_if_fail (fd >= 0);

  g_mutex_lock (&watch_lock);
  if (watched == NULL)
    watched = g_array_new (FALSE, FALSE, sizeof (int));
  g_array_append_val (watched, fd);
  g_atomic_int_inc (&n_watched);
  g_mutex_unlock (&watch_lock);
}

static gboolean
unwatch (int fd)
{
  gboolean found = FALSE;

  if (g_atomic_int_get (&n_watched) == 0)
    return FALSE;

  g_mutex_lock (&watch_lock);
  for (guint i = 0; watched != NULL && i < watched->len; i++)
    if (g_array_index (watched, int, i) == fd)
      {
        g_array_remove_index_fast (watched, i);
        g_atomic_int_add (&n_watched, -1);
        found = TRUE;
        break;
      }
  g_mutex_unlock (&watch_lock);
  return found;
}

void
corral_vnc_readahead_forget (int fd)
{
  unwatch (fd);
}

static G_DEFINE_QUARK (corral-vnc-readahead, readahead)

/* The last buffer this thread read from, as long as no buffer went since
 * (GLib's object data takes a lock on every lookup, and gvnc calls in
 * thousands of times a frame). */
static int buffers_freed;  /* atomic */
static __thread struct {
  GSocket *socket;
  Readahead *ra;
  int freed;
} last;

static void
readahead_free (gpointer ra)
{
  g_atomic_int_inc (&buffers_freed);
  g_free (ra);
}

static Readahead *
readahead_for (GSocket *socket)
{
  Readahead *ra;

  if (last.socket == socket && last.freed == g_atomic_int_get (&buffers_freed))
    return last.ra;

  ra = g_object_get_qdata (G_OBJECT (socket), readahead_quark ());
  if (ra == NULL)
    {
      if (!unwatch (g_socket_get_fd (socket)))
        return NULL;
      ra = g_new (Readahead, 1);
      ra->start = ra->len = 0;
      g_object_set_qdata_full (G_OBJECT (socket), readahead_quark (), ra, readahead_free);
    }
  last.freed = g_atomic_int_get (&buffers_freed);
  last.socket = socket;
  last.ra = ra;
  return ra;
}

/* GIO's g_socket_receive() is this same call with the socket's own
 * blocking mode. */
__attribute__ ((visibility ("default"))) gssize
g_socket_receive (GSocket       *socket,
                  gchar         *buffer,
                  gsize          size,
                  GCancellable  *cancellable,
                  GError       **error)
{
  Readahead *ra;
  gsize n;

  g_return_val_if_fail (G_IS_SOCKET (socket) && buffer != NULL, -1);

  ra = readahead_for (socket);
  if (ra == NULL || (ra->start == ra->len && size >= sizeof ra->data))
    return g_socket_receive_with_blocking (socket, buffer, size, g_socket_get_blocking (socket),
                                           cancellable, error);
  if (size == 0)
    return 0;

  if (ra->start == ra->len)
    {
      gssize got = g_socket_receive_with_blocking (socket, (gchar *) ra->data, sizeof ra->data,
                                                   g_socket_get_blocking (socket),
                                                   cancellable, error);

      if (got <= 0)
        return got;
      ra->start = 0;
      ra->len = got;
    }

  n = MIN (size, ra->len - ra->start);
  memcpy (buffer, ra->data + ra->start, n);
  ra->start += n;
  return n;
}
