/* corral-meta-dir.h: the private per-run folder the guest reads at boot
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * Layout, all under $XDG_RUNTIME_DIR/corral/<project key>/ (0700):
 *
 *   owner        "<pid> <start time>" of the app that made it (stale sweep)
 *   meta/        shared read-only as claude_meta (/mnt/meta); files 0600:
 *                entrypoint, apikey, host_home, host_project, claude.json,
 *                gh_token, lang, lc_all, uid, gid, and with a network
 *                proxy, no_proxy, api_base_url (values without a final
 *                newline; apikey and gh_token only when there is a value).
 *                apikey holds CORRAL_PROXY_PLACEHOLDER_KEY, never the key:
 *                the proxy adds the key on the host.
 *   proxy.sock   the network proxy's socket (corral-proxy.h), with a network
 *   gitconfig/   shared read-only as git_config; holds .gitconfig, a copy of
 *                ~/.gitconfig. 9p shares folders, not files, and sharing the
 *                home folder to reach one file would expose all of it. The
 *                guest links ~/.gitconfig to /mnt/git_config/.gitconfig.
 *
 * The name is fixed per project (one VM per project, under the state dir's
 * lock), so `--dry-run` can print the exact paths without creating them.
 * Everything is removed by corral_meta_dir_destroy() (also on finalize);
 * corral_meta_dir_sweep_stale() removes those whose owner died.
 */
#pragma once

#include <glib-object.h>

#include "corral-host.h"
#include "corral-profile.h"
#include "corral-qemu-command.h"

G_BEGIN_DECLS

#define CORRAL_TYPE_META_DIR (corral_meta_dir_get_type ())
G_DECLARE_FINAL_TYPE (CorralMetaDir, corral_meta_dir, CORRAL, META_DIR, GObject)

/* Where the run dir of @project_path is (no I/O). */
char          *corral_meta_dir_path_for      (const char *project_path);

/* Removes run dirs under $XDG_RUNTIME_DIR/corral whose owner process is
 * gone. Returns how many were removed. */
guint          corral_meta_dir_sweep_stale   (void);

/* Creates the run dir of @project_path. One left by a dead owner is
 * removed first; one whose owner is alive is an error (G_IO_ERROR_BUSY). */
CorralMetaDir *corral_meta_dir_create        (const char     *project_path,
                                              GError        **error);

/* Writes every metadata file for a run of @profile. Secrets are given
 * here and written to 0600 files only, never logged. @api_key and
 * @gh_token may be NULL; @api_key only decides whether the guest gets
 * the placeholder (the key itself is never written); gh_token is written
 * only when the profile forwards it (git and gh end TLS in the guest). ~/.claude.json and ~/.gitconfig are copied (the agent
 * rewrites ~/.claude.json by atomic rename: sharing the live file would
 * race with the host's agent). */
gboolean       corral_meta_dir_populate      (CorralMetaDir    *self,
                                              CorralProfile    *profile,
                                              const CorralHost *host,
                                              const char       *api_key,
                                              const char       *gh_token,
                                              GError          **error);

/* Writes @name in meta/ (0600, replaced atomically). */
gboolean       corral_meta_dir_write         (CorralMetaDir  *self,
                                              const char     *name,
                                              const char     *contents,
                                              gssize          length,
                                              GError        **error);

const char    *corral_meta_dir_get_path      (CorralMetaDir *self); /* the run dir */
const char    *corral_meta_dir_get_meta_path (CorralMetaDir *self); /* .../meta */
const char    *corral_meta_dir_get_gitconfig_path (CorralMetaDir *self); /* .../gitconfig */

/* Removes the whole run dir. Idempotent. */
void           corral_meta_dir_destroy       (CorralMetaDir *self);

/* The command line /mnt/meta/entrypoint holds for @profile: the agent and
 * its arguments shell-quoted, "bash", or the custom command as typed.
 * Pure. */
char          *corral_entrypoint_for_profile (CorralProfile *profile);

/* The host side of each optional share that exists on this host (NULL
 * where not): ~/.claude, the gitconfig/ folder of @run_dir when
 * ~/.gitconfig is a file, and the git, gh and ssh folders. Looks at the
 * disk, creates nothing. */
typedef struct {
  char *paths[CORRAL_N_SHARE_IDS];
} CorralShareSources;

CorralShareSources *corral_share_sources_probe (const CorralHost    *host,
                                                const char          *run_dir);
void                corral_share_sources_apply (const CorralShareSources *sources,
                                                CorralRuntime            *runtime);
void                corral_share_sources_free  (CorralShareSources  *sources);
G_DEFINE_AUTOPTR_CLEANUP_FUNC (CorralShareSources, corral_share_sources_free)

/* Removes @path and everything under it, by descriptors: never through a
 * link (also one swapped in while it goes), whatever the tree's depth. */
gboolean       corral_remove_tree            (const char *path,
                                              GError    **error);

G_END_DECLS
