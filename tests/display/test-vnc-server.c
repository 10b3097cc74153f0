/* test-vnc-server.c: CorralVncDisplay against a small RFB server in a
 * thread that speaks QEMU 7.2's bytes, for what the tiny guest under a
 * real QEMU cannot show
 *
 * The guest's pointer shape: the tiny guest's text console defines no
 * cursor, so QEMU never sends one; a real guest's (virtio-gpu cursor
 * plane) does, as ui/vnc.c's vnc_cursor_define writes it: the VMware
 * alpha-cursor pseudo-encoding, rectangle x,y = hot spot, then s32 0
 * (raw) and width × height host-endian 0xAARRGGBB words with straight
 * alpha. What the user must see: that image, right colours, at the right
 * hot spot; no host pointer when the guest defines none; the normal
 * pointer again once disconnected.
 *
 * A screen no QEMU announces (its VNC server stops at 5120×2160), at the
 * start or as a resize: only a QEMU the guest has taken over sends one,
 * and the display must not allocate it (65535×65535 is 16 GiB) but
 * disconnect, keeping the picture it has.
 *
 * A flood of updates nobody asked for (1.3 GB in 2.5 s here): the display
 * stays connected and the window's frame clock keeps its pace.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "config.h"

#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include <gtk/gtk.h>

#include "corral-vnc-display.h"

#ifdef GDK_WINDOWING_X11
#include <gdk/x11/gdkx.h>
#endif

#define HOT_X 2
#define HOT_Y 1

/* A 4×2 cursor: red, green, blue, transparent / half-transparent white,
 * then opaque black. */
static const guint32 cursor_argb[8] = {
  0xffff0000, 0xff00ff00, 0xff0000ff, 0x00000000,
  0x80ffffff, 0xff000000, 0xff000000, 0xff000000,
};

typedef struct {
  int fd;
  guint16 width, height;          /* the screen announced at the start */
  guint16 resize_width, resize_height;
  GAsyncQueue *commands;  /* 'c' cursor, 'h' hidden cursor, 'r' resize,
                           * 'f' flood, 'p' paint, 'q' close */
  guint32 paint;          /* 'p' fills the screen with this xRGB */
  gint ended;             /* the client went away */
  gsize flooded;          /* bytes of updates 'f' sent */
} Server;

static void
send_all (int fd, const void *data, gsize len)
{
  const guint8 *p = data;

  while (len > 0)
    {
      ssize_t n = write (fd, p, len);

      g_assert_cmpint (n, >, 0);
      p += n;
      len -= n;
    }
}

static gboolean
recv_all (int fd, void *data, gsize len)
{
  guint8 *p = data;

  while (len > 0)
    {
      ssize_t n = read (fd, p, len);

      if (n <= 0)
        return FALSE;
      p += n;
      len -= n;
    }
  return TRUE;
}

static void
put16 (GByteArray *b, guint16 v)
{
  guint8 d[2] = { v >> 8, v & 0xff };

  g_byte_array_append (b, d, 2);
}

static void
put32 (GByteArray *b, guint32 v)
{
  guint8 d[4] = { v >> 24, (v >> 16) & 0xff, (v >> 8) & 0xff, v & 0xff };

  g_byte_array_append (b, d, 4);
}

/* A FramebufferUpdate of one rectangle: its header. */
static void
put_update (GByteArray *b, int x, int y, int w, int h, gint32 encoding)
{
  g_byte_array_append (b, (guint8[]) { 0, 0 }, 2);
  put16 (b, 1);
  put16 (b, x);
  put16 (b, y);
  put16 (b, w);
  put16 (b, h);
  put32 (b, (guint32) encoding);
}

/* A DesktopSize pseudo-rectangle, as QEMU sends a guest's mode change. */
static void
send_resize (int fd, int w, int h)
{
  g_autoptr(GByteArray) b = g_byte_array_new ();

  put_update (b, 0, 0, w, h, -223);  /* DesktopSize */
  send_all (fd, b->data, b->len);
}

/* Whole-screen raw updates nobody asked for, for 2.5 s, as fast as the
 * client takes them: a QEMU the guest has taken over need not wait for
 * the client's requests. */
