/* corral-vnc-display-draw.c: how CorralVncDisplay draws its framebuffer
 *
 * The framebuffer is cut into TILE_SIZE tiles (corral-tiles.c); a changed
 * rectangle only marks tiles dirty, and snapshot() rebuilds the dirty ones
 * in the renderer's own terms: under cairo a node painting the
 * framebuffer itself, under GL a GL texture filled straight from it
 * (corral-gl-tiles.c), otherwise a memory texture copied out of it. An
 * unchanged tile keeps its node, so GTK's frame diff skips it; under
 * cairo a row of tiles that changed whole shares one node.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "config.h"

#include <math.h>

#include "corral-upload-pool.h"
#include "corral-vnc-display-private.h"

/* GTK 4.8's gtk.h leaves out the GL renderer's header (later ones have it
 * and warn when it is included directly): after gtk.h, for its types. */
#ifndef GSK_TYPE_GL_RENDERER
#include <gsk/gl/gskglrenderer.h>
#endif

/* How long the upload pool is kept after the last big frame. */
#define UPLOAD_HOLD_US G_USEC_PER_SEC

/* Tile buffers come back here when GTK drops a tile's texture: allocating
 * a fresh buffer for every rebuilt tile made rebuilds many times slower. */
struct _TilePool
{
  gatomicrefcount ref;
  GPtrArray *free;  /* guint8 *, TILE_SIZE² × 4 bytes each */
};

typedef struct {
  TilePool *pool;
  guint8 *data;
} TileBuffer;

/* ---- tile buffer pool ---- */

static TilePool *
tile_pool_new (void)
{
  TilePool *pool = g_new0 (TilePool, 1);

  g_atomic_ref_count_init (&pool->ref);
  pool->free = g_ptr_array_new_with_free_func (g_free);
  return pool;
}

static void
tile_pool_unref (TilePool *pool)
{
  if (g_atomic_ref_count_dec (&pool->ref))
    {
      g_ptr_array_unref (pool->free);
      g_free (pool);
    }
}

static void
tile_buffer_release (gpointer data)
{
  TileBuffer *buf = data;

  g_ptr_array_add (buf->pool->free, buf->data);
  tile_pool_unref (buf->pool);
  g_free (buf);
}

/* A buffer of TILE_SIZE² pixels, stride TILE_SIZE × 4, not cleared:
 * every tile rebuild writes all of its own rectangle. */
static TileBuffer *
tile_pool_take_buffer (TilePool *pool)
{
  TileBuffer *buf = g_new (TileBuffer, 1);

  if (pool->free->len > 0)
    buf->data = g_ptr_array_steal_index_fast (pool->free, pool->free->len - 1);
  else
    buf->data = g_malloc (TILE_SIZE * TILE_SIZE * 4);
  g_atomic_ref_count_inc (&pool->ref);
  buf->pool = pool;
  return buf;
}

static GBytes *
tile_pool_take (TilePool *pool, guint8 **data)
{
  TileBuffer *buf = tile_pool_take_buffer (pool);

  *data = buf->data;
  return g_bytes_new_with_free_func (buf->data, TILE_SIZE * TILE_SIZE * 4,
                                     tile_buffer_release, buf);
}

void
corral_vnc_display_init_drawing (CorralVncDisplay *self)
{
  self->pool = tile_pool_new ();
}

void
corral_vnc_display_dispose_drawing (CorralVncDisplay *self)
{
  g_clear_handle_id (&self->upload_release, g_source_remove);
  g_clear_pointer (&self->upload_hold, cairo_surface_destroy);
  corral_vnc_display_clear_tiles (self);
  if (self->pool)
    {
      tile_pool_unref (self->pool);
      self->pool = NULL;
    }
}

/* ---- tiles ---- */

static void
clear_row_nodes (CorralVncDisplay *self)
{
  for (guint r = 0; r < self->n_rows; r++)
    g_clear_pointer (&self->row_nodes[r], gsk_render_node_unref);
}

