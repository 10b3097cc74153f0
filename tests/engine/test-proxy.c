/* test-proxy.c: Corral's proxy as the guest sees it, against real test
 * servers on this computer (tests/util/network-test-servers.py)
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * Each test talks to the proxy's Unix socket as the jail's relay would
 * (one connection per guest connection), from a thread, while the main
 * loop runs and collects the proxy's reports. Names are pointed at the
 * test servers with CORRAL_PROXY_RESOLVE; the fake API is HTTPS with a
 * test CA (CORRAL_API_UPSTREAM, CORRAL_API_CA_FILE).
 */
#include "config.h"

#include <fcntl.h>
#include <string.h>
#include <unistd.h>
#include <glib/gstdio.h>
#include <gio/gunixsocketaddress.h>

#include "corral-network-policy.h"
#include "corral-proxy.h"
#include "corral-test-util.h"

#define REAL_KEY "sk-ant-api03-REAL-KEY-ONLY-ON-THE-HOST"

static CorralTestServers servers;

static GPtrArray *reports;  /* "ALLOW host:port" / "REFUSE host:port reason" */
static char *tmpdir;
static guint n_proxies;

static void
connection_cb (CorralProxy *proxy,
               const char  *host,
               guint        port,
               gboolean     allowed,
               const char  *reason)
{
  g_ptr_array_add (reports, allowed ? g_strdup_printf ("ALLOW %s:%u", host, port)
                                    : g_strdup_printf ("REFUSE %s:%u %s", host, port, reason));
}

static CorralProxy *
make_proxy (CorralHostMatcher *matcher)
{
  g_autofree char *path = g_strdup_printf ("%s/proxy-%u.sock", tmpdir, n_proxies++);
  CorralProxy *proxy = corral_proxy_new (path);
  g_autoptr(GError) error = NULL;

  g_assert_true (corral_proxy_start (proxy, &error));
  g_assert_no_error (error);
  g_assert_true (g_file_test (path, G_FILE_TEST_EXISTS));
  corral_proxy_set_matcher (proxy, matcher);
  corral_proxy_set_api_key (proxy, REAL_KEY);
  g_signal_connect (proxy, "connection", G_CALLBACK (connection_cb), NULL);
  g_ptr_array_set_size (reports, 0);
  return proxy;
}

static CorralHostMatcher *
allowlist (const char *entry)
{
  CorralHostMatcher *matcher = corral_host_matcher_new (FALSE);

  if (entry != NULL)
    g_assert_true (corral_host_matcher_add (matcher, entry, NULL));
  return matcher;
}

/* --- a guest connection, on a thread ------------------------------------------ */

typedef struct {
  char       *path;
  char       *request;
  char       *then;      /* sent once the answer to @request has a head */
  const char *until;     /* stop reading after this appears @until_count times */
  guint       until_count;
  GString    *received;
  gint64      first_event_at, last_event_at;  /* for the streaming test */
  gint        done;
} Client;

static guint
count (const char *haystack,
       const char *needle)
{
  guint n = 0;

  for (const char *p = strstr (haystack, needle); p != NULL; p = strstr (p + 1, needle))
    n++;
  return n;
}

