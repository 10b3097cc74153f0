/* test-network-policy.c: the lists a project's guest may reach, and the
 * addresses it may never reach whatever the lists say
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "config.h"

#include "corral-network-policy.h"

static CorralHostVerdict
check (CorralHostMatcher *m,
       const char        *host)
{
  return corral_host_matcher_check (m, host, 443, NULL);
}

static void
test_modes (void)
{
  const char *ticked[] = { "npm", "no-such-preset", NULL };
  const char *allow[] = { "*.corp.example", "bad entry", NULL };
  g_autoptr(CorralHostMatcher) list = corral_network_policy_matcher (CORRAL_NETWORK_ALLOWLIST, ticked, allow);
  g_autoptr(CorralHostMatcher) full = corral_network_policy_matcher (CORRAL_NETWORK_FULL, NULL, NULL);
  CorralNetworkMode mode;

  g_assert_null (corral_network_policy_matcher (CORRAL_NETWORK_OFF, ticked, allow));
  /* the agent's own hosts are always there */
  for (guint i = 0; corral_network_builtin_hosts ()[i] != NULL; i++)
    g_assert_cmpint (check (list, corral_network_builtin_hosts ()[i]), ==, CORRAL_HOST_ALLOWED);
  g_assert_cmpint (check (list, "api.anthropic.com"), ==, CORRAL_HOST_ALLOWED);
  /* the agent's sign-in inside the guest: claude.com first, then claude.ai,
   * or the Console's platform.claude.com */
  g_assert_cmpint (check (list, "claude.com"), ==, CORRAL_HOST_ALLOWED);
  g_assert_cmpint (check (list, "claude.ai"), ==, CORRAL_HOST_ALLOWED);
  g_assert_cmpint (check (list, "platform.claude.com"), ==, CORRAL_HOST_ALLOWED);
  g_assert_cmpint (check (list, "registry.npmjs.org"), ==, CORRAL_HOST_ALLOWED);
  g_assert_cmpint (check (list, "git.corp.example"), ==, CORRAL_HOST_ALLOWED);
  /* presets not ticked are not there; telemetry is not built in */
  g_assert_cmpint (check (list, "github.com"), ==, CORRAL_HOST_NOT_LISTED);
  g_assert_cmpint (check (list, "pypi.org"), ==, CORRAL_HOST_NOT_LISTED);
  g_assert_cmpint (check (list, "statsig.anthropic.com"), ==, CORRAL_HOST_NOT_LISTED);
  g_assert_cmpint (check (list, "sentry.io"), ==, CORRAL_HOST_NOT_LISTED);
  g_assert_cmpint (check (full, "anything.example"), ==, CORRAL_HOST_ALLOWED);

  g_assert_true (corral_network_mode_from_string ("full", &mode));
  g_assert_cmpint (mode, ==, CORRAL_NETWORK_FULL);
  g_assert_false (corral_network_mode_from_string ("FULL", &mode));
  g_assert_cmpstr (corral_network_mode_to_string (CORRAL_NETWORK_ALLOWLIST), ==, "allowlist");
}

static void
test_presets (void)
{
  struct { const char *id, *host; } expect[] = {
    { "github", "github.com" }, { "github", "api.github.com" }, { "github", "codeload.github.com" },
    { "github", "raw.githubusercontent.com" }, { "github", "objects.githubusercontent.com" },
    { "npm", "registry.npmjs.org" }, { "pypi", "pypi.org" }, { "pypi", "files.pythonhosted.org" },
    { "debian", "deb.debian.org" }, { "debian", "security.debian.org" },
  };

  for (guint i = 0; i < G_N_ELEMENTS (expect); i++)
    {
      const char *ticked[] = { expect[i].id, NULL };
      g_autoptr(CorralHostMatcher) m = corral_network_policy_matcher (CORRAL_NETWORK_ALLOWLIST, ticked, NULL);

      g_assert_nonnull (corral_network_preset_lookup (expect[i].id));
      g_assert_cmpint (check (m, expect[i].host), ==, CORRAL_HOST_ALLOWED);
      /* Debian's archive over plain http too */
      g_assert_cmpint (corral_host_matcher_check (m, expect[i].host, 80, NULL), ==, CORRAL_HOST_ALLOWED);
    }
  /* every entry of every preset is a valid entry */
  {
    guint n;
    const CorralNetworkPreset *presets = corral_network_presets (&n);

    for (guint i = 0; i < n; i++)
      for (guint j = 0; presets[i].hosts[j] != NULL; j++)
        {
          g_autofree char *normal = corral_host_entry_normalize (presets[i].hosts[j], NULL);
          g_assert_cmpstr (normal, ==, presets[i].hosts[j]);
        }
  }
}

static void
assert_refused (const char *address,
                gboolean    refused)
{
  g_autoptr(GInetAddress) a = g_inet_address_new_from_string (address);

  g_assert_nonnull (a);
  if ((corral_network_address_refusal (a) != NULL) != refused)
    g_error ("%s: expected %s", address, refused ? "refused" : "allowed");
}

static void
test_addresses (void)
{
  const char *refused[] = { "127.0.0.1", "127.12.0.1", "0.0.0.0", "0.1.2.3", "169.254.169.254",
                            "224.0.0.1", "255.255.255.255", "::1", "::", "fe80::1", "ff02::1",
                            "::ffff:127.0.0.1", "::ffff:169.254.169.254", NULL };
  const char *allowed[] = { "192.0.2.2", "10.0.0.1", "192.168.1.1", "140.82.112.3",
                            "2606:4700::6810:85e5", "::ffff:140.82.112.3", NULL };

  for (guint i = 0; refused[i] != NULL; i++)
    assert_refused (refused[i], TRUE);
  for (guint i = 0; allowed[i] != NULL; i++)
    assert_refused (allowed[i], FALSE);
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);
  g_test_add_func ("/network-policy/modes", test_modes);
  g_test_add_func ("/network-policy/presets", test_presets);
  g_test_add_func ("/network-policy/addresses", test_addresses);
  return g_test_run ();
}
