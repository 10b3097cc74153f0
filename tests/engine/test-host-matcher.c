/* test-host-matcher.c: the allowlist lets through what it lists and
 * nothing else, whatever the spelling
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "config.h"

#include "corral-host-matcher.h"

static CorralHostMatcher *
matcher_of (const char * const *entries)
{
  CorralHostMatcher *m = corral_host_matcher_new (FALSE);

  for (guint i = 0; entries[i] != NULL; i++)
    {
      g_autoptr(GError) error = NULL;
      g_assert_true (corral_host_matcher_add (m, entries[i], &error));
      g_assert_no_error (error);
    }
  return m;
}

static void
assert_verdict (CorralHostMatcher *m,
                const char        *host,
                guint16            port,
                CorralHostVerdict  expected)
{
  g_autofree char *reason = NULL;
  CorralHostVerdict got = corral_host_matcher_check (m, host, port, &reason);

  if (got != expected)
    g_error ("%s:%u: got %d, expected %d (%s)", host, port, got, expected, reason ? reason : "");
  if (expected == CORRAL_HOST_ALLOWED)
    g_assert_null (reason);
  else
    g_assert_nonnull (reason);
}

static void
test_exact (void)
{
  const char * const entries[] = { "registry.npmjs.org", NULL };
  g_autoptr(CorralHostMatcher) m = matcher_of (entries);

  assert_verdict (m, "registry.npmjs.org", 443, CORRAL_HOST_ALLOWED);
  assert_verdict (m, "registry.npmjs.org", 80, CORRAL_HOST_ALLOWED);
  assert_verdict (m, "REGISTRY.NpmJS.org", 443, CORRAL_HOST_ALLOWED);
  assert_verdict (m, "registry.npmjs.org.", 443, CORRAL_HOST_ALLOWED);
  assert_verdict (m, "npmjs.org", 443, CORRAL_HOST_NOT_LISTED);
  assert_verdict (m, "x.registry.npmjs.org", 443, CORRAL_HOST_NOT_LISTED);
  assert_verdict (m, "registry.npmjs.org.evil.com", 443, CORRAL_HOST_NOT_LISTED);
  assert_verdict (m, "evilregistry.npmjs.org", 443, CORRAL_HOST_NOT_LISTED);
  assert_verdict (m, "registry.npmjs.org..", 443, CORRAL_HOST_BAD_NAME);
}

static void
test_wildcard (void)
{
  const char * const entries[] = { "*.githubusercontent.com", NULL };
  g_autoptr(CorralHostMatcher) m = matcher_of (entries);

  assert_verdict (m, "raw.githubusercontent.com", 443, CORRAL_HOST_ALLOWED);
  assert_verdict (m, "a.b.githubusercontent.com", 443, CORRAL_HOST_ALLOWED);
  assert_verdict (m, "RAW.GithubUserContent.COM.", 80, CORRAL_HOST_ALLOWED);
  /* the suffix itself is not under it */
  assert_verdict (m, "githubusercontent.com", 443, CORRAL_HOST_NOT_LISTED);
  assert_verdict (m, "evilgithubusercontent.com", 443, CORRAL_HOST_NOT_LISTED);
  assert_verdict (m, "githubusercontent.com.evil", 443, CORRAL_HOST_NOT_LISTED);
}

static void
test_ports (void)
{
  const char * const entries[] = { "example.com", "example.org:8443", "*.corp.example:8080", NULL };
  g_autoptr(CorralHostMatcher) m = matcher_of (entries);

  assert_verdict (m, "example.com", 22, CORRAL_HOST_PORT);
  assert_verdict (m, "example.com", 8443, CORRAL_HOST_PORT);
  assert_verdict (m, "example.org", 8443, CORRAL_HOST_ALLOWED);
  /* a named port replaces 443 and 80 */
  assert_verdict (m, "example.org", 443, CORRAL_HOST_PORT);
  assert_verdict (m, "build.corp.example", 8080, CORRAL_HOST_ALLOWED);
  assert_verdict (m, "build.corp.example", 443, CORRAL_HOST_PORT);
  assert_verdict (m, "example.com", 0, CORRAL_HOST_BAD_NAME);
}

static void
test_ip_literals (void)
{
  const char * const entries[] = { "example.com", NULL };
  g_autoptr(CorralHostMatcher) m = matcher_of (entries);
  g_autoptr(CorralHostMatcher) all = corral_host_matcher_new (TRUE);
  const char * const literals[] = {
    "127.0.0.1", "10.0.2.2", "127.1", "0x7f.0.0.1", "0x7f000001", "017700000001",
    "2130706433", "127.0.0.1.", "::1", "[::1]", "::ffff:127.0.0.1", "fe80::1",
    "1.2.3.0x4", "example.0x", NULL
  };

  for (guint i = 0; literals[i] != NULL; i++)
    {
      assert_verdict (m, literals[i], 443, CORRAL_HOST_IP_LITERAL);
      /* full mode refuses them as well */
      assert_verdict (all, literals[i], 443, CORRAL_HOST_IP_LITERAL);
      g_assert_true (corral_host_is_ip_literal (literals[i]));
    }
  g_assert_false (corral_host_is_ip_literal ("1e100.net"));
  g_assert_false (corral_host_is_ip_literal ("123.example"));
  g_assert_false (corral_host_is_ip_literal ("0x.example"));
}

