/* corral-upload-pool.h: keeps cairo-xlib's upload memory while frames stream
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#pragma once

#include <gtk/gtk.h>

G_BEGIN_DECLS

/* Returns something to hold (cairo_surface_destroy() it to let go) while
 * full frames of up to @width x @height device pixels are drawn on
 * @display, or NULL where there is nothing to keep (not X11). */
cairo_surface_t *corral_upload_pool_hold (GdkDisplay *display, int width, int height);

G_END_DECLS
