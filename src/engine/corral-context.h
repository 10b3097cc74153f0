/* corral-context.h: what every project window shares: the host's facts and
 * which guest boots
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * The application makes one, binds its preferences to the properties, and
 * hands it to each window when the window is made; a window never asks the
 * application for these, so dependencies run one way.
 */
#pragma once

#include <glib-object.h>

#include "corral-guest.h"
#include "corral-guest-build.h"
#include "corral-host.h"

G_BEGIN_DECLS

#define CORRAL_TYPE_CONTEXT (corral_context_get_type ())
G_DECLARE_FINAL_TYPE (CorralContext, corral_context, CORRAL, CONTEXT, GObject)

CorralContext    *corral_context_new                  (void);

/* Probed on first use with the QEMU binary in :qemu-binary ("" = the
 * one on PATH), and again after that property changes. */
const CorralHost *corral_context_get_host             (CorralContext *self);

/* --guest, for this instance's life; NULL when not given. */
const char       *corral_context_get_guest_override   (CorralContext *self);
void              corral_context_set_guest_override   (CorralContext *self,
                                                       const char    *manifest);

/* The manifest to boot: --guest, else :guest-preference, else the
 * installed one (corral-guest-store.h); NULL and
 * CORRAL_GUEST_STORE_ERROR_NONE_INSTALLED when there is none. The store is
 * read each time, so a guest built or downloaded meanwhile is found. */
char             *corral_context_dup_guest_manifest   (CorralContext *self,
                                                       GError       **error);
CorralGuest      *corral_context_load_guest           (CorralContext *self,
                                                       GError       **error);
/* The installed guest used when neither --guest nor the preference name
 * one, or NULL. */
char             *corral_context_dup_installed_guest  (CorralContext *self);

/* The build of the Debian guest every window shows (one per application,
 * so it outlives the window that started it); made on first use with
 * corral_guest_build_new_default(). */
CorralGuestBuild *corral_context_get_guest_build      (CorralContext    *self);
/* Replaces it (tests: a fake builder, a sandbox). */
void              corral_context_set_guest_build      (CorralContext    *self,
                                                       CorralGuestBuild *build);

G_END_DECLS
