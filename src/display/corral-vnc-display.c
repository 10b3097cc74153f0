/* corral-vnc-display.c: draws one VNC connection
 *
 * gvnc decodes into our own framebuffer, in QEMU's native pixel format so
 * it copies rectangles with its plain path. Changed rectangles only mark
 * tiles dirty; each painted frame redraws them and asks for the next
 * incremental update, so the guest is asked at most once per painted
 * frame however many rectangles it sends. This file: the connection, the
 * framebuffer, sizing. Drawing: corral-vnc-display-draw.c; keyboard and
 * pointer: corral-vnc-display-input.c.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "config.h"

#include <string.h>

#include <gvnc.h>

#include "corral-vnc-display-private.h"
#include "corral-vnc-readahead.h"

#define RESIZE_DELAY_MS 400
/* The smallest screen a resizable guest is asked to take, in guest pixels
 * (a smaller pane shows it scaled down): below it a browser does not fit. */
#define GUEST_MIN_WIDTH 800
#define GUEST_MIN_HEIGHT 600
/* The largest screen a display's server may announce. QEMU's VNC server
 * stops at 5120×2160; up to 65535 a side can come only from a QEMU that
 * is no longer itself, and would have the app allocate up to 16 GiB. */
#define GUEST_MAX_SIDE 8192
#define GUEST_MAX_PIXELS (8192 * 4320)

enum {
  PROP_0,
  PROP_CONNECTED,
  PROP_SCALE_MODE,
  PROP_RESIZE_GUEST,
  PROP_GUEST_WIDTH,
  PROP_GUEST_HEIGHT,
  N_PROPS
};
static GParamSpec *props[N_PROPS];

enum {
  SIG_CONNECTED,
  SIG_DISCONNECTED,
  SIG_GRAB_TOGGLE,
  SIG_USER_INPUT,
  N_SIGNALS
};
static guint signals[N_SIGNALS];

G_DEFINE_FINAL_TYPE (CorralVncDisplay, corral_vnc_display, GTK_TYPE_WIDGET)

/* QEMU's own surface format: 32 bpp, depth 24, xRGB in host order. */
static const VncPixelFormat native_format = {
  .bits_per_pixel = 32,
  .depth = 24,
  .byte_order = G_BYTE_ORDER,
  .true_color_flag = 1,
  .red_max = 255,
  .green_max = 255,
  .blue_max = 255,
  .red_shift = 16,
  .green_shift = 8,
  .blue_shift = 0,
};

/* ---- framebuffer ---- */

/* A size the framebuffer may take; else the connection goes, said why. */
static gboolean
check_size (VncConnection *conn, int width, int height)
{
  if (width > 0 && height > 0 && width <= GUEST_MAX_SIDE && height <= GUEST_MAX_SIDE &&
      (gint64) width * height <= GUEST_MAX_PIXELS)
    return TRUE;
  g_message ("The display's server announced a %d×%d screen, more than any QEMU display: "
             "disconnected", width, height);
  vnc_connection_shutdown (conn);
  return FALSE;
}

static void
free_framebuffer (CorralVncDisplay *self)
{
  g_clear_object (&self->vfb);
  if (self->fb_surface != NULL)
    {
      /* Render nodes GTK still holds may paint it: finishing makes cairo
       * give them their own copy before the memory goes. */
      cairo_surface_finish (self->fb_surface);
      g_clear_pointer (&self->fb_surface, cairo_surface_destroy);
    }
  if (self->shm != NULL)
    g_clear_pointer (&self->shm, corral_x11_shm_free);
  else
    g_free (self->fb);
  self->fb = NULL;
  self->direct_failed = FALSE;
  corral_vnc_display_clear_tiles (self);
  self->fb_width = self->fb_height = 0;
}

