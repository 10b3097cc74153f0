/* corral-x11-shm.h: a framebuffer the X server reads itself (MIT-SHM)
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#pragma once

#include <gtk/gtk.h>

G_BEGIN_DECLS

typedef struct _CorralX11Shm CorralX11Shm;

/* @size bytes of zeroed memory shared with @display's X server, or NULL
 * where there is none to be had: not X11, no MIT-SHM, an X server that
 * cannot attach the segment (remote, another IPC namespace). */
CorralX11Shm *corral_x11_shm_new      (GdkDisplay           *display,
                                       gsize                 size);
void          corral_x11_shm_free     (CorralX11Shm         *self);
guint8       *corral_x11_shm_get_data (CorralX11Shm         *self);

/* Copies the xRGB image in the memory (@width x @height, rows @stride
 * bytes apart) into @surface's window with its top left corner at
 * (@x, @y), only within @clip (surface pixels), and returns once the X
 * server has read it: the memory may change again then. On a window
 * with alpha the image's padding bytes are first set to opaque. FALSE,
 * with nothing drawn, where the window's pixels are not laid out as the
 * image's or the server refused. */
gboolean      corral_x11_shm_put      (CorralX11Shm         *self,
                                       GdkSurface           *surface,
                                       int                   width,
                                       int                   height,
                                       int                   stride,
                                       int                   x,
                                       int                   y,
                                       const cairo_region_t *clip);

G_END_DECLS
