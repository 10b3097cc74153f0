/* corral-network-policy.c: what a project's guest may reach
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "config.h"

#include <string.h>
#include <glib/gi18n.h>

#include "corral-network-policy.h"

G_DEFINE_ENUM_TYPE (CorralNetworkMode, corral_network_mode,
  G_DEFINE_ENUM_VALUE (CORRAL_NETWORK_OFF, "off"),
  G_DEFINE_ENUM_VALUE (CORRAL_NETWORK_ALLOWLIST, "allowlist"),
  G_DEFINE_ENUM_VALUE (CORRAL_NETWORK_FULL, "full"))

/* Claude Code's own hosts, from its documentation:
 * - "Network access requirements" of the corporate proxy page
 *   (docs.anthropic.com/en/docs/claude-code/corporate-proxy) lists
 *   api.anthropic.com, statsig.anthropic.com and sentry.io; the later
 *   "Enterprise network configuration" page
 *   (docs.claude.com/…/claude-code/network-config) adds claude.ai
 *   ("WebFetch safeguards").
 * - Sign-in (docs.anthropic.com/en/docs/claude-code/setup): through the
 *   Anthropic Console, OAuth at console.anthropic.com (now also
 *   platform.claude.com), or with a Claude.ai account.
 * - The sign-in inside the guest (issue 15: no key on the host) opens
 *   claude.com first: the guest's Claude Code 2.1.332 has
 *   CLAUDE_AI_AUTHORIZE_URL https://claude.com/cai/oauth/authorize
 *   (which sends the browser on to claude.ai), CONSOLE_AUTHORIZE_URL
 *   https://platform.claude.com/oauth/authorize and TOKEN_URL
 *   https://platform.claude.com/v1/oauth/token (read from its binary).
 * Left out: statsig.anthropic.com (telemetry) and sentry.io (error
 * reports) are "non-essential traffic", which the guest turns off with
 * CLAUDE_CODE_DISABLE_NONESSENTIAL_TRAFFIC=1; sentry.io would also let
 * anything in the guest post to any Sentry project. The installer and
 * update hosts are not needed either: the agent is part of the guest. */
static const char * const builtin_hosts[] = {
  "api.anthropic.com",
  "claude.ai",
  "claude.com",
  "console.anthropic.com",
  "platform.claude.com",
  NULL
};

static const char * const github_hosts[] = {
  "github.com", "api.github.com", "codeload.github.com", "uploads.github.com",
  "*.githubusercontent.com", "ghcr.io", NULL
};
static const char * const npm_hosts[] = { "registry.npmjs.org", "registry.yarnpkg.com", NULL };
static const char * const pypi_hosts[] = { "pypi.org", "files.pythonhosted.org", NULL };
static const char * const debian_hosts[] = { "deb.debian.org", "security.debian.org", NULL };
/* The guest's Chromium installs the forced "Claude in Chrome" extension
 * through Chromium's extension update protocol: the update check at
 * clients2.google.com, the package from clients2.googleusercontent.com
 * (Chromium's default update URL and its download redirect; not checked
 * from these machines, which reach no Google host). */
static const char * const chrome_hosts[] = { "clients2.google.com", "clients2.googleusercontent.com", NULL };

static const CorralNetworkPreset presets[] = {
  { "github", N_("GitHub"), github_hosts },
  { "npm", N_("npm registry"), npm_hosts },
  { "pypi", N_("Python Package Index (PyPI)"), pypi_hosts },
  { "debian", N_("Debian’s package archive"), debian_hosts },
  { "chrome", N_("Chrome Web Store (the Claude in Chrome extension)"), chrome_hosts },
};

const char *
corral_network_mode_to_string (CorralNetworkMode mode)
{
  switch (mode)
    {
    case CORRAL_NETWORK_OFF: return "off";
    case CORRAL_NETWORK_ALLOWLIST: return "allowlist";
    case CORRAL_NETWORK_FULL: return "full";
    default: return NULL;
    }
}

gboolean
corral_network_mode_from_string (const char        *text,
                                 CorralNetworkMode *mode)
{
  for (CorralNetworkMode m = CORRAL_NETWORK_OFF; m <= CORRAL_NETWORK_FULL; m++)
    if (g_strcmp0 (text, corral_network_mode_to_string (m)) == 0)
      {
        *mode = m;
        return TRUE;
      }
  return FALSE;
}

const CorralNetworkPreset *
corral_network_presets (guint *n_presets)
{
  *n_presets = G_N_ELEMENTS (presets);
  return presets;
}

const CorralNetworkPreset *
corral_network_preset_lookup (const char *id)
{
  for (guint i = 0; i < G_N_ELEMENTS (presets); i++)
    if (g_strcmp0 (presets[i].id, id) == 0)
      return &presets[i];
  return NULL;
}

GStrv
corral_network_preset_ids (void)
{
  g_autoptr(GStrvBuilder) builder = g_strv_builder_new ();

  for (guint i = 0; i < G_N_ELEMENTS (presets); i++)
    g_strv_builder_add (builder, presets[i].id);
  return g_strv_builder_end (builder);
}

const char * const *
corral_network_builtin_hosts (void)
{
  return builtin_hosts;
}

static void
add_all (CorralHostMatcher  *matcher,
         const char * const *entries)
{
  for (guint i = 0; entries != NULL && entries[i] != NULL; i++)
    corral_host_matcher_add (matcher, entries[i], NULL);
}

static const char *
ipv4_refusal (const guint8 *b)
{
  if (b[0] == 127 || b[0] == 0)
    return _("it is this computer’s own address");
  if (b[0] == 169 && b[1] == 254)
    return _("it is a link-local address");
  if (b[0] >= 224 && b[0] <= 239)
    return _("it is a multicast address");
  if (b[0] == 255 && b[1] == 255 && b[2] == 255 && b[3] == 255)
    return _("it is a broadcast address");
  return NULL;
}

const char *
corral_network_address_refusal (GInetAddress *address)
{
  const guint8 *b = g_inet_address_to_bytes (address);
  static const guint8 mapped_prefix[12] = { 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff };

  if (g_inet_address_get_family (address) == G_SOCKET_FAMILY_IPV4)
    return ipv4_refusal (b);
  if (memcmp (b, mapped_prefix, sizeof mapped_prefix) == 0)
    return ipv4_refusal (b + 12);
  if (g_inet_address_get_is_loopback (address) || g_inet_address_get_is_any (address))
    return _("it is this computer’s own address");
  if (g_inet_address_get_is_link_local (address))
    return _("it is a link-local address");
  if (g_inet_address_get_is_multicast (address))
    return _("it is a multicast address");
  return NULL;
}

CorralHostMatcher *
corral_network_policy_matcher (CorralNetworkMode    mode,
                               const char * const *ticked,
                               const char * const *allow)
{
  CorralHostMatcher *matcher;

  if (mode == CORRAL_NETWORK_OFF)
    return NULL;
  matcher = corral_host_matcher_new (mode == CORRAL_NETWORK_FULL);
  if (mode == CORRAL_NETWORK_FULL)
    return matcher;

  add_all (matcher, builtin_hosts);
  for (guint i = 0; ticked != NULL && ticked[i] != NULL; i++)
    {
      const CorralNetworkPreset *preset = corral_network_preset_lookup (ticked[i]);
      if (preset != NULL)
        add_all (matcher, preset->hosts);
    }
  add_all (matcher, allow);
  return matcher;
}