static void
setup_framebuffer (CorralVncDisplay *self, int width, int height)
{
  free_framebuffer (self);

  self->fb_width = width;
  self->fb_height = height;
  self->fb_stride = width * 4;
  self->shm = corral_x11_shm_new (gtk_widget_get_display (GTK_WIDGET (self)),
                                  (gsize) self->fb_stride * height);
  self->fb = self->shm != NULL ? corral_x11_shm_get_data (self->shm)
                               : g_malloc0 ((gsize) self->fb_stride * height);
  self->vfb = vnc_base_framebuffer_new (self->fb, width, height, self->fb_stride,
                                        &native_format,
                                        vnc_connection_get_pixel_format (self->conn));
  vnc_connection_set_framebuffer (self->conn, VNC_FRAMEBUFFER (self->vfb));
  /* RGB24 ignores the padding byte QEMU leaves 0. Never marked dirty or
   * flushed: cairo would copy the framebuffer for the tiles' recordings,
   * which are meant to read it as it is when GTK renders them (right
   * after the snapshot that made them, in the same frame). */
  self->fb_surface = cairo_image_surface_create_for_data (self->fb, CAIRO_FORMAT_RGB24,
                                                          width, height, self->fb_stride);

  if (self->tiles == NULL)
    self->tiles = corral_tiles_new (width, height, TILE_SIZE);
  else
    corral_tiles_resize (self->tiles, width, height);
  self->n_tile_textures = corral_tiles_get_n_tiles (self->tiles);
  self->tile_textures = g_new0 (GdkTexture *, self->n_tile_textures);
  self->tile_nodes = g_new0 (GskRenderNode *, self->n_tile_textures);
  self->n_rows = corral_tiles_get_n_rows (self->tiles);
  self->row_whole = g_new0 (gboolean, self->n_rows);
  self->row_nodes = g_new0 (GskRenderNode *, self->n_rows);

  g_object_notify_by_pspec (G_OBJECT (self), props[PROP_GUEST_WIDTH]);
  g_object_notify_by_pspec (G_OBJECT (self), props[PROP_GUEST_HEIGHT]);
  gtk_widget_queue_resize (GTK_WIDGET (self));
}

/* ---- geometry ---- */

/* Guest pixels to device pixels: scale and offset of the image. */
void
corral_vnc_display_get_placement (CorralVncDisplay *self, double *scale, int *off_x, int *off_y)
{
  int sf = gtk_widget_get_scale_factor (GTK_WIDGET (self));
  int w = gtk_widget_get_width (GTK_WIDGET (self)) * sf;
  int h = gtk_widget_get_height (GTK_WIDGET (self)) * sf;

  if (self->scale_mode == CORRAL_SCALE_FIT)
    {
      corral_tiles_fit (self->fb_width, self->fb_height, w, h, scale, off_x, off_y);
      return;
    }
  *scale = 1.0;
  *off_x = MAX (0, (w - self->fb_width) / 2);
  *off_y = MAX (0, (h - self->fb_height) / 2);
}

void
corral_vnc_display_guest_to_widget (CorralVncDisplay *self,
                                    double gx, double gy,
                                    double *wx, double *wy)
{
  int sf = gtk_widget_get_scale_factor (GTK_WIDGET (self));
  double scale;
  int ox, oy;

  corral_vnc_display_get_placement (self, &scale, &ox, &oy);
  *wx = (ox + gx * scale) / sf;
  *wy = (oy + gy * scale) / sf;
}

gboolean
corral_vnc_display_widget_to_guest (CorralVncDisplay *self,
                                    double wx, double wy,
                                    int *gx, int *gy)
{
  int sf = gtk_widget_get_scale_factor (GTK_WIDGET (self));
  double scale;
  int ox, oy;
  double x, y;

  if (self->fb_width == 0)
    return FALSE;
  corral_vnc_display_get_placement (self, &scale, &ox, &oy);
  x = (wx * sf - ox) / scale;
  y = (wy * sf - oy) / scale;
  *gx = CLAMP ((int) x, 0, self->fb_width - 1);
  *gy = CLAMP ((int) y, 0, self->fb_height - 1);
  return x >= 0 && y >= 0 && x < self->fb_width && y < self->fb_height;
}

/* ---- connection ---- */

