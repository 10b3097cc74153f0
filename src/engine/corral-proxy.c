/* corral-proxy.c: the host side of a guest's network, one per running VM
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * This file: the object, the listening socket, the limit on connections,
 * the watchdog and the reports. A connection's life is in
 * corral-proxy-connection.c, the API endpoint in corral-proxy-api.c.
 */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <string.h>
#include <sys/un.h>
#include <unistd.h>
#include <glib/gi18n.h>
#include <glib/gstdio.h>
#include <gio/gunixsocketaddress.h>

#include "corral-guest-io.h"
#include "corral-proxy-private.h"

#define DEFAULT_API_URL "https://api.anthropic.com"

struct _CorralProxy
{
  GObject parent_instance;

  char              *socket_path;
  guint              max_connections;
  guint              n_connections;
  CorralProxyShared *shared;
  GSocketService    *service;
  guint              watchdog;
};

G_DEFINE_FINAL_TYPE (CorralProxy, corral_proxy, G_TYPE_OBJECT)

enum {
  PROP_0,
  PROP_SOCKET_PATH,
  PROP_MAX_CONNECTIONS,
  PROP_IDLE_TIMEOUT,
  PROP_N_CONNECTIONS,
  N_PROPS
};
static GParamSpec *properties[N_PROPS];

enum { SIGNAL_CONNECTION, N_SIGNALS };
static guint signals[N_SIGNALS];

/* --- shared state ----------------------------------------------------------- */

static void
wipe (char **secret)
{
  if (*secret != NULL)
    explicit_bzero (*secret, strlen (*secret));
  g_clear_pointer (secret, g_free);
}

CorralProxyShared *
_corral_proxy_shared_ref (CorralProxyShared *shared)
{
  g_atomic_ref_count_inc (&shared->ref);
  return shared;
}

void
_corral_proxy_shared_unref (CorralProxyShared *shared)
{
  if (!g_atomic_ref_count_dec (&shared->ref))
    return;
  g_clear_pointer (&shared->matcher, corral_host_matcher_unref);
  wipe (&shared->api_key);
  g_ptr_array_unref (shared->conns);
  g_main_context_unref (shared->context);
  g_weak_ref_clear (&shared->proxy);
  g_free (shared->api_host);
  g_clear_object (&shared->api_ca);
  g_clear_pointer (&shared->resolve, g_hash_table_unref);
  g_mutex_clear (&shared->lock);
  g_cond_clear (&shared->cond);
  g_free (shared);
}

char *
_corral_proxy_shared_dup_api_key (CorralProxyShared *shared)
{
  char *key;

  g_mutex_lock (&shared->lock);
  key = g_strdup (shared->api_key);
  g_mutex_unlock (&shared->lock);
  return key;
}

CorralHostMatcher *
_corral_proxy_shared_dup_matcher (CorralProxyShared *shared)
{
  CorralHostMatcher *matcher = NULL;

  g_mutex_lock (&shared->lock);
  if (shared->matcher != NULL)
    matcher = corral_host_matcher_ref (shared->matcher);
  g_mutex_unlock (&shared->lock);
  return matcher;
}

typedef struct {
  CorralProxyShared *shared;
  char *host;
  guint16 port;
  gboolean allowed;
  char *reason;
} Report;

static void
report_free (gpointer data)
{
  Report *report = data;

  _corral_proxy_shared_unref (report->shared);
  g_free (report->host);
  g_free (report->reason);
  g_free (report);
}

static gboolean
report_cb (gpointer data)
{
  Report *report = data;
  g_autoptr(CorralProxy) self = g_weak_ref_get (&report->shared->proxy);

  if (self != NULL)
    g_signal_emit (self, signals[SIGNAL_CONNECTION], 0,
                   report->host, (guint) report->port, report->allowed, report->reason);
  return G_SOURCE_REMOVE;
}

void
_corral_proxy_report (CorralProxyShared *shared,
                      const char        *host,
                      guint16            port,
                      gboolean           allowed,
                      const char        *reason)
{
  Report *report = g_new0 (Report, 1);

  report->shared = _corral_proxy_shared_ref (shared);
  report->host = g_strdup (host);
  report->port = port;
  report->allowed = allowed;
  report->reason = g_strdup (reason);
  g_main_context_invoke_full (shared->context, CORRAL_GUEST_IO_PRIORITY, report_cb, report, report_free);
}

