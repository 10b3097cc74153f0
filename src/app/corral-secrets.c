/* corral-secrets.c: the API key and GitHub token, from the environment or the keyring
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "config.h"

#include <glib/gi18n.h>
#include <libsecret/secret.h>

#include "corral-secrets.h"

static const SecretSchema *
get_schema (void)
{
  static const SecretSchema schema = {
    APPLICATION_ID ".Secret", SECRET_SCHEMA_NONE,
    {
      { "secret", SECRET_SCHEMA_ATTRIBUTE_STRING },
      { NULL, 0 },
    }
  };
  return &schema;
}

static const char *
attribute (CorralSecret which)
{
  return which == CORRAL_SECRET_GH_TOKEN ? "gh-token" : "api-key";
}

static const char *
label (CorralSecret which)
{
  return which == CORRAL_SECRET_GH_TOKEN ? _("Corral: GitHub token")
                                         : _("Corral: Anthropic API key");
}

const char *
corral_secrets_env_name (CorralSecret which)
{
  return which == CORRAL_SECRET_GH_TOKEN ? "GH_TOKEN" : "ANTHROPIC_API_KEY";
}

const char *
corral_secrets_from_env (CorralSecret which)
{
  const char *value = g_getenv (corral_secrets_env_name (which));

  if (value == NULL && which == CORRAL_SECRET_GH_TOKEN)
    value = g_getenv ("GITHUB_TOKEN");
  return value != NULL && value[0] != '\0' ? value : NULL;
}

static void
lookup_cb (GObject      *source,
           GAsyncResult *result,
           gpointer      user_data)
{
  g_autoptr(GTask) task = user_data;
  g_autoptr(GError) error = NULL;
  char *value = secret_password_lookup_finish (result, &error);

  if (error != NULL)
    g_task_return_error (task, g_steal_pointer (&error));
  else
    g_task_return_pointer (task, value, (GDestroyNotify) secret_password_free);
}

static void
keyring_lookup (GTask        *task,
                CorralSecret  which)
{
  secret_password_lookup (get_schema (), g_task_get_cancellable (task), lookup_cb, task,
                          "secret", attribute (which), NULL);
}

void
corral_secrets_lookup_async (CorralSecret         which,
                             GCancellable        *cancellable,
                             GAsyncReadyCallback  callback,
                             gpointer             user_data)
{
  GTask *task = g_task_new (NULL, cancellable, callback, user_data);
  const char *env = corral_secrets_from_env (which);

  g_task_set_source_tag (task, corral_secrets_lookup_async);
  if (env != NULL)
    {
      g_task_return_pointer (task, g_strdup (env), g_free);
      g_object_unref (task);
      return;
    }
  keyring_lookup (task, which);
}

char *
corral_secrets_lookup_finish (GAsyncResult  *result,
                              GError       **error)
{
  return g_task_propagate_pointer (G_TASK (result), error);
}

static void
store_cb (GObject      *source,
          GAsyncResult *result,
          gpointer      user_data)
{
  g_autoptr(GTask) task = user_data;
  g_autoptr(GError) error = NULL;
  gboolean clearing = GPOINTER_TO_INT (g_task_get_task_data (task));

  if (clearing)
    secret_password_clear_finish (result, &error);
  else
    secret_password_store_finish (result, &error);

  if (error != NULL)
    g_task_return_error (task, g_steal_pointer (&error));
  else
    g_task_return_boolean (task, TRUE);
}

void
corral_secrets_store_async (CorralSecret         which,
                            const char          *value,
                            GCancellable        *cancellable,
                            GAsyncReadyCallback  callback,
                            gpointer             user_data)
{
  GTask *task = g_task_new (NULL, cancellable, callback, user_data);
  gboolean clearing = value == NULL || value[0] == '\0';

  g_task_set_source_tag (task, corral_secrets_store_async);
  g_task_set_task_data (task, GINT_TO_POINTER (clearing), NULL);
  if (clearing)
    secret_password_clear (get_schema (), cancellable, store_cb, task,
                           "secret", attribute (which), NULL);
  else
    secret_password_store (get_schema (), SECRET_COLLECTION_DEFAULT, label (which),
                           value, cancellable, store_cb, task,
                           "secret", attribute (which), NULL);
}

gboolean
corral_secrets_store_finish (GAsyncResult  *result,
                             GError       **error)
{
  return g_task_propagate_boolean (G_TASK (result), error);
}

static void
stored_cb (GObject      *source,
           GAsyncResult *result,
           gpointer      user_data)
{
  g_autoptr(GTask) task = user_data;
  g_autoptr(GError) error = NULL;
  char *value = secret_password_lookup_finish (result, &error);

  if (error != NULL)
    g_task_return_error (task, g_steal_pointer (&error));
  else
    g_task_return_boolean (task, value != NULL);
  secret_password_free (value);
}

void
corral_secrets_stored_async (CorralSecret         which,
                             GCancellable        *cancellable,
                             GAsyncReadyCallback  callback,
                             gpointer             user_data)
{
  GTask *task = g_task_new (NULL, cancellable, callback, user_data);

  g_task_set_source_tag (task, corral_secrets_stored_async);
  secret_password_lookup (get_schema (), cancellable, stored_cb, task,
                          "secret", attribute (which), NULL);
}

gboolean
corral_secrets_stored_finish (GAsyncResult  *result,
                              GError       **error)
{
  return g_task_propagate_boolean (G_TASK (result), error);
}
