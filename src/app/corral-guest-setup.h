/* corral-guest-setup.h: "no guest system installed": build it, or download it
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#pragma once

#include <gtk/gtk.h>

#include "corral-guest-build.h"

G_BEGIN_DECLS

#define CORRAL_TYPE_GUEST_SETUP (corral_guest_setup_get_type ())
G_DECLARE_FINAL_TYPE (CorralGuestSetup, corral_guest_setup, CORRAL, GUEST_SETUP, GtkBox)

/* The catalogue is $CORRAL_GUEST_CATALOGUE (a file) if set, else the one
 * built into Corral (data/guests/catalogue.ini). Emits "installed" (the
 * manifest's path) once a download or a build is in place. */
GtkWidget *corral_guest_setup_new         (void);
/* The application's build (CorralContext's): every window shows the same
 * one, and it goes on when this widget goes. */
void       corral_guest_setup_set_build   (CorralGuestSetup *self,
                                           CorralGuestBuild *build);
/* A download or a build is under way. */
gboolean   corral_guest_setup_get_busy    (CorralGuestSetup *self);
/* What the buttons do. */
void       corral_guest_setup_build       (CorralGuestSetup *self);
void       corral_guest_setup_download    (CorralGuestSetup *self);
void       corral_guest_setup_cancel      (CorralGuestSetup *self);
void       corral_guest_setup_show_log    (CorralGuestSetup *self);

G_END_DECLS
