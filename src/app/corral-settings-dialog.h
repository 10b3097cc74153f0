/* corral-settings-dialog.h: one project's settings, saved as they change
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#pragma once

#include <adwaita.h>

#include "corral-host.h"
#include "corral-profile.h"

G_BEGIN_DECLS

#define CORRAL_TYPE_SETTINGS_DIALOG (corral_settings_dialog_get_type ())
G_DECLARE_FINAL_TYPE (CorralSettingsDialog, corral_settings_dialog, CORRAL, SETTINGS_DIALOG, AdwPreferencesWindow)

/*
 * Properties:
 *   profile     CorralProfile, construct-only: edited and saved at once
 *   vm-running  bool: a change then says it applies at the next start
 */
GtkWidget *corral_settings_dialog_new (CorralProfile    *profile,
                                       const CorralHost *host);

G_END_DECLS