static gsize
send_flood (int fd, int w, int h)
{
  g_autoptr(GByteArray) b = g_byte_array_new ();
  gint64 end = g_get_monotonic_time () + 2500 * 1000;
  gsize sent = 0;

  put_update (b, 0, 0, w, h, 0);  /* raw */
  g_byte_array_set_size (b, b->len + w * h * 4);
  for (guint8 shade = 0; g_get_monotonic_time () < end; shade++)
    {
      memset (b->data + 16, shade, w * h * 4);
      send_all (fd, b->data, b->len);
      sent += b->len;
    }
  return sent;
}

static void
send_cursor (int fd, int w, int h)
{
  g_autoptr(GByteArray) b = g_byte_array_new ();

  put_update (b, w ? HOT_X : 0, w ? HOT_Y : 0, w, h, -314);  /* alpha cursor */
  put32 (b, 0);                                               /* raw */
  /* QEMU writes its QEMUCursor words as they are in memory. */
  g_byte_array_append (b, (const guint8 *) cursor_argb, w * h * 4);
  send_all (fd, b->data, b->len);
}

/* Reads client messages until one arrives of @want type (or any, -1);
 * FALSE when the client went away. */
/* One raw update filling the screen with @xrgb. */
static void
send_paint (int fd, int w, int h, guint32 xrgb)
{
  g_autoptr(GByteArray) b = g_byte_array_new ();

  put_update (b, 0, 0, w, h, 0);
  for (int i = 0; i < w * h; i++)
    g_byte_array_append (b, (guint8 *) &xrgb, 4);  /* little endian, as announced */
  send_all (fd, b->data, b->len);
}

static gboolean
read_message (int fd, int want)
{
  for (;;)
    {
      guint8 type, buf[64];

      if (!recv_all (fd, &type, 1))
        return FALSE;
      switch (type)
        {
        case 0:  /* SetPixelFormat */
          if (!recv_all (fd, buf, 19))
            return FALSE;
          break;
        case 2:  /* SetEncodings */
          {
            guint16 n;

            if (!recv_all (fd, buf, 3))
              return FALSE;
            n = (buf[1] << 8) | buf[2];
            for (guint i = 0; i < n; i++)
              if (!recv_all (fd, buf, 4))
                return FALSE;
          }
          break;
        case 3:  /* FramebufferUpdateRequest */
          if (!recv_all (fd, buf, 9))
            return FALSE;
          break;
        case 4:  /* KeyEvent */
          if (!recv_all (fd, buf, 7))
            return FALSE;
          break;
        case 5:  /* PointerEvent */
          if (!recv_all (fd, buf, 5))
            return FALSE;
          break;
        case 251:  /* SetDesktopSize */
          if (!recv_all (fd, buf, 7))
            return FALSE;
          for (guint i = 0; i < buf[5]; i++)
            if (!recv_all (fd, buf + 8, 16))
              return FALSE;
          break;
        case 255:  /* QEMU extended key event */
          if (!recv_all (fd, buf, 11))
            return FALSE;
          break;
        default:
          g_error ("the client sent message type %u", type);
        }
      if (want < 0 || type == want)
        return TRUE;
    }
}

static gpointer
server_thread (gpointer data)
{
  Server *s = data;
  guint8 buf[16];
  g_autoptr(GByteArray) init = g_byte_array_new ();
  static const char name[] = "corral-test";

  send_all (s->fd, "RFB 003.008\n", 12);
  g_assert_true (recv_all (s->fd, buf, 12));
  send_all (s->fd, (guint8[]) { 1, 1 }, 2);  /* security: None */
  g_assert_true (recv_all (s->fd, buf, 1));
  send_all (s->fd, (guint8[]) { 0, 0, 0, 0 }, 4);
  g_assert_true (recv_all (s->fd, buf, 1));  /* ClientInit */
  put16 (init, s->width);
  put16 (init, s->height);
  /* 32 bpp, depth 24, little endian, true colour, xRGB */
  g_byte_array_append (init, (guint8[]) { 32, 24, 0, 1, 0, 255, 0, 255, 0, 255, 16, 8, 0, 0, 0, 0 }, 16);
  put32 (init, sizeof name - 1);
  g_byte_array_append (init, (const guint8 *) name, sizeof name - 1);
  send_all (s->fd, init->data, init->len);
  /* QEMU sends the cursor right after the client's SetEncodings. */
  if (!read_message (s->fd, 2))
    {
      g_atomic_int_set (&s->ended, 1);
      close (s->fd);
      return NULL;
    }

  for (;;)
    {
      char command = GPOINTER_TO_INT (g_async_queue_pop (s->commands));

      if (command == 'c')
        send_cursor (s->fd, 4, 2);
      else if (command == 'h')
        send_cursor (s->fd, 0, 0);
      else if (command == 'r')
        send_resize (s->fd, s->resize_width, s->resize_height);
      else if (command == 'p')
        send_paint (s->fd, s->width, s->height, g_atomic_int_get (&s->paint));
      else if (command == 'f')
        g_atomic_pointer_set (&s->flooded, send_flood (s->fd, s->width, s->height));
      else
        break;
    }
  shutdown (s->fd, SHUT_RDWR);
  /* Drain until the client lets go. */
  while (read_message (s->fd, -1))
    ;
  close (s->fd);
  return NULL;
}

