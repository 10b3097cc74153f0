/* corral-guest-build-progress.h: what the guest builder says, line by line
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * The builder (data/guests/build-guest, installed as
 * LIBEXECDIR/corral/build-guest) writes one line per event on the file
 * descriptor --progress-fd names; its head documents the protocol:
 *
 *   phase ID N COUNT        phase N of COUNT starts (base, download,
 *                           install, agent, image)
 *   progress F              how far the current phase is, 0.000 to 1.000
 *   log PATH                where the build log is now
 *   waiting                 another build holds the store's lock
 *   missing WHAT package NAME | missing WHAT command TEXT
 *   space NEED FREE PATH    too little free disk space in PATH
 *   failed ID               phase ID failed
 *   done MANIFEST           the guest is built (or was up to date)
 *
 * CorralGuestBuildProgress is the state those lines add up to. Pure: no
 * I/O, and a line it does not understand changes nothing.
 */
#pragma once

#include <glib.h>

G_BEGIN_DECLS

typedef enum {
  CORRAL_GUEST_BUILD_PHASE_NONE,      /* not started, or checking */
  CORRAL_GUEST_BUILD_PHASE_BASE,      /* Debian's essential packages */
  CORRAL_GUEST_BUILD_PHASE_DOWNLOAD,  /* the other Debian packages */
  CORRAL_GUEST_BUILD_PHASE_INSTALL,   /* installing them */
  CORRAL_GUEST_BUILD_PHASE_AGENT,     /* Claude Code and Corral's settings */
  CORRAL_GUEST_BUILD_PHASE_IMAGE,     /* the ext4 disk image */
} CorralGuestBuildPhase;

/* What a line changed (several at once for none of them). */
typedef enum {
  CORRAL_GUEST_BUILD_CHANGED_NOTHING  = 0,
  CORRAL_GUEST_BUILD_CHANGED_PHASE    = 1 << 0,
  CORRAL_GUEST_BUILD_CHANGED_FRACTION = 1 << 1,
  CORRAL_GUEST_BUILD_CHANGED_LOG      = 1 << 2,
  CORRAL_GUEST_BUILD_CHANGED_PROBLEMS = 1 << 3,  /* missing, space */
  CORRAL_GUEST_BUILD_CHANGED_FAILED   = 1 << 4,
  CORRAL_GUEST_BUILD_CHANGED_DONE     = 1 << 5,
  CORRAL_GUEST_BUILD_CHANGED_WAITING  = 1 << 6,
} CorralGuestBuildChange;

typedef struct {
  char     *what;        /* "mmdebstrap", "subuid", … */
  char     *package;     /* the Debian package that brings it, or NULL */
  char     *command;     /* else the command that fixes it */
} CorralGuestBuildMissing;

typedef struct {
  char     *path;
  guint64   need;
  guint64   free;
} CorralGuestBuildSpace;

typedef struct {
  CorralGuestBuildPhase phase;
  guint                 index;      /* 1-based; 0 before the first phase */
  guint                 count;
  double                fraction;   /* of the current phase, never less than before */
  char                 *log_path;
  gboolean              waiting;
  GPtrArray            *missing;    /* of CorralGuestBuildMissing */
  GPtrArray            *space;      /* of CorralGuestBuildSpace */
  gboolean              failed;
  CorralGuestBuildPhase failed_phase;
  char                 *manifest;   /* once done */
} CorralGuestBuildProgress;

void                   corral_guest_build_progress_init     (CorralGuestBuildProgress *self);
void                   corral_guest_build_progress_clear    (CorralGuestBuildProgress *self);
/* Takes one line (without its newline). */
CorralGuestBuildChange corral_guest_build_progress_feed     (CorralGuestBuildProgress *self,
                                                             const char               *line);
gboolean               corral_guest_build_progress_has_problems (const CorralGuestBuildProgress *self);
/* What the checks found, for a person, with the commands that fix it
 * (one `sudo apt install` for every package); NULL when nothing. */
char                  *corral_guest_build_progress_describe_problems (const CorralGuestBuildProgress *self);

/* "base" → CORRAL_GUEST_BUILD_PHASE_BASE …; NONE for anything else. */
CorralGuestBuildPhase  corral_guest_build_phase_from_id     (const char *id);
/* What the phase does, for a person ("Downloading Debian packages"). */
const char            *corral_guest_build_phase_title       (CorralGuestBuildPhase phase);

G_DEFINE_AUTO_CLEANUP_CLEAR_FUNC (CorralGuestBuildProgress, corral_guest_build_progress_clear)

G_END_DECLS