void
corral_vnc_display_clear_tiles (CorralVncDisplay *self)
{
  for (guint i = 0; i < self->n_tile_textures; i++)
    {
      g_clear_object (&self->tile_textures[i]);
      g_clear_pointer (&self->tile_nodes[i], gsk_render_node_unref);
    }
  clear_row_nodes (self);
  g_clear_pointer (&self->tile_textures, g_free);
  g_clear_pointer (&self->tile_nodes, g_free);
  g_clear_pointer (&self->row_nodes, g_free);
  g_clear_pointer (&self->row_whole, g_free);
  self->n_rows = 0;
  g_clear_pointer (&self->gl_tiles, corral_gl_tiles_free);
  self->n_tile_textures = 0;
}

/* Copies a framebuffer area to @dst with the padding byte set to opaque:
 * QEMU leaves it 0 and GTK 4.8 has no xRGB memory format. */
static void
copy_opaque (CorralVncDisplay *self, int x, int y, int w, int h,
             guint8 *dst, gsize dst_stride)
{
  for (int row = 0; row < h; row++)
    {
      const guint32 *s = (const guint32 *) (self->fb + (gsize) (y + row) * self->fb_stride) + x;
      guint32 *d = (guint32 *) (dst + row * dst_stride);

      for (int col = 0; col < w; col++)
        d[col] = s[col] | 0xff000000u;
    }
}

/* The GL tiles, made on the first frame GTK's GL renderer draws. */
static CorralGlTiles *
ensure_gl_tiles (CorralVncDisplay *self)
{
  g_autoptr(GError) error = NULL;

  if (self->gl_tiles != NULL || self->gl_tiles_failed)
    return self->gl_tiles;
  self->gl_tiles = corral_gl_tiles_new (gtk_widget_get_display (GTK_WIDGET (self)),
                                        self->n_tile_textures, &error);
  if (self->gl_tiles == NULL)
    {
      g_debug ("Display tiles as memory textures: %s", error->message);
      self->gl_tiles_failed = TRUE;
    }
  return self->gl_tiles;
}

/* Under cairo: which tile rows changed whole this frame (one node each)
 * and which only in part (a node per tile). A changed row loses its row
 * node; its dirty tiles lose theirs in rebuild_dirty_tiles(), so a row
 * that stops being whole, whose tiles had none, builds one for each. */
static void
choose_row_nodes (CorralVncDisplay *self)
{
  guint columns = corral_tiles_get_n_columns (self->tiles);

  for (guint r = 0; r < self->n_rows; r++)
    {
      guint dirty = 0;

      for (guint c = 0; c < columns; c++)
        dirty += corral_tiles_is_dirty (self->tiles, r * columns + c) ? 1 : 0;
      if (dirty == 0)
        continue;
      g_clear_pointer (&self->row_nodes[r], gsk_render_node_unref);
      self->row_whole[r] = dirty == columns;
    }
}

/* Rebuilds the dirty tiles: under cairo only their nodes (they read the
 * framebuffer), under GL fresh GL textures filled straight from it,
 * otherwise fresh tile textures copied out of it (the old ones may still
 * be in use by the frame on screen). */
static void
rebuild_dirty_tiles (CorralVncDisplay *self)
{
  CorralGlTiles *gl = self->gl_mode ? ensure_gl_tiles (self) : NULL;

  if (gl != NULL)
    corral_gl_tiles_begin (gl);
  for (guint i = 0; corral_tiles_next_dirty (self->tiles, &i); i++)
    {
      CorralTileRect r;

      corral_tiles_get_rect (self->tiles, i, &r);
      g_clear_pointer (&self->tile_nodes[i], gsk_render_node_unref);
      g_clear_object (&self->tile_textures[i]);
      if (gl != NULL)
        {
          self->tile_textures[i] =
            corral_gl_tiles_upload (gl, i, self->fb + (gsize) r.y * self->fb_stride + r.x * 4,
                                    self->fb_stride, r.width, r.height);
        }
      else if (!self->cairo_mode)
        {
          guint8 *data;
          g_autoptr(GBytes) bytes = tile_pool_take (self->pool, &data);

          copy_opaque (self, r.x, r.y, r.width, r.height, data, TILE_SIZE * 4);
          self->tile_textures[i] = gdk_memory_texture_new (r.width, r.height,
                                                           GDK_MEMORY_B8G8R8A8_PREMULTIPLIED,
                                                           bytes, TILE_SIZE * 4);
        }
      self->tiles_built++;
    }
  if (gl != NULL)
    corral_gl_tiles_end (gl);
  corral_tiles_clear (self->tiles);
}