static void
spin (guint ms)
{
  gint64 end = g_get_monotonic_time () + ms * 1000;

  while (g_get_monotonic_time () < end)
    if (!g_main_context_iteration (NULL, FALSE))
      g_usleep (1000);
}

typedef gboolean (*Check) (CorralVncDisplay *display);

static gboolean
wait_for (CorralVncDisplay *display, Check check)
{
  for (guint i = 0; i < 1000; i++)
    {
      if (check (display))
        return TRUE;
      spin (10);
    }
  return check (display);
}

static gboolean
is_connected (CorralVncDisplay *display)
{
  return corral_vnc_display_is_connected (display);
}

static gboolean
cursor_is_texture (CorralVncDisplay *display)
{
  GdkCursor *cursor = gtk_widget_get_cursor (GTK_WIDGET (display));

  return cursor != NULL && gdk_cursor_get_texture (cursor) != NULL;
}

static gboolean
cursor_is_none (CorralVncDisplay *display)
{
  GdkCursor *cursor = gtk_widget_get_cursor (GTK_WIDGET (display));

  return cursor != NULL && g_strcmp0 (gdk_cursor_get_name (cursor), "none") == 0;
}

static gboolean
cursor_is_default (CorralVncDisplay *display)
{
  return gtk_widget_get_cursor (GTK_WIDGET (display)) == NULL;
}

static void
test_cursor (void)
{
  GtkWidget *window = gtk_window_new ();
  CorralVncDisplay *display = CORRAL_VNC_DISPLAY (corral_vnc_display_new ());
  Server server;
  GThread *thread;
  int fds[2];
  GdkCursor *cursor;
  GdkTexture *texture;
  guint32 pixels[8];

  gtk_window_set_child (GTK_WINDOW (window), GTK_WIDGET (display));
  gtk_window_set_default_size (GTK_WINDOW (window), 64, 48);
  gtk_window_present (GTK_WINDOW (window));

  g_assert_cmpint (socketpair (AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, fds), ==, 0);
  server = (Server) { .fd = fds[1], .width = 64, .height = 48 };
  server.commands = g_async_queue_new ();
  thread = g_thread_new ("rfb-server", server_thread, &server);

  /* Before the guest defines a pointer, the host's is hidden over the
   * display: the guest draws its own (Xorg fbdev does, in the picture),
   * and a second arrow a frame ahead of it would confuse. */
  g_assert_true (cursor_is_default (display));
  corral_vnc_display_open_fd (display, fds[0]);
  g_assert_true (wait_for (display, is_connected));
  g_assert_true (cursor_is_none (display));

  /* The guest's pointer: its picture, at its hot spot. */
  g_async_queue_push (server.commands, GINT_TO_POINTER ('c'));
  g_assert_true (wait_for (display, cursor_is_texture));
  cursor = gtk_widget_get_cursor (GTK_WIDGET (display));
  g_assert_cmpint (gdk_cursor_get_hotspot_x (cursor), ==, HOT_X);
  g_assert_cmpint (gdk_cursor_get_hotspot_y (cursor), ==, HOT_Y);
  texture = gdk_cursor_get_texture (cursor);
  g_assert_cmpint (gdk_texture_get_width (texture), ==, 4);
  g_assert_cmpint (gdk_texture_get_height (texture), ==, 2);
  /* (downloaded as premultiplied 0xAARRGGBB words) */
  gdk_texture_download (texture, (guchar *) pixels, 16);
  for (guint i = 0; i < 8; i++)
    g_test_message ("cursor pixel %u: sent %08x, shown %08x", i, cursor_argb[i], pixels[i]);
  g_assert_cmphex (pixels[0], ==, 0xffff0000);
  g_assert_cmphex (pixels[1], ==, 0xff00ff00);
  g_assert_cmphex (pixels[2], ==, 0xff0000ff);
  g_assert_cmphex (pixels[3] >> 24, ==, 0);
  g_assert_cmphex (pixels[4] >> 24, ==, 0x80);
  /* half-transparent white: each colour at about half when premultiplied
   * (GTK 4.8 rounds to 0x80, GTK 4.18's conversion to 0x7e) */
  for (int c = 0; c < 24; c += 8)
    g_assert_cmpint (ABS ((int) ((pixels[4] >> c) & 0xff) - 0x80), <=, 2);
  g_assert_cmphex (pixels[5], ==, 0xff000000);

  /* The guest hides its pointer: so does the host. */
  g_async_queue_push (server.commands, GINT_TO_POINTER ('h'));
  g_assert_true (wait_for (display, cursor_is_none));

  /* Disconnected: the ordinary pointer over the last picture. */
  g_async_queue_push (server.commands, GINT_TO_POINTER ('q'));
  g_assert_true (wait_for (display, cursor_is_default));
  g_assert_false (corral_vnc_display_is_connected (display));

  g_thread_join (thread);
  g_async_queue_unref (server.commands);
  gtk_window_destroy (GTK_WINDOW (window));
}

