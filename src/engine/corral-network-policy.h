/* corral-network-policy.h: what a project's guest may reach, and where
 * it finds Corral's proxy
 *
 * The allowlist is three lists: the hosts the default agent needs (built
 * in, always on), presets a person ticks (GitHub, npm, PyPI, Debian) and
 * free-form entries (corral-host-matcher.h says what an entry is). The
 * profile keeps the ticks and the entries; this file turns them into a
 * matcher for the proxy. Pure: no I/O.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#pragma once

#include <gio/gio.h>

#include "corral-host-matcher.h"

G_BEGIN_DECLS

typedef enum {
  CORRAL_NETWORK_OFF,        /* no network device at all */
  CORRAL_NETWORK_ALLOWLIST,  /* no route out; the proxy lets listed names through */
  CORRAL_NETWORK_FULL,       /* passt's route out; the proxy lets every name through */
} CorralNetworkMode;

#define CORRAL_TYPE_NETWORK_MODE (corral_network_mode_get_type ())
GType corral_network_mode_get_type (void);

/* "off", "allowlist", "full" (also the --network option's words), or
 * NULL for a value out of range. */
const char *corral_network_mode_to_string   (CorralNetworkMode  mode);
gboolean    corral_network_mode_from_string (const char        *text,
                                             CorralNetworkMode *mode);

/* Where the guest finds the proxy (the jail's relay listens there, see
 * data/guests/CONTRACT.md): the default gateway passt hands out. */
#define CORRAL_PROXY_GUEST_ADDRESS "10.0.2.2"
#define CORRAL_PROXY_GUEST_PORT    3128
#define CORRAL_PROXY_GUEST_URL     "http://" CORRAL_PROXY_GUEST_ADDRESS ":3128"

/* What the guest gets instead of the API key: the proxy swaps it for the
 * real key on the agent's API requests. Not a secret. */
#define CORRAL_PROXY_PLACEHOLDER_KEY "sk-ant-corral-placeholder-the-key-stays-on-the-host"

typedef struct {
  const char         *id;     /* saved in the profile: "github" */
  const char         *title;  /* for a person, translatable (N_) */
  const char * const *hosts;  /* matcher entries */
} CorralNetworkPreset;

/* The presets, in the order the settings show them. */
const CorralNetworkPreset *corral_network_presets        (guint *n_presets);
const CorralNetworkPreset *corral_network_preset_lookup  (const char *id);
/* Every preset's id: what a new project gets ticked. */
GStrv                      corral_network_preset_ids     (void);

/* The hosts the default agent (Claude Code) needs: its API and sign-in.
 * Sources in the .c file. */
const char * const        *corral_network_builtin_hosts  (void);

/* The matcher for a run: every name in full mode; in allowlist mode the
 * built-in hosts, the ticked @presets (unknown ids are skipped) and the
 * @allow entries (invalid ones are skipped; the profile refuses them
 * earlier). NULL for off. */
CorralHostMatcher         *corral_network_policy_matcher (CorralNetworkMode    mode,
                                                          const char * const *presets,
                                                          const char * const *allow);

/* Why the proxy must not connect to @address on the guest's behalf, or
 * NULL: this computer's loopback and "this host" (127/8, 0/8, ::1, ::),
 * link-local addresses (169.254/16, where clouds keep their metadata
 * service, and fe80::/10) and multicast. An IPv4-mapped IPv6 address is
 * judged as its IPv4 address. A name on the list whose DNS answer is one
 * of these would otherwise hand the guest the host's own services. */
const char                *corral_network_address_refusal (GInetAddress *address);

G_END_DECLS