void
corral_vnc_display_request_update (CorralVncDisplay *self, gboolean incremental)
{
  if (self->conn == NULL || !self->initialized)
    return;
  self->update_seen = FALSE;
  vnc_connection_framebuffer_update_request (self->conn, incremental, 0, 0,
                                             self->fb_width, self->fb_height);
}

static void
on_framebuffer_update (VncConnection *conn, int x, int y, int w, int h,
                       CorralVncDisplay *self)
{
  if (self->tiles == NULL)
    return;
  corral_tiles_mark (self->tiles, x, y, w, h);
  if (!self->update_seen)
    {
      self->update_seen = TRUE;
      gtk_widget_queue_draw (GTK_WIDGET (self));
    }
}

static void schedule_guest_resize (CorralVncDisplay *self);

static void
on_desktop_resize (VncConnection *conn, int width, int height,
                   CorralVncDisplay *self)
{
  /* QEMU answers a size request it rejects (std VGA) with the old size:
   * keep the picture we have. */
  if (width == self->fb_width && height == self->fb_height)
    return;
  if (!check_size (conn, width, height))
    return;
  setup_framebuffer (self, width, height);
  corral_vnc_display_request_update (self, FALSE);
  schedule_guest_resize (self);
}

static void
on_pixel_format_changed (VncConnection *conn, VncPixelFormat *format,
                         CorralVncDisplay *self)
{
  /* The server changed its format (WMVi): rebuild the framebuffer so gvnc
   * converts from the new one. */
  setup_framebuffer (self, vnc_connection_get_width (conn),
                     vnc_connection_get_height (conn));
  corral_vnc_display_request_update (self, FALSE);
}

static void
on_cursor_changed (VncConnection *conn, VncCursor *cursor,
                   CorralVncDisplay *self)
{
  g_autoptr(GdkCursor) gcursor = NULL;

  if (cursor != NULL && vnc_cursor_get_width (cursor) > 0)
    {
      int w = vnc_cursor_get_width (cursor);
      int h = vnc_cursor_get_height (cursor);
      g_autoptr(GBytes) bytes = g_bytes_new (vnc_cursor_get_data (cursor),
                                             (gsize) w * h * 4);
      /* gvnc hands over 0xAARRGGBB words in host order with straight
       * alpha: QEMU's own cursor words for the alpha cursor, its
       * conversion for the rich cursor (tests/test-vnc-cursor.c). */
      g_autoptr(GdkTexture) texture =
        gdk_memory_texture_new (w, h,
                                G_BYTE_ORDER == G_LITTLE_ENDIAN ? GDK_MEMORY_B8G8R8A8
                                                                : GDK_MEMORY_A8R8G8B8,
                                bytes, w * 4);

      gcursor = gdk_cursor_new_from_texture (texture,
                                             vnc_cursor_get_hotx (cursor),
                                             vnc_cursor_get_hoty (cursor),
                                             NULL);
    }
  else
    {
      /* The guest hid its pointer. */
      gcursor = gdk_cursor_new_from_name ("none", NULL);
    }
  gtk_widget_set_cursor (GTK_WIDGET (self), gcursor);
}

G_GNUC_BEGIN_IGNORE_DEPRECATIONS
static void
on_auth_choose_type (VncConnection *conn, GValueArray *types,
                     CorralVncDisplay *self)
{
  for (guint i = 0; i < types->n_values; i++)
    if (g_value_get_enum (&types->values[i]) == VNC_CONNECTION_AUTH_NONE)
      {
        vnc_connection_set_auth_type (conn, VNC_CONNECTION_AUTH_NONE);
        return;
      }
  /* QEMU lets the fd it was given in with skipauth; anything else is not
   * a connection the engine made. */
  g_debug ("VNC server wants authentication; giving up");
  vnc_connection_shutdown (conn);
}
G_GNUC_END_IGNORE_DEPRECATIONS

