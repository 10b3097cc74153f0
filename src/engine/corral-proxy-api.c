/* corral-proxy-api.c: the agent's API endpoint; the key stays on the host
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * The guest's agent is pointed at http://GATEWAY:3128 (ANTHROPIC_BASE_URL)
 * with a placeholder key. Each request on the connection is parsed: its
 * x-api-key, when it is the placeholder, becomes the real key, its Host
 * the API's, and it goes on over one TLS connection to the API
 * (certificates checked against the system's CAs). The request body is
 * forwarded by its framing (Content-Length or chunked), so the next head
 * on a kept-alive connection is found and swapped too. Answers are copied
 * back by a second thread as they arrive: a stream of server-sent events
 * is never held back or kept whole.
 *
 * A request with another key, or with a sign-in token (Authorization:
 * Bearer, from a shared ~/.claude), goes on unchanged: the key swap is
 * for the placeholder only.
 */
#include "config.h"

#include <string.h>
#include <glib/gi18n.h>

#include "corral-http-chunked.h"
#include "corral-network-policy.h"
#include "corral-proxy-private.h"

static void
wipe_free (char *secret)
{
  if (secret != NULL)
    explicit_bzero (secret, strlen (secret));
  g_free (secret);
}
/* A string holding the key: zeroed before it is freed. */
typedef char WipedString;
G_DEFINE_AUTOPTR_CLEANUP_FUNC (WipedString, wipe_free)

/* An answer in the API's own error format, so the agent shows the
 * message to the person. */
static void
respond_api_error (CorralProxyConn *conn,
                   guint            status,
                   const char      *phrase,
                   const char      *type,
                   const char      *message)
{
  g_autoptr(GString) body = g_string_new ("{\"type\":\"error\",\"error\":{\"type\":\"");
  g_autofree char *escaped = g_strescape (message, NULL);

  /* g_strescape escapes what JSON needs escaping in this text (quotes,
   * backslashes, control bytes) and leaves UTF-8 alone. */
  g_string_append_printf (body, "%s\",\"message\":\"%s\"}}", type, escaped);
  _corral_proxy_conn_respond (conn, status, phrase, "application/json", body->str);
}

static GIOStream *
connect_api (CorralProxyConn  *conn,
             GError          **error)
{
  CorralProxyShared *shared = conn->shared;
  g_autoptr(GSocketClient) client = g_socket_client_new ();
  g_autoptr(GSocketConnectable) identity = g_network_address_new (shared->api_host, shared->api_port);
  g_autoptr(GSocketConnection) tcp = NULL;
  g_autoptr(GIOStream) tls = NULL;

  /* The API's host is Corral's choice, not the guest's: no allowlist, no
   * address check; the certificate check is what counts. */
  tcp = g_socket_client_connect (client, identity, conn->cancellable, error);
  if (tcp == NULL)
    return NULL;
  tls = g_tls_client_connection_new (G_IO_STREAM (tcp), identity, error);
  if (tls == NULL)
    return NULL;
  if (shared->api_ca != NULL)
    g_tls_connection_set_database (G_TLS_CONNECTION (tls), shared->api_ca);
  if (!g_tls_connection_handshake (G_TLS_CONNECTION (tls), conn->cancellable, error))
    return NULL;
  return g_steal_pointer (&tls);
}

/* Forwards the body of @request: the bytes of it already in the buffer
 * after @head_length, then the rest from the client. Leaves what follows
 * the body (the next request) at the start of the buffer. */
static gboolean
forward_body (CorralProxyConn   *conn,
              CorralHttpRequest *request,
              gsize              head_length,
              GError           **error)
{
  GOutputStream *up = g_io_stream_get_output_stream (conn->upstream);
  GInputStream *in = g_io_stream_get_input_stream (G_IO_STREAM (conn->client));
  gsize start = head_length;
  gsize have = conn->buffered - head_length;

  if (request->content_length > 0)
    {
      gsize take = (gsize) MIN ((guint64) have, (guint64) request->content_length);

      if (!_corral_proxy_conn_write_all (conn, up, conn->buffer + start, take, error) ||
          !_corral_proxy_conn_pump (conn, in, up, conn->buffer, request->content_length - take, error))
        return FALSE;
      /* After a pump the buffer held body bytes only: what is left after
       * the body is only what was buffered with the head. */
      start += take;
      have -= take;
    }
  else if (request->chunked)
    {
      g_autoptr(CorralHttpChunked) scanner = corral_http_chunked_new ();
      gboolean done = FALSE;

      for (;;)
        {
          gssize body = corral_http_chunked_scan (scanner, conn->buffer + start, have, &done, error);

          if (body < 0 || !_corral_proxy_conn_write_all (conn, up, conn->buffer + start, body, error))
            return FALSE;
          start += body;
          have -= body;
          if (done)
            break;
          /* All of it was body: read more */
          start = 0;
          have = 0;
          {
            gssize n = g_input_stream_read (in, conn->buffer, CORRAL_PROXY_BUFFER_SIZE,
                                            conn->cancellable, error);
            if (n <= 0)
              {
                if (n == 0)
                  g_set_error_literal (error, G_IO_ERROR, G_IO_ERROR_PARTIAL_INPUT,
                                       "the client ended in the middle of a chunked body");
                return FALSE;
              }
            _corral_proxy_conn_touch (conn);
            have = n;
          }
        }
    }

  memmove (conn->buffer, conn->buffer + start, have);
  conn->buffered = have;
  return TRUE;
}

