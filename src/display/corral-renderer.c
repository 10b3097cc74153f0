/* corral-renderer.c: which GSK renderer Corral's windows get
 *
 * GTK 4.8 picks its GL renderer on X11 and Wayland even when GL is Mesa's
 * llvmpipe (no GPU: a VM, a server). There, every frame redraws the whole
 * window on the CPU: about 25 ms of CPU for a 64x64 change of the guest's
 * display at 1920x1080, against 0.5 ms with the cairo renderer, which
 * draws only what changed (build-aux/bench, P3). So on a software
 * rasterizer Corral asks for cairo, through the display's "gsk-renderer"
 * setting that GSK consults first. GSK_RENDERER, when set, is the user's
 * choice and wins ("default" stands for unset).
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "config.h"

#include <string.h>

#include <epoxy/gl.h>

#include "corral-renderer.h"

gboolean
corral_renderer_name_is_software (const char *gl_renderer)
{
  static const char *const software[] = {
    "llvmpipe", "softpipe", "swrast", "Software Rasterizer", "SWR", NULL
  };

  if (gl_renderer == NULL)
    return FALSE;
  for (guint i = 0; software[i] != NULL; i++)
    if (strstr (gl_renderer, software[i]) != NULL)
      return TRUE;
  return FALSE;
}

char *
corral_renderer_choose (GdkDisplay *display)
{
  const char *env = g_getenv ("GSK_RENDERER");
  g_autoptr(GdkGLContext) context = NULL;
  g_autoptr(GError) error = NULL;
  char *name;

  g_return_val_if_fail (GDK_IS_DISPLAY (display), NULL);

  if (env != NULL && *env != '\0' && g_strcmp0 (env, "default") != 0)
    return NULL;
  context = gdk_display_create_gl_context (display, &error);
  if (context == NULL || !gdk_gl_context_realize (context, &error))
    {
      /* GTK falls back to cairo by itself. */
      g_debug ("no GL: %s", error ? error->message : "?");
      return NULL;
    }
  gdk_gl_context_make_current (context);
  name = g_strdup ((const char *) glGetString (GL_RENDERER));
  gdk_gl_context_clear_current ();

  if (corral_renderer_name_is_software (name))
    g_object_set_data (G_OBJECT (display), "gsk-renderer", (gpointer) "cairo");
  return name;
}