/* The node drawing tile @i (framebuffer area @r) at device rectangle @d. */
static GskRenderNode *
build_tile_node (CorralVncDisplay *self, guint i, const CorralTileRect *r,
                 const CorralTileRect *d, int sf)
{
  graphene_rect_t bounds = GRAPHENE_RECT_INIT ((float) d->x / sf, (float) d->y / sf,
                                               (float) d->width / sf, (float) d->height / sf);
  GtkSnapshot *snapshot;
  cairo_t *cr;

  if (!self->cairo_mode)
    return gsk_texture_node_new (self->tile_textures[i], &bounds);

  snapshot = gtk_snapshot_new ();
  cr = gtk_snapshot_append_cairo (snapshot, &bounds);
  cairo_translate (cr, bounds.origin.x, bounds.origin.y);
  cairo_scale (cr, bounds.size.width / r->width, bounds.size.height / r->height);
  cairo_rectangle (cr, 0, 0, r->width, r->height);
  cairo_clip (cr);
  cairo_set_source_surface (cr, self->fb_surface, -r->x, -r->y);
  /* Unscaled, a guest pixel is a device pixel: keep it sharp. Scaled, the
   * filter reads the neighbouring tiles' pixels, so no seams; pad at the
   * image's own edges. */
  cairo_pattern_set_extend (cairo_get_source (cr), CAIRO_EXTEND_PAD);
  cairo_pattern_set_filter (cairo_get_source (cr),
                            d->width == r->width ? CAIRO_FILTER_NEAREST
                                                 : CAIRO_FILTER_GOOD);
  cairo_paint (cr);
  cairo_destroy (cr);
  return gtk_snapshot_free_to_node (snapshot);
}

GdkTexture *
corral_vnc_display_get_image (CorralVncDisplay *self)
{
  g_autoptr(GBytes) bytes = NULL;
  guint8 *data;

  g_return_val_if_fail (CORRAL_IS_VNC_DISPLAY (self), NULL);

  if (self->fb == NULL)
    return NULL;
  data = g_malloc ((gsize) self->fb_stride * self->fb_height);
  copy_opaque (self, 0, 0, self->fb_width, self->fb_height, data, self->fb_stride);
  bytes = g_bytes_new_take (data, (gsize) self->fb_stride * self->fb_height);
  return gdk_memory_texture_new (self->fb_width, self->fb_height,
                                 GDK_MEMORY_B8G8R8A8_PREMULTIPLIED,
                                 bytes, self->fb_stride);
}

/* ---- straight to the X server ---- */

static cairo_rectangle_int_t
rect_in (const graphene_rect_t *b)
{
  int x0 = ceilf (b->origin.x), y0 = ceilf (b->origin.y);
  int x1 = floorf (b->origin.x + b->size.width), y1 = floorf (b->origin.y + b->size.height);

  return (cairo_rectangle_int_t) { x0, y0, MAX (x1 - x0, 0), MAX (y1 - y0, 0) };
}

static cairo_rectangle_int_t
rect_out (const graphene_rect_t *b)
{
  int x0 = floorf (b->origin.x), y0 = floorf (b->origin.y);
  int x1 = ceilf (b->origin.x + b->size.width), y1 = ceilf (b->origin.y + b->size.height);

  return (cairo_rectangle_int_t) { x0, y0, x1 - x0, y1 - y0 };
}

/* Whether @scroller can scroll: it then paints edge shadows of its own
 * over its child. */
static gboolean
can_scroll (GtkScrolledWindow *scroller)
{
  GtkAdjustment *adj[] = { gtk_scrolled_window_get_hadjustment (scroller),
                           gtk_scrolled_window_get_vadjustment (scroller) };

  for (guint i = 0; i < G_N_ELEMENTS (adj); i++)
    if (gtk_adjustment_get_upper (adj[i]) - gtk_adjustment_get_lower (adj[i]) >
        gtk_adjustment_get_page_size (adj[i]))
      return TRUE;
  return FALSE;
}

