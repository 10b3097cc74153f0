/* corral-x11-shm.c: a framebuffer the X server reads itself (MIT-SHM)
 *
 * Under GTK 4.8's cairo renderer on X11 a frame is drawn into a fresh
 * image, composited there node by node and then copied into cairo-xlib's
 * shared memory for the server: six passes over every changed pixel on
 * the CPU, against one for a GTK 3 client such as gvncviewer (P3 in the
 * README). When the guest's framebuffer itself lives in a segment the X
 * server has attached, the view can hand a changed area to the server in
 * one request (XShmPutImage) and the server copies it into the window: no
 * pass of the client's over the pixels at all. The segment is removed
 * (IPC_RMID) as soon as both ends have it, so nothing else can attach it
 * and it goes with the last of them.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "config.h"

#include "corral-x11-shm.h"

#ifdef HAVE_X11_SHM
#include <gdk/x11/gdkx.h>
#include <X11/extensions/XShm.h>
#include <sys/ipc.h>
#include <sys/shm.h>
#endif

struct _CorralX11Shm
{
  GdkDisplay *display;
  guint8 *data;
  gsize size;
#ifdef HAVE_X11_SHM
  XShmSegmentInfo info;
  /* The image description and GC made for the last window drawn to. */
  XImage *image;
  Window image_window;
  int image_width, image_height;
  GC gc;
  gboolean opaque_needed;  /* the window has alpha: set the padding */
#endif
};

#ifdef HAVE_X11_SHM
static gboolean
attach (CorralX11Shm *self, Display *xdisplay)
{
  int error;

  self->info.shmid = shmget (IPC_PRIVATE, self->size, IPC_CREAT | 0600);
  if (self->info.shmid < 0)
    return FALSE;
  self->info.shmaddr = shmat (self->info.shmid, NULL, 0);
  if (self->info.shmaddr == (char *) -1)
    {
      shmctl (self->info.shmid, IPC_RMID, NULL);
      return FALSE;
    }
  /* The server only reads: a guest's picture is never written back. */
  self->info.readOnly = True;
  gdk_x11_display_error_trap_push (self->display);
  XShmAttach (xdisplay, &self->info);
  XSync (xdisplay, False);
  error = gdk_x11_display_error_trap_pop (self->display);
  shmctl (self->info.shmid, IPC_RMID, NULL);
  if (error != 0)
    {
      g_debug ("The X server cannot attach the display's memory (X error %d)", error);
      shmdt (self->info.shmaddr);
      return FALSE;
    }
  self->data = (guint8 *) self->info.shmaddr;
  return TRUE;
}
#endif

CorralX11Shm *
corral_x11_shm_new (GdkDisplay *display, gsize size)
{
#ifdef HAVE_X11_SHM
  CorralX11Shm *self;
  Display *xdisplay;

  g_return_val_if_fail (GDK_IS_DISPLAY (display), NULL);

  /* CORRAL_DISPLAY_NO_SHM=1: everything drawn by GTK, to compare. */
  if (!GDK_IS_X11_DISPLAY (display) || size == 0 || size > G_MAXSSIZE ||
      g_strcmp0 (g_getenv ("CORRAL_DISPLAY_NO_SHM"), "1") == 0)
    return NULL;
  xdisplay = gdk_x11_display_get_xdisplay (display);
  if (!XShmQueryExtension (xdisplay))
    return NULL;
  self = g_new0 (CorralX11Shm, 1);
  self->display = g_object_ref (display);
  self->size = size;
  if (!attach (self, xdisplay))
    {
      g_object_unref (self->display);
      g_free (self);
      return NULL;
    }
  return self;
#else
  return NULL;
#endif
}

#ifdef HAVE_X11_SHM
static void
drop_image (CorralX11Shm *self, Display *xdisplay)
{
  if (self->image != NULL)
    {
      /* The data is the segment's, not Xlib's to free. */
      self->image->data = NULL;
      XDestroyImage (self->image);
      self->image = NULL;
    }
  if (self->gc != NULL)
    {
      XFreeGC (xdisplay, self->gc);
      self->gc = NULL;
    }
  self->image_window = None;
}
#endif

void
corral_x11_shm_free (CorralX11Shm *self)
{
#ifdef HAVE_X11_SHM
  Display *xdisplay;

  if (self == NULL)
    return;
  xdisplay = gdk_x11_display_get_xdisplay (self->display);
  drop_image (self, xdisplay);
  gdk_x11_display_error_trap_push (self->display);
  XShmDetach (xdisplay, &self->info);
  /* The server lets go before the memory goes. */
  XSync (xdisplay, False);
  gdk_x11_display_error_trap_pop_ignored (self->display);
  shmdt (self->info.shmaddr);
  g_object_unref (self->display);
  g_free (self);
#endif
}

