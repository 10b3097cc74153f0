/* test-tiles.c: dirty tile bookkeeping and scaled tile geometry
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "config.h"

#include <math.h>

#include "corral-tiles.h"

static void
test_layout (void)
{
  CorralTiles *t = corral_tiles_new (1920, 1080, 128);
  CorralTileRect r;

  g_assert_cmpuint (corral_tiles_get_n_columns (t), ==, 15);
  g_assert_cmpuint (corral_tiles_get_n_rows (t), ==, 9);  /* 1080 = 8*128 + 56 */
  /* A new framebuffer has never been drawn: all of it is dirty. */
  g_assert_cmpuint (corral_tiles_count_dirty (t), ==, 15 * 9);

  /* The bottom-right tile is clipped to the framebuffer. */
  corral_tiles_get_rect (t, 15 * 9 - 1, &r);
  g_assert_cmpint (r.x, ==, 1792);
  g_assert_cmpint (r.y, ==, 1024);
  g_assert_cmpint (r.width, ==, 128);
  g_assert_cmpint (r.height, ==, 56);
  corral_tiles_free (t);

  t = corral_tiles_new (1000, 700, 256);
  corral_tiles_get_rect (t, 3, &r);
  g_assert_cmpint (r.x, ==, 768);
  g_assert_cmpint (r.width, ==, 232);
  corral_tiles_free (t);
}

static guint
collect (CorralTiles *t, guint *out, guint max)
{
  guint n = 0;

  for (guint i = 0; corral_tiles_next_dirty (t, &i); i++)
    {
      g_assert_cmpuint (n, <, max);
      out[n++] = i;
    }
  return n;
}

static void
test_mark (void)
{
  CorralTiles *t = corral_tiles_new (1024, 768, 128);  /* 8 x 6 */
  guint got[64];
  guint n;

  corral_tiles_clear (t);
  g_assert_false (corral_tiles_any_dirty (t));
  g_assert_cmpuint (collect (t, got, 64), ==, 0);

  /* One text cell inside one tile. */
  corral_tiles_mark (t, 130, 2, 8, 16);
  n = collect (t, got, 64);
  g_assert_cmpuint (n, ==, 1);
  g_assert_cmpuint (got[0], ==, 1);

  /* Marking again does not count twice. */
  corral_tiles_mark (t, 131, 3, 2, 2);
  g_assert_cmpuint (corral_tiles_count_dirty (t), ==, 1);

  /* A 64x64 change straddling a corner touches four tiles. */
  corral_tiles_mark (t, 100, 100, 64, 64);
  n = collect (t, got, 64);
  g_assert_cmpuint (n, ==, 4);
  g_assert_cmpuint (got[0], ==, 0);
  g_assert_cmpuint (got[1], ==, 1);
  g_assert_cmpuint (got[2], ==, 8);
  g_assert_cmpuint (got[3], ==, 9);

  /* Edges are exclusive: a rectangle ending at 128 stays in tile 0. */
  corral_tiles_clear (t);
  corral_tiles_mark (t, 0, 0, 128, 128);
  g_assert_cmpuint (corral_tiles_count_dirty (t), ==, 1);
  g_assert_true (corral_tiles_is_dirty (t, 0));

  /* Out of range and empty rectangles are clipped away. */
  corral_tiles_clear (t);
  corral_tiles_mark (t, -50, -50, 40, 40);
  corral_tiles_mark (t, 2000, 10, 10, 10);
  corral_tiles_mark (t, 10, 10, 0, 10);
  g_assert_false (corral_tiles_any_dirty (t));
  corral_tiles_mark (t, -50, 700, 100, 500);
  n = collect (t, got, 64);
  g_assert_cmpuint (n, ==, 1);
  g_assert_cmpuint (got[0], ==, 40);

  /* A full-frame update marks everything, once. */
  corral_tiles_mark (t, 0, 0, 1024, 768);
  g_assert_cmpuint (corral_tiles_count_dirty (t), ==, 48);

  /* A tile drawn straight to the screen leaves the rest dirty, once. */
  corral_tiles_clear_one (t, 9);
  corral_tiles_clear_one (t, 9);
  g_assert_cmpuint (corral_tiles_count_dirty (t), ==, 47);
  g_assert_false (corral_tiles_is_dirty (t, 9));
  g_assert_true (corral_tiles_is_dirty (t, 10));
  n = collect (t, got, 64);
  g_assert_cmpuint (n, ==, 47);
  g_assert_cmpuint (got[8], ==, 8);
  g_assert_cmpuint (got[9], ==, 10);

  /* Resizing the guest makes the new layout dirty. */
  corral_tiles_clear (t);
  corral_tiles_resize (t, 1920, 1080);
  g_assert_cmpuint (corral_tiles_count_dirty (t), ==, 15 * 9);
  corral_tiles_free (t);
}

