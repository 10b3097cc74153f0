/* corral-secrets.h: the API key and GitHub token, from the environment or the keyring
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * A desktop launch has no shell environment, so the keyring (Secret
 * Service, via libsecret) is where these live; an environment variable,
 * when set, wins. Values are never logged.
 */
#pragma once

#include <gio/gio.h>

#include "corral-vm.h"

G_BEGIN_DECLS

/* "ANTHROPIC_API_KEY" or "GH_TOKEN". */
const char *corral_secrets_env_name     (CorralSecret         which);
/* The environment's value, or NULL when unset or empty. */
const char *corral_secrets_from_env     (CorralSecret         which);

/* The environment's value, else the keyring's, else NULL (no error). */
void        corral_secrets_lookup_async (CorralSecret         which,
                                         GCancellable        *cancellable,
                                         GAsyncReadyCallback  callback,
                                         gpointer             user_data);
char       *corral_secrets_lookup_finish (GAsyncResult       *result,
                                          GError            **error);

/* Stores @value in the keyring; NULL or "" removes it. */
void        corral_secrets_store_async  (CorralSecret         which,
                                         const char          *value,
                                         GCancellable        *cancellable,
                                         GAsyncReadyCallback  callback,
                                         gpointer             user_data);
gboolean    corral_secrets_store_finish (GAsyncResult        *result,
                                         GError             **error);

/* Whether the keyring holds a value (for the preferences' status). */
void        corral_secrets_stored_async (CorralSecret         which,
                                         GCancellable        *cancellable,
                                         GAsyncReadyCallback  callback,
                                         gpointer             user_data);
gboolean    corral_secrets_stored_finish (GAsyncResult       *result,
                                          GError            **error);

G_END_DECLS
