/* corral-cli.h: the command line, compatible with the seed's launcher
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 *   corral [--shell] [--gh-token] [--network off|allowlist|full] [--no-network]
 *          [--memory MiB] [--cores N]
 *          [--guest FILE] [--dry-run] [PROJECT_DIR] [-- AGENT_ARGS...]
 *   corral --download-guest
 *   corral --build-guest
 *
 * Options override the saved profile for this run only; they are never
 * saved.
 */
#pragma once

#include <stdio.h>
#include <glib.h>

#include "corral-guest.h"
#include "corral-host.h"
#include "corral-meta-dir.h"
#include "corral-profile.h"
#include "corral-qemu-command.h"

G_BEGIN_DECLS

typedef struct {
  gboolean shell;
  gboolean gh_token;
  gboolean unconfined;      /* --unconfined: "Run without confinement", this run */
  gboolean network_set;      /* --network or --no-network was given */
  CorralNetworkMode network_mode;
  guint    memory_mib;      /* 0 = the profile's */
  guint    cores;           /* 0 = the profile's */
  char    *guest_manifest;  /* NULL = the guest store's choice */
  gboolean dry_run;
  gboolean download_guest;  /* --download-guest: install the catalogue's guest */
  gboolean build_guest;     /* --build-guest: build the Debian guest */
  char    *project_dir;     /* absolute, symlinks resolved */
  char   **agent_args;      /* after "--"; NULL = the profile's */
} CorralCliOptions;

void     corral_cli_options_clear (CorralCliOptions *options);
G_DEFINE_AUTO_CLEANUP_CLEAR_FUNC (CorralCliOptions, corral_cli_options_clear)

/* Parses argv (not modified). PROJECT_DIR defaults to the current folder
 * and must be an existing folder. Errors are one line, for a person. */
gboolean corral_cli_parse         (int                 argc,
                                   char              **argv,
                                   CorralCliOptions   *options,
                                   GError            **error);

/* The manifest to use: --guest, else the Preferences' guest (when the
 * settings schema is installed), else the guest store's (see
 * corral-guest-store.h). NULL and an error when there is none. */
char    *corral_cli_dup_guest_manifest (const CorralCliOptions *options,
                                        GError                **error);

/* Applies the command line's overrides to @profile (not saved). */
void     corral_cli_apply         (const CorralCliOptions *options,
                                   CorralProfile          *profile);

/* The runtime --dry-run shows: CorralVm's (consoles, QMP, clipboard and
 * passt on inherited fds 3-7), for dirs that need not exist. Strings in
 * @runtime point into @sources, @meta_dir and @state_dir. */
void     corral_cli_runtime       (CorralRuntime            *runtime,
                                   const CorralShareSources *sources,
                                   const char               *meta_dir,
                                   const char               *state_dir,
                                   CorralNetBackend          backend,
                                   char                    **parent_env);

/* --build-guest (corral-cli-build.c): the window's guest build, its
 * progress on stderr. Returns the exit status. */
int      corral_cli_build_guest   (void);

/* Everything `corral` does: parse, then print (--dry-run) or run. Returns
 * the exit status. */
int      corral_cli_main          (int    argc,
                                   char **argv);

G_END_DECLS