guint8 *
corral_x11_shm_get_data (CorralX11Shm *self)
{
  return self->data;
}

#ifdef HAVE_X11_SHM
/* The image for @window's visual, or NULL where its pixels are not 32-bit
 * little-endian xRGB words as the framebuffer's are. */
static XImage *
ensure_image (CorralX11Shm *self, Display *xdisplay, Window window,
              int width, int height, int stride)
{
  XWindowAttributes attrs;
  Visual *v;

  if (self->image != NULL && self->image_window == window &&
      self->image_width == width && self->image_height == height)
    return self->image;
  drop_image (self, xdisplay);
  if (!XGetWindowAttributes (xdisplay, window, &attrs))
    return NULL;
  v = attrs.visual;
  if ((attrs.depth != 24 && attrs.depth != 32) || v->red_mask != 0xff0000 ||
      v->green_mask != 0xff00 || v->blue_mask != 0xff)
    return NULL;
  self->image = XShmCreateImage (xdisplay, v, attrs.depth, ZPixmap,
                                 (char *) self->data, &self->info, width, height);
  if (self->image == NULL)
    return NULL;
  if (self->image->bits_per_pixel != 32 || self->image->bytes_per_line != stride ||
      self->image->byte_order != (G_BYTE_ORDER == G_LITTLE_ENDIAN ? LSBFirst : MSBFirst) ||
      (gsize) stride * height > self->size)
    {
      drop_image (self, xdisplay);
      return NULL;
    }
  self->gc = XCreateGC (xdisplay, window, 0, NULL);
  XSetGraphicsExposures (xdisplay, self->gc, False);
  self->image_window = window;
  self->image_width = width;
  self->image_height = height;
  self->opaque_needed = attrs.depth == 32;
  return self->image;
}

/* QEMU leaves the padding byte 0: to a window with alpha that is clear. */
static void
set_opaque (CorralX11Shm *self, int stride, const cairo_rectangle_int_t *r)
{
  for (int row = r->y; row < r->y + r->height; row++)
    {
      guint32 *p = (guint32 *) (self->data + (gsize) row * stride) + r->x;

      for (int col = 0; col < r->width; col++)
        p[col] |= 0xff000000u;
    }
}
#endif

gboolean
corral_x11_shm_put (CorralX11Shm *self, GdkSurface *surface,
                    int width, int height, int stride, int x, int y,
                    const cairo_region_t *clip)
{
#ifdef HAVE_X11_SHM
  cairo_region_t *area;
  cairo_rectangle_int_t image = { x, y, width, height }, extents;
  Display *xdisplay;
  Window window;
  XRectangle *rects;
  int n, error;

  g_return_val_if_fail (self != NULL, FALSE);
  g_return_val_if_fail (GDK_IS_X11_SURFACE (surface), FALSE);

  xdisplay = gdk_x11_display_get_xdisplay (self->display);
  window = gdk_x11_surface_get_xid (surface);
  if (ensure_image (self, xdisplay, window, width, height, stride) == NULL)
    return FALSE;

  area = cairo_region_create_rectangle (&image);
  cairo_region_intersect (area, clip);
  n = cairo_region_num_rectangles (area);
  if (n == 0)
    {
      cairo_region_destroy (area);
      return TRUE;
    }
  rects = g_new (XRectangle, n);
  for (int i = 0; i < n; i++)
    {
      cairo_rectangle_int_t r;

      cairo_region_get_rectangle (area, i, &r);
      rects[i] = (XRectangle) { r.x, r.y, r.width, r.height };
      if (self->opaque_needed)
        set_opaque (self, stride, &(cairo_rectangle_int_t) { r.x - x, r.y - y, r.width, r.height });
    }
  cairo_region_get_extents (area, &extents);
  cairo_region_destroy (area);

  gdk_x11_display_error_trap_push (self->display);
  XSetClipRectangles (xdisplay, self->gc, 0, 0, rects, n, YXBanded);
  XShmPutImage (xdisplay, window, self->gc, self->image,
                extents.x - x, extents.y - y, extents.x, extents.y,
                extents.width, extents.height, False);
  /* The server reads the memory when it gets to the request: the next
   * update may be decoded into it only after that. */
  XSync (xdisplay, False);
  error = gdk_x11_display_error_trap_pop (self->display);
  g_free (rects);
  if (error != 0)
    {
      g_debug ("The X server refused the display's image (X error %d)", error);
      drop_image (self, xdisplay);
      return FALSE;
    }
  return TRUE;
#else
  return FALSE;
#endif
}
