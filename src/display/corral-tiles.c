/* corral-tiles.c: dirty tile bookkeeping and scaled tile geometry
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "config.h"

#include <math.h>
#include <string.h>

#include "corral-tiles.h"

struct _CorralTiles
{
  int width, height, tile_size;
  guint columns, rows;
  guint n_dirty;
  guint8 *dirty;  /* one flag per tile, row order */
};

static void
relayout (CorralTiles *self, int width, int height)
{
  self->width = MAX (width, 0);
  self->height = MAX (height, 0);
  self->columns = (self->width + self->tile_size - 1) / self->tile_size;
  self->rows = (self->height + self->tile_size - 1) / self->tile_size;
  g_free (self->dirty);
  self->dirty = g_malloc0 (MAX (self->columns * self->rows, 1));
  corral_tiles_mark_all (self);
}

CorralTiles *
corral_tiles_new (int width, int height, int tile_size)
{
  CorralTiles *self = g_new0 (CorralTiles, 1);

  g_return_val_if_fail (tile_size > 0, NULL);

  self->tile_size = tile_size;
  relayout (self, width, height);
  return self;
}

void
corral_tiles_free (CorralTiles *self)
{
  if (self == NULL)
    return;
  g_free (self->dirty);
  g_free (self);
}

void
corral_tiles_resize (CorralTiles *self, int width, int height)
{
  relayout (self, width, height);
}

int corral_tiles_get_width (CorralTiles *self) { return self->width; }
int corral_tiles_get_height (CorralTiles *self) { return self->height; }
int corral_tiles_get_tile_size (CorralTiles *self) { return self->tile_size; }
guint corral_tiles_get_n_columns (CorralTiles *self) { return self->columns; }
guint corral_tiles_get_n_rows (CorralTiles *self) { return self->rows; }
guint corral_tiles_get_n_tiles (CorralTiles *self) { return self->columns * self->rows; }

void
corral_tiles_mark (CorralTiles *self, int x, int y, int width, int height)
{
  int x1 = MIN (x + width, self->width);
  int y1 = MIN (y + height, self->height);
  int c0, c1, r0, r1;

  x = MAX (x, 0);
  y = MAX (y, 0);
  if (x >= x1 || y >= y1)
    return;

  c0 = x / self->tile_size;
  c1 = (x1 - 1) / self->tile_size;
  r0 = y / self->tile_size;
  r1 = (y1 - 1) / self->tile_size;
  for (int r = r0; r <= r1; r++)
    for (int c = c0; c <= c1; c++)
      {
        guint8 *flag = &self->dirty[r * self->columns + c];
        if (!*flag)
          {
            *flag = 1;
            self->n_dirty++;
          }
      }
}

void
corral_tiles_mark_all (CorralTiles *self)
{
  guint n = corral_tiles_get_n_tiles (self);

  memset (self->dirty, 1, n);
  self->n_dirty = n;
}

gboolean
corral_tiles_any_dirty (CorralTiles *self)
{
  return self->n_dirty > 0;
}

guint
corral_tiles_count_dirty (CorralTiles *self)
{
  return self->n_dirty;
}

gboolean
corral_tiles_is_dirty (CorralTiles *self, guint index)
{
  g_return_val_if_fail (index < corral_tiles_get_n_tiles (self), FALSE);
  return self->dirty[index];
}

void
corral_tiles_clear_one (CorralTiles *self, guint index)
{
  g_return_if_fail (index < corral_tiles_get_n_tiles (self));
  if (self->dirty[index])
    {
      self->dirty[index] = 0;
      self->n_dirty--;
    }
}

gboolean
corral_tiles_next_dirty (CorralTiles *self, guint *index)
{
  guint n = corral_tiles_get_n_tiles (self);

  if (self->n_dirty == 0)
    return FALSE;
  for (guint i = *index; i < n; i++)
    if (self->dirty[i])
      {
        *index = i;
        return TRUE;
      }
  return FALSE;
}

void
corral_tiles_clear (CorralTiles *self)
{
  memset (self->dirty, 0, corral_tiles_get_n_tiles (self));
  self->n_dirty = 0;
}

void
corral_tiles_get_rect (CorralTiles *self, guint index, CorralTileRect *rect)
{
  guint c = index % MAX (self->columns, 1);
  guint r = index / MAX (self->columns, 1);

  rect->x = c * self->tile_size;
  rect->y = r * self->tile_size;
  rect->width = MIN (self->tile_size, self->width - rect->x);
  rect->height = MIN (self->tile_size, self->height - rect->y);
}

void
corral_tiles_snap (const CorralTileRect *rect,
                   double scale,
                   double off_x,
                   double off_y,
                   CorralTileRect *out)
{
  /* Round both edges, not origin and size: the right edge of one tile is
   * then by construction the left edge of the next. */
  int x0 = (int) floor (off_x + rect->x * scale + 0.5);
  int y0 = (int) floor (off_y + rect->y * scale + 0.5);
  int x1 = (int) floor (off_x + (rect->x + rect->width) * scale + 0.5);
  int y1 = (int) floor (off_y + (rect->y + rect->height) * scale + 0.5);

  out->x = x0;
  out->y = y0;
  out->width = x1 - x0;
  out->height = y1 - y0;
}

void
corral_tiles_fit (int fb_width, int fb_height,
                  int area_width, int area_height,
                  double *scale,
                  int *off_x, int *off_y)
{
  double s;

  if (fb_width <= 0 || fb_height <= 0 || area_width <= 0 || area_height <= 0)
    {
      *scale = 1.0;
      *off_x = *off_y = 0;
      return;
    }

  s = MIN ((double) area_width / fb_width, (double) area_height / fb_height);
  if (fabs (s - 1.0) * MAX (fb_width, fb_height) < 0.5)
    s = 1.0;
  *scale = s;
  /* The fitting side's margin is 0 up to rounding: never let that push
   * the image a pixel off the area. */
  *off_x = MAX (0, (int) floor ((area_width - fb_width * s) / 2.0 + 1e-6));
  *off_y = MAX (0, (int) floor ((area_height - fb_height * s) / 2.0 + 1e-6));
}

void
corral_tiles_guest_size (int area_width, int area_height,
                         int min_width, int min_height,
                         int *width, int *height)
{
  double grow = 1.0;

  if (area_width <= 0 || area_height <= 0)
    {
      *width = MAX (min_width, 1);
      *height = MAX (min_height, 1);
      return;
    }
  if (area_width < min_width)
    grow = MAX (grow, (double) min_width / area_width);
  if (area_height < min_height)
    grow = MAX (grow, (double) min_height / area_height);
  /* Round up so the result never falls short of a minimum. */
  *width = (int) ceil (area_width * grow - 1e-9);
  *height = (int) ceil (area_height * grow - 1e-9);
}
