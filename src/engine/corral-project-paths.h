/* corral-project-paths.h: where a project's profile, state and run dirs live
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#pragma once

#include <glib.h>

G_BEGIN_DECLS

/* "<basename>-<first 12 hex digits of sha256(path + "\n")>": the seed's
 * per-project key, used for the profile file, the state dir and the run
 * dir. The newline makes it equal to `echo "$path" | sha256sum`. */
char *corral_project_key           (const char *project_path);
/* Longer basenames are cut to this many bytes in the key. */
#define CORRAL_PROJECT_KEY_MAX_NAME 200

/* Whether @path can be a project at all, before anything is made for it
 * (profile, state dir, run dir): absolute, and without a line break,
 * which would break the guest's line-based metadata (host_project). */
gboolean corral_project_path_check (const char  *path,
                                    GError     **error);

/* Whether @path is a folder this user can reach. The message says which
 * it is: not there, not a folder, or the system's reason (a folder on
 * the way the user may not enter is not "missing"). */
gboolean corral_project_folder_check (const char  *path,
                                      GError     **error);

/* $XDG_CONFIG_HOME/corral/projects */
char *corral_project_profiles_dir  (void);
/* $XDG_STATE_HOME/corral/projects */
char *corral_project_states_dir    (void);
/* $XDG_RUNTIME_DIR/corral, or $XDG_CACHE_HOME/corral/run when
 * XDG_RUNTIME_DIR is unset */
char *corral_runtime_base_dir      (void);

/* Rename @path aside to "@path.@what-YYYYmmdd-HHMMSS" (plus "-N" when
 * taken), never replacing an existing file. Returns the new name. */
char *corral_rename_aside          (const char  *path,
                                    const char  *what,
                                    GError     **error);

G_END_DECLS