static gpointer
client_thread (gpointer data)
{
  Client *c = data;
  g_autoptr(GSocketClient) sc = g_socket_client_new ();
  g_autoptr(GSocketAddress) address = g_unix_socket_address_new (c->path);
  g_autoptr(GSocketConnection) conn = NULL;
  GInputStream *in;
  GOutputStream *out;
  gboolean sent_then = c->then == NULL;
  char buffer[4096];

  conn = g_socket_client_connect (sc, G_SOCKET_CONNECTABLE (address), NULL, NULL);
  g_assert_nonnull (conn);
  g_socket_set_timeout (g_socket_connection_get_socket (conn), 30);
  in = g_io_stream_get_input_stream (G_IO_STREAM (conn));
  out = g_io_stream_get_output_stream (G_IO_STREAM (conn));
  g_output_stream_write_all (out, c->request, strlen (c->request), NULL, NULL, NULL);
  for (;;)
    {
      gssize n = g_input_stream_read (in, buffer, sizeof buffer, NULL, NULL);

      if (n <= 0)
        break;
      g_string_append_len (c->received, buffer, n);
      if (c->first_event_at == 0 && strstr (c->received->str, "\"n\": 0") != NULL)
        c->first_event_at = g_get_monotonic_time ();
      if (c->last_event_at == 0 && strstr (c->received->str, "\"n\": 2") != NULL)
        c->last_event_at = g_get_monotonic_time ();
      if (!sent_then && strstr (c->received->str, "\r\n\r\n") != NULL)
        {
          g_output_stream_write_all (out, c->then, strlen (c->then), NULL, NULL, NULL);
          sent_then = TRUE;
        }
      if (c->until != NULL && count (c->received->str, c->until) >= c->until_count)
        break;
    }
  g_io_stream_close (G_IO_STREAM (conn), NULL, NULL);
  g_atomic_int_set (&c->done, 1);
  return NULL;
}

static gboolean
client_done (gpointer data)
{
  return g_atomic_int_get (&((Client *) data)->done);
}

static void
client_free (Client *c)
{
  g_free (c->path);
  g_free (c->request);
  g_free (c->then);
  g_string_free (c->received, TRUE);
  g_free (c);
}
G_DEFINE_AUTOPTR_CLEANUP_FUNC (Client, client_free)

/* Sends @request (and @then once a head came back) through @proxy, reads
 * until the proxy or the server closes; returns what came back. */
static Client *
exchange_full (CorralProxy *proxy,
               const char  *request,
               const char  *then,
               const char  *until,
               guint        until_count)
{
  Client *c = g_new0 (Client, 1);
  GThread *thread;

  c->path = g_strdup (corral_proxy_get_socket_path (proxy));
  c->request = g_strdup (request);
  c->then = g_strdup (then);
  c->until = until;
  c->until_count = until_count;
  c->received = g_string_new (NULL);
  thread = g_thread_new ("test-client", client_thread, c);
  g_assert_true (corral_test_wait_until (client_done, c, 40));
  g_thread_join (thread);
  corral_test_iterate (50);  /* the reports */
  g_test_message ("received: %s", c->received->str);
  return c;
}

static char *
exchange (CorralProxy *proxy,
          const char  *request,
          const char  *then)
{
  g_autoptr(Client) c = exchange_full (proxy, request, then, NULL, 0);

  return g_strdup (c->received->str);
}

static void
assert_reported (const char *line)
{
  for (guint i = 0; i < reports->len; i++)
    if (g_str_has_prefix (reports->pdata[i], line))
      return;
  for (guint i = 0; i < reports->len; i++)
    g_test_message ("report: %s", (char *) reports->pdata[i]);
  g_error ("not reported: %s", line);
}

#define SKIP_WITHOUT_ADDRESS()                                              \
  G_STMT_START {                                                            \
    if (servers.address == NULL)                                            \
      {                                                                     \
        g_test_skip ("this computer has no non-loopback address");         \
        return;                                                             \
      }                                                                     \
  } G_STMT_END

/* --- the tests ----------------------------------------------------------------- */

/* An allowed name gets through CONNECT to its server; bytes sent right
 * after the head (as TLS clients do) are not lost. */
static void
test_connect_allowed (void)
{
  g_autoptr(CorralHostMatcher) m = NULL;
  g_autoptr(CorralProxy) proxy = NULL;
  g_autofree char *req = NULL;
  g_autofree char *got = NULL;
  g_autofree char *entry = NULL;

  SKIP_WITHOUT_ADDRESS ();
  entry = g_strdup_printf ("allowed.test:%u", servers.web);
  m = allowlist (entry);
  proxy = make_proxy (m);
  req = g_strdup_printf ("CONNECT allowed.test:%u HTTP/1.1\r\nHost: allowed.test:%u\r\n\r\n"
                         "GET /echo HTTP/1.1\r\nHost: allowed.test\r\nConnection: close\r\n\r\n",
                         servers.web, servers.web);
  got = exchange (proxy, req, NULL);
  g_assert_true (g_str_has_prefix (got, "HTTP/1.1 200 Connection established\r\n\r\nHTTP/1.0 200 OK")
                 || g_str_has_prefix (got, "HTTP/1.1 200 Connection established\r\n\r\nHTTP/1.1 200 OK"));
  g_assert_nonnull (strstr (got, "GET /echo HTTP/1.1"));
  g_clear_pointer (&req, g_free);
  req = g_strdup_printf ("ALLOW allowed.test:%u", servers.web);
  assert_reported (req);
}

