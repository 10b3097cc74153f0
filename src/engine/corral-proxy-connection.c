/* corral-proxy-connection.c: one guest connection, on a thread of its own
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * The head is read and parsed (corral-http-request.h), then:
 * CONNECT host:port is checked, resolved, connected, answered 200 and
 * spliced; an absolute-form http:// request is checked, connected, sent
 * on in origin-form and spliced; anything else that is a request goes to
 * the API endpoint (corral-proxy-api.c). Every call blocks on this
 * thread; the connection's GCancellable (the watchdog's, or stop's) ends
 * any of them.
 */
#include "config.h"

#include <string.h>
#include <glib/gi18n.h>

#include "corral-network-policy.h"
#include "corral-proxy-private.h"

/* --- writing, pumping --------------------------------------------------------- */

gboolean
_corral_proxy_conn_write_all (CorralProxyConn  *conn,
                              GOutputStream    *out,
                              const void       *data,
                              gsize             length,
                              GError          **error)
{
  const guint8 *p = data;

  while (length > 0)
    {
      gssize n = g_output_stream_write (out, p, length, conn->cancellable, error);

      if (n < 0)
        return FALSE;
      _corral_proxy_conn_touch (conn);
      p += n;
      length -= n;
    }
  return TRUE;
}

gboolean
_corral_proxy_conn_pump (CorralProxyConn  *conn,
                         GInputStream     *in,
                         GOutputStream    *out,
                         guint8           *buffer,
                         gint64            limit,
                         GError          **error)
{
  while (limit != 0)
    {
      gsize want = limit < 0 ? CORRAL_PROXY_BUFFER_SIZE : (gsize) MIN (limit, CORRAL_PROXY_BUFFER_SIZE);
      gssize n = g_input_stream_read (in, buffer, want, conn->cancellable, error);

      if (n < 0)
        return FALSE;
      if (n == 0)
        {
          if (limit > 0)
            {
              g_set_error_literal (error, G_IO_ERROR, G_IO_ERROR_PARTIAL_INPUT,
                                   "the stream ended before the body did");
              return FALSE;
            }
          return TRUE;
        }
      _corral_proxy_conn_touch (conn);
      /* One read, then its write: the next read waits for the write, so a
       * slow reader slows the writer down (TCP's own backpressure). */
      if (!_corral_proxy_conn_write_all (conn, out, buffer, n, error))
        return FALSE;
      if (limit > 0)
        limit -= n;
    }
  return TRUE;
}

/* No more bytes will be written to @stream: TCP's FIN, TLS's close_notify. */
static void
shutdown_write (GIOStream *stream)
{
  if (G_IS_SOCKET_CONNECTION (stream))
    g_socket_shutdown (g_socket_connection_get_socket (G_SOCKET_CONNECTION (stream)), FALSE, TRUE, NULL);
  else
    g_output_stream_close (g_io_stream_get_output_stream (stream), NULL, NULL);
}

void
_corral_proxy_conn_shutdown_write (GIOStream *stream)
{
  shutdown_write (stream);
}

static gpointer
pump_back_thread (gpointer data)
{
  CorralProxyConn *conn = data;
  g_autofree guint8 *buffer = g_malloc (CORRAL_PROXY_BUFFER_SIZE);
  g_autoptr(GError) error = NULL;

  if (_corral_proxy_conn_pump (conn, g_io_stream_get_input_stream (conn->upstream),
                               g_io_stream_get_output_stream (G_IO_STREAM (conn->client)),
                               buffer, -1, &error))
    shutdown_write (G_IO_STREAM (conn->client));
  else
    /* A broken direction ends the connection: the other one may be
     * waiting on a peer that will never speak again. */
    g_cancellable_cancel (conn->cancellable);
  return NULL;
}

GThread *
_corral_proxy_conn_pump_back (CorralProxyConn *conn)
{
  return g_thread_try_new ("corral-proxy-back", pump_back_thread, conn, NULL);
}

void
_corral_proxy_conn_join (CorralProxyConn *conn,
                         GThread         *thread)
{
  if (thread != NULL)
    g_thread_join (thread);
}

/* Both ways until both ends are done; bytes the client sent after the
 * head (a TLS ClientHello, a body) are in conn->buffer past @head_length. */
static void
splice (CorralProxyConn *conn,
        gsize            head_length)
{
  GOutputStream *up = g_io_stream_get_output_stream (conn->upstream);
  GThread *back;
  g_autoptr(GError) error = NULL;

  _corral_proxy_conn_set_phase (conn, CORRAL_PROXY_PHASE_OPEN);
  back = _corral_proxy_conn_pump_back (conn);
  if (back == NULL)
    return;
  if (conn->buffered > head_length &&
      !_corral_proxy_conn_write_all (conn, up, conn->buffer + head_length,
                                     conn->buffered - head_length, &error))
    g_cancellable_cancel (conn->cancellable);
  else if (_corral_proxy_conn_pump (conn, g_io_stream_get_input_stream (G_IO_STREAM (conn->client)),
                                    up, conn->buffer, -1, &error))
    shutdown_write (conn->upstream);
  else
    g_cancellable_cancel (conn->cancellable);
  _corral_proxy_conn_join (conn, back);
}

