/* corral-guest-setup.h: "no guest system installed", and its download
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#pragma once

#include <gtk/gtk.h>

G_BEGIN_DECLS

#define CORRAL_TYPE_GUEST_SETUP (corral_guest_setup_get_type ())
G_DECLARE_FINAL_TYPE (CorralGuestSetup, corral_guest_setup, CORRAL, GUEST_SETUP, GtkBox)

/* The catalogue is $CORRAL_GUEST_CATALOGUE (a file) if set, else the one
 * built into Corral (data/guests/catalogue.ini). Emits "installed" (the
 * manifest's path) once a download is in place. */
GtkWidget *corral_guest_setup_new         (void);
gboolean   corral_guest_setup_get_busy    (CorralGuestSetup *self);
/* Starts the download, as the Download button does. */
void       corral_guest_setup_download    (CorralGuestSetup *self);
void       corral_guest_setup_cancel      (CorralGuestSetup *self);

G_END_DECLS
