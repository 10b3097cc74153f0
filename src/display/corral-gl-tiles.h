/* corral-gl-tiles.h: the view's tiles as GL textures filled by the view
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#pragma once

#include <gtk/gtk.h>

G_BEGIN_DECLS

typedef struct _CorralGlTiles CorralGlTiles;

/* @n_tiles tiles on @display's GL, or NULL (with a reason in @error)
 * where GL cannot take the framebuffer's xRGB rows as they are. */
CorralGlTiles *corral_gl_tiles_new         (GdkDisplay     *display,
                                            guint           n_tiles,
                                            GError        **error);
/* Textures GTK still holds keep their GL texture until it drops them. */
void           corral_gl_tiles_free        (CorralGlTiles  *self);

/* Around a batch of uploads: makes the context current, then flushes so
 * that GTK's context sees the new pixels. */
void           corral_gl_tiles_begin       (CorralGlTiles  *self);
void           corral_gl_tiles_end         (CorralGlTiles  *self);

/* Copies @width x @height xRGB pixels (rows @stride bytes apart) into a
 * new GL texture for tile @index and returns a texture showing it. */
GdkTexture    *corral_gl_tiles_upload      (CorralGlTiles  *self,
                                            guint           index,
                                            const guint8   *data,
                                            gsize           stride,
                                            int             width,
                                            int             height);

/* Nearest-pixel sampling for an unscaled image (sharp, and much cheaper
 * for a software rasterizer), linear when scaled. */
void           corral_gl_tiles_set_nearest (CorralGlTiles  *self,
                                            gboolean        nearest);

G_END_DECLS
