/* corral-preferences.h: application-wide preferences (keys, guest, QEMU)
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#pragma once

#include <adwaita.h>

G_BEGIN_DECLS

#define CORRAL_TYPE_PREFERENCES (corral_preferences_get_type ())
G_DECLARE_FINAL_TYPE (CorralPreferences, corral_preferences, CORRAL, PREFERENCES, AdwPreferencesWindow)

/* @default_guest: the installed guest used when the preference is empty
 * (NULL: none); @command_line_guest: --guest, which wins for this run (or NULL). */
GtkWidget *corral_preferences_new (GSettings  *settings,
                                   const char *default_guest,
                                   const char *command_line_guest);
/* Which confinement this computer gives a virtual machine, in words
 * (corral_jail_describe_host()). */
void       corral_preferences_set_confinement (CorralPreferences *self,
                                               const char        *description);

G_END_DECLS