static void
test_snap_no_seams (void)
{
  const double scales[] = { 1.0, 0.5, 0.6667, 0.7301, 1.3333, 2.0, 0.3123 };
  CorralTiles *t = corral_tiles_new (1920, 1080, 128);
  guint cols = corral_tiles_get_n_columns (t);
  guint rows = corral_tiles_get_n_rows (t);

  for (guint s = 0; s < G_N_ELEMENTS (scales); s++)
    for (guint r = 0; r < rows; r++)
      for (guint c = 0; c < cols; c++)
        {
          CorralTileRect a, sa, b, sb;

          corral_tiles_get_rect (t, r * cols + c, &a);
          corral_tiles_snap (&a, scales[s], 7.0, 3.5, &sa);
          g_assert_cmpint (sa.width, >=, 0);
          if (c + 1 < cols)
            {
              corral_tiles_get_rect (t, r * cols + c + 1, &b);
              corral_tiles_snap (&b, scales[s], 7.0, 3.5, &sb);
              /* The next tile starts exactly where this one ends. */
              g_assert_cmpint (sa.x + sa.width, ==, sb.x);
              g_assert_cmpint (sa.y, ==, sb.y);
              g_assert_cmpint (sa.height, ==, sb.height);
            }
          if (r + 1 < rows)
            {
              corral_tiles_get_rect (t, (r + 1) * cols + c, &b);
              corral_tiles_snap (&b, scales[s], 7.0, 3.5, &sb);
              g_assert_cmpint (sa.y + sa.height, ==, sb.y);
            }
        }

  /* Unscaled, tiles keep their exact pixel size. */
  {
    CorralTileRect a = { 128, 256, 128, 56 }, out;

    corral_tiles_snap (&a, 1.0, 10, 20, &out);
    g_assert_cmpint (out.x, ==, 138);
    g_assert_cmpint (out.y, ==, 276);
    g_assert_cmpint (out.width, ==, 128);
    g_assert_cmpint (out.height, ==, 56);
  }
  corral_tiles_free (t);
}

static void
test_fit (void)
{
  double s;
  int x, y;

  /* Same size: 1:1 at the origin. */
  corral_tiles_fit (1024, 768, 1024, 768, &s, &x, &y);
  g_assert_cmpfloat (s, ==, 1.0);
  g_assert_cmpint (x, ==, 0);
  g_assert_cmpint (y, ==, 0);

  /* Wider area: height limits, image centred horizontally. */
  corral_tiles_fit (1024, 768, 1600, 600, &s, &x, &y);
  g_assert_cmpfloat_with_epsilon (s, 600.0 / 768, 1e-9);
  g_assert_cmpint (x, ==, (1600 - 800) / 2);
  g_assert_cmpint (y, ==, 0);

  /* Taller area: width limits. */
  corral_tiles_fit (1920, 1080, 960, 1000, &s, &x, &y);
  g_assert_cmpfloat_with_epsilon (s, 0.5, 1e-9);
  g_assert_cmpint (x, ==, 0);
  g_assert_cmpint (y, ==, (1000 - 540) / 2);

  /* Off by less than half a pixel: stay crisp at exactly 1. */
  corral_tiles_fit (1024, 768, 1024, 769, &s, &x, &y);
  g_assert_cmpfloat (s, ==, 1.0);
  corral_tiles_fit (1024, 768, 2048, 1536, &s, &x, &y);
  g_assert_cmpfloat (s, ==, 2.0);

  /* Nothing to show yet. */
  corral_tiles_fit (0, 0, 800, 600, &s, &x, &y);
  g_assert_cmpfloat (s, ==, 1.0);
}

static void
test_guest_size (void)
{
  int w, h;
  double s;
  int x, y;

  /* Large enough: the guest gets the pane's size exactly. */
  corral_tiles_guest_size (1280, 720, 800, 600, &w, &h);
  g_assert_cmpint (w, ==, 1280);
  g_assert_cmpint (h, ==, 720);
  corral_tiles_guest_size (800, 600, 800, 600, &w, &h);
  g_assert_cmpint (w, ==, 800);
  g_assert_cmpint (h, ==, 600);

  /* A narrow side-by-side pane (seen: 465x624, where Chromium's window
   * did not fit): enlarged to 800 wide, same aspect ratio, so scaling it
   * back fills the pane with no border. */
  corral_tiles_guest_size (465, 624, 800, 600, &w, &h);
  g_assert_cmpint (w, ==, 800);
  g_assert_cmpint (h, ==, 1074);
  corral_tiles_fit (w, h, 465, 624, &s, &x, &y);
  g_assert_cmpint (x, ==, 0);
  g_assert_cmpint (y, ==, 0);
  g_assert_cmpfloat (fabs (s * w - 465), <, 1.0);

  /* Short and wide: the height decides. */
  corral_tiles_guest_size (1600, 300, 800, 600, &w, &h);
  g_assert_cmpint (w, ==, 3200);
  g_assert_cmpint (h, ==, 600);

  /* Both short: the larger factor wins, both minimums hold. */
  corral_tiles_guest_size (400, 400, 800, 600, &w, &h);
  g_assert_cmpint (w, ==, 800);
  g_assert_cmpint (h, ==, 800);
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, G_TEST_OPTION_ISOLATE_DIRS, NULL);
  g_test_add_func ("/tiles/layout", test_layout);
  g_test_add_func ("/tiles/mark", test_mark);
  g_test_add_func ("/tiles/snap-no-seams", test_snap_no_seams);
  g_test_add_func ("/tiles/fit", test_fit);
  g_test_add_func ("/tiles/guest-size", test_guest_size);
  return g_test_run ();
}