/* The test-only settings (see the header). Anything unreadable is
 * ignored with a warning: the default is the real API. */
static void
read_test_settings (CorralProxyShared *shared)
{
  const char *url = g_getenv ("CORRAL_API_UPSTREAM");
  const char *ca = g_getenv ("CORRAL_API_CA_FILE");
  const char *resolve = g_getenv ("CORRAL_PROXY_RESOLVE");
  g_autoptr(GUri) uri = NULL;

  uri = g_uri_parse (url != NULL ? url : DEFAULT_API_URL, G_URI_FLAGS_NONE, NULL);
  if (uri == NULL || g_strcmp0 (g_uri_get_scheme (uri), "https") != 0 || g_uri_get_host (uri) == NULL)
    {
      g_warning ("CORRAL_API_UPSTREAM is not an https URL; using %s", DEFAULT_API_URL);
      g_clear_pointer (&uri, g_uri_unref);
      uri = g_uri_parse (DEFAULT_API_URL, G_URI_FLAGS_NONE, NULL);
    }
  shared->api_host = g_strdup (g_uri_get_host (uri));
  shared->api_port = g_uri_get_port (uri) > 0 ? g_uri_get_port (uri) : 443;

  if (ca != NULL)
    {
      g_autoptr(GError) error = NULL;

      shared->api_ca = g_tls_file_database_new (ca, &error);
      if (shared->api_ca == NULL)
        g_warning ("CORRAL_API_CA_FILE: %s", error->message);
    }

  shared->resolve = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, g_object_unref);
  if (resolve != NULL)
    {
      g_auto(GStrv) pairs = g_strsplit (resolve, ",", 0);

      for (guint i = 0; pairs[i] != NULL; i++)
        {
          char *eq = strchr (pairs[i], '=');
          GInetAddress *address = eq ? g_inet_address_new_from_string (eq + 1) : NULL;

          if (address == NULL)
            {
              g_warning ("CORRAL_PROXY_RESOLVE: “%s” is not NAME=ADDRESS", pairs[i]);
              continue;
            }
          *eq = '\0';
          g_hash_table_replace (shared->resolve, g_ascii_strdown (pairs[i], -1), address);
        }
    }
}

/* --- connections ------------------------------------------------------------ */

static void
set_n_connections (CorralProxy *self,
                   guint        n)
{
  if (self->n_connections == n)
    return;
  self->n_connections = n;
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_N_CONNECTIONS]);
}

static gboolean watchdog_cb (gpointer data);

static gboolean
incoming_cb (GSocketService    *service,
             GSocketConnection *connection,
             GObject           *source_object,
             CorralProxy       *self)
{
  CorralProxyShared *shared = self->shared;
  CorralProxyConn *conn;
  GThread *thread;
  g_autoptr(GError) error = NULL;
  guint n;

  g_mutex_lock (&shared->lock);
  n = shared->conns->len;
  g_mutex_unlock (&shared->lock);
  if (n >= self->max_connections || shared->stopping)
    {
      static const char busy[] =
        "HTTP/1.1 503 Service Unavailable\r\nContent-Type: text/plain\r\nConnection: close\r\n\r\n"
        "Corral's proxy has too many connections open for this virtual machine; try again later.\n";

      /* A fresh local socket takes this much without blocking. */
      g_output_stream_write_all (g_io_stream_get_output_stream (G_IO_STREAM (connection)),
                                 busy, sizeof busy - 1, NULL, NULL, NULL);
      g_io_stream_close (G_IO_STREAM (connection), NULL, NULL);
      return TRUE;
    }

  conn = g_new0 (CorralProxyConn, 1);
  conn->shared = _corral_proxy_shared_ref (shared);
  conn->client = g_object_ref (connection);
  conn->cancellable = g_cancellable_new ();
  conn->buffer = g_malloc (CORRAL_PROXY_BUFFER_SIZE);
  conn->phase = CORRAL_PROXY_PHASE_HEAD;
  _corral_proxy_conn_touch (conn);

  g_mutex_lock (&shared->lock);
  g_ptr_array_add (shared->conns, conn);
  g_mutex_unlock (&shared->lock);

  thread = g_thread_try_new ("corral-proxy", _corral_proxy_conn_run, conn, &error);
  if (thread == NULL)
    {
      g_warning ("Could not start a thread for a guest connection: %s", error->message);
      _corral_proxy_conn_free (conn);
      return TRUE;
    }
  g_thread_unref (thread);
  set_n_connections (self, n + 1);
  if (self->watchdog == 0)
    self->watchdog = g_timeout_add_seconds (1, watchdog_cb, self);
  return TRUE;
}