static void
on_initialized (VncConnection *conn, CorralVncDisplay *self)
{
  /* Over a local socket bandwidth is free and CPU is not: raw first.
   * The order is the server's preference. */
  gint32 encodings[] = {
    VNC_CONNECTION_ENCODING_RAW,
    VNC_CONNECTION_ENCODING_COPY_RECT,
    VNC_CONNECTION_ENCODING_EXT_KEY_EVENT,
    VNC_CONNECTION_ENCODING_EXTENDED_DESKTOP_RESIZE,
    VNC_CONNECTION_ENCODING_DESKTOP_RESIZE,
    VNC_CONNECTION_ENCODING_WMVi,
    VNC_CONNECTION_ENCODING_LAST_RECT,
    VNC_CONNECTION_ENCODING_ALPHA_CURSOR,
    VNC_CONNECTION_ENCODING_RICH_CURSOR,
    VNC_CONNECTION_ENCODING_XCURSOR,
    VNC_CONNECTION_ENCODING_POINTER_CHANGE,
    VNC_CONNECTION_ENCODING_LED_STATE,
  };

  /* Until the guest defines a pointer (QEMU sends it right after our
   * encodings, and on every change), none from the host: a guest whose
   * X server draws its own pointer into the picture (Xorg fbdev) would
   * otherwise show two, the host's a frame ahead. As virt-viewer and
   * GNOME Boxes do by default. */
  gtk_widget_set_cursor_from_name (GTK_WIDGET (self), "none");
  if (!check_size (conn, vnc_connection_get_width (conn), vnc_connection_get_height (conn)))
    return;
  if (!vnc_connection_set_pixel_format (conn, &native_format)
      || !vnc_connection_set_encodings (conn, G_N_ELEMENTS (encodings), encodings))
    {
      vnc_connection_shutdown (conn);
      return;
    }
  setup_framebuffer (self, vnc_connection_get_width (conn),
                     vnc_connection_get_height (conn));
  g_debug ("VNC session up: %dx%d", self->fb_width, self->fb_height);
  self->initialized = TRUE;
  self->last_resize_w = self->last_resize_h = 0;
  self->led_acted_on = -1;
  corral_vnc_display_request_update (self, FALSE);

  g_object_notify_by_pspec (G_OBJECT (self), props[PROP_CONNECTED]);
  g_signal_emit (self, signals[SIG_CONNECTED], 0);
  gtk_widget_queue_allocate (GTK_WIDGET (self));
}

static void
drop_connection (CorralVncDisplay *self)
{
  gboolean was_initialized = self->initialized;
  VncConnection *conn = g_steal_pointer (&self->conn);

  if (conn == NULL)
    return;
  /* (read already, it is the GSocket's: this is for one never read) */
  corral_vnc_readahead_forget (self->fd);
  self->fd = -1;
  g_signal_handlers_disconnect_by_data (conn, self);
  vnc_connection_shutdown (conn);
  g_object_unref (conn);
  self->initialized = FALSE;
  g_hash_table_remove_all (self->held_keys);
  self->buttons = 0;
  /* The last picture may stay: the ordinary pointer over it. */
  gtk_widget_set_cursor (GTK_WIDGET (self), NULL);
  if (was_initialized)
    g_object_notify_by_pspec (G_OBJECT (self), props[PROP_CONNECTED]);
}

static void
on_disconnected (VncConnection *conn, CorralVncDisplay *self)
{
  /* Keep the framebuffer: the last picture stays until the owner decides
   * what to show instead. */
  g_debug ("VNC connection closed");
  drop_connection (self);
  g_signal_emit (self, signals[SIG_DISCONNECTED], 0);
}

static void
on_error (VncConnection *conn, const char *message, CorralVncDisplay *self)
{
  g_debug ("VNC error: %s", message);
}

