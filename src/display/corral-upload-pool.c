/* corral-upload-pool.c: keeps cairo-xlib's upload memory while frames stream
 *
 * On X11, GTK 4.8's cairo renderer paints each frame into an image that
 * cairo-xlib then copies into MIT-SHM memory for the X server. cairo takes
 * that memory from a pool of 8x the request (a shared memory segment) and
 * destroys the pool as soon as nothing in it is in use, so every full
 * frame gets a new segment and faults its pages in again: 40 % of the
 * CPU of a 1920x1080 full-frame update in perf (page faults under
 * pixman_blt in gdk_draw_context_end_frame). Holding one small image in a
 * pool large enough for a frame keeps the pool, and its pages, from one
 * frame to the next. Harmless where cairo does otherwise: then it only
 * holds a small image.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "config.h"

#include "corral-upload-pool.h"

#ifdef GDK_WINDOWING_X11
#include <gdk/x11/gdkx.h>
#include <cairo-xlib.h>
#endif

cairo_surface_t *
corral_upload_pool_hold (GdkDisplay *display, int width, int height)
{
#ifdef GDK_WINDOWING_X11
  Display *xdisplay;
  int screen;
  cairo_surface_t *root, *frame, *hold;

  if (!GDK_IS_X11_DISPLAY (display) || width <= 0 || height <= 0)
    return NULL;
  xdisplay = gdk_x11_display_get_xdisplay (display);
  screen = DefaultScreen (xdisplay);
  /* cairo keeps one set of pools per X connection: any surface on GDK's
   * connection reaches the pools its renderer uploads through. */
  root = cairo_xlib_surface_create (xdisplay, RootWindow (xdisplay, screen),
                                    DefaultVisual (xdisplay, screen), 1, 1);
  /* A frame-sized image makes a pool big enough for a frame's upload; a
   * small one taken next comes from that pool and keeps it. */
  frame = cairo_surface_create_similar_image (root, CAIRO_FORMAT_RGB24, width, height);
  hold = cairo_surface_create_similar_image (root, CAIRO_FORMAT_RGB24, 64, 64);
  cairo_surface_destroy (frame);
  cairo_surface_destroy (root);
  return hold;
#else
  return NULL;
#endif
}
