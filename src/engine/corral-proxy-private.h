/* corral-proxy-private.h: what the files of CorralProxy share, and no one else
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * CorralProxy is split by concern: corral-proxy.c (the object, the
 * listening socket, the connection count, the watchdog, reports to the
 * main context), corral-proxy-connection.c (one guest connection on its
 * own thread: the head, CONNECT, plain HTTP, refusals, the byte pumps)
 * and corral-proxy-api.c (the agent's API endpoint).
 *
 * Threads: each connection runs on a thread of its own and blocks in
 * GIO's calls; it holds a reference on the Shared state, never on the
 * GObject. A watchdog on the main context cancels connections that are
 * idle too long (their GCancellable); stop cancels them all.
 */
#pragma once

#include "corral-http-request.h"
#include "corral-proxy.h"

G_BEGIN_DECLS

typedef struct _CorralProxyConn CorralProxyConn;

typedef enum {
  CORRAL_PROXY_PHASE_HEAD,        /* waiting for a request head */
  CORRAL_PROXY_PHASE_CONNECTING,  /* resolving and connecting upstream */
  CORRAL_PROXY_PHASE_OPEN,        /* bytes flow; idle-timeout applies */
} CorralProxyPhase;

/* The state connections share with the object, alive as long as any of
 * them. Fields marked "lock" are read and written under @lock; the rest
 * are set before the first connection and only read after. */
typedef struct {
  gatomicrefcount    ref;
  GMutex             lock;
  GCond              cond;          /* signalled when a connection ends */
  CorralHostMatcher *matcher;       /* lock */
  char              *api_key;       /* lock; wiped when replaced */
  GPtrArray         *conns;         /* lock; the open connections */
  gboolean           stopping;      /* lock */

  GMainContext      *context;       /* where reports go */
  GWeakRef           proxy;         /* who reports them */
  guint              idle_timeout;  /* seconds */

  /* The API endpoint's upstream */
  char              *api_host;      /* "api.anthropic.com" */
  guint16            api_port;
  GTlsDatabase      *api_ca;        /* NULL: the system's */
  /* Test-only DNS answers: name -> GInetAddress */
  GHashTable        *resolve;
} CorralProxyShared;

CorralProxyShared *_corral_proxy_shared_ref   (CorralProxyShared *shared);
void               _corral_proxy_shared_unref (CorralProxyShared *shared);
/* A copy of the key under the lock (wipe and free it), or NULL. */
char              *_corral_proxy_shared_dup_api_key (CorralProxyShared *shared);
CorralHostMatcher *_corral_proxy_shared_dup_matcher (CorralProxyShared *shared);
/* Reports a decision on the main context (the object's "connection"). */
void               _corral_proxy_report       (CorralProxyShared *shared,
                                               const char        *host,
                                               guint16            port,
                                               gboolean           allowed,
                                               const char        *reason);

struct _CorralProxyConn
{
  CorralProxyShared *shared;
  GSocketConnection *client;
  GIOStream         *upstream;       /* a GSocketConnection or a GTlsConnection */
  GCancellable      *cancellable;    /* cancelled by the watchdog or stop */
  gint               phase;          /* CorralProxyPhase, atomic */
  gint               last_activity;  /* monotonic seconds, atomic */
  guint8            *buffer;         /* CORRAL_PROXY_BUFFER_SIZE: the head, then client -> upstream */
  gsize              buffered;       /* bytes in @buffer */
};

/* The connection's thread: serves @conn, then frees it. */
gpointer  _corral_proxy_conn_run        (gpointer         data);
void      _corral_proxy_conn_free       (CorralProxyConn *conn);
void      _corral_proxy_conn_set_phase  (CorralProxyConn *conn,
                                         CorralProxyPhase phase);
void      _corral_proxy_conn_touch      (CorralProxyConn *conn);

/* Reads until conn->buffer holds a whole request head (bytes already in
 * it count); FALSE at EOF before one or on a transport error. A head that
 * cannot be parsed is answered with its status when @answer_errors (not
 * while another thread writes to the client), and FALSE returned. */
gboolean  _corral_proxy_conn_read_head  (CorralProxyConn    *conn,
                                         gboolean            answer_errors,
                                         CorralHttpRequest **request,
                                         gsize              *head_length);
/* Writes an HTTP response with a text body and "Connection: close". */
void      _corral_proxy_conn_respond    (CorralProxyConn *conn,
                                         guint            status,
                                         const char      *reason_phrase,
                                         const char      *content_type,
                                         const char      *body);
/* Copies @in to @out until EOF (@limit -1) or @limit bytes, through
 * @buffer (CORRAL_PROXY_BUFFER_SIZE). TRUE at EOF or the limit. */
gboolean  _corral_proxy_conn_pump       (CorralProxyConn *conn,
                                         GInputStream    *in,
                                         GOutputStream   *out,
                                         guint8          *buffer,
                                         gint64           limit,
                                         GError         **error);
gboolean  _corral_proxy_conn_write_all  (CorralProxyConn *conn,
                                         GOutputStream   *out,
                                         const void      *data,
                                         gsize            length,
                                         GError         **error);
/* TCP's FIN, or TLS's close_notify: no more bytes from us on @stream. */
void      _corral_proxy_conn_shutdown_write (GIOStream  *stream);
/* Copies upstream -> client on a second thread while the caller serves
 * the other direction; _join waits for it. */
GThread  *_corral_proxy_conn_pump_back  (CorralProxyConn *conn);
void      _corral_proxy_conn_join       (CorralProxyConn *conn,
                                         GThread         *thread);

/* corral-proxy-api.c: the agent's API, from the request in @conn's buffer */
void      _corral_proxy_api_serve       (CorralProxyConn   *conn,
                                         CorralHttpRequest *request,
                                         gsize              head_length);

G_END_DECLS