/* An unlisted name is refused with a 403 that says why and how to allow
 * it, and the refusal is reported. */
static void
test_connect_refused (void)
{
  g_autoptr(CorralHostMatcher) m = allowlist ("allowed.test");
  g_autoptr(CorralProxy) proxy = make_proxy (m);
  g_autofree char *got = exchange (proxy, "CONNECT evil.example:443 HTTP/1.1\r\n\r\n", NULL);

  g_assert_true (g_str_has_prefix (got, "HTTP/1.1 403 Forbidden\r\n"));
  g_assert_nonnull (strstr (got, "evil.example is not on this project’s network allowlist"));
  g_assert_nonnull (strstr (got, "click Allow"));
  g_assert_nonnull (strstr (got, "Project Settings"));
  assert_reported ("REFUSE evil.example:443 evil.example is not on this project’s network allowlist");

  /* a listed name on an unlisted port */
  g_free (got);
  got = exchange (proxy, "CONNECT allowed.test:22 HTTP/1.1\r\n\r\n", NULL);
  g_assert_true (g_str_has_prefix (got, "HTTP/1.1 403 Forbidden\r\n"));
  assert_reported ("REFUSE allowed.test:22 port 22 of allowed.test");
}

/* IP literals are refused in every mode, full included */
static void
test_ip_literal_refused (void)
{
  g_autoptr(CorralHostMatcher) m = corral_host_matcher_new (TRUE);
  g_autoptr(CorralProxy) proxy = make_proxy (m);
  const char *requests[] = {
    "CONNECT 1.1.1.1:443 HTTP/1.1\r\n\r\n",
    "CONNECT [::1]:443 HTTP/1.1\r\n\r\n",
    "CONNECT 2130706433:80 HTTP/1.1\r\n\r\n",
    "GET http://127.1/ HTTP/1.1\r\n\r\n",
  };

  for (guint i = 0; i < G_N_ELEMENTS (requests); i++)
    {
      g_autofree char *got = exchange (proxy, requests[i], NULL);

      g_assert_true (g_str_has_prefix (got, "HTTP/1.1 403 Forbidden\r\n"));
      g_assert_nonnull (strstr (got, "is an IP address"));
    }
  assert_reported ("REFUSE 1.1.1.1:443");
  assert_reported ("REFUSE ::1:443");
}

/* A listed name whose DNS answer is this computer's loopback is refused:
 * the guest never reaches the host's own services. */
static void
test_loopback_answer_refused (void)
{
  g_autoptr(CorralHostMatcher) m = corral_host_matcher_new (TRUE);
  g_autoptr(CorralProxy) proxy = make_proxy (m);
  g_autofree char *req = g_strdup_printf ("CONNECT loop.test:%u HTTP/1.1\r\n\r\nGET / HTTP/1.0\r\n\r\n",
                                          servers.loopback);
  g_autofree char *got = exchange (proxy, req, NULL);

  g_assert_true (g_str_has_prefix (got, "HTTP/1.1 403 Forbidden\r\n"));
  g_assert_nonnull (strstr (got, "this computer’s own address"));
  g_assert_null (strstr (got, "hello from the web server"));
}