static gboolean
is_disconnected (CorralVncDisplay *display)
{
  return !corral_vnc_display_is_connected (display);
}

static int
guest_width (CorralVncDisplay *display)
{
  int width;

  g_object_get (display, "guest-width", &width, NULL);
  return width;
}

/* A display in a window, opened on @server (set up by the caller) run in
 * a thread; *@window and the thread are the caller's to end. */
static CorralVncDisplay *
open_on (Server *server, GtkWidget **window, GThread **thread)
{
  CorralVncDisplay *display = CORRAL_VNC_DISPLAY (corral_vnc_display_new ());
  int fds[2];

  *window = gtk_window_new ();
  gtk_window_set_child (GTK_WINDOW (*window), GTK_WIDGET (display));
  gtk_window_present (GTK_WINDOW (*window));
  g_assert_cmpint (socketpair (AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, fds), ==, 0);
  server->fd = fds[1];
  server->commands = g_async_queue_new ();
  *thread = g_thread_new ("rfb-server", server_thread, server);
  corral_vnc_display_open_fd (display, fds[0]);
  return display;
}

/* Announced at the start: never connected, nothing allocated, the
 * connection closed by the display. */
static void
test_huge_screen_at_start (void)
{
  Server server = { .width = 65535, .height = 65535 };
  GtkWidget *window;
  GThread *thread;
  CorralVncDisplay *display = open_on (&server, &window, &thread);

  for (guint i = 0; i < 1000 && !g_atomic_int_get (&server.ended); i++)
    spin (10);
  g_assert_true (g_atomic_int_get (&server.ended));
  g_assert_false (corral_vnc_display_is_connected (display));
  g_assert_cmpint (guest_width (display), ==, 0);

  g_thread_join (thread);
  g_async_queue_unref (server.commands);
  gtk_window_destroy (GTK_WINDOW (window));
}

/* As a resize: disconnected, the picture it had kept. */
static void
test_huge_screen_resize (void)
{
  Server server = { .width = 64, .height = 48, .resize_width = 40000, .resize_height = 30000 };
  GtkWidget *window;
  GThread *thread;
  CorralVncDisplay *display = open_on (&server, &window, &thread);

  g_assert_true (wait_for (display, is_connected));
  g_assert_cmpint (guest_width (display), ==, 64);
  g_async_queue_push (server.commands, GINT_TO_POINTER ('r'));
  g_assert_true (wait_for (display, is_disconnected));
  g_assert_cmpint (guest_width (display), ==, 64);

  g_async_queue_push (server.commands, GINT_TO_POINTER ('q'));
  g_thread_join (thread);
  g_async_queue_unref (server.commands);
  gtk_window_destroy (GTK_WINDOW (window));
}

static gboolean
count_frame (GtkWidget *widget, GdkFrameClock *clock, gpointer data)
{
  (*(guint *) data)++;
  return G_SOURCE_CONTINUE;
}

/* A flood of updates costs CPU, not the window's other frames: the
 * display draws what it can, and the frame clock keeps running (a
 * window must still answer its Stop button). */