/* Where the window shows the display with nothing of GTK's over it, in
 * surface pixels (the widget's origin there in @wx, @wy): the display's
 * area, clipped by every parent's, less every other child of those
 * parents (overlays, scrollbars, toasts: whatever might lie on top).
 * NULL when GTK must draw all of it: the display scaled, moved by a
 * fraction of a pixel or scrolled, a transition or a drop highlight over
 * it. */
static cairo_region_t *
direct_area (CorralVncDisplay *self, int *wx, int *wy)
{
  GtkWidget *widget = GTK_WIDGET (self);
  GtkNative *native = gtk_widget_get_native (widget);
  GtkWidget *top = GTK_WIDGET (native);
  cairo_region_t *area;
  graphene_rect_t b;
  double nx, ny;

  if (native == NULL || !gtk_widget_compute_bounds (widget, top, &b))
    return NULL;
  gtk_native_get_surface_transform (native, &nx, &ny);
  graphene_rect_offset (&b, nx, ny);
  if (b.origin.x != floorf (b.origin.x) || b.origin.y != floorf (b.origin.y) ||
      b.size.width != gtk_widget_get_width (widget) ||
      b.size.height != gtk_widget_get_height (widget))
    return NULL;
  *wx = b.origin.x;
  *wy = b.origin.y;
  area = cairo_region_create_rectangle (&(cairo_rectangle_int_t) { *wx, *wy, b.size.width,
                                                                   b.size.height });
  for (GtkWidget *child = widget, *parent = gtk_widget_get_parent (widget);
       parent != NULL && child != top;
       child = parent, parent = gtk_widget_get_parent (parent))
    {
      if ((gtk_widget_get_state_flags (parent) & GTK_STATE_FLAG_DROP_ACTIVE) ||
          gtk_widget_get_opacity (parent) < 1.0 ||
          (GTK_IS_STACK (parent) && gtk_stack_get_transition_running (GTK_STACK (parent))) ||
          (GTK_IS_SCROLLED_WINDOW (parent) && can_scroll (GTK_SCROLLED_WINDOW (parent))) ||
          !gtk_widget_compute_bounds (parent, top, &b))
        {
          cairo_region_destroy (area);
          return NULL;
        }
      graphene_rect_offset (&b, nx, ny);
      {
        cairo_rectangle_int_t r = rect_in (&b);

        cairo_region_intersect_rectangle (area, &r);
      }
      for (GtkWidget *sib = gtk_widget_get_first_child (parent); sib != NULL;
           sib = gtk_widget_get_next_sibling (sib))
        {
          cairo_rectangle_int_t r;

          if (sib == child || GTK_IS_NATIVE (sib) || !gtk_widget_get_mapped (sib) ||
              !gtk_widget_compute_bounds (sib, top, &b))
            continue;
          graphene_rect_offset (&b, nx, ny);
          r = rect_out (&b);
          cairo_region_subtract_rectangle (area, &r);
        }
    }
  return area;
}

/* Sends the dirty tiles that lie whole in the direct area to the window
 * straight from the framebuffer and takes them off the dirty list: their
 * nodes stay, so GTK neither rebuilds nor redraws them (were it to redraw
 * one for another reason, the node paints the framebuffer as it is now).
 * What is left dirty is drawn by GTK. X11, cairo, unscaled only. */