static void
test_bad_names (void)
{
  g_autoptr(CorralHostMatcher) all = corral_host_matcher_new (TRUE);
  g_autofree char *long_label = g_strnfill (64, 'a');
  g_autofree char *long_name = NULL;
  g_autoptr(GString) name = g_string_new (NULL);
  const char * const bad[] = { "", ".", "a..b", ".a", "-a.com", "a-.com", "a b.com", "a/b.com",
                               "caf\xc3\xa9.example", "a\x01.com", "*.example.com", NULL };

  for (guint i = 0; bad[i] != NULL; i++)
    assert_verdict (all, bad[i], 443, CORRAL_HOST_BAD_NAME);
  assert_verdict (all, NULL, 443, CORRAL_HOST_BAD_NAME);

  long_name = g_strdup_printf ("%s.com", long_label);
  assert_verdict (all, long_name, 443, CORRAL_HOST_BAD_NAME);
  /* 253 bytes is the most a name can have */
  while (name->len < 250)
    g_string_append (name, "abcdefghi.");
  g_string_append (name, "com");
  assert_verdict (all, name->str, 443, CORRAL_HOST_ALLOWED);
  g_string_prepend (name, "a");
  assert_verdict (all, name->str, 443, CORRAL_HOST_BAD_NAME);

  /* full mode: every valid name, every port */
  assert_verdict (all, "anything.example", 22, CORRAL_HOST_ALLOWED);
  assert_verdict (all, "_srv.example", 443, CORRAL_HOST_ALLOWED);
  assert_verdict (all, "xn--bcher-kva.example", 443, CORRAL_HOST_ALLOWED);
}

static void
test_idn (void)
{
  const char * const entries[] = { "bücher.example", NULL };
  g_autoptr(CorralHostMatcher) m = matcher_of (entries);

  assert_verdict (m, "xn--bcher-kva.example", 443, CORRAL_HOST_ALLOWED);
  assert_verdict (m, "XN--BCHER-KVA.example", 443, CORRAL_HOST_ALLOWED);
  /* clients send punycode; raw UTF-8 on the wire is not a host name */
  assert_verdict (m, "bücher.example", 443, CORRAL_HOST_BAD_NAME);
}

static void
assert_normal (const char *entry,
               const char *expected)
{
  g_autoptr(GError) error = NULL;
  g_autofree char *got = corral_host_entry_normalize (entry, &error);

  g_assert_no_error (error);
  g_assert_cmpstr (got, ==, expected);
}

static void
assert_refused (const char *entry)
{
  g_autoptr(GError) error = NULL;
  g_autofree char *got = corral_host_entry_normalize (entry, &error);

  if (got != NULL)
    g_error ("accepted “%s” as “%s”", entry, got);
  g_assert_error (error, CORRAL_HOST_ENTRY_ERROR, CORRAL_HOST_ENTRY_ERROR_INVALID);
  g_assert_nonnull (error->message);
}

static void
test_normalize (void)
{
  assert_normal ("example.com", "example.com");
  assert_normal ("  *.Example.COM.  ", "*.example.com");
  assert_normal ("example.com:8443", "example.com:8443");
  assert_normal ("https://github.com/anthropics/claude-code", "github.com");
  assert_normal ("http://EXAMPLE.org:8080/?q", "example.org:8080");
  assert_normal ("bücher.example", "xn--bcher-kva.example");
  assert_normal ("*.bücher.example:81", "*.xn--bcher-kva.example:81");

  assert_refused ("");
  assert_refused ("   ");
  assert_refused ("*");
  assert_refused ("*.");
  assert_refused ("*.com");
  assert_refused ("a.*.com");
  assert_refused ("ex*ample.com");
  assert_refused ("127.0.0.1");
  assert_refused ("2130706433");
  assert_refused ("[::1]:443");
  assert_refused ("::1");
  assert_refused ("example.com:0");
  assert_refused ("example.com:65536");
  assert_refused ("example.com:");
  assert_refused ("example.com:http");
  assert_refused ("exa mple.com");
  assert_refused ("-example.com");
  assert_refused ("example..com");
}

static void
test_refcount (void)
{
  CorralHostMatcher *m = corral_host_matcher_new (FALSE);
  CorralHostMatcher *r = corral_host_matcher_ref (m);

  g_assert_true (m == r);
  g_assert_true (corral_host_matcher_add (m, "a.example", NULL));
  corral_host_matcher_unref (m);
  g_assert_cmpuint (corral_host_matcher_get_n_entries (r), ==, 1);
  corral_host_matcher_unref (r);
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);
  g_test_add_func ("/host-matcher/exact", test_exact);
  g_test_add_func ("/host-matcher/wildcard", test_wildcard);
  g_test_add_func ("/host-matcher/ports", test_ports);
  g_test_add_func ("/host-matcher/ip-literals", test_ip_literals);
  g_test_add_func ("/host-matcher/bad-names", test_bad_names);
  g_test_add_func ("/host-matcher/idn", test_idn);
  g_test_add_func ("/host-matcher/normalize", test_normalize);
  g_test_add_func ("/host-matcher/refcount", test_refcount);
  return g_test_run ();
}