void
_corral_proxy_conn_free (CorralProxyConn *conn)
{
  CorralProxyShared *shared = conn->shared;

  /* Out of the watchdog's sight first: it may cancel what it sees. */
  g_mutex_lock (&shared->lock);
  g_ptr_array_remove_fast (shared->conns, conn);
  g_cond_broadcast (&shared->cond);
  g_mutex_unlock (&shared->lock);

  if (conn->upstream != NULL)
    g_io_stream_close (conn->upstream, NULL, NULL);
  g_io_stream_close (G_IO_STREAM (conn->client), NULL, NULL);
  g_clear_object (&conn->upstream);
  g_clear_object (&conn->client);
  g_clear_object (&conn->cancellable);
  g_free (conn->buffer);
  g_free (conn);
  _corral_proxy_shared_unref (shared);
}

void
_corral_proxy_conn_set_phase (CorralProxyConn  *conn,
                              CorralProxyPhase  phase)
{
  _corral_proxy_conn_touch (conn);
  g_atomic_int_set (&conn->phase, phase);
}

void
_corral_proxy_conn_touch (CorralProxyConn *conn)
{
  g_atomic_int_set (&conn->last_activity, (gint) (g_get_monotonic_time () / G_USEC_PER_SEC));
}

/* Once a second while connections are open (an idle proxy does not
 * wake): a head or a connect that takes too long, a connection idle for
 * too long, is cancelled; the count is brought up to date. */
static gboolean
watchdog_cb (gpointer data)
{
  CorralProxy *self = data;
  CorralProxyShared *shared = self->shared;
  gint now = g_get_monotonic_time () / G_USEC_PER_SEC;
  guint n;

  g_mutex_lock (&shared->lock);
  n = shared->conns->len;
  for (guint i = 0; i < shared->conns->len; i++)
    {
      CorralProxyConn *conn = shared->conns->pdata[i];
      gint idle = now - g_atomic_int_get (&conn->last_activity);
      guint limit = g_atomic_int_get (&conn->phase) == CORRAL_PROXY_PHASE_OPEN
                    ? shared->idle_timeout : CORRAL_PROXY_HEAD_TIMEOUT;

      if (idle >= 0 && (guint) idle > limit)
        g_cancellable_cancel (conn->cancellable);
    }
  g_mutex_unlock (&shared->lock);
  set_n_connections (self, n);
  if (n == 0)
    {
      self->watchdog = 0;
      return G_SOURCE_REMOVE;
    }
  return G_SOURCE_CONTINUE;
}

/* --- the object ------------------------------------------------------------- */

CorralProxy *
corral_proxy_new (const char *socket_path)
{
  g_return_val_if_fail (socket_path != NULL, NULL);

  return g_object_new (CORRAL_TYPE_PROXY, "socket-path", socket_path, NULL);
}

