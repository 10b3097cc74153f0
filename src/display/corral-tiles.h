/* corral-tiles.h: which parts of the guest framebuffer need redrawing
 *
 * gvnc reports every changed rectangle separately (thousands a second while
 * a guest boots). The view only marks them here and rebuilds the dirty
 * tiles once per painted frame. Pure bookkeeping: no I/O, no GTK.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#pragma once

#include <glib.h>

G_BEGIN_DECLS

typedef struct {
  int x, y, width, height;
} CorralTileRect;

typedef struct _CorralTiles CorralTiles;

CorralTiles *corral_tiles_new          (int width, int height, int tile_size);
void         corral_tiles_free         (CorralTiles *self);
/* A new framebuffer size: every tile is dirty again. */
void         corral_tiles_resize       (CorralTiles *self, int width, int height);

int          corral_tiles_get_width    (CorralTiles *self);
int          corral_tiles_get_height   (CorralTiles *self);
int          corral_tiles_get_tile_size (CorralTiles *self);
guint        corral_tiles_get_n_columns (CorralTiles *self);
guint        corral_tiles_get_n_rows   (CorralTiles *self);
guint        corral_tiles_get_n_tiles  (CorralTiles *self);

/* Marks the tiles a changed rectangle touches; clipped to the framebuffer. */
void         corral_tiles_mark         (CorralTiles *self,
                                        int x, int y, int width, int height);
void         corral_tiles_mark_all     (CorralTiles *self);
gboolean     corral_tiles_any_dirty    (CorralTiles *self);
guint        corral_tiles_count_dirty  (CorralTiles *self);
gboolean     corral_tiles_is_dirty     (CorralTiles *self, guint index);

/* Iterates the dirty tiles in row order: start with *index = 0; returns
 * FALSE when there are no more. */
gboolean     corral_tiles_next_dirty   (CorralTiles *self, guint *index);
void         corral_tiles_clear        (CorralTiles *self);
/* One tile drawn by other means: no longer dirty. */
void         corral_tiles_clear_one    (CorralTiles *self,
                                        guint index);

/* The framebuffer area of tile @index (edge tiles are smaller). */
void         corral_tiles_get_rect     (CorralTiles *self,
                                        guint index,
                                        CorralTileRect *rect);

/* Where a framebuffer rectangle lands on screen at @scale with the image's
 * origin at (@off_x, @off_y), in device pixels, rounded so that
 * neighbouring tiles share their edges exactly (no seams, no overlap). */
void         corral_tiles_snap         (const CorralTileRect *rect,
                                        double scale,
                                        double off_x,
                                        double off_y,
                                        CorralTileRect *out);

/* Scale-to-fit: the largest scale that shows a @fb_width x @fb_height
 * image whole in @area_width x @area_height device pixels keeping its
 * aspect ratio, centred (offsets in whole device pixels). A scale within
 * half a pixel of 1 across the image is snapped to exactly 1, so an
 * unscaled guest stays crisp. */
void         corral_tiles_fit          (int fb_width, int fb_height,
                                        int area_width, int area_height,
                                        double *scale,
                                        int *off_x, int *off_y);

/* The size to ask a resizable guest for when its display gets
 * @area_width x @area_height device pixels: that area, enlarged keeping its
 * aspect ratio until it is at least @min_width x @min_height, so that a
 * narrow pane gets a scaled-down whole screen rather than a screen too
 * small for the guest's windows (Chromium cannot shrink below ~500 px). */
void         corral_tiles_guest_size   (int area_width, int area_height,
                                        int min_width, int min_height,
                                        int *width, int *height);

G_END_DECLS