/* --- answers ------------------------------------------------------------------ */

void
_corral_proxy_conn_respond (CorralProxyConn *conn,
                            guint            status,
                            const char      *reason_phrase,
                            const char      *content_type,
                            const char      *body)
{
  g_autofree char *response =
    g_strdup_printf ("HTTP/1.1 %u %s\r\nContent-Type: %s\r\nContent-Length: %" G_GSIZE_FORMAT "\r\n"
                     "Connection: close\r\n\r\n%s",
                     status, reason_phrase, content_type, strlen (body), body);

  _corral_proxy_conn_write_all (conn, g_io_stream_get_output_stream (G_IO_STREAM (conn->client)),
                                response, strlen (response), NULL);
}

/* The 403: why, and how to get the host allowed. */
static void
refuse (CorralProxyConn *conn,
        const char      *host,
        guint16          port,
        const char      *reason)
{
  g_autofree char *body = NULL;

  _corral_proxy_report (conn->shared, host, port, FALSE, reason);
  body = g_strdup_printf (_("Corral refused the connection to %s:%u: %s.\n"
                            "To allow it, click Allow next to it in the project’s Network panel, "
                            "or add it in Project Settings → Network; the next connection gets through.\n"),
                          host, port, reason);
  _corral_proxy_conn_respond (conn, 403, "Forbidden", "text/plain; charset=utf-8", body);
}

/* --- upstream ------------------------------------------------------------------ */

/* The host's answers for @host: the test-only table, else DNS. */
static GList *
resolve (CorralProxyConn  *conn,
         const char       *host,
         GError          **error)
{
  GInetAddress *fixed = g_hash_table_lookup (conn->shared->resolve, host);
  g_autoptr(GResolver) resolver = NULL;

  if (fixed != NULL)
    return g_list_prepend (NULL, g_object_ref (fixed));
  resolver = g_resolver_get_default ();
  return g_resolver_lookup_by_name (resolver, host, conn->cancellable, error);
}

/* Connects to @host:@port, refusing addresses that are the host's own
 * (corral_network_address_refusal()). FALSE after answering the client:
 * 403 when every address is refused, 502 when none answers. */
static gboolean
connect_upstream (CorralProxyConn *conn,
                            const char      *host,
                            guint16          port)
{
  g_autoptr(GSocketClient) client = g_socket_client_new ();
  g_autoptr(GError) error = NULL;
  GList *addresses;
  const char *refusal = NULL;

  _corral_proxy_conn_set_phase (conn, CORRAL_PROXY_PHASE_CONNECTING);
  addresses = resolve (conn, host, &error);
  for (GList *l = addresses; l != NULL && conn->upstream == NULL; l = l->next)
    {
      g_autoptr(GSocketAddress) address = NULL;
      const char *why = corral_network_address_refusal (l->data);

      if (why != NULL)
        {
          refusal = why;
          continue;
        }
      address = g_inet_socket_address_new (l->data, port);
      g_clear_error (&error);
      conn->upstream = G_IO_STREAM (g_socket_client_connect (client, G_SOCKET_CONNECTABLE (address),
                                                             conn->cancellable, &error));
    }
  g_resolver_free_addresses (addresses);
  if (conn->upstream != NULL)
    {
      _corral_proxy_report (conn->shared, host, port, TRUE, NULL);
      return TRUE;
    }

  if (refusal != NULL && error == NULL)
    {
      g_autofree char *reason = g_strdup_printf (_("%s resolves to an address the guest may not reach (%s)"),
                                                 host, refusal);
      refuse (conn, host, port, reason);
    }
  else if (!g_cancellable_is_cancelled (conn->cancellable))
    {
      g_autofree char *body =
        g_strdup_printf (_("Corral’s proxy could not reach %s:%u: %s\n"), host, port,
                         error != NULL ? error->message : _("no address"));

      /* Allowed, but it did not work out: the log says allowed. */
      _corral_proxy_report (conn->shared, host, port, TRUE, NULL);
      _corral_proxy_conn_respond (conn, 502, "Bad Gateway", "text/plain; charset=utf-8", body);
    }
  return FALSE;
}

/* --- dispatch ------------------------------------------------------------------ */

static gboolean
allowed (CorralProxyConn         *conn,
         const CorralHttpRequest *request)
{
  g_autoptr(CorralHostMatcher) matcher = _corral_proxy_shared_dup_matcher (conn->shared);
  g_autofree char *reason = NULL;

  if (matcher == NULL)
    {
      refuse (conn, request->host, request->port, _("this virtual machine’s network is off"));
      return FALSE;
    }
  if (corral_host_matcher_check (matcher, request->host, request->port, &reason) != CORRAL_HOST_ALLOWED)
    {
      refuse (conn, request->host, request->port, reason);
      return FALSE;
    }
  return TRUE;
}

