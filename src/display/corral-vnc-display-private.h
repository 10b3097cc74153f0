/* corral-vnc-display-private.h: CorralVncDisplay's state, shared by the
 * files that split its behaviours (connection and sizing in
 * corral-vnc-display.c, drawing in corral-vnc-display-draw.c, keyboard
 * and pointer in corral-vnc-display-input.c)
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#pragma once

#include <gvnc.h>

#include "corral-gl-tiles.h"
#include "corral-tiles.h"
#include "corral-vnc-display.h"
#include "corral-x11-shm.h"

G_BEGIN_DECLS

/* The framebuffer's tiles are TILE_SIZE guest pixels square. */
#define TILE_SIZE 128

typedef struct _TilePool TilePool;

struct _CorralVncDisplay
{
  GtkWidget parent_instance;

  VncConnection *conn;
  int fd;  /* the connection's socket (gvnc owns it), -1 when none */
  gboolean initialized;

  guint8 *fb;
  int fb_width, fb_height, fb_stride;
  VncBaseFramebuffer *vfb;

  CorralTiles *tiles;
  /* One render node per tile, kept while the tile and its placement stay
   * the same: GTK diffs frames by node, so an unchanged tile costs
   * nothing. GL/Vulkan get texture nodes (cached on the GPU). GTK 4.8's
   * cairo renderer converts every texture through floats each frame, so
   * there each tile is a cairo node painting its part of fb_surface, an
   * image surface over the framebuffer itself: no copy of ours. Under
   * GL the tiles are GL textures filled straight from the framebuffer
   * (corral-gl-tiles.c). */
  gboolean cairo_mode;
  gboolean gl_mode;
  CorralGlTiles *gl_tiles;
  gboolean gl_tiles_failed;  /* no such GL here: memory textures */
  GskRenderNode **tile_nodes;
  /* Under cairo, a row of tiles that all changed in one frame is drawn
   * by one node (row_nodes[row]) until a frame changes only some of
   * them: GSK composites every cairo node through an image of its own,
   * and one per row instead of one per tile is a sixth less CPU per full
   * frame (P3). Not more than a row: one node for a whole frame costs
   * twice the tiles (a frame-sized image of its own). */
  gboolean *row_whole;
  GskRenderNode **row_nodes;
  guint n_rows;
  cairo_surface_t *fb_surface;
  /* On X11 the framebuffer is memory the X server reads itself, and under
   * cairo, unscaled, a changed tile nobody paints over goes from it
   * straight to the window (corral-x11-shm.c): its node stays as it was,
   * so GTK does not draw it again. NULL where it is plain memory. */
  CorralX11Shm *shm;
  gboolean direct_failed;  /* the window's pixels are not the image's */
  GdkTexture **tile_textures;
  guint n_tile_textures;
  double placed_scale;
  int placed_x, placed_y, placed_sf;
  TilePool *pool;

  /* Kept while big frames stream under cairo (corral-upload-pool.c). */
  cairo_surface_t *upload_hold;
  gint64 last_big_frame;
  guint upload_release;

  gboolean update_seen;  /* a rectangle arrived since the last request */

  CorralScaleMode scale_mode;
  gboolean resize_guest;
  guint resize_timeout;
  int last_resize_w, last_resize_h;
  guint resize_attempts;  /* requests for this widget size so far */

  /* Input state the guest believes: released on focus loss */
  GHashTable *held_keys;  /* qnum -> keyval */
  guint8 buttons;
  int last_gx, last_gy;
  double scroll_dx, scroll_dy;
  gboolean ctrl_alt_alone;  /* Ctrl+Alt went down with no other key yet */
  int led_acted_on;         /* guest LED state we last sent a lock key for */

  guint64 frames_drawn;
  guint64 tiles_built;
  guint64 rows_built;
  guint64 tiles_put;  /* tiles sent straight to the X server */
};

/* corral-vnc-display.c: guest pixels to device pixels (scale, offset of
 * the image), and the next update asked of the guest. */
void corral_vnc_display_get_placement   (CorralVncDisplay *self,
                                         double           *scale,
                                         int              *off_x,
                                         int              *off_y);
void corral_vnc_display_request_update  (CorralVncDisplay *self,
                                         gboolean          incremental);

/* corral-vnc-display-draw.c: the tiles and the widget's snapshot. */
void corral_vnc_display_init_drawing    (CorralVncDisplay *self);
void corral_vnc_display_dispose_drawing (CorralVncDisplay *self);
void corral_vnc_display_clear_tiles     (CorralVncDisplay *self);
void corral_vnc_display_snapshot        (GtkWidget        *widget,
                                         GtkSnapshot      *snapshot);

/* corral-vnc-display-input.c: the event controllers that turn keys,
 * buttons, wheel and motion into RFB events. */
void corral_vnc_display_init_input      (CorralVncDisplay *self);

G_END_DECLS