/* Plain HTTP is forwarded by its host, in origin-form, once */
static void
test_plain_http (void)
{
  g_autoptr(CorralHostMatcher) m = NULL;
  g_autoptr(CorralProxy) proxy = NULL;
  g_autofree char *entry = NULL;
  g_autofree char *req = NULL;
  g_autofree char *got = NULL;
  g_autofree char *host_line = NULL;

  SKIP_WITHOUT_ADDRESS ();
  entry = g_strdup_printf ("allowed.test:%u", servers.web);
  m = allowlist (entry);
  proxy = make_proxy (m);
  req = g_strdup_printf ("GET http://allowed.test:%u/echo HTTP/1.1\r\nHost: allowed.test:%u\r\n"
                         "Proxy-Connection: keep-alive\r\nProxy-Authorization: Basic eDp5\r\nX-Mine: 1\r\n\r\n",
                         servers.web, servers.web);
  got = exchange (proxy, req, NULL);
  g_assert_true (g_str_has_prefix (got, "HTTP/1.1 200 OK") || g_str_has_prefix (got, "HTTP/1.0 200 OK"));
  g_assert_nonnull (strstr (got, "GET /echo HTTP/1.1\r\n"));
  host_line = g_strdup_printf ("Host: allowed.test:%u\n", servers.web);
  g_assert_nonnull (strstr (got, host_line));
  g_assert_nonnull (strstr (got, "Connection: close"));
  g_assert_nonnull (strstr (got, "X-Mine: 1"));
  g_assert_null (strstr (got, "Proxy-"));

  /* https:// in a GET (busybox wget) is answered with what to do */
  g_free (got);
  got = exchange (proxy, "GET https://allowed.test/ HTTP/1.1\r\nHost: allowed.test\r\n\r\n", NULL);
  g_assert_true (g_str_has_prefix (got, "HTTP/1.1 400 Bad Request\r\n"));
  g_assert_nonnull (strstr (got, "CONNECT"));
}

/* A change of the list applies to the next connection, no restart */
static void
test_change_applies_to_next_connection (void)
{
  g_autoptr(CorralHostMatcher) before = allowlist (NULL);
  g_autoptr(CorralHostMatcher) after = NULL;
  g_autoptr(CorralProxy) proxy = NULL;
  g_autofree char *entry = NULL;
  g_autofree char *req = NULL;
  g_autofree char *got = NULL;

  SKIP_WITHOUT_ADDRESS ();
  proxy = make_proxy (before);
  req = g_strdup_printf ("CONNECT later.test:%u HTTP/1.1\r\n\r\n"
                         "GET / HTTP/1.1\r\nHost: later.test\r\nConnection: close\r\n\r\n", servers.web);
  got = exchange (proxy, req, NULL);
  g_assert_true (g_str_has_prefix (got, "HTTP/1.1 403"));

  entry = g_strdup_printf ("later.test:%u", servers.web);
  after = allowlist (entry);
  corral_proxy_set_matcher (proxy, after);
  g_free (got);
  got = exchange (proxy, req, NULL);
  g_assert_true (g_str_has_prefix (got, "HTTP/1.1 200 Connection established"));
  g_assert_nonnull (strstr (got, "hello from the web server"));
}

/* Garbage, oversized heads, HTTP/2: answered with the right status */
static void
test_bad_requests (void)
{
  g_autoptr(CorralHostMatcher) m = corral_host_matcher_new (TRUE);
  g_autoptr(CorralProxy) proxy = make_proxy (m);
  g_autoptr(GString) big = g_string_new ("CONNECT a.test:443 HTTP/1.1\r\n");
  g_autofree char *got = NULL;

  while (big->len < 20000)
    g_string_append (big, "X-Filler: 0123456789012345678901234567890123456789\r\n");
  got = exchange (proxy, big->str, NULL);
  g_assert_true (g_str_has_prefix (got, "HTTP/1.1 431 "));
  g_free (got);
  got = exchange (proxy, "PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n", NULL);
  g_assert_true (g_str_has_prefix (got, "HTTP/1.1 505 "));
  g_free (got);
  got = exchange (proxy, "\x16\x03\x01\x00\xa5\x01\x00\x00\xa1\x03\x03", NULL);
  g_assert_true (g_str_has_prefix (got, "HTTP/1.1 400 "));
  g_free (got);
  got = exchange (proxy, "GET / HTTP/1.1\nHost: x\n\n", NULL);
  g_assert_true (g_str_has_prefix (got, "HTTP/1.1 400 "));
  g_assert_cmpuint (reports->len, ==, 0);
}

