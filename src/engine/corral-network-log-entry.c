/* corral-network-log-entry.c: one host and port the guest asked for
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "config.h"

#include "corral-network-log-entry.h"

struct _CorralNetworkLogEntry
{
  GObject parent_instance;

  char *host;
  guint port;
  gboolean allowed;
  char *reason;
  guint count;
  gint64 last_time;
};

G_DEFINE_FINAL_TYPE (CorralNetworkLogEntry, corral_network_log_entry, G_TYPE_OBJECT)

enum {
  PROP_0,
  PROP_HOST,
  PROP_PORT,
  PROP_ALLOWED,
  PROP_REASON,
  PROP_COUNT,
  PROP_LAST_TIME,
  N_PROPS
};
static GParamSpec *properties[N_PROPS];

CorralNetworkLogEntry *
corral_network_log_entry_new (const char *host,
                              guint       port,
                              gboolean    allowed)
{
  CorralNetworkLogEntry *self = g_object_new (CORRAL_TYPE_NETWORK_LOG_ENTRY, NULL);

  self->host = g_strdup (host);
  self->port = port;
  self->allowed = allowed;
  return self;
}

void
corral_network_log_entry_hit (CorralNetworkLogEntry *self,
                              gint64                 unix_time,
                              const char            *reason)
{
  g_return_if_fail (CORRAL_IS_NETWORK_LOG_ENTRY (self));

  g_object_freeze_notify (G_OBJECT (self));
  self->count++;
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_COUNT]);
  if (self->last_time != unix_time)
    {
      self->last_time = unix_time;
      g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_LAST_TIME]);
    }
  if (g_strcmp0 (self->reason, reason) != 0)
    {
      g_free (self->reason);
      self->reason = g_strdup (reason);
      g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_REASON]);
    }
  g_object_thaw_notify (G_OBJECT (self));
}

const char *
corral_network_log_entry_get_host (CorralNetworkLogEntry *self)
{
  g_return_val_if_fail (CORRAL_IS_NETWORK_LOG_ENTRY (self), NULL);
  return self->host;
}

guint
corral_network_log_entry_get_port (CorralNetworkLogEntry *self)
{
  g_return_val_if_fail (CORRAL_IS_NETWORK_LOG_ENTRY (self), 0);
  return self->port;
}

gboolean
corral_network_log_entry_get_allowed (CorralNetworkLogEntry *self)
{
  g_return_val_if_fail (CORRAL_IS_NETWORK_LOG_ENTRY (self), FALSE);
  return self->allowed;
}

const char *
corral_network_log_entry_get_reason (CorralNetworkLogEntry *self)
{
  g_return_val_if_fail (CORRAL_IS_NETWORK_LOG_ENTRY (self), NULL);
  return self->reason;
}

guint
corral_network_log_entry_get_count (CorralNetworkLogEntry *self)
{
  g_return_val_if_fail (CORRAL_IS_NETWORK_LOG_ENTRY (self), 0);
  return self->count;
}

gint64
corral_network_log_entry_get_last_time (CorralNetworkLogEntry *self)
{
  g_return_val_if_fail (CORRAL_IS_NETWORK_LOG_ENTRY (self), 0);
  return self->last_time;
}

char *
corral_network_log_entry_dup_allow_entry (CorralNetworkLogEntry *self)
{
  g_return_val_if_fail (CORRAL_IS_NETWORK_LOG_ENTRY (self), NULL);

  if (self->port == 443 || self->port == 80)
    return g_strdup (self->host);
  return g_strdup_printf ("%s:%u", self->host, self->port);
}

static void
corral_network_log_entry_finalize (GObject *object)
{
  CorralNetworkLogEntry *self = CORRAL_NETWORK_LOG_ENTRY (object);

  g_free (self->host);
  g_free (self->reason);
  G_OBJECT_CLASS (corral_network_log_entry_parent_class)->finalize (object);
}

static void
corral_network_log_entry_get_property (GObject    *object,
                                       guint       prop_id,
                                       GValue     *value,
                                       GParamSpec *pspec)
{
  CorralNetworkLogEntry *self = CORRAL_NETWORK_LOG_ENTRY (object);

  switch (prop_id)
    {
    case PROP_HOST: g_value_set_string (value, self->host); break;
    case PROP_PORT: g_value_set_uint (value, self->port); break;
    case PROP_ALLOWED: g_value_set_boolean (value, self->allowed); break;
    case PROP_REASON: g_value_set_string (value, self->reason); break;
    case PROP_COUNT: g_value_set_uint (value, self->count); break;
    case PROP_LAST_TIME: g_value_set_int64 (value, self->last_time); break;
    default: G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
corral_network_log_entry_class_init (CorralNetworkLogEntryClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  GParamFlags ro = G_PARAM_READABLE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS;

  object_class->finalize = corral_network_log_entry_finalize;
  object_class->get_property = corral_network_log_entry_get_property;

  properties[PROP_HOST] = g_param_spec_string ("host", NULL, NULL, NULL, ro);
  properties[PROP_PORT] = g_param_spec_uint ("port", NULL, NULL, 0, 65535, 0, ro);
  properties[PROP_ALLOWED] = g_param_spec_boolean ("allowed", NULL, NULL, FALSE, ro);
  properties[PROP_REASON] = g_param_spec_string ("reason", NULL, NULL, NULL, ro);
  properties[PROP_COUNT] = g_param_spec_uint ("count", NULL, NULL, 0, G_MAXUINT, 0, ro);
  properties[PROP_LAST_TIME] = g_param_spec_int64 ("last-time", NULL, NULL, 0, G_MAXINT64, 0, ro);
  g_object_class_install_properties (object_class, N_PROPS, properties);
}

static void
corral_network_log_entry_init (CorralNetworkLogEntry *self)
{
}