static void
put_direct (CorralVncDisplay *self, int ox, int oy)
{
  GtkNative *native = gtk_widget_get_native (GTK_WIDGET (self));
  cairo_region_t *area, *put;
  g_autoptr(GArray) done = NULL;
  int wx, wy;

  if (self->direct_failed || (area = direct_area (self, &wx, &wy)) == NULL)
    return;
  put = cairo_region_create ();
  done = g_array_new (FALSE, FALSE, sizeof (guint));
  for (guint i = 0; corral_tiles_next_dirty (self->tiles, &i); i++)
    {
      CorralTileRect r, d;
      cairo_rectangle_int_t c;

      corral_tiles_get_rect (self->tiles, i, &r);
      corral_tiles_snap (&r, 1.0, ox, oy, &d);
      c = (cairo_rectangle_int_t) { wx + d.x, wy + d.y, d.width, d.height };
      if (cairo_region_contains_rectangle (area, &c) != CAIRO_REGION_OVERLAP_IN)
        continue;
      cairo_region_union_rectangle (put, &c);
      g_array_append_val (done, i);
    }
  if (done->len > 0)
    {
      if (corral_x11_shm_put (self->shm, gtk_native_get_surface (native),
                              self->fb_width, self->fb_height, self->fb_stride,
                              wx + ox, wy + oy, put))
        {
          for (guint k = 0; k < done->len; k++)
            corral_tiles_clear_one (self->tiles, g_array_index (done, guint, k));
          self->tiles_put += done->len;
        }
      else
        {
          g_debug ("The display is drawn by GTK: its window takes no image from shared memory");
          self->direct_failed = TRUE;
        }
    }
  cairo_region_destroy (put);
  cairo_region_destroy (area);
}

/* ---- frames ---- */

static gboolean
upload_release_cb (gpointer data)
{
  CorralVncDisplay *self = data;
  gint64 left = self->last_big_frame + UPLOAD_HOLD_US - g_get_monotonic_time ();

  self->upload_release = 0;
  if (left > 0)
    self->upload_release = g_timeout_add (left / 1000 + 1, upload_release_cb, self);
  else
    g_clear_pointer (&self->upload_hold, cairo_surface_destroy);
  return G_SOURCE_REMOVE;
}

/* A frame that changes much of the image: keep cairo-xlib's upload pool
 * until a second passes without one (no timer while the display is
 * quiet). */
static void
note_big_frame (CorralVncDisplay *self)
{
  GtkNative *native = gtk_widget_get_native (GTK_WIDGET (self));
  GdkSurface *surface = native ? gtk_native_get_surface (native) : NULL;

  self->last_big_frame = g_get_monotonic_time ();
  if (self->upload_hold == NULL && surface != NULL)
    {
      int sf = gdk_surface_get_scale_factor (surface);

      self->upload_hold = corral_upload_pool_hold (gtk_widget_get_display (GTK_WIDGET (self)),
                                                   gdk_surface_get_width (surface) * sf,
                                                   gdk_surface_get_height (surface) * sf);
    }
  if (self->upload_hold != NULL && self->upload_release == 0)
    self->upload_release = g_timeout_add (UPLOAD_HOLD_US / 1000, upload_release_cb, self);
}

static void
append_black (GtkSnapshot *snapshot, float x0, float y0, float x1, float y1)
{
  if (x1 > x0 && y1 > y0)
    gtk_snapshot_append_color (snapshot, &(GdkRGBA) { 0, 0, 0, 1 },
                               &GRAPHENE_RECT_INIT (x0, y0, x1 - x0, y1 - y0));
}

/* Black where the image is not: filling under it too would cost a whole
 * frame of fill per full-frame update under the cairo renderer. */
static void
append_margins (CorralVncDisplay *self, GtkSnapshot *snapshot,
                double scale, int ox, int oy, int sf)
{
  float w = gtk_widget_get_width (GTK_WIDGET (self));
  float h = gtk_widget_get_height (GTK_WIDGET (self));
  CorralTileRect whole = { 0, 0, self->fb_width, self->fb_height };
  CorralTileRect d;
  float x0, y0, x1, y1;

  corral_tiles_snap (&whole, scale, ox, oy, &d);
  x0 = (float) d.x / sf;
  y0 = (float) d.y / sf;
  x1 = (float) (d.x + d.width) / sf;
  y1 = (float) (d.y + d.height) / sf;
  append_black (snapshot, 0, 0, w, y0);
  append_black (snapshot, 0, y1, w, h);
  append_black (snapshot, 0, y0, x0, y1);
  append_black (snapshot, x1, y0, w, y1);
}