void
corral_vnc_display_open_fd (CorralVncDisplay *self, int fd)
{
  g_return_if_fail (CORRAL_IS_VNC_DISPLAY (self));

  drop_connection (self);

  self->conn = vnc_connection_new ();
  self->fd = fd;
  corral_vnc_readahead_watch (fd);
  g_signal_connect (self->conn, "vnc-auth-choose-type", G_CALLBACK (on_auth_choose_type), self);
  g_signal_connect (self->conn, "vnc-initialized", G_CALLBACK (on_initialized), self);
  g_signal_connect (self->conn, "vnc-disconnected", G_CALLBACK (on_disconnected), self);
  g_signal_connect (self->conn, "vnc-error", G_CALLBACK (on_error), self);
  g_signal_connect (self->conn, "vnc-framebuffer-update", G_CALLBACK (on_framebuffer_update), self);
  g_signal_connect (self->conn, "vnc-desktop-resize", G_CALLBACK (on_desktop_resize), self);
  g_signal_connect (self->conn, "vnc-pixel-format-changed", G_CALLBACK (on_pixel_format_changed), self);
  g_signal_connect (self->conn, "vnc-cursor-changed", G_CALLBACK (on_cursor_changed), self);

  if (!vnc_connection_open_fd (self->conn, fd))
    {
      drop_connection (self);
      g_signal_emit (self, signals[SIG_DISCONNECTED], 0);
    }
}

void
corral_vnc_display_close (CorralVncDisplay *self)
{
  g_return_if_fail (CORRAL_IS_VNC_DISPLAY (self));
  drop_connection (self);
}

gboolean
corral_vnc_display_is_connected (CorralVncDisplay *self)
{
  g_return_val_if_fail (CORRAL_IS_VNC_DISPLAY (self), FALSE);
  return self->initialized;
}

/* ---- guest resize ---- */

static gboolean
resize_guest_cb (gpointer data)
{
  CorralVncDisplay *self = data;
  int sf = gtk_widget_get_scale_factor (GTK_WIDGET (self));
  int w = gtk_widget_get_width (GTK_WIDGET (self)) * sf;
  int h = gtk_widget_get_height (GTK_WIDGET (self)) * sf;

  self->resize_timeout = 0;
  if (!self->initialized || w < 64 || h < 64)
    return G_SOURCE_REMOVE;
  corral_tiles_guest_size (w, h, GUEST_MIN_WIDTH, GUEST_MIN_HEIGHT, &w, &h);
  if (w == self->fb_width && h == self->fb_height)
    return G_SOURCE_REMOVE;
  /* A guest that can't resize answers with its old size; one that is
   * still booting may miss the request and come up at its own size. So
   * ask again when the guest changes size, but only a few times. */
  if (w != self->last_resize_w || h != self->last_resize_h)
    self->resize_attempts = 0;
  if (self->resize_attempts >= 3)
    return G_SOURCE_REMOVE;
  self->resize_attempts++;
  self->last_resize_w = w;
  self->last_resize_h = h;
  /* Only virtio-vga forwards this to the guest; otherwise nothing happens
   * and the image is scaled instead. */
  vnc_connection_set_size (self->conn, w, h);
  return G_SOURCE_REMOVE;
}

static void
schedule_guest_resize (CorralVncDisplay *self)
{
  g_clear_handle_id (&self->resize_timeout, g_source_remove);
  if (self->resize_guest && self->initialized
      && self->scale_mode == CORRAL_SCALE_FIT)
    self->resize_timeout = g_timeout_add (RESIZE_DELAY_MS, resize_guest_cb, self);
}

/* ---- GtkWidget ---- */

static void
corral_vnc_display_measure (GtkWidget      *widget,
                            GtkOrientation  orientation,
                            int             for_size,
                            int            *minimum,
                            int            *natural,
                            int            *minimum_baseline,
                            int            *natural_baseline)
{
  CorralVncDisplay *self = CORRAL_VNC_DISPLAY (widget);
  int sf = gtk_widget_get_scale_factor (widget);
  int size = orientation == GTK_ORIENTATION_HORIZONTAL ? self->fb_width : self->fb_height;

  size = (size + sf - 1) / sf;
  /* 1:1 needs the whole image (a scrolled window scrolls it); fit can
   * shrink to anything. */
  *minimum = self->scale_mode == CORRAL_SCALE_ORIGINAL ? size : 0;
  *natural = MAX (size, 0);
}

