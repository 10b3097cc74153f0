/* corral-notice-throttle.c: which repeated notices to show
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "config.h"

#include "corral-notice-throttle.h"

struct _CorralNoticeThrottle
{
  gint64      interval;
  guint       capacity;
  GHashTable *shown;  /* key -> gint64 * when last shown */
};

CorralNoticeThrottle *
corral_notice_throttle_new (gint64 interval_us,
                            guint  capacity)
{
  CorralNoticeThrottle *self;

  g_return_val_if_fail (interval_us > 0, NULL);
  g_return_val_if_fail (capacity > 0, NULL);

  self = g_new0 (CorralNoticeThrottle, 1);
  self->interval = interval_us;
  self->capacity = capacity;
  self->shown = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, g_free);
  return self;
}

void
corral_notice_throttle_free (CorralNoticeThrottle *self)
{
  if (self == NULL)
    return;
  g_hash_table_unref (self->shown);
  g_free (self);
}

typedef struct {
  gint64 now;
  gint64 interval;
} Expiry;

static gboolean
expired (gpointer key, gpointer value, gpointer user_data)
{
  const Expiry *e = user_data;

  return e->now - *(gint64 *) value >= e->interval;
}

gboolean
corral_notice_throttle_allow (CorralNoticeThrottle *self,
                              const char           *key,
                              gint64                now)
{
  gint64 *last;

  g_return_val_if_fail (self != NULL, FALSE);
  g_return_val_if_fail (key != NULL, FALSE);

  last = g_hash_table_lookup (self->shown, key);
  if (last != NULL)
    {
      if (now - *last < self->interval)
        return FALSE;
      *last = now;
      return TRUE;
    }

  if (g_hash_table_size (self->shown) >= self->capacity)
    {
      Expiry e = { now, self->interval };

      g_hash_table_foreach_remove (self->shown, expired, &e);
      if (g_hash_table_size (self->shown) >= self->capacity)
        g_hash_table_remove_all (self->shown);
    }
  last = g_new (gint64, 1);
  *last = now;
  g_hash_table_insert (self->shown, g_strdup (key), last);
  return TRUE;
}

guint
corral_notice_throttle_get_size (CorralNoticeThrottle *self)
{
  g_return_val_if_fail (self != NULL, 0);

  return g_hash_table_size (self->shown);
}
