/* corral-profile.h: per-project settings, saved as a GKeyFile
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#pragma once

#include <glib-object.h>

#include "corral-network-policy.h"

G_BEGIN_DECLS

typedef enum {
  CORRAL_ENTRYPOINT_AGENT,   /* the agent command with its arguments */
  CORRAL_ENTRYPOINT_SHELL,   /* bash */
  CORRAL_ENTRYPOINT_CUSTOM,  /* custom-command, run by the guest's shell */
} CorralEntrypointMode;

/* Optional shares: each is a per-project choice (seed share table). */
typedef enum { /*< flags >*/
  CORRAL_SHARE_NONE       = 0,
  CORRAL_SHARE_CLAUDE     = 1 << 0, /* ~/.claude        rw  claude_auth */
  CORRAL_SHARE_GIT_CONFIG = 1 << 1, /* ~/.gitconfig, ~/.config/git  ro */
  CORRAL_SHARE_GH_CONFIG  = 1 << 2, /* ~/.config/gh     ro  gh_config_dir */
  CORRAL_SHARE_SSH        = 1 << 3, /* ~/.ssh           ro  ssh_dir (private keys!) */
} CorralShares;

#define CORRAL_SHARES_DEFAULT (CORRAL_SHARE_CLAUDE | CORRAL_SHARE_GIT_CONFIG | CORRAL_SHARE_GH_CONFIG | CORRAL_SHARE_SSH)

#define CORRAL_TYPE_ENTRYPOINT_MODE (corral_entrypoint_mode_get_type ())
#define CORRAL_TYPE_SHARES (corral_shares_get_type ())
GType corral_entrypoint_mode_get_type (void);
GType corral_shares_get_type (void);

#define CORRAL_TYPE_PROFILE (corral_profile_get_type ())
G_DECLARE_FINAL_TYPE (CorralProfile, corral_profile, CORRAL, PROFILE, GObject)

/*
 * Properties (all readable and writable, notify on change):
 *   project-path      string, construct-only: absolute path of the project
 *   memory-mib        uint   (default 4096)
 *   cores             uint   (default 4)
 *   network-mode      CorralNetworkMode (default ALLOWLIST; a profile saved
 *                     before modes existed: Network=true is FULL)
 *   network-presets   GStrv  preset ids ticked (default: every preset)
 *   network-allow     GStrv  free-form allowlist entries, normalized
 *   entrypoint-mode   CorralEntrypointMode (default AGENT)
 *   agent-command     string (default "claude")
 *   agent-args        GStrv  (default empty)
 *   custom-command    string (default NULL)
 *   shares            CorralShares flags
 *   forward-gh-token  bool   (default FALSE)
 *   unconfined        bool   (default FALSE): "Run without confinement", for
 *                     hosts where no jail can be made (corral-jail.h)
 *   last-used         int64  unix time, 0 = never
 */

typedef enum {
  CORRAL_PROFILE_LOAD_DEFAULT   = 0,
  /* Change nothing on disk (--dry-run): a damaged file stays where it
   * is, reported in *warning, and the profile has no file to save to. */
  CORRAL_PROFILE_LOAD_READ_ONLY = 1 << 0,
} CorralProfileLoadFlags;

CorralProfile *corral_profile_new            (const char     *project_path);
/* Parses a saved profile's text (no I/O): NULL with @error when it is
 * not a key file; values that make no sense keep their defaults and are
 * named in *warning. */
CorralProfile *corral_profile_new_from_data  (const char     *project_path,
                                              const char     *data,
                                              gsize           length,
                                              char          **warning,
                                              GError        **error);
/* What corral_profile_save() writes. */
char          *corral_profile_to_data        (CorralProfile  *self,
                                              gsize          *length);
/* Loads the saved profile of @project_path, or defaults when none is saved.
 * A file that does not parse is renamed aside (never overwritten) and
 * defaults are returned; *warning then says so in words a person reads
 * (what it quotes from the file is made safe to show, and short). */
CorralProfile *corral_profile_load           (const char     *project_path,
                                              char          **warning,
                                              GError        **error);
CorralProfile *corral_profile_load_full      (const char     *project_path,
                                              CorralProfileLoadFlags flags,
                                              char          **warning,
                                              GError        **error);
gboolean       corral_profile_save           (CorralProfile  *self,
                                              GError        **error);
/* Every saved profile under $XDG_CONFIG_HOME/corral/projects, newest
 * last-used first (for the start page's recent list). */
GPtrArray     *corral_profile_list_saved     (void);

const char    *corral_profile_get_project_path (CorralProfile *self);
const char    *corral_profile_get_file_path    (CorralProfile *self);
guint          corral_profile_get_memory_mib   (CorralProfile *self);
void           corral_profile_set_memory_mib   (CorralProfile *self, guint mib);
guint          corral_profile_get_cores        (CorralProfile *self);
void           corral_profile_set_cores        (CorralProfile *self, guint cores);
CorralNetworkMode corral_profile_get_network_mode (CorralProfile *self);
void           corral_profile_set_network_mode (CorralProfile *self, CorralNetworkMode mode);
/* Whether the guest has a network device (mode is not off). Setting
 * FALSE turns the network off; TRUE turns an off network to allowlist. */
gboolean       corral_profile_get_network      (CorralProfile *self);
void           corral_profile_set_network      (CorralProfile *self, gboolean network);
const char * const *corral_profile_get_network_presets (CorralProfile *self);
void           corral_profile_set_network_presets (CorralProfile *self, const char * const *presets);
gboolean       corral_profile_get_network_preset (CorralProfile *self, const char *id);
void           corral_profile_set_network_preset (CorralProfile *self, const char *id, gboolean ticked);
/* Entries are normalized, duplicates and invalid ones dropped. */
const char * const *corral_profile_get_network_allow (CorralProfile *self);
void           corral_profile_set_network_allow (CorralProfile *self, const char * const *entries);
/* Adds one entry (normalized; already there is fine); FALSE with an error
 * saying what is wrong with it (corral_host_entry_normalize()). */
gboolean       corral_profile_add_network_allow (CorralProfile  *self,
                                                 const char     *entry,
                                                 GError        **error);
CorralEntrypointMode corral_profile_get_entrypoint_mode (CorralProfile *self);
void           corral_profile_set_entrypoint_mode (CorralProfile *self, CorralEntrypointMode mode);
const char    *corral_profile_get_agent_command (CorralProfile *self);
void           corral_profile_set_agent_command (CorralProfile *self, const char *command);
const char * const *corral_profile_get_agent_args (CorralProfile *self);
void           corral_profile_set_agent_args   (CorralProfile *self, const char * const *args);
const char    *corral_profile_get_custom_command (CorralProfile *self);
void           corral_profile_set_custom_command (CorralProfile *self, const char *command);
CorralShares   corral_profile_get_shares       (CorralProfile *self);
void           corral_profile_set_shares       (CorralProfile *self, CorralShares shares);
gboolean       corral_profile_get_forward_gh_token (CorralProfile *self);
void           corral_profile_set_forward_gh_token (CorralProfile *self, gboolean forward);
gboolean       corral_profile_get_unconfined   (CorralProfile *self);
void           corral_profile_set_unconfined   (CorralProfile *self, gboolean unconfined);
gint64         corral_profile_get_last_used    (CorralProfile *self);
void           corral_profile_set_last_used    (CorralProfile *self, gint64 unix_time);

G_END_DECLS
