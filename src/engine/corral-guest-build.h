/* corral-guest-build.h: builds the Debian guest into the store, with progress
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#pragma once

#include <gio/gio.h>

#include "corral-guest-build-progress.h"

G_BEGIN_DECLS

typedef enum {
  CORRAL_GUEST_BUILD_STATE_IDLE,        /* never started */
  CORRAL_GUEST_BUILD_STATE_RUNNING,
  CORRAL_GUEST_BUILD_STATE_CANCELLING,  /* asked to stop, cleaning up */
  CORRAL_GUEST_BUILD_STATE_SUCCEEDED,
  CORRAL_GUEST_BUILD_STATE_FAILED,      /* see corral_guest_build_get_message() */
  CORRAL_GUEST_BUILD_STATE_CANCELLED,
} CorralGuestBuildState;

typedef enum {
  CORRAL_GUEST_BUILD_AVAILABLE,
  CORRAL_GUEST_BUILD_UNAVAILABLE_SANDBOXED,  /* in a Flatpak: no mmdebstrap, no user namespaces */
  CORRAL_GUEST_BUILD_UNAVAILABLE_MISSING,    /* this copy of Corral has no builder or recipe */
} CorralGuestBuildAvailability;

#define CORRAL_TYPE_GUEST_BUILD (corral_guest_build_get_type ())
G_DECLARE_FINAL_TYPE (CorralGuestBuild, corral_guest_build, CORRAL, GUEST_BUILD, GObject)

/* Runs @builder (the script data/guests/build-guest) on @recipe with its
 * output in @output_dir (the store's "debian" folder). @sandboxed: Corral
 * runs in a Flatpak, where no build is possible. */
CorralGuestBuild   *corral_guest_build_new             (const char       *builder,
                                                        const char       *recipe,
                                                        const char       *output_dir,
                                                        gboolean          sandboxed);
/* The installed builder and recipe, LIBEXECDIR/corral/build-guest and
 * PKGDATADIR/guests/debian ($CORRAL_GUEST_BUILDER and $CORRAL_GUEST_RECIPE
 * replace them: build-aux/run, tests), building into the user's store
 * (as it is when the build starts). */
CorralGuestBuild   *corral_guest_build_new_default     (void);

CorralGuestBuildAvailability corral_guest_build_get_availability (CorralGuestBuild *self);
const char         *corral_guest_build_get_builder     (CorralGuestBuild *self);
/* Where the guest goes: @output_dir, or for the default build the user's
 * store's "debian" folder (looked up now). */
char               *corral_guest_build_dup_output_dir  (CorralGuestBuild *self);

/* What a build costs, for a person to read before it starts: how long,
 * what it downloads from where, the disk space it needs (measured on
 * Corral's build machine; README). */
char               *corral_guest_build_describe_cost   (void);

/* Starts the build; does nothing while one runs. Emits "finished" when
 * the builder has ended (the state says how). */
void                corral_guest_build_start           (CorralGuestBuild *self);
/* Asks the builder to stop: it removes its work files first, so a
 * cancelled build leaves nothing in the store. */
void                corral_guest_build_cancel          (CorralGuestBuild *self);

CorralGuestBuildState corral_guest_build_get_state     (CorralGuestBuild *self);
/* RUNNING or CANCELLING. */
gboolean            corral_guest_build_get_running     (CorralGuestBuild *self);
/* The builder's lines so far (phase, fraction, log, problems). */
const CorralGuestBuildProgress *corral_guest_build_get_progress (CorralGuestBuild *self);
/* Once FAILED: why, for a person (the checks' findings and what fixes
 * them, or the phase that failed and the log's last line). */
const char         *corral_guest_build_get_message     (CorralGuestBuild *self);
/* Once SUCCEEDED: the guest's manifest. */
const char         *corral_guest_build_get_manifest    (CorralGuestBuild *self);
/* The log's last @max_bytes (the builder's own messages when there is no
 * log yet); never NULL. */
char               *corral_guest_build_dup_log_text    (CorralGuestBuild *self,
                                                        gsize             max_bytes);

G_END_DECLS
