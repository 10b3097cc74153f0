/* corral-renderer.h: which GSK renderer Corral's windows get
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#pragma once

#include <gtk/gtk.h>

G_BEGIN_DECLS

/* TRUE when @gl_renderer (GL_RENDERER) names a software rasterizer. */
gboolean     corral_renderer_name_is_software (const char *gl_renderer);

/* Picks cairo for @display's windows when GTK would render them with GL
 * on a software rasterizer and GSK_RENDERER does not say otherwise.
 * Returns the name of the GL renderer found (or NULL), for logs. */
char        *corral_renderer_choose           (GdkDisplay *display);

G_END_DECLS