static const char *
api_log (void)
{
  static char *text;

  g_free (text);
  text = corral_test_servers_api_log (&servers);
  return text;
}

static void
clear_api_log (void)
{
  corral_test_servers_clear_api_log (&servers);
}

/* The agent's API: the placeholder becomes the real key on every request
 * of a kept-alive connection, the answer streams back as it comes. */
static void
test_api_key_swap_and_streaming (void)
{
  g_autoptr(CorralHostMatcher) m = allowlist (NULL);
  g_autoptr(CorralProxy) proxy = make_proxy (m);
  g_autofree char *one = g_strdup_printf ("POST /v1/messages?beta=true HTTP/1.1\r\nHost: %s:%u\r\n"
                                          "x-api-key: %s\r\ncontent-type: application/json\r\n"
                                          "Content-Length: 9\r\n\r\n{\"a\": 1}\n",
                                          CORRAL_PROXY_GUEST_ADDRESS, CORRAL_PROXY_GUEST_PORT,
                                          CORRAL_PROXY_PLACEHOLDER_KEY);
  g_autofree char *two = g_strdup_printf ("POST /v1/messages HTTP/1.1\r\nHost: %s:%u\r\n"
                                          "x-api-key: %s\r\nTransfer-Encoding: chunked\r\n\r\n"
                                          "4\r\n{\"b\"\r\n4\r\n: 2}\r\n0\r\n\r\n",
                                          CORRAL_PROXY_GUEST_ADDRESS, CORRAL_PROXY_GUEST_PORT,
                                          CORRAL_PROXY_PLACEHOLDER_KEY);
  g_autofree char *both = g_strconcat (one, two, NULL);
  g_autoptr(Client) c = NULL;
  g_autofree char *expected = NULL;
  const char *log;

  clear_api_log ();
  c = exchange_full (proxy, both, NULL, "0\r\n\r\n", 2);
  g_assert_true (g_str_has_prefix (c->received->str, "HTTP/1.1 200 OK\r\n") ||
                 g_str_has_prefix (c->received->str, "HTTP/1.0 200 OK\r\n"));
  g_assert_cmpuint (count (c->received->str, "text/event-stream"), ==, 2);
  g_assert_cmpuint (count (c->received->str, "\"n\": 2"), ==, 2);
  /* the first event arrived while the server was still sending (0.8 s) */
  g_assert_cmpint (c->last_event_at - c->first_event_at, >=, 600000);

  log = api_log ();
  g_test_message ("API saw: %s", log);
  expected = g_strdup_printf ("POST /v1/messages?beta=true x-api-key=" REAL_KEY " authorization=None "
                              "host=localhost:%u body={\"a\": 1}\n", servers.api);
  g_assert_nonnull (strstr (log, expected));
  g_assert_nonnull (strstr (log, "POST /v1/messages x-api-key=" REAL_KEY " authorization=None"));
  g_assert_nonnull (strstr (log, "body={\"b\": 2}"));
  g_assert_null (strstr (log, CORRAL_PROXY_PLACEHOLDER_KEY));
  /* The agent never sees the key in an answer */
  g_assert_null (strstr (c->received->str, REAL_KEY));
  g_clear_pointer (&expected, g_free);
  expected = g_strdup_printf ("ALLOW localhost:%u", servers.api);
  assert_reported (expected);
}

/* A sign-in token (Authorization) or another key goes on unchanged; an
 * absolute-form request to the proxy itself is the API too. */
static void
test_api_other_credentials (void)
{
  g_autoptr(CorralHostMatcher) m = allowlist (NULL);
  g_autoptr(CorralProxy) proxy = make_proxy (m);
  g_autofree char *req = g_strdup_printf ("GET http://%s:%u/v1/models HTTP/1.1\r\nHost: %s:%u\r\n"
                                          "Authorization: Bearer sk-ant-oat01-SIGNIN\r\nConnection: close\r\n\r\n",
                                          CORRAL_PROXY_GUEST_ADDRESS, CORRAL_PROXY_GUEST_PORT,
                                          CORRAL_PROXY_GUEST_ADDRESS, CORRAL_PROXY_GUEST_PORT);
  g_autofree char *got = NULL;

  clear_api_log ();
  got = exchange (proxy, req, NULL);
  g_assert_nonnull (strstr (got, "{\"data\": []}"));
  g_assert_nonnull (strstr (api_log (), "GET /v1/models x-api-key=None authorization=Bearer sk-ant-oat01-SIGNIN"));
}