gboolean
corral_proxy_start (CorralProxy  *self,
                    GError      **error)
{
  g_autoptr(GSocketAddress) address = NULL;
  g_autofree char *dir = g_path_get_dirname (self->socket_path);
  g_autofree char *name = g_path_get_basename (self->socket_path);
  g_autofree char *short_path = NULL;
  int dir_fd = -1;
  gboolean ok;

  g_return_val_if_fail (CORRAL_IS_PROXY (self), FALSE);
  g_return_val_if_fail (self->service == NULL, FALSE);

  g_unlink (self->socket_path);
  /* A socket's path has at most 107 bytes, and a project's run dir can be
   * longer (its name is the folder's). The kernel follows /proc's link to
   * an open folder, so that short path names the same place. */
  if (strlen (self->socket_path) >= sizeof ((struct sockaddr_un *) NULL)->sun_path)
    {
      dir_fd = open (dir, O_PATH | O_DIRECTORY | O_CLOEXEC);
      if (dir_fd < 0)
        {
          int saved = errno;
          g_set_error (error, G_IO_ERROR, g_io_error_from_errno (saved),
                       "%s: %s", dir, g_strerror (saved));
          return FALSE;
        }
      short_path = g_strdup_printf ("/proc/self/fd/%d/%s", dir_fd, name);
    }
  address = g_unix_socket_address_new (short_path != NULL ? short_path : self->socket_path);
  self->service = g_socket_service_new ();
  /* The relay connects once per guest connection, up to 64 at once; a
   * short backlog would refuse some while the main loop is busy. */
  g_socket_listener_set_backlog (G_SOCKET_LISTENER (self->service), 256);
  ok = g_socket_listener_add_address (G_SOCKET_LISTENER (self->service), address,
                                      G_SOCKET_TYPE_STREAM, G_SOCKET_PROTOCOL_DEFAULT,
                                      NULL, NULL, error);
  if (dir_fd >= 0)
    close (dir_fd);
  if (!ok)
    {
      g_clear_object (&self->service);
      return FALSE;
    }
  /* The run dir is 0700 already; the socket is the user's alone anyway. */
  g_chmod (self->socket_path, 0600);
  g_signal_connect (self->service, "incoming", G_CALLBACK (incoming_cb), self);
  g_socket_service_start (self->service);
  return TRUE;
}

void
corral_proxy_stop (CorralProxy *self)
{
  CorralProxyShared *shared;
  gint64 deadline = g_get_monotonic_time () + G_USEC_PER_SEC;

  g_return_if_fail (CORRAL_IS_PROXY (self));

  shared = self->shared;
  g_clear_handle_id (&self->watchdog, g_source_remove);
  if (self->service != NULL)
    {
      g_socket_service_stop (self->service);
      g_socket_listener_close (G_SOCKET_LISTENER (self->service));
      g_clear_object (&self->service);
      g_unlink (self->socket_path);
    }

  g_mutex_lock (&shared->lock);
  shared->stopping = TRUE;
  for (guint i = 0; i < shared->conns->len; i++)
    g_cancellable_cancel (((CorralProxyConn *) shared->conns->pdata[i])->cancellable);
  while (shared->conns->len > 0)
    if (!g_cond_wait_until (&shared->cond, &shared->lock, deadline))
      break;
  g_mutex_unlock (&shared->lock);
  set_n_connections (self, 0);
}

void
corral_proxy_set_matcher (CorralProxy       *self,
                          CorralHostMatcher *matcher)
{
  CorralHostMatcher *old;

  g_return_if_fail (CORRAL_IS_PROXY (self));

  g_mutex_lock (&self->shared->lock);
  old = self->shared->matcher;
  self->shared->matcher = matcher ? corral_host_matcher_ref (matcher) : NULL;
  g_mutex_unlock (&self->shared->lock);
  if (old != NULL)
    corral_host_matcher_unref (old);
}

void
corral_proxy_set_api_key (CorralProxy *self,
                          const char  *api_key)
{
  g_return_if_fail (CORRAL_IS_PROXY (self));

  g_mutex_lock (&self->shared->lock);
  wipe (&self->shared->api_key);
  if (api_key != NULL && *api_key != '\0')
    self->shared->api_key = g_strdup (api_key);
  g_mutex_unlock (&self->shared->lock);
}

const char *
corral_proxy_get_socket_path (CorralProxy *self)
{
  g_return_val_if_fail (CORRAL_IS_PROXY (self), NULL);
  return self->socket_path;
}

guint
corral_proxy_get_n_connections (CorralProxy *self)
{
  g_return_val_if_fail (CORRAL_IS_PROXY (self), 0);
  return self->n_connections;
}

