/* test-network-log.c: the log counts per host, port and verdict, tells
 * about refusals, and stays bounded
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "config.h"

#include "corral-network-log.h"

static void
count_cb (CorralNetworkLog      *log,
          CorralNetworkLogEntry *entry,
          guint                 *count)
{
  g_assert_false (corral_network_log_entry_get_allowed (entry));
  (*count)++;
}

static void
changed_cb (GListModel *model, guint position, guint removed, guint added, guint *changes)
{
  (*changes)++;
}

static void
test_record (void)
{
  g_autoptr(CorralNetworkLog) log = corral_network_log_new ();
  g_autoptr(CorralNetworkLogEntry) first = NULL;
  CorralNetworkLogEntry *refused;
  guint refusals = 0, changes = 0;
  g_autofree char *allow = NULL;

  g_signal_connect (log, "refused", G_CALLBACK (count_cb), &refusals);
  g_signal_connect (log, "items-changed", G_CALLBACK (changed_cb), &changes);
  corral_network_log_record (log, "registry.npmjs.org", 443, TRUE, NULL);
  corral_network_log_record (log, "registry.npmjs.org", 443, TRUE, NULL);
  corral_network_log_record (log, "evil.example", 443, FALSE, "not listed");
  corral_network_log_record (log, "evil.example", 8443, FALSE, "not listed");
  corral_network_log_record (log, "evil.example", 443, FALSE, "still not listed");

  g_assert_cmpuint (g_list_model_get_n_items (G_LIST_MODEL (log)), ==, 3);
  g_assert_cmpuint (changes, ==, 3);
  g_assert_cmpuint (refusals, ==, 3);
  g_assert_true (g_list_model_get_item_type (G_LIST_MODEL (log)) == CORRAL_TYPE_NETWORK_LOG_ENTRY);
  first = g_list_model_get_item (G_LIST_MODEL (log), 0);
  g_assert_cmpstr (corral_network_log_entry_get_host (first), ==, "registry.npmjs.org");
  g_assert_cmpuint (corral_network_log_entry_get_count (first), ==, 2);
  g_assert_true (corral_network_log_entry_get_allowed (first));
  g_assert_cmpint (corral_network_log_entry_get_last_time (first), >, 0);

  refused = corral_network_log_lookup (log, "evil.example", 443, FALSE);
  g_assert_nonnull (refused);
  g_assert_cmpuint (corral_network_log_entry_get_count (refused), ==, 2);
  g_assert_cmpstr (corral_network_log_entry_get_reason (refused), ==, "still not listed");
  allow = corral_network_log_entry_dup_allow_entry (refused);
  g_assert_cmpstr (allow, ==, "evil.example");
  g_clear_pointer (&allow, g_free);
  allow = corral_network_log_entry_dup_allow_entry (corral_network_log_lookup (log, "evil.example", 8443, FALSE));
  g_assert_cmpstr (allow, ==, "evil.example:8443");
  g_assert_null (corral_network_log_lookup (log, "evil.example", 443, TRUE));

  corral_network_log_clear (log);
  g_assert_cmpuint (g_list_model_get_n_items (G_LIST_MODEL (log)), ==, 0);
}

static void
test_bounded (void)
{
  g_autoptr(CorralNetworkLog) log = corral_network_log_new ();
  g_autoptr(CorralNetworkLogEntry) oldest = NULL;

  for (guint i = 0; i < CORRAL_NETWORK_LOG_MAX + 50; i++)
    {
      g_autofree char *host = g_strdup_printf ("h%u.example", i);
      corral_network_log_record (log, host, 443, FALSE, "no");
    }
  g_assert_cmpuint (g_list_model_get_n_items (G_LIST_MODEL (log)), ==, CORRAL_NETWORK_LOG_MAX);
  oldest = g_list_model_get_item (G_LIST_MODEL (log), 0);
  g_assert_cmpstr (corral_network_log_entry_get_host (oldest), ==, "h50.example");
  g_assert_null (corral_network_log_lookup (log, "h0.example", 443, FALSE));
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);
  g_test_add_func ("/network-log/record", test_record);
  g_test_add_func ("/network-log/bounded", test_bounded);
  return g_test_run ();
}