/* Without a key on the host, the agent is told so, in the API's words */
static void
test_api_without_key (void)
{
  g_autoptr(CorralHostMatcher) m = allowlist (NULL);
  g_autoptr(CorralProxy) proxy = make_proxy (m);
  g_autofree char *req = g_strdup_printf ("POST /v1/messages HTTP/1.1\r\nHost: x\r\nx-api-key: %s\r\n"
                                          "Content-Length: 0\r\n\r\n", CORRAL_PROXY_PLACEHOLDER_KEY);
  g_autofree char *got = NULL;

  corral_proxy_set_api_key (proxy, NULL);
  clear_api_log ();
  got = exchange (proxy, req, NULL);
  g_assert_true (g_str_has_prefix (got, "HTTP/1.1 401 Unauthorized\r\n"));
  g_assert_nonnull (strstr (got, "\"type\":\"authentication_error\""));
  g_assert_nonnull (strstr (got, "Preferences"));
  g_assert_cmpstr (api_log (), ==, "");
}

/* The API's certificate is checked: one the system does not trust (our
 * test CA, not given) fails, and nothing is sent. */
static void
test_api_certificate_checked (void)
{
  g_autoptr(CorralHostMatcher) m = allowlist (NULL);
  g_autoptr(CorralProxy) proxy = NULL;
  g_autofree char *req = g_strdup_printf ("POST /v1/messages HTTP/1.1\r\nHost: x\r\nx-api-key: %s\r\n"
                                          "Content-Length: 0\r\n\r\n", CORRAL_PROXY_PLACEHOLDER_KEY);
  g_autofree char *got = NULL;

  g_unsetenv ("CORRAL_API_CA_FILE");
  proxy = make_proxy (m);
  g_setenv ("CORRAL_API_CA_FILE", servers.ca, TRUE);
  clear_api_log ();
  got = exchange (proxy, req, NULL);
  g_assert_true (g_str_has_prefix (got, "HTTP/1.1 502 Bad Gateway\r\n"));
  g_assert_nonnull (strstr (got, "Corral could not reach the API"));
  g_assert_cmpstr (api_log (), ==, "");
}

static gboolean
no_connections (gpointer proxy)
{
  return corral_proxy_get_n_connections (proxy) == 0;
}

/* Bounded: over max-connections the guest gets a 503; an idle tunnel is
 * closed after idle-timeout; stop closes everything and the socket. */