static void
corral_proxy_dispose (GObject *object)
{
  CorralProxy *self = CORRAL_PROXY (object);

  corral_proxy_stop (self);
  G_OBJECT_CLASS (corral_proxy_parent_class)->dispose (object);
}

static void
corral_proxy_finalize (GObject *object)
{
  CorralProxy *self = CORRAL_PROXY (object);

  _corral_proxy_shared_unref (self->shared);
  g_free (self->socket_path);
  G_OBJECT_CLASS (corral_proxy_parent_class)->finalize (object);
}

static void
corral_proxy_get_property (GObject    *object,
                           guint       prop_id,
                           GValue     *value,
                           GParamSpec *pspec)
{
  CorralProxy *self = CORRAL_PROXY (object);

  switch (prop_id)
    {
    case PROP_SOCKET_PATH: g_value_set_string (value, self->socket_path); break;
    case PROP_MAX_CONNECTIONS: g_value_set_uint (value, self->max_connections); break;
    case PROP_IDLE_TIMEOUT: g_value_set_uint (value, self->shared->idle_timeout); break;
    case PROP_N_CONNECTIONS: g_value_set_uint (value, self->n_connections); break;
    default: G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
corral_proxy_set_property (GObject      *object,
                           guint         prop_id,
                           const GValue *value,
                           GParamSpec   *pspec)
{
  CorralProxy *self = CORRAL_PROXY (object);

  switch (prop_id)
    {
    case PROP_SOCKET_PATH: self->socket_path = g_value_dup_string (value); break;
    case PROP_MAX_CONNECTIONS: self->max_connections = g_value_get_uint (value); break;
    case PROP_IDLE_TIMEOUT: self->shared->idle_timeout = g_value_get_uint (value); break;
    default: G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
corral_proxy_class_init (CorralProxyClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);

  object_class->dispose = corral_proxy_dispose;
  object_class->finalize = corral_proxy_finalize;
  object_class->get_property = corral_proxy_get_property;
  object_class->set_property = corral_proxy_set_property;

  properties[PROP_SOCKET_PATH] =
    g_param_spec_string ("socket-path", NULL, NULL, NULL,
                         G_PARAM_READWRITE | G_PARAM_CONSTRUCT_ONLY | G_PARAM_STATIC_STRINGS);
  properties[PROP_MAX_CONNECTIONS] =
    g_param_spec_uint ("max-connections", NULL, NULL, 1, 65536, CORRAL_PROXY_DEFAULT_MAX_CONNECTIONS,
                       G_PARAM_READWRITE | G_PARAM_CONSTRUCT | G_PARAM_STATIC_STRINGS);
  properties[PROP_IDLE_TIMEOUT] =
    g_param_spec_uint ("idle-timeout", NULL, NULL, 1, G_MAXUINT, CORRAL_PROXY_DEFAULT_IDLE_TIMEOUT,
                       G_PARAM_READWRITE | G_PARAM_CONSTRUCT | G_PARAM_STATIC_STRINGS);
  properties[PROP_N_CONNECTIONS] =
    g_param_spec_uint ("n-connections", NULL, NULL, 0, G_MAXUINT, 0,
                       G_PARAM_READABLE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS);
  g_object_class_install_properties (object_class, N_PROPS, properties);

  signals[SIGNAL_CONNECTION] =
    g_signal_new ("connection", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST, 0,
                  NULL, NULL, NULL, G_TYPE_NONE, 4,
                  G_TYPE_STRING, G_TYPE_UINT, G_TYPE_BOOLEAN, G_TYPE_STRING);
}

static void
corral_proxy_init (CorralProxy *self)
{
  CorralProxyShared *shared = g_new0 (CorralProxyShared, 1);

  g_atomic_ref_count_init (&shared->ref);
  g_mutex_init (&shared->lock);
  g_cond_init (&shared->cond);
  shared->conns = g_ptr_array_new ();
  shared->context = g_main_context_ref_thread_default ();
  g_weak_ref_init (&shared->proxy, self);
  shared->idle_timeout = CORRAL_PROXY_DEFAULT_IDLE_TIMEOUT;
  read_test_settings (shared);
  self->shared = shared;
}
