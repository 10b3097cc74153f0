/* corral-state-dir.h: a project's persistent state, outside the project
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * $XDG_STATE_HOME/corral/projects/<basename>-<hash12>/ (shared with the
 * guest read-write as state_dir, at /mnt/state) holds:
 *   path          the project's full path, to detect key collisions
 *   CACHEDIR.TAG  so backup tools skip it
 *   lock          an open-file-description lock: one VM per project
 * Should another project already own the key (its `path` differs), this
 * one uses <key>-2, <key>-3, ...: a collision never mixes two projects'
 * state and never stops a project from starting.
 */
#pragma once

#include <glib-object.h>

G_BEGIN_DECLS

#define CORRAL_STATE_DIR_ERROR (corral_state_dir_error_quark ())
GQuark corral_state_dir_error_quark (void);
typedef enum {
  CORRAL_STATE_DIR_ERROR_BUSY,    /* another VM of this project holds the lock */
  CORRAL_STATE_DIR_ERROR_FAILED,  /* could not create or write it */
} CorralStateDirError;

#define CORRAL_TYPE_STATE_DIR (corral_state_dir_get_type ())
G_DECLARE_FINAL_TYPE (CorralStateDir, corral_state_dir, CORRAL, STATE_DIR, GObject)

/* The state dir @project_path has or would get. Reads `path` files but
 * creates nothing (for --dry-run). */
char           *corral_state_dir_lookup   (const char  *project_path);

/* Creates the state dir if needed and takes its lock; the lock is held
 * until the object is finalized or corral_state_dir_release() is called.
 * A held lock is CORRAL_STATE_DIR_ERROR_BUSY. */
CorralStateDir *corral_state_dir_acquire  (const char  *project_path,
                                           GError     **error);
const char     *corral_state_dir_get_path (CorralStateDir *self);
void            corral_state_dir_release  (CorralStateDir *self);

G_END_DECLS