/* "CONNECT host:port": 200 once connected, then bytes both ways. */
static void
serve_connect (CorralProxyConn   *conn,
               CorralHttpRequest *request,
               gsize              head_length)
{
  static const char established[] = "HTTP/1.1 200 Connection established\r\n\r\n";

  if (!allowed (conn, request) || !connect_upstream (conn, request->host, request->port))
    return;
  if (!_corral_proxy_conn_write_all (conn, g_io_stream_get_output_stream (G_IO_STREAM (conn->client)),
                                     established, sizeof established - 1, NULL))
    return;
  splice (conn, head_length);
}

/* "GET http://host/path": sent on as "GET /path" to host, once. */
static void
serve_forward (CorralProxyConn   *conn,
               CorralHttpRequest *request,
               gsize              head_length)
{
  static const char * const drop[] = { "Host", "Connection", "Proxy-Connection", "Proxy-Authorization",
                                       "Keep-Alive", NULL };
  g_autofree char *authority = NULL;
  g_autofree char *head = NULL;
  const char *extra[] = { "Connection: close", NULL };

  if (!allowed (conn, request) || !connect_upstream (conn, request->host, request->port))
    return;
  authority = request->port == 80 ? g_strdup (request->host)
                                  : g_strdup_printf ("%s:%u", request->host, request->port);
  /* One request per connection: the server closes after its answer, so
   * nothing the client sends later is taken for another host's request. */
  head = corral_http_request_build_head (request, authority, drop, extra);
  if (!_corral_proxy_conn_write_all (conn, g_io_stream_get_output_stream (conn->upstream),
                                     head, strlen (head), NULL))
    return;
  splice (conn, head_length);
}

static gboolean
is_self (const CorralHttpRequest *request)
{
  return request->port == CORRAL_PROXY_GUEST_PORT &&
         g_strcmp0 (request->host, CORRAL_PROXY_GUEST_ADDRESS) == 0;
}

gpointer
_corral_proxy_conn_run (gpointer data)
{
  CorralProxyConn *conn = data;
  g_autoptr(CorralHttpRequest) request = NULL;
  gsize head_length = 0;

  if (!_corral_proxy_conn_read_head (conn, TRUE, &request, &head_length))
    goto out;

  switch (request->form)
    {
    case CORRAL_HTTP_TARGET_AUTHORITY:
      serve_connect (conn, request, head_length);
      break;
    case CORRAL_HTTP_TARGET_ABSOLUTE:
      if (is_self (request))
        _corral_proxy_api_serve (conn, request, head_length);
      else if (g_str_equal (request->scheme, "https"))
        _corral_proxy_conn_respond (conn, 400, "Bad Request", "text/plain; charset=utf-8",
                                    "Corral's proxy tunnels https with CONNECT; this client sent "
                                    "\"GET https://...\" instead (busybox wget does). "
                                    "Use a client that sends CONNECT, such as curl.\n");
      else
        serve_forward (conn, request, head_length);
      break;
    case CORRAL_HTTP_TARGET_ORIGIN:
      _corral_proxy_api_serve (conn, request, head_length);
      break;
    case CORRAL_HTTP_TARGET_ASTERISK:
    default:
      _corral_proxy_conn_respond (conn, 400, "Bad Request", "text/plain; charset=utf-8",
                                  "Corral's proxy does not answer OPTIONS *.\n");
      break;
    }

out:
  _corral_proxy_conn_free (conn);
  return NULL;
}

gboolean
_corral_proxy_conn_read_head (CorralProxyConn    *conn,
                              gboolean            answer_errors,
                              CorralHttpRequest **request,
                              gsize              *head_length)
{
  GInputStream *in = g_io_stream_get_input_stream (G_IO_STREAM (conn->client));

  _corral_proxy_conn_set_phase (conn, CORRAL_PROXY_PHASE_HEAD);
  for (;;)
    {
      g_autoptr(GError) error = NULL;
      CorralHttpParseResult result;
      gssize n;

      if (conn->buffered > 0)
        {
          result = corral_http_request_parse ((const char *) conn->buffer, conn->buffered, NULL,
                                              request, head_length, &error);
          if (result == CORRAL_HTTP_PARSE_COMPLETE)
            return TRUE;
          if (result == CORRAL_HTTP_PARSE_ERROR)
            {
              static const char * const phrases[] = { "Bad Request", "Request Header Fields Too Large",
                                                      "Not Implemented", "HTTP Version Not Supported" };
              guint status = error->code;
              const char *phrase = status == 431 ? phrases[1] : status == 501 ? phrases[2]
                                 : status == 505 ? phrases[3] : phrases[0];
              g_autofree char *body = g_strconcat ("Corral's proxy could not read this request: ",
                                                   error->message, ".\n", NULL);

              if (answer_errors)
                _corral_proxy_conn_respond (conn, status, phrase, "text/plain; charset=utf-8", body);
              return FALSE;
            }
        }
      /* The parser refuses a head longer than CORRAL_HTTP_MAX_HEAD, which
       * is less than the buffer: there is always room here. */
      n = g_input_stream_read (in, conn->buffer + conn->buffered,
                               CORRAL_PROXY_BUFFER_SIZE - conn->buffered, conn->cancellable, &error);
      if (n <= 0)
        return FALSE;
      _corral_proxy_conn_touch (conn);
      conn->buffered += n;
    }
}
