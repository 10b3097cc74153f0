/* corral-application.h: the single-instance application; one window per project
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#pragma once

#include <adwaita.h>

#include "corral-context.h"

G_BEGIN_DECLS

#define CORRAL_TYPE_APPLICATION (corral_application_get_type ())
G_DECLARE_FINAL_TYPE (CorralApplication, corral_application, CORRAL, APPLICATION, AdwApplication)

CorralApplication *corral_application_new          (void);

GSettings         *corral_application_get_settings (CorralApplication *self);
/* The host's facts and the guest to boot, bound to the preferences; each
 * window gets it when it is made. */
CorralContext     *corral_application_get_context  (CorralApplication *self);

/* Opens @folder in its own window, or presents the window that already has
 * it (one VM per project). Anything that is not a local folder gets a
 * message in @parent (or in a window made for it). @enter shows the second
 * console. */
void               corral_application_open_folder  (CorralApplication *self,
                                                    GFile             *folder,
                                                    gboolean           enter,
                                                    GtkWindow         *parent);
/* The window showing @project_path (canonical), or NULL. */
GtkWindow         *corral_application_find_project (CorralApplication *self,
                                                    const char        *project_path);

G_END_DECLS
