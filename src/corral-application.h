/* corral-application.h: the single-instance application; one window per project
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#pragma once

#include <adwaita.h>

#include "corral-guest.h"
#include "corral-host.h"

G_BEGIN_DECLS

#define CORRAL_TYPE_APPLICATION (corral_application_get_type ())
G_DECLARE_FINAL_TYPE (CorralApplication, corral_application, CORRAL, APPLICATION, AdwApplication)

CorralApplication *corral_application_new          (void);

GSettings         *corral_application_get_settings (CorralApplication *self);
/* Probed once, with the QEMU binary from the preferences; reprobed when
 * that preference changes. */
const CorralHost  *corral_application_get_host     (CorralApplication *self);
/* The manifest to boot: --guest, else the one named in Preferences, else
 * the installed one (corral-guest-store.h); NULL and an error
 * (CORRAL_GUEST_STORE_ERROR_NONE_INSTALLED) when there is none. */
char              *corral_application_dup_guest_manifest (CorralApplication *self,
                                                          GError           **error);
/* The installed guest used when neither --guest nor Preferences name one, or NULL. */
char              *corral_application_dup_installed_guest (CorralApplication *self);
/* --guest, or NULL. */
const char        *corral_application_get_command_line_guest (CorralApplication *self);
CorralGuest       *corral_application_load_guest   (CorralApplication *self,
                                                    GError           **error);

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
