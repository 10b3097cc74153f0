/* corral-guest-store.h: where guests are installed, and which one to boot
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#pragma once

#include <glib-object.h>

G_BEGIN_DECLS

/* The guest the app offers to download, and prefers when several are installed. */
#define CORRAL_GUEST_STORE_DEFAULT_NAME "debian"

#define CORRAL_GUEST_STORE_ERROR (corral_guest_store_error_quark ())
GQuark corral_guest_store_error_quark (void);
typedef enum {
  CORRAL_GUEST_STORE_ERROR_NONE_INSTALLED, /* no --guest, no preference, nothing installed */
} CorralGuestStoreError;

/* Where the guest to boot came from, in the order they are tried. */
typedef enum {
  CORRAL_GUEST_SOURCE_COMMAND_LINE,  /* --guest, for this run */
  CORRAL_GUEST_SOURCE_PREFERENCES,   /* the guest-manifest setting */
  CORRAL_GUEST_SOURCE_USER,          /* the user's store (built or downloaded) */
  CORRAL_GUEST_SOURCE_SYSTEM,        /* installed with Corral, or by the distribution / Nix */
} CorralGuestSource;

#define CORRAL_TYPE_GUEST_STORE (corral_guest_store_get_type ())
G_DECLARE_FINAL_TYPE (CorralGuestStore, corral_guest_store, CORRAL, GUEST_STORE, GObject)

/* @user_dir holds the user's guests, one folder each (NAME/guest.ini);
 * @system_manifest (may be NULL) is a build-time default manifest, tried
 * before @system_dirs, folders laid out like @user_dir. */
CorralGuestStore   *corral_guest_store_new             (const char          *user_dir,
                                                        const char          *system_manifest,
                                                        const char * const  *system_dirs);
/* $XDG_DATA_HOME/corral/guests; then the meson option guest_manifest;
 * then $CORRAL_GUEST_PATH (colon-separated folders), PKGDATADIR/guests,
 * in a Flatpak the host's ~/.local/share/corral/guests, and corral/guests
 * in each of $XDG_DATA_DIRS (a distribution's or Nix profile's share
 * folder, a Flatpak's /app/share). */
CorralGuestStore   *corral_guest_store_new_default     (void);

const char         *corral_guest_store_get_user_dir    (CorralGuestStore *self);
const char * const *corral_guest_store_get_system_dirs (CorralGuestStore *self);

/* The manifest of the installed guest @name (user's first), or NULL. */
char               *corral_guest_store_find            (CorralGuestStore *self,
                                                        const char       *name);
/* The manifest to boot: @command_line, else @preference (either may be NULL
 * or ""; each is used as given, even when the file is missing, so that its
 * error names it), else the first installed guest: the user's before the
 * system's, "debian" first in each folder, then by name. NULL with
 * CORRAL_GUEST_STORE_ERROR_NONE_INSTALLED when there is none. */
char               *corral_guest_store_resolve         (CorralGuestStore  *self,
                                                        const char        *command_line,
                                                        const char        *preference,
                                                        CorralGuestSource *source,
                                                        GError           **error);

G_END_DECLS
