/* corral-host-matcher.h: which host names and ports the guest may reach
 *
 * An allowlist of entries a person can read: "example.com" (that name),
 * "*.example.com" (every name under it, not example.com itself), either
 * with ":port". Without a port an entry allows 443 and 80. Names compare
 * without regard to case or a trailing dot; international names are
 * matched in their ASCII (punycode) form, which is what clients send. IP
 * literals are refused always, in every spelling getaddrinfo() accepts
 * ("127.1", "0x7f.1", "2130706433", "[::1]"): the proxy connects to names,
 * and an address would bypass every name on the list.
 *
 * A matcher is built once and then only read: the proxy takes the current
 * one for each new connection, and a change builds a new one. Pure.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#pragma once

#include <glib-object.h>

G_BEGIN_DECLS

typedef enum {
  CORRAL_HOST_ALLOWED,
  CORRAL_HOST_NOT_LISTED,
  CORRAL_HOST_IP_LITERAL,
  CORRAL_HOST_PORT,        /* the name is listed, but not for this port */
  CORRAL_HOST_BAD_NAME,    /* not a host name at all */
} CorralHostVerdict;

#define CORRAL_HOST_ENTRY_ERROR (corral_host_entry_error_quark ())
GQuark corral_host_entry_error_quark (void);
typedef enum {
  CORRAL_HOST_ENTRY_ERROR_INVALID,
} CorralHostEntryError;

typedef struct _CorralHostMatcher CorralHostMatcher;

#define CORRAL_TYPE_HOST_MATCHER (corral_host_matcher_get_type ())
GType              corral_host_matcher_get_type (void);

/* @allow_all: every valid name on every port (network mode "full");
 * IP literals are still refused. */
CorralHostMatcher *corral_host_matcher_new    (gboolean            allow_all);
CorralHostMatcher *corral_host_matcher_ref    (CorralHostMatcher  *self);
void               corral_host_matcher_unref  (CorralHostMatcher  *self);

/* Adds one entry (see corral_host_entry_normalize()). Only while the
 * matcher is being built, before it is shared. */
gboolean           corral_host_matcher_add    (CorralHostMatcher  *self,
                                               const char         *entry,
                                               GError            **error);
guint              corral_host_matcher_get_n_entries (CorralHostMatcher *self);

/* Whether @host (as a client sent it) on @port may be reached. @reason,
 * when not NULL, gets a sentence for a person saying why not (NULL when
 * allowed). */
CorralHostVerdict  corral_host_matcher_check  (CorralHostMatcher  *self,
                                               const char         *host,
                                               guint16             port,
                                               char              **reason);

/* The canonical form of an entry typed by a person, e.g.
 * " *.Example.COM. " → "*.example.com", "https://bücher.example:8443/x"
 * → "xn--bcher-kva.example:8443"; NULL with an error that says what is
 * wrong (an IP address, "*", a wildcard over a top-level domain, a bad
 * port or label). */
char              *corral_host_entry_normalize (const char        *entry,
                                                GError           **error);

/* Whether @host is an IP literal in any form a resolver would take. */
gboolean           corral_host_is_ip_literal  (const char         *host);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (CorralHostMatcher, corral_host_matcher_unref)

G_END_DECLS