static void
test_flood_keeps_frames (void)
{
  Server server = { .width = 640, .height = 480 };
  GtkWidget *window;
  GThread *thread;
  CorralVncDisplay *display = open_on (&server, &window, &thread);
  guint frames = 0, quiet, flooded;

  g_assert_true (wait_for (display, is_connected));
  gtk_widget_add_tick_callback (window, count_frame, &frames, NULL);
  spin (500);
  frames = 0;
  spin (2000);
  quiet = frames;

  g_async_queue_push (server.commands, GINT_TO_POINTER ('f'));
  spin (250);
  frames = 0;
  spin (2000);
  flooded = frames;
  for (guint i = 0; i < 500 && g_atomic_pointer_get (&server.flooded) == 0; i++)
    spin (10);

  g_test_message ("frames in 2 s: %u quiet, %u under a flood of %" G_GSIZE_FORMAT " bytes",
                  quiet, flooded, (gsize) g_atomic_pointer_get (&server.flooded));
  g_assert_true (corral_vnc_display_is_connected (display));
  g_assert_cmpuint (g_atomic_pointer_get (&server.flooded), >, 20 * 640 * 480 * 4);
  g_assert_cmpuint (quiet, >, 20);
  g_assert_cmpuint (flooded * 3, >=, quiet);

  g_async_queue_push (server.commands, GINT_TO_POINTER ('q'));
  g_thread_join (thread);
  g_async_queue_unref (server.commands);
  gtk_window_destroy (GTK_WINDOW (window));
}


#ifdef GDK_WINDOWING_X11
/* The window's pixel at surface (@x, @y), as the X server holds it;
 * opaque, in a window with alpha (under a compositor, the padding byte
 * QEMU leaves 0 would make the guest's picture transparent). */
static guint32
screen_pixel (GtkWidget *window, int x, int y)
{
  Display *dpy = gdk_x11_display_get_xdisplay (gtk_widget_get_display (window));
  XImage *image = XGetImage (dpy, gdk_x11_surface_get_xid (gtk_native_get_surface (GTK_NATIVE (window))),
                             x, y, 1, 1, AllPlanes, ZPixmap);
  guint32 px;

  g_assert_nonnull (image);
  px = XGetPixel (image, 0, 0);
  if (image->depth == 32)
    g_assert_cmphex (px >> 24, ==, 0xff);
  XDestroyImage (image);
  return px & 0xffffff;
}

/* Paints the screen @xrgb and waits for the window to show it at
 * (@x, @y) (a point no overlay covers). */
static void
paint_and_wait (Server *server, GtkWidget *window, guint32 xrgb, int x, int y)
{
  g_atomic_int_set (&server->paint, xrgb);
  g_async_queue_push (server->commands, GINT_TO_POINTER ('p'));
  for (guint i = 0; i < 500 && screen_pixel (window, x, y) != xrgb; i++)
    spin (10);
  spin (200);
}
#endif

/* On X11 under cairo an unscaled display has the X server copy changed
 * tiles into the window straight from the framebuffer, and GTK draws the
 * rest: what lies under another widget must stay under it. A label with
 * a green background over the top left corner of a 320×240 screen (tiles
 * of 128: the label touches the first of six): the other five go
 * straight to the window, the first is drawn by GTK under the label; the
 * window shows the guest's colour everywhere but where the label is. */
