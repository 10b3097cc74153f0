/* corral-network-log.c: what a project's guest tried to reach
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "config.h"

#include "corral-network-log.h"

struct _CorralNetworkLog
{
  GObject parent_instance;

  GPtrArray *entries;  /* of CorralNetworkLogEntry, oldest first */
  GHashTable *index;   /* "A host:port" / "R host:port" -> entry (borrowed) */
};

static void corral_network_log_model_init (GListModelInterface *iface);

G_DEFINE_FINAL_TYPE_WITH_CODE (CorralNetworkLog, corral_network_log, G_TYPE_OBJECT,
                               G_IMPLEMENT_INTERFACE (G_TYPE_LIST_MODEL, corral_network_log_model_init))

enum { SIGNAL_REFUSED, N_SIGNALS };
static guint signals[N_SIGNALS];

static char *
key_for (const char *host,
         guint       port,
         gboolean    allowed)
{
  return g_strdup_printf ("%c %s:%u", allowed ? 'A' : 'R', host, port);
}

CorralNetworkLog *
corral_network_log_new (void)
{
  return g_object_new (CORRAL_TYPE_NETWORK_LOG, NULL);
}

CorralNetworkLogEntry *
corral_network_log_lookup (CorralNetworkLog *self,
                           const char       *host,
                           guint             port,
                           gboolean          allowed)
{
  g_autofree char *key = key_for (host, port, allowed);

  g_return_val_if_fail (CORRAL_IS_NETWORK_LOG (self), NULL);
  return g_hash_table_lookup (self->index, key);
}

void
corral_network_log_record (CorralNetworkLog *self,
                           const char       *host,
                           guint             port,
                           gboolean          allowed,
                           const char       *reason)
{
  g_autofree char *key = NULL;
  CorralNetworkLogEntry *entry;

  g_return_if_fail (CORRAL_IS_NETWORK_LOG (self));
  g_return_if_fail (host != NULL);

  key = key_for (host, port, allowed);
  entry = g_hash_table_lookup (self->index, key);
  if (entry == NULL)
    {
      if (self->entries->len >= CORRAL_NETWORK_LOG_MAX)
        {
          CorralNetworkLogEntry *oldest = self->entries->pdata[0];
          g_autofree char *old_key = key_for (corral_network_log_entry_get_host (oldest),
                                              corral_network_log_entry_get_port (oldest),
                                              corral_network_log_entry_get_allowed (oldest));

          g_hash_table_remove (self->index, old_key);
          g_ptr_array_remove_index (self->entries, 0);
          g_list_model_items_changed (G_LIST_MODEL (self), 0, 1, 0);
        }
      entry = corral_network_log_entry_new (host, port, allowed);
      g_ptr_array_add (self->entries, entry);
      g_hash_table_insert (self->index, g_steal_pointer (&key), entry);
      corral_network_log_entry_hit (entry, g_get_real_time () / G_USEC_PER_SEC, reason);
      g_list_model_items_changed (G_LIST_MODEL (self), self->entries->len - 1, 0, 1);
    }
  else
    corral_network_log_entry_hit (entry, g_get_real_time () / G_USEC_PER_SEC, reason);

  if (!allowed)
    g_signal_emit (self, signals[SIGNAL_REFUSED], 0, entry);
}

void
corral_network_log_clear (CorralNetworkLog *self)
{
  guint n;

  g_return_if_fail (CORRAL_IS_NETWORK_LOG (self));

  n = self->entries->len;
  g_hash_table_remove_all (self->index);
  g_ptr_array_set_size (self->entries, 0);
  if (n > 0)
    g_list_model_items_changed (G_LIST_MODEL (self), 0, n, 0);
}

static GType
get_item_type (GListModel *model)
{
  return CORRAL_TYPE_NETWORK_LOG_ENTRY;
}

static guint
get_n_items (GListModel *model)
{
  return CORRAL_NETWORK_LOG (model)->entries->len;
}

static gpointer
get_item (GListModel *model,
          guint       position)
{
  CorralNetworkLog *self = CORRAL_NETWORK_LOG (model);

  if (position >= self->entries->len)
    return NULL;
  return g_object_ref (self->entries->pdata[position]);
}

static void
corral_network_log_model_init (GListModelInterface *iface)
{
  iface->get_item_type = get_item_type;
  iface->get_n_items = get_n_items;
  iface->get_item = get_item;
}

static void
corral_network_log_finalize (GObject *object)
{
  CorralNetworkLog *self = CORRAL_NETWORK_LOG (object);

  g_hash_table_unref (self->index);
  g_ptr_array_unref (self->entries);
  G_OBJECT_CLASS (corral_network_log_parent_class)->finalize (object);
}

static void
corral_network_log_class_init (CorralNetworkLogClass *klass)
{
  G_OBJECT_CLASS (klass)->finalize = corral_network_log_finalize;

  signals[SIGNAL_REFUSED] =
    g_signal_new ("refused", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST, 0,
                  NULL, NULL, NULL, G_TYPE_NONE, 1, CORRAL_TYPE_NETWORK_LOG_ENTRY);
}

static void
corral_network_log_init (CorralNetworkLog *self)
{
  self->entries = g_ptr_array_new_with_free_func (g_object_unref);
  self->index = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, NULL);
}