static void
test_limits_and_stop (void)
{
  g_autoptr(CorralHostMatcher) m = corral_host_matcher_new (TRUE);
  g_autoptr(CorralProxy) proxy = make_proxy (m);
  g_autoptr(GSocketClient) sc = g_socket_client_new ();
  g_autoptr(GSocketAddress) address = g_unix_socket_address_new (corral_proxy_get_socket_path (proxy));
  g_autoptr(GSocketConnection) idle = NULL;
  g_autofree char *got = NULL;
  g_autofree char *req = NULL;
  g_autoptr(Client) c = NULL;
  gint64 start;
  char byte;

  g_object_set (proxy, "max-connections", 1, "idle-timeout", 1, NULL);
  idle = g_socket_client_connect (sc, G_SOCKET_CONNECTABLE (address), NULL, NULL);
  g_assert_nonnull (idle);
  corral_test_iterate (200);
  got = exchange (proxy, "CONNECT a.test:443 HTTP/1.1\r\n\r\n", NULL);
  g_assert_true (g_str_has_prefix (got, "HTTP/1.1 503 "));
  g_clear_object (&idle);
  /* The count comes down, and the watchdog, with nothing to watch, stops
   * (an idle proxy does not wake the app)... */
  g_assert_true (corral_test_wait_until (no_connections, proxy, 10));
  corral_test_iterate (1500);

  /* ...and starts again with the next connection, which it closes when
   * idle. */
  if (servers.address != NULL)
    {
      req = g_strdup_printf ("CONNECT idle.test:%u HTTP/1.1\r\n\r\n", servers.web);
      start = g_get_monotonic_time ();
      c = exchange_full (proxy, req, NULL, NULL, 0);
      g_assert_true (g_str_has_prefix (c->received->str, "HTTP/1.1 200 Connection established"));
      /* closed by the watchdog: 1 s idle, checked each second */
      g_assert_cmpint (g_get_monotonic_time () - start, <, 10 * G_USEC_PER_SEC);
    }

  idle = g_socket_client_connect (sc, G_SOCKET_CONNECTABLE (address), NULL, NULL);
  corral_test_iterate (200);
  corral_proxy_stop (proxy);
  g_assert_cmpuint (corral_proxy_get_n_connections (proxy), ==, 0);
  g_assert_false (g_file_test (corral_proxy_get_socket_path (proxy), G_FILE_TEST_EXISTS));
  g_assert_cmpint (g_input_stream_read (g_io_stream_get_input_stream (G_IO_STREAM (idle)),
                                        &byte, 1, NULL, NULL), <=, 0);
}

/* As many at once as the jail's relay passes on (64): each gets its own
 * answer (threads, no shared buffers, a listen backlog that holds them) */
static void
test_concurrent (void)
{
  g_autoptr(CorralHostMatcher) m = NULL;
  g_autoptr(CorralProxy) proxy = NULL;
  g_autofree char *entry = NULL;
  GThread *threads[64];
  Client *clients[64];

  SKIP_WITHOUT_ADDRESS ();
  entry = g_strdup_printf ("*.many.test:%u", servers.web);
  m = allowlist (entry);
  proxy = make_proxy (m);
  for (guint i = 0; i < G_N_ELEMENTS (clients); i++)
    {
      clients[i] = g_new0 (Client, 1);
      clients[i]->path = g_strdup (corral_proxy_get_socket_path (proxy));
      clients[i]->request = g_strdup_printf ("CONNECT h%u.many.test:%u HTTP/1.1\r\n\r\n"
                                             "GET /big?bytes=%u HTTP/1.1\r\nHost: h\r\nConnection: close\r\n\r\n",
                                             i % 16, servers.web, 100000 + i);
      clients[i]->received = g_string_new (NULL);
      threads[i] = g_thread_new ("test-client", client_thread, clients[i]);
    }
  for (guint i = 0; i < G_N_ELEMENTS (clients); i++)
    {
      const char *body;

      g_assert_true (corral_test_wait_until (client_done, clients[i], 60));
      g_thread_join (threads[i]);
      body = strstr (clients[i]->received->str, "\r\n\r\nHTTP/1.");
      g_assert_nonnull (body);
      body = strstr (body + 4, "\r\n\r\n");
      g_assert_nonnull (body);
      g_assert_cmpuint (clients[i]->received->len - (body + 4 - clients[i]->received->str), ==, 100000 + i);
      client_free (clients[i]);
    }
}

/* A project folder with a long name makes a run dir path longer than a
 * socket path may be: the proxy still listens there. */
