/* corral-proxy.h: the host side of a guest's network, one per running VM
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * Listens on a Unix socket in the run dir; the jail's relay turns each
 * guest connection to GATEWAY:3128 into one connection here (see
 * corral-network-policy.h and data/guests/CONTRACT.md). What arrives:
 *
 * - CONNECT host:port: tunnelled by host name, no decryption;
 * - GET http://host/…: forwarded by its host, as origin-form;
 * - a request that is not a proxy request (POST /v1/messages), or one
 *   for the proxy's own address: the agent's API. The placeholder key
 *   is swapped for the real one and the request goes on over TLS to the
 *   API (certificates checked); the answer streams back as it comes.
 *
 * Names are checked against the current matcher (a change applies to the
 * next connection) and resolved here, on the host; a refusal is a 403
 * whose body says why and how to allow the host. Bounded: at most
 * max-connections at once, fixed buffers per connection, a head must
 * arrive within 30 s, a connection idle for idle-timeout is closed.
 * Connections are served on threads of their own, so the window's main
 * loop never waits on the network; the signals are emitted on the main
 * context the proxy was made in.
 *
 * Test-only settings, read when the proxy is made (the tests' fake
 * servers on the host; nothing else sets them):
 *   CORRAL_API_UPSTREAM=https://HOST:PORT  where the API requests go
 *                                          (default https://api.anthropic.com)
 *   CORRAL_API_CA_FILE=FILE.pem            the CA the API's certificate is
 *                                          checked against instead of the system's
 *   CORRAL_PROXY_RESOLVE=NAME=ADDR,…       answers used instead of DNS
 */
#pragma once

#include <gio/gio.h>

#include "corral-host-matcher.h"

G_BEGIN_DECLS

#define CORRAL_PROXY_DEFAULT_MAX_CONNECTIONS 128
#define CORRAL_PROXY_DEFAULT_IDLE_TIMEOUT    600   /* seconds */
#define CORRAL_PROXY_HEAD_TIMEOUT            30    /* seconds, also to connect */
#define CORRAL_PROXY_BUFFER_SIZE             65536 /* per direction and connection */

#define CORRAL_TYPE_PROXY (corral_proxy_get_type ())
G_DECLARE_FINAL_TYPE (CorralProxy, corral_proxy, CORRAL, PROXY, GObject)

/*
 * Properties:
 *   socket-path      string, construct-only: where to listen
 *   max-connections  uint (default 128): more are answered 503 and closed
 *   idle-timeout     uint seconds (default 600)
 *   n-connections    uint, read-only: open now (notifies)
 *
 * Signals:
 *   connection (const char *host, guint port, gboolean allowed,
 *               const char *reason)
 *       a guest asked for host:port and was let through (reason NULL) or
 *       refused (reason says why, for a person). The API endpoint reports
 *       each request as its upstream host.
 */

CorralProxy *corral_proxy_new            (const char         *socket_path);

/* Binds and listens (a stale socket file is replaced). */
gboolean     corral_proxy_start          (CorralProxy        *self,
                                          GError            **error);
/* Closes every connection and the socket, and removes the socket file.
 * Waits (at most a second) for the connections' threads to let go. */
void         corral_proxy_stop           (CorralProxy        *self);

/* The names and ports the guest may reach, for new connections. NULL
 * refuses everything. */
void         corral_proxy_set_matcher    (CorralProxy        *self,
                                          CorralHostMatcher  *matcher);
/* The real API key the placeholder is swapped for (copied; the old one
 * is wiped). NULL: API requests carrying the placeholder get a 401
 * saying Corral has no key. */
void         corral_proxy_set_api_key    (CorralProxy        *self,
                                          const char         *api_key);

const char  *corral_proxy_get_socket_path (CorralProxy       *self);
guint        corral_proxy_get_n_connections (CorralProxy     *self);

G_END_DECLS