/* Sends one request head on, the key swapped. FALSE when the connection
 * must end (after answering, if nothing was sent back yet). */
static gboolean
send_head (CorralProxyConn   *conn,
           CorralHttpRequest *request,
           gboolean           answered_before)
{
  CorralProxyShared *shared = conn->shared;
  static const char * const drop_with_key[] = { "x-api-key", "Proxy-Connection", "Proxy-Authorization", NULL };
  static const char * const drop[] = { "Proxy-Connection", "Proxy-Authorization", NULL };
  const char *sent_key = corral_http_request_get_header (request, "x-api-key");
  gboolean placeholder = g_strcmp0 (sent_key, CORRAL_PROXY_PLACEHOLDER_KEY) == 0;
  g_autoptr(WipedString) key = NULL;
  g_autoptr(WipedString) key_line = NULL;
  g_autoptr(WipedString) head = NULL;
  g_autofree char *authority = NULL;
  const char *extra[] = { NULL, NULL };

  if (placeholder)
    {
      key = _corral_proxy_shared_dup_api_key (shared);
      /* A header value must not end the line: a key with CR or LF in it
       * is not a key. */
      if (key == NULL || strpbrk (key, "\r\n") != NULL)
        {
          if (!answered_before)
            respond_api_error (conn, 401, "Unauthorized", "authentication_error",
                               _("Corral has no Anthropic API key to add to this request. "
                                 "Set one in Corral’s Preferences (or ANTHROPIC_API_KEY), then try again."));
          return FALSE;
        }
      key_line = g_strconcat ("x-api-key: ", key, NULL);
      extra[0] = key_line;
    }

  authority = shared->api_port == 443 ? g_strdup (shared->api_host)
                                      : g_strdup_printf ("%s:%u", shared->api_host, shared->api_port);
  head = corral_http_request_build_head (request, authority, placeholder ? drop_with_key : drop, extra);
  if (!_corral_proxy_conn_write_all (conn, g_io_stream_get_output_stream (conn->upstream),
                                     head, strlen (head), NULL))
    return FALSE;
  _corral_proxy_report (shared, shared->api_host, shared->api_port, TRUE, NULL);
  return TRUE;
}

void
_corral_proxy_api_serve (CorralProxyConn   *conn,
                         CorralHttpRequest *first,
                         gsize              first_head_length)
{
  g_autoptr(CorralHttpRequest) owned = NULL;
  CorralHttpRequest *request = first;
  gsize head_length = first_head_length;
  GThread *back = NULL;
  g_autoptr(GError) error = NULL;

  _corral_proxy_conn_set_phase (conn, CORRAL_PROXY_PHASE_CONNECTING);
  conn->upstream = connect_api (conn, &error);
  if (conn->upstream == NULL)
    {
      if (!g_cancellable_is_cancelled (conn->cancellable))
        {
          g_autofree char *message =
            g_strdup_printf (_("Corral could not reach the API at %s: %s"), conn->shared->api_host, error->message);

          _corral_proxy_report (conn->shared, conn->shared->api_host, conn->shared->api_port, FALSE, message);
          respond_api_error (conn, 502, "Bad Gateway", "api_error", message);
        }
      return;
    }
  _corral_proxy_conn_set_phase (conn, CORRAL_PROXY_PHASE_OPEN);

  for (;;)
    {
      if (!send_head (conn, request, back != NULL))
        break;
      /* The answers flow back from the first request on. */
      if (back == NULL && (back = _corral_proxy_conn_pump_back (conn)) == NULL)
        break;
      if (!forward_body (conn, request, head_length, &error))
        {
          g_cancellable_cancel (conn->cancellable);
          break;
        }
      g_clear_pointer (&owned, corral_http_request_free);
      if (!_corral_proxy_conn_read_head (conn, FALSE, &owned, &head_length))
        break;
      request = owned;
    }

  /* The client is done (or broke): the API gets our close_notify and
   * finishes its answer, which the other thread still copies. */
  if (!g_cancellable_is_cancelled (conn->cancellable))
    _corral_proxy_conn_shutdown_write (conn->upstream);
  _corral_proxy_conn_join (conn, back);
}