static void
test_long_socket_path (void)
{
  g_autofree char *name = g_strnfill (120, 'p');
  g_autofree char *dir = g_build_filename (tmpdir, name, NULL);
  g_autofree char *path = g_build_filename (dir, "proxy.sock", NULL);
  g_autoptr(CorralProxy) proxy = corral_proxy_new (path);
  g_autoptr(CorralHostMatcher) m = allowlist (NULL);
  g_autoptr(GError) error = NULL;
  g_autofree char *via_fd = NULL;
  g_autoptr(Client) c = NULL;
  int fd;

  g_assert_cmpint (g_mkdir_with_parents (dir, 0700), ==, 0);
  g_assert_true (corral_proxy_start (proxy, &error));
  g_assert_no_error (error);
  g_assert_true (g_file_test (path, G_FILE_TEST_EXISTS));
  corral_proxy_set_matcher (proxy, m);

  /* A client (the jail's relay) reaches it the same way */
  fd = open (dir, O_PATH | O_DIRECTORY);
  g_assert_cmpint (fd, >=, 0);
  via_fd = g_strdup_printf ("/proc/self/fd/%d/proxy.sock", fd);
  c = g_new0 (Client, 1);
  c->path = g_strdup (via_fd);
  c->request = g_strdup ("CONNECT nowhere.test:443 HTTP/1.1\r\n\r\n");
  c->received = g_string_new (NULL);
  {
    GThread *thread = g_thread_new ("test-client", client_thread, c);

    g_assert_true (corral_test_wait_until (client_done, c, 40));
    g_thread_join (thread);
  }
  g_assert_true (g_str_has_prefix (c->received->str, "HTTP/1.1 403 Forbidden"));
  close (fd);
  corral_proxy_stop (proxy);
  g_assert_false (g_file_test (path, G_FILE_TEST_EXISTS));
}

static void
start_servers (void)
{
  g_autofree char *workdir = g_build_filename (tmpdir, "servers", NULL);
  g_autofree char *resolve = NULL;
  g_autofree char *upstream = NULL;

  corral_test_servers_start (&servers, workdir);

  /* Every *.test name points at the web server's address, but loop.test
   * at the loopback. */
  resolve = g_strdup_printf ("allowed.test=%1$s,later.test=%1$s,idle.test=%1$s,"
                             "h0.many.test=%1$s,h1.many.test=%1$s,h2.many.test=%1$s,h3.many.test=%1$s,"
                             "h4.many.test=%1$s,h5.many.test=%1$s,h6.many.test=%1$s,h7.many.test=%1$s,"
                             "h8.many.test=%1$s,h9.many.test=%1$s,h10.many.test=%1$s,h11.many.test=%1$s,"
                             "h12.many.test=%1$s,h13.many.test=%1$s,h14.many.test=%1$s,h15.many.test=%1$s,"
                             "loop.test=127.0.0.1",
                             servers.address ? servers.address : "192.0.2.123");
  g_setenv ("CORRAL_PROXY_RESOLVE", resolve, TRUE);
  upstream = g_strdup_printf ("https://localhost:%u", servers.api);
  g_setenv ("CORRAL_API_UPSTREAM", upstream, TRUE);
  g_setenv ("CORRAL_API_CA_FILE", servers.ca, TRUE);
}

int
main (int argc, char **argv)
{
  int status;

  g_test_init (&argc, &argv, NULL);
  reports = g_ptr_array_new_with_free_func (g_free);
  tmpdir = g_dir_make_tmp ("corral-proxy-XXXXXX", NULL);
  start_servers ();

  g_test_add_func ("/proxy/connect-allowed", test_connect_allowed);
  g_test_add_func ("/proxy/connect-refused", test_connect_refused);
  g_test_add_func ("/proxy/ip-literal-refused", test_ip_literal_refused);
  g_test_add_func ("/proxy/loopback-answer-refused", test_loopback_answer_refused);
  g_test_add_func ("/proxy/plain-http", test_plain_http);
  g_test_add_func ("/proxy/change-applies-to-next-connection", test_change_applies_to_next_connection);
  g_test_add_func ("/proxy/bad-requests", test_bad_requests);
  g_test_add_func ("/proxy/api-key-swap-and-streaming", test_api_key_swap_and_streaming);
  g_test_add_func ("/proxy/api-other-credentials", test_api_other_credentials);
  g_test_add_func ("/proxy/api-without-key", test_api_without_key);
  g_test_add_func ("/proxy/api-certificate-checked", test_api_certificate_checked);
  g_test_add_func ("/proxy/limits-and-stop", test_limits_and_stop);
  g_test_add_func ("/proxy/concurrent", test_concurrent);
  g_test_add_func ("/proxy/long-socket-path", test_long_socket_path);
  status = g_test_run ();

  corral_test_servers_stop (&servers);
  corral_test_remove_tree (tmpdir);
  return status;
}