static void
test_direct_under_overlay (gconstpointer data)
{
#ifdef GDK_WINDOWING_X11
  Server server = { .width = 320, .height = 240 };
  g_autoptr(GtkCssProvider) css = gtk_css_provider_new ();
  GtkWidget *window, *overlay, *label;
  GThread *thread;
  CorralVncDisplay *display;
  graphene_point_t origin;
  double tx, ty;
  guint64 put;
  int ox, oy;

  /* Through XRender from a shared pixmap, or XShmPutImage (the way for
   * servers that share no pixmaps). */
  g_setenv ("CORRAL_DISPLAY_SHM", data, TRUE);
  display = open_on (&server, &window, &thread);
  g_assert_true (wait_for (display, is_connected));
  if (!GDK_IS_X11_DISPLAY (gtk_widget_get_display (window)) ||
      !GSK_IS_CAIRO_RENDERER (gtk_native_get_renderer (GTK_NATIVE (window))))
    {
      g_async_queue_push (server.commands, GINT_TO_POINTER ('q'));
      g_thread_join (thread);
      g_async_queue_unref (server.commands);
      gtk_window_destroy (GTK_WINDOW (window));
      g_unsetenv ("CORRAL_DISPLAY_SHM");
      g_test_skip ("the straight path is X11 and cairo only");
      return;
    }
  corral_vnc_display_set_resize_guest (display, FALSE);
  g_object_ref (display);
  gtk_window_set_child (GTK_WINDOW (window), NULL);
  overlay = gtk_overlay_new ();
  gtk_overlay_set_child (GTK_OVERLAY (overlay), GTK_WIDGET (display));
  g_object_unref (display);
  label = gtk_label_new ("over");
  gtk_widget_set_halign (label, GTK_ALIGN_START);
  gtk_widget_set_valign (label, GTK_ALIGN_START);
  gtk_widget_set_size_request (label, 100, 60);
  gtk_css_provider_load_from_data (css, "label { background: rgb(0,255,0); color: rgb(0,255,0); }", -1);
  gtk_style_context_add_provider_for_display (gtk_widget_get_display (window),
                                              GTK_STYLE_PROVIDER (css),
                                              GTK_STYLE_PROVIDER_PRIORITY_USER);
  gtk_overlay_add_overlay (GTK_OVERLAY (overlay), label);
  gtk_window_set_decorated (GTK_WINDOW (window), FALSE);
  gtk_window_set_default_size (GTK_WINDOW (window), 320, 240);
  gtk_window_set_child (GTK_WINDOW (window), overlay);
  spin (500);
  g_assert_cmpint (gtk_widget_get_width (GTK_WIDGET (display)), ==, 320);
  g_assert_cmpint (gtk_widget_get_height (GTK_WIDGET (display)), ==, 240);
  g_assert_true (gtk_widget_compute_point (GTK_WIDGET (display), window,
                                           &GRAPHENE_POINT_INIT (0, 0), &origin));
  gtk_native_get_surface_transform (GTK_NATIVE (window), &tx, &ty);
  ox = origin.x + tx;
  oy = origin.y + ty;

  paint_and_wait (&server, window, 0x3366cc, ox + 300, oy + 200);
  put = corral_vnc_display_get_tiles_put (display);
  paint_and_wait (&server, window, 0xcc3311, ox + 300, oy + 200);
  g_test_message ("tiles sent straight to the window for one full frame: %" G_GUINT64_FORMAT,
                  corral_vnc_display_get_tiles_put (display) - put);
  g_assert_cmpuint (corral_vnc_display_get_tiles_put (display) - put, ==, 5);
  /* straight from the framebuffer */
  g_assert_cmphex (screen_pixel (window, ox + 200, oy + 20), ==, 0xcc3311);
  g_assert_cmphex (screen_pixel (window, ox + 20, oy + 200), ==, 0xcc3311);
  /* GTK's: the label, and the rest of the first tile around it */
  g_assert_cmphex (screen_pixel (window, ox + 50, oy + 30), ==, 0x00ff00);
  g_assert_cmphex (screen_pixel (window, ox + 110, oy + 100), ==, 0xcc3311);
  g_assert_cmphex (screen_pixel (window, ox + 20, oy + 70), ==, 0xcc3311);

  /* The label gone: GTK draws what was under it from the framebuffer. */
  gtk_widget_set_visible (label, FALSE);
  spin (300);
  g_assert_cmphex (screen_pixel (window, ox + 50, oy + 30), ==, 0xcc3311);

  g_async_queue_push (server.commands, GINT_TO_POINTER ('q'));
  g_thread_join (thread);
  g_async_queue_unref (server.commands);
  gtk_window_destroy (GTK_WINDOW (window));
  gtk_style_context_remove_provider_for_display (gdk_display_get_default (),
                                                 GTK_STYLE_PROVIDER (css));
  g_unsetenv ("CORRAL_DISPLAY_SHM");
#else
  g_test_skip ("the straight path is X11 only");
#endif
}

int
main (int argc, char **argv)
{
  gtk_init ();
  g_test_init (&argc, &argv, G_TEST_OPTION_ISOLATE_DIRS, NULL);
  g_test_add_func ("/vnc-display/cursor", test_cursor);
  g_test_add_func ("/vnc-display/huge-screen-at-start", test_huge_screen_at_start);
  g_test_add_func ("/vnc-display/huge-screen-resize", test_huge_screen_resize);
  g_test_add_func ("/vnc-display/flood-keeps-frames", test_flood_keeps_frames);
  g_test_add_data_func ("/vnc-display/direct-under-overlay", "auto", test_direct_under_overlay);
  g_test_add_data_func ("/vnc-display/direct-under-overlay-image", "image",
                        test_direct_under_overlay);
  return g_test_run ();
}
