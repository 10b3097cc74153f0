/* vnc-bench-receive.c: Corral's VNC receive path with no drawing at all;
 * build-aux/bench measures its CPU use beside vnc-bench-client's.
 *
 *   vnc-bench-receive SOCKET
 *
 * It reads the stream as CorralVncDisplay does (gvnc with Corral's
 * read-ahead, the same pixel format, raw encoding, into a framebuffer of
 * the same layout) and asks for the next update as soon as one is in,
 * where the display asks after GTK has painted it. What it costs is the
 * floor under any way of showing the picture: P3's table uses it to show
 * how much of a frame's CPU is left to the drawing.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "config.h"

#include <unistd.h>

#include <gio/gunixsocketaddress.h>
#include <gvnc.h>

#include "corral-vnc-readahead.h"

typedef struct {
  GMainLoop *loop;
  VncConnection *conn;
  VncBaseFramebuffer *vfb;
  guint8 *fb;
  guint request;
} Receiver;

static gboolean
request_next (gpointer data)
{
  Receiver *r = data;

  r->request = 0;
  vnc_connection_framebuffer_update_request (r->conn, TRUE, 0, 0,
                                             vnc_connection_get_width (r->conn),
                                             vnc_connection_get_height (r->conn));
  return G_SOURCE_REMOVE;
}

static void
on_update (VncConnection *conn, int x, int y, int w, int h, Receiver *r)
{
  /* From the main loop, after gvnc has finished the update: as the
   * display's request comes from its next snapshot. */
  if (r->request == 0)
    r->request = g_idle_add (request_next, r);
}

G_GNUC_BEGIN_IGNORE_DEPRECATIONS
static void
on_auth_choose_type (VncConnection *conn, GValueArray *types, Receiver *r)
{
  vnc_connection_set_auth_type (conn, VNC_CONNECTION_AUTH_NONE);
}
G_GNUC_END_IGNORE_DEPRECATIONS

static void
on_initialized (VncConnection *conn, Receiver *r)
{
  gint32 encodings[] = { VNC_CONNECTION_ENCODING_RAW };
  int width = vnc_connection_get_width (conn);
  int height = vnc_connection_get_height (conn);
  /* The bench server offers QEMU's native format, the one CorralVncDisplay
   * always asks for (the server notes a client that asks for another). */
  VncPixelFormat format = *vnc_connection_get_pixel_format (conn);

  if (!vnc_connection_set_pixel_format (conn, &format)
      || !vnc_connection_set_encodings (conn, G_N_ELEMENTS (encodings), encodings))
    g_error ("the server refused the pixel format or the encodings");
  r->fb = g_malloc0 ((gsize) width * height * 4);
  r->vfb = vnc_base_framebuffer_new (r->fb, width, height, width * 4,
                                     &format, vnc_connection_get_pixel_format (conn));
  vnc_connection_set_framebuffer (conn, VNC_FRAMEBUFFER (r->vfb));
  vnc_connection_framebuffer_update_request (conn, FALSE, 0, 0, width, height);
}

static void
on_disconnected (VncConnection *conn, Receiver *r)
{
  g_main_loop_quit (r->loop);
}

int
main (int argc, char **argv)
{
  Receiver r = { 0 };
  g_autoptr(GSocketClient) client = NULL;
  g_autoptr(GSocketAddress) address = NULL;
  g_autoptr(GSocketConnection) sock = NULL;
  g_autoptr(GError) error = NULL;
  int fd;

  if (argc != 2)
    {
      g_printerr ("usage: %s SOCKET\n", argv[0]);
      return 2;
    }
  client = g_socket_client_new ();
  address = g_unix_socket_address_new (argv[1]);
  sock = g_socket_client_connect (client, G_SOCKET_CONNECTABLE (address), NULL, &error);
  if (sock == NULL)
    g_error ("%s: %s", argv[1], error->message);
  fd = dup (g_socket_get_fd (g_socket_connection_get_socket (sock)));

  r.loop = g_main_loop_new (NULL, FALSE);
  r.conn = vnc_connection_new ();
  corral_vnc_readahead_watch (fd);
  g_signal_connect (r.conn, "vnc-auth-choose-type", G_CALLBACK (on_auth_choose_type), &r);
  g_signal_connect (r.conn, "vnc-initialized", G_CALLBACK (on_initialized), &r);
  g_signal_connect (r.conn, "vnc-framebuffer-update", G_CALLBACK (on_update), &r);
  g_signal_connect (r.conn, "vnc-disconnected", G_CALLBACK (on_disconnected), &r);
  if (!vnc_connection_open_fd (r.conn, fd))
    g_error ("gvnc did not take the socket");
  g_main_loop_run (r.loop);

  g_clear_handle_id (&r.request, g_source_remove);
  g_object_unref (r.conn);
  g_clear_object (&r.vfb);
  g_free (r.fb);
  g_main_loop_unref (r.loop);
  return 0;
}