static void
corral_vnc_display_size_allocate (GtkWidget *widget, int width, int height, int baseline)
{
  schedule_guest_resize (CORRAL_VNC_DISPLAY (widget));
}

static void
corral_vnc_display_map (GtkWidget *widget)
{
  CorralVncDisplay *self = CORRAL_VNC_DISPLAY (widget);

  GTK_WIDGET_CLASS (corral_vnc_display_parent_class)->map (widget);
  /* Requests stop while we're not drawn; catch up on what we missed. */
  corral_vnc_display_request_update (self, TRUE);
}

static void
corral_vnc_display_dispose (GObject *object)
{
  CorralVncDisplay *self = CORRAL_VNC_DISPLAY (object);

  g_clear_handle_id (&self->resize_timeout, g_source_remove);
  drop_connection (self);
  free_framebuffer (self);
  corral_vnc_display_dispose_drawing (self);
  g_clear_pointer (&self->tiles, corral_tiles_free);
  g_clear_pointer (&self->held_keys, g_hash_table_unref);

  G_OBJECT_CLASS (corral_vnc_display_parent_class)->dispose (object);
}

static void
corral_vnc_display_get_property (GObject *object, guint prop_id,
                                 GValue *value, GParamSpec *pspec)
{
  CorralVncDisplay *self = CORRAL_VNC_DISPLAY (object);

  switch (prop_id)
    {
    case PROP_CONNECTED: g_value_set_boolean (value, self->initialized); break;
    case PROP_SCALE_MODE: g_value_set_int (value, self->scale_mode); break;
    case PROP_RESIZE_GUEST: g_value_set_boolean (value, self->resize_guest); break;
    case PROP_GUEST_WIDTH: g_value_set_int (value, self->fb_width); break;
    case PROP_GUEST_HEIGHT: g_value_set_int (value, self->fb_height); break;
    default: G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
corral_vnc_display_set_property (GObject *object, guint prop_id,
                                 const GValue *value, GParamSpec *pspec)
{
  CorralVncDisplay *self = CORRAL_VNC_DISPLAY (object);

  switch (prop_id)
    {
    case PROP_SCALE_MODE:
      corral_vnc_display_set_scale_mode (self, g_value_get_int (value));
      break;
    case PROP_RESIZE_GUEST:
      corral_vnc_display_set_resize_guest (self, g_value_get_boolean (value));
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
corral_vnc_display_class_init (CorralVncDisplayClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  GtkWidgetClass *widget_class = GTK_WIDGET_CLASS (klass);

  object_class->dispose = corral_vnc_display_dispose;
  object_class->get_property = corral_vnc_display_get_property;
  object_class->set_property = corral_vnc_display_set_property;
  widget_class->measure = corral_vnc_display_measure;
  widget_class->size_allocate = corral_vnc_display_size_allocate;
  widget_class->snapshot = corral_vnc_display_snapshot;
  widget_class->map = corral_vnc_display_map;

  props[PROP_CONNECTED] =
    g_param_spec_boolean ("connected", NULL, NULL, FALSE,
                          G_PARAM_READABLE | G_PARAM_STATIC_STRINGS | G_PARAM_EXPLICIT_NOTIFY);
  props[PROP_SCALE_MODE] =
    g_param_spec_int ("scale-mode", NULL, NULL,
                      CORRAL_SCALE_FIT, CORRAL_SCALE_ORIGINAL, CORRAL_SCALE_FIT,
                      G_PARAM_READWRITE | G_PARAM_STATIC_STRINGS | G_PARAM_EXPLICIT_NOTIFY);
  props[PROP_RESIZE_GUEST] =
    g_param_spec_boolean ("resize-guest", NULL, NULL, TRUE,
                          G_PARAM_READWRITE | G_PARAM_STATIC_STRINGS | G_PARAM_EXPLICIT_NOTIFY);
  props[PROP_GUEST_WIDTH] =
    g_param_spec_int ("guest-width", NULL, NULL, 0, G_MAXINT, 0,
                      G_PARAM_READABLE | G_PARAM_STATIC_STRINGS | G_PARAM_EXPLICIT_NOTIFY);
  props[PROP_GUEST_HEIGHT] =
    g_param_spec_int ("guest-height", NULL, NULL, 0, G_MAXINT, 0,
                      G_PARAM_READABLE | G_PARAM_STATIC_STRINGS | G_PARAM_EXPLICIT_NOTIFY);
  g_object_class_install_properties (object_class, N_PROPS, props);

  signals[SIG_CONNECTED] =
    g_signal_new ("connected", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST,
                  0, NULL, NULL, NULL, G_TYPE_NONE, 0);
  signals[SIG_DISCONNECTED] =
    g_signal_new ("disconnected", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST,
                  0, NULL, NULL, NULL, G_TYPE_NONE, 0);
  signals[SIG_GRAB_TOGGLE] =
    g_signal_new ("grab-toggle", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST,
                  0, NULL, NULL, NULL, G_TYPE_NONE, 0);
  /* A key or button the user pressed went to the guest. */
  signals[SIG_USER_INPUT] =
    g_signal_new ("user-input", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST,
                  0, NULL, NULL, NULL, G_TYPE_NONE, 0);

  gtk_widget_class_set_css_name (widget_class, "corral-vnc-display");
}

static void
corral_vnc_display_init (CorralVncDisplay *self)
{
  self->fd = -1;
  corral_vnc_display_init_drawing (self);
  self->held_keys = g_hash_table_new (NULL, NULL);
  self->resize_guest = TRUE;

  gtk_widget_set_focusable (GTK_WIDGET (self), TRUE);
  gtk_widget_set_overflow (GTK_WIDGET (self), GTK_OVERFLOW_HIDDEN);

  corral_vnc_display_init_input (self);
}

GtkWidget *
corral_vnc_display_new (void)
{
  return g_object_new (CORRAL_TYPE_VNC_DISPLAY, NULL);
}

void
corral_vnc_display_set_scale_mode (CorralVncDisplay *self, CorralScaleMode mode)
{
  g_return_if_fail (CORRAL_IS_VNC_DISPLAY (self));

  if (self->scale_mode == mode)
    return;
  self->scale_mode = mode;
  gtk_widget_queue_resize (GTK_WIDGET (self));
  g_object_notify_by_pspec (G_OBJECT (self), props[PROP_SCALE_MODE]);
}

CorralScaleMode
corral_vnc_display_get_scale_mode (CorralVncDisplay *self)
{
  g_return_val_if_fail (CORRAL_IS_VNC_DISPLAY (self), CORRAL_SCALE_FIT);
  return self->scale_mode;
}

void
corral_vnc_display_set_resize_guest (CorralVncDisplay *self, gboolean resize)
{
  g_return_if_fail (CORRAL_IS_VNC_DISPLAY (self));

  resize = !!resize;
  if (self->resize_guest == resize)
    return;
  self->resize_guest = resize;
  schedule_guest_resize (self);
  g_object_notify_by_pspec (G_OBJECT (self), props[PROP_RESIZE_GUEST]);
}

int
corral_vnc_display_get_guest_width (CorralVncDisplay *self)
{
  return self->fb_width;
}

int
corral_vnc_display_get_guest_height (CorralVncDisplay *self)
{
  return self->fb_height;
}

guint64
corral_vnc_display_get_frames_drawn (CorralVncDisplay *self)
{
  return self->frames_drawn;
}

guint64
corral_vnc_display_get_tiles_built (CorralVncDisplay *self)
{
  return self->tiles_built;
}

guint64
corral_vnc_display_get_tiles_put (CorralVncDisplay *self)
{
  return self->tiles_put;
}

guint64
corral_vnc_display_get_rows_built (CorralVncDisplay *self)
{
  return self->rows_built;
}

int
corral_vnc_display_get_socket_fd (CorralVncDisplay *self)
{
  g_return_val_if_fail (CORRAL_IS_VNC_DISPLAY (self), -1);
  return self->fd;
}
