/* test-notice-throttle.c: the terminal run's refusal lines: a host
 * refused again within 30 s is not printed again, one refused later is;
 * and a guest that invents a new name for every connection costs a
 * bounded amount of memory, however long it goes on
 */
#include "config.h"

#include "corral-notice-throttle.h"

#define S G_USEC_PER_SEC

static void
test_repeats (void)
{
  g_autoptr(CorralNoticeThrottle) t = corral_notice_throttle_new (30 * S, 100);

  g_assert_true (corral_notice_throttle_allow (t, "example.com:443", 1 * S));
  g_assert_false (corral_notice_throttle_allow (t, "example.com:443", 2 * S));
  g_assert_false (corral_notice_throttle_allow (t, "example.com:443", 30 * S));
  /* Another port is another notice. */
  g_assert_true (corral_notice_throttle_allow (t, "example.com:80", 2 * S));
  /* 30 s after it was shown (not after it was last refused): again. */
  g_assert_true (corral_notice_throttle_allow (t, "example.com:443", 31 * S));
  g_assert_false (corral_notice_throttle_allow (t, "example.com:443", 60 * S));
  g_assert_true (corral_notice_throttle_allow (t, "example.com:443", 61 * S));
  g_assert_cmpuint (corral_notice_throttle_get_size (t), ==, 2);
}

static void
test_bounded (void)
{
  g_autoptr(CorralNoticeThrottle) t = corral_notice_throttle_new (30 * S, 100);
  gint64 now = 0;

  /* 20 000 names, 200 times the capacity (fewer than a real guest could
   * send: the sanitizer build runs this too): first one a millisecond,
   * all of them recent when the table fills; then one every half second,
   * the oldest expired by then. Never more than 100 kept. */
  for (guint i = 0; i < 20000; i++)
    {
      g_autofree char *key = g_strdup_printf ("h%u.example:443", i);

      now += i < 10000 ? 1000 : S / 2;
      g_assert_true (corral_notice_throttle_allow (t, key, now));
      g_assert_cmpuint (corral_notice_throttle_get_size (t), <=, 100);
    }
}

static void
test_full_keeps_recent (void)
{
  g_autoptr(CorralNoticeThrottle) t = corral_notice_throttle_new (30 * S, 3);

  g_assert_true (corral_notice_throttle_allow (t, "old:1", 0));
  g_assert_true (corral_notice_throttle_allow (t, "recent:1", 20 * S));
  g_assert_true (corral_notice_throttle_allow (t, "recent:2", 21 * S));
  /* Full: the one shown 30 s ago goes, the recent ones stay quiet. */
  g_assert_true (corral_notice_throttle_allow (t, "new:1", 30 * S));
  g_assert_cmpuint (corral_notice_throttle_get_size (t), ==, 3);
  g_assert_false (corral_notice_throttle_allow (t, "recent:1", 31 * S));
  g_assert_false (corral_notice_throttle_allow (t, "recent:2", 31 * S));
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);
  g_test_add_func ("/notice-throttle/repeats", test_repeats);
  g_test_add_func ("/notice-throttle/bounded", test_bounded);
  g_test_add_func ("/notice-throttle/full-keeps-recent", test_full_keeps_recent);
  return g_test_run ();
}