static void
append_tile (CorralVncDisplay *self, GtkSnapshot *snapshot, guint i,
             double scale, int ox, int oy, int sf)
{
  if (self->tile_nodes[i] == NULL)
    {
      CorralTileRect r, d;

      corral_tiles_get_rect (self->tiles, i, &r);
      corral_tiles_snap (&r, scale, ox, oy, &d);
      if (!self->cairo_mode && self->tile_textures[i] == NULL)
        {
          /* Nothing received there yet (GL): black. */
          append_black (snapshot, (float) d.x / sf, (float) d.y / sf,
                        (float) (d.x + d.width) / sf, (float) (d.y + d.height) / sf);
          return;
        }
      self->tile_nodes[i] = build_tile_node (self, i, &r, &d, sf);
    }
  gtk_snapshot_append_node (snapshot, self->tile_nodes[i]);
}

void
corral_vnc_display_snapshot (GtkWidget *widget, GtkSnapshot *snapshot)
{
  CorralVncDisplay *self = CORRAL_VNC_DISPLAY (widget);
  int sf = gtk_widget_get_scale_factor (widget);
  double scale;
  int ox, oy;
  guint columns;

  if (self->fb == NULL || self->tiles == NULL)
    {
      append_black (snapshot, 0, 0, gtk_widget_get_width (widget),
                    gtk_widget_get_height (widget));
      return;
    }

  {
    GskRenderer *renderer = gtk_native_get_renderer (gtk_widget_get_native (widget));
    gboolean cairo_mode = GSK_IS_CAIRO_RENDERER (renderer);
    gboolean gl_mode = GSK_IS_GL_RENDERER (renderer);

    if (cairo_mode != self->cairo_mode || gl_mode != self->gl_mode)
      {
        /* Another renderer (the widget moved): rebuild everything. */
        self->cairo_mode = cairo_mode;
        self->gl_mode = gl_mode;
        if (!gl_mode)
          g_clear_pointer (&self->gl_tiles, corral_gl_tiles_free);
        clear_row_nodes (self);
        corral_tiles_mark_all (self->tiles);
      }
  }

  corral_vnc_display_get_placement (self, &scale, &ox, &oy);
  if (self->shm != NULL && self->cairo_mode && scale == 1.0 && sf == 1 &&
      scale == self->placed_scale && ox == self->placed_x && oy == self->placed_y &&
      sf == self->placed_sf && corral_tiles_any_dirty (self->tiles))
    put_direct (self, ox, oy);

  if (corral_tiles_any_dirty (self->tiles))
    {
      if (self->cairo_mode)
        {
          if (corral_tiles_count_dirty (self->tiles) * 4 >= self->n_tile_textures)
            note_big_frame (self);
          choose_row_nodes (self);
        }
      rebuild_dirty_tiles (self);
    }

  if (scale != self->placed_scale || ox != self->placed_x || oy != self->placed_y
      || sf != self->placed_sf)
    {
      for (guint i = 0; i < self->n_tile_textures; i++)
        g_clear_pointer (&self->tile_nodes[i], gsk_render_node_unref);
      clear_row_nodes (self);
      self->placed_scale = scale;
      self->placed_x = ox;
      self->placed_y = oy;
      self->placed_sf = sf;
    }
  if (self->gl_tiles != NULL)
    corral_gl_tiles_set_nearest (self->gl_tiles, scale == 1.0);

  append_margins (self, snapshot, scale, ox, oy, sf);
  columns = corral_tiles_get_n_columns (self->tiles);
  for (guint row = 0; row < self->n_rows; row++)
    {
      if (self->cairo_mode && self->row_whole[row])
        {
          if (self->row_nodes[row] == NULL)
            {
              CorralTileRect first, r, d;

              corral_tiles_get_rect (self->tiles, row * columns, &first);
              r = (CorralTileRect) { 0, first.y, self->fb_width, first.height };
              corral_tiles_snap (&r, scale, ox, oy, &d);
              self->row_nodes[row] = build_tile_node (self, row * columns, &r, &d, sf);
              self->rows_built++;
            }
          gtk_snapshot_append_node (snapshot, self->row_nodes[row]);
          continue;
        }
      for (guint i = row * columns; i < (row + 1) * columns; i++)
        append_tile (self, snapshot, i, scale, ox, oy, sf);
    }

  self->frames_drawn++;

  /* One request per painted frame, and only when the last one was
   * answered: the guest can't outrun what we can show. */
  if (self->update_seen)
    corral_vnc_display_request_update (self, TRUE);
}
