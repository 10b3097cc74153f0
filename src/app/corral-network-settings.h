/* corral-network-settings.h: a project's network, as a settings page
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#pragma once

#include <adwaita.h>

#include "corral-profile.h"

G_BEGIN_DECLS

#define CORRAL_TYPE_NETWORK_SETTINGS (corral_network_settings_get_type ())
G_DECLARE_FINAL_TYPE (CorralNetworkSettings, corral_network_settings, CORRAL, NETWORK_SETTINGS, AdwPreferencesPage)

/*
 * The mode (off, allowlist, full), the agent's hosts (always allowed),
 * the presets a person ticks and the hosts they add, bound to @profile
 * (which the settings dialog saves as it changes). The page is named
 * "network".
 *
 * Signals:
 *   problem (const char *message)  an entry was refused, for a toast
 */
GtkWidget *corral_network_settings_new (CorralProfile *profile);

G_END_DECLS
