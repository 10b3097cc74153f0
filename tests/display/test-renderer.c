/* test-renderer.c: Corral picks cairo where GTK's GL is a software
 * rasterizer. /renderer/names is pure; /renderer/choose needs a display
 * (run under Xvfb with GSK_RENDERER=default, whose GL is Mesa's llvmpipe).
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "config.h"

#include <gtk/gtk.h>

#include "corral-renderer.h"

static void
test_names (void)
{
  g_assert_true (corral_renderer_name_is_software ("llvmpipe (LLVM 15.0.6, 256 bits)"));
  g_assert_true (corral_renderer_name_is_software ("softpipe"));
  g_assert_true (corral_renderer_name_is_software ("Software Rasterizer"));
  g_assert_false (corral_renderer_name_is_software ("Mesa Intel(R) UHD Graphics 620 (KBL GT2)"));
  g_assert_false (corral_renderer_name_is_software ("AMD Radeon RX 6600 (navi23, LLVM 15.0.6, DRM 3.49, 6.1.0-18-amd64)"));
  g_assert_false (corral_renderer_name_is_software ("NVIDIA GeForce GTX 1080/PCIe/SSE2"));
  g_assert_false (corral_renderer_name_is_software (NULL));
}

static void
test_choose (void)
{
  g_autofree char *gl = NULL;
  GtkWidget *window;
  GskRenderer *renderer;

  if (!gtk_init_check ())
    {
      g_test_skip ("no display");
      return;
    }
  if (g_getenv ("GSK_RENDERER") != NULL)
    {
      g_test_skip ("GSK_RENDERER is set: the user's choice");
      return;
    }
  gl = corral_renderer_choose (gdk_display_get_default ());
  g_test_message ("GL renderer: %s", gl ? gl : "none");

  window = gtk_window_new ();
  gtk_widget_realize (window);
  renderer = gtk_native_get_renderer (GTK_NATIVE (window));
  if (gl != NULL && corral_renderer_name_is_software (gl))
    g_assert_true (GSK_IS_CAIRO_RENDERER (renderer));
  else if (gl != NULL)
    g_assert_false (GSK_IS_CAIRO_RENDERER (renderer));
  gtk_window_destroy (GTK_WINDOW (window));
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);
  g_test_add_func ("/renderer/names", test_names);
  g_test_add_func ("/renderer/choose", test_choose);
  return g_test_run ();
}
