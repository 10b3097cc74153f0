/* corral-x11-shm.c: a framebuffer the X server reads itself (MIT-SHM)
 *
 * Under GTK 4.8's cairo renderer on X11 a frame is drawn into a fresh
 * image, composited there node by node and then copied into cairo-xlib's
 * shared memory for the server: six passes over every changed pixel on
 * the CPU, against one for a GTK 3 client such as gvncviewer (P3 in the
 * README). When the guest's framebuffer itself lives in a segment the X
 * server has attached, the view can hand a changed area to the server in
 * one request and the server copies it into the window: no pass of the
 * client's over the pixels at all. Where the server shares pixmaps, the
 * segment is a 24-bit pixmap that XRender composites into the window
 * (which fills in the alpha of a 32-bit window); otherwise the area goes
 * by XShmPutImage, after the client has set the padding bytes of a 32-bit
 * window opaque (QEMU leaves them 0). The segment is removed
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
#include <X11/extensions/Xrender.h>
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
  gboolean render;  /* the server shares pixmaps and has XRender */
  /* What was made for the last window drawn to: a pixmap over the
   * segment and pictures for XRender, or an image description and GC. */
  Window window;
  int width, height;
  Pixmap pixmap;
  Picture source, target;
  XImage *image;
  GC gc;
  gboolean opaque_needed;  /* image path, 32-bit window: set the padding */
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
  /* The server only reads it, but makes a pixmap only of memory it may
   * write (MIT-SHM's rule); it can read all of ours anyway. */
  self->info.readOnly = False;
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
  {
    int major, minor, event, error_base;
    Bool pixmaps = False;

    /* CORRAL_DISPLAY_SHM=image: the other way, to test it. */
    self->render = g_strcmp0 (g_getenv ("CORRAL_DISPLAY_SHM"), "image") != 0 &&
                   XShmQueryVersion (xdisplay, &major, &minor, &pixmaps) && pixmaps &&
                   XShmPixmapFormat (xdisplay) == ZPixmap &&
                   XRenderQueryExtension (xdisplay, &event, &error_base);
  }
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

  /* CORRAL_DISPLAY_SHM=0: everything drawn by GTK, to compare. */
  if (!GDK_IS_X11_DISPLAY (display) || size == 0 || size > G_MAXSSIZE ||
      g_strcmp0 (g_getenv ("CORRAL_DISPLAY_SHM"), "0") == 0)
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
drop_window (CorralX11Shm *self, Display *xdisplay)
{
  gdk_x11_display_error_trap_push (self->display);
  if (self->target != None)
    XRenderFreePicture (xdisplay, self->target);
  if (self->source != None)
    XRenderFreePicture (xdisplay, self->source);
  if (self->pixmap != None)
    XFreePixmap (xdisplay, self->pixmap);
  gdk_x11_display_error_trap_pop_ignored (self->display);
  self->target = self->source = self->pixmap = None;
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
  self->window = None;
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
  drop_window (self, xdisplay);
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
/* Makes what drawing to @window takes; FALSE where its pixels are not
 * 32-bit little-endian xRGB words as the framebuffer's are. */
static gboolean
ensure_window (CorralX11Shm *self, Display *xdisplay, Window window,
               int width, int height, int stride)
{
  XWindowAttributes attrs;
  Visual *v;

  if (self->window == window && self->width == width && self->height == height)
    return TRUE;
  drop_window (self, xdisplay);
  if ((gsize) stride * height > self->size || stride != width * 4 ||
      !XGetWindowAttributes (xdisplay, window, &attrs))
    return FALSE;
  v = attrs.visual;
  if ((attrs.depth != 24 && attrs.depth != 32) || v->red_mask != 0xff0000 ||
      v->green_mask != 0xff00 || v->blue_mask != 0xff)
    return FALSE;
  if (self->render)
    {
      XRenderPictFormat *rgb24 = XRenderFindStandardFormat (xdisplay, PictStandardRGB24);
      XRenderPictFormat *format = XRenderFindVisualFormat (xdisplay, v);

      if (rgb24 == NULL || format == NULL)
        return FALSE;
      self->pixmap = XShmCreatePixmap (xdisplay, window, (char *) self->data, &self->info,
                                       width, height, 24);
      self->source = XRenderCreatePicture (xdisplay, self->pixmap, rgb24, 0, NULL);
      self->target = XRenderCreatePicture (xdisplay, window, format, 0, NULL);
    }
  else
    {
      self->image = XShmCreateImage (xdisplay, v, attrs.depth, ZPixmap,
                                     (char *) self->data, &self->info, width, height);
      if (self->image == NULL)
        return FALSE;
      if (self->image->bits_per_pixel != 32 || self->image->bytes_per_line != stride ||
          self->image->byte_order != (G_BYTE_ORDER == G_LITTLE_ENDIAN ? LSBFirst : MSBFirst))
        {
          drop_window (self, xdisplay);
          return FALSE;
        }
      self->gc = XCreateGC (xdisplay, window, 0, NULL);
      XSetGraphicsExposures (xdisplay, self->gc, False);
      self->opaque_needed = attrs.depth == 32;
    }
  self->window = window;
  self->width = width;
  self->height = height;
  return TRUE;
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
  gboolean ok;
  int n, error;

  g_return_val_if_fail (self != NULL, FALSE);
  g_return_val_if_fail (GDK_IS_X11_SURFACE (surface), FALSE);

  xdisplay = gdk_x11_display_get_xdisplay (self->display);
  window = gdk_x11_surface_get_xid (surface);
  gdk_x11_display_error_trap_push (self->display);
  ok = ensure_window (self, xdisplay, window, width, height, stride);
  /* Errors made there (a window gone) show with the request's. */
  if (!ok)
    {
      gdk_x11_display_error_trap_pop_ignored (self->display);
      return FALSE;
    }

  area = cairo_region_create_rectangle (&image);
  cairo_region_intersect (area, clip);
  n = cairo_region_num_rectangles (area);
  rects = g_new (XRectangle, MAX (n, 1));
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

  if (n > 0 && self->render)
    {
      XRenderSetPictureClipRectangles (xdisplay, self->target, 0, 0, rects, n);
      XRenderComposite (xdisplay, PictOpSrc, self->source, None, self->target,
                        extents.x - x, extents.y - y, 0, 0, extents.x, extents.y,
                        extents.width, extents.height);
    }
  else if (n > 0)
    {
      XSetClipRectangles (xdisplay, self->gc, 0, 0, rects, n, YXBanded);
      XShmPutImage (xdisplay, window, self->gc, self->image,
                    extents.x - x, extents.y - y, extents.x, extents.y,
                    extents.width, extents.height, False);
    }
  /* The server reads the memory when it gets to the request: the next
   * update may be decoded into it only after that. */
  XSync (xdisplay, False);
  error = gdk_x11_display_error_trap_pop (self->display);
  g_free (rects);
  if (error != 0)
    {
      g_debug ("The X server refused the display's image (X error %d)", error);
      drop_window (self, xdisplay);
      return FALSE;
    }
  return TRUE;
#else
  return FALSE;
#endif
}
