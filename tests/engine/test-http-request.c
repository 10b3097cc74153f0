/* test-http-request.c: the proxy's request-head parser takes what real
 * clients send and refuses, with the right status, what it must not
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "config.h"

#include <string.h>

#include "corral-http-chunked.h"
#include "corral-http-request.h"

static CorralHttpRequest *
parse_ok (const char *text,
          gsize      *head_length)
{
  g_autoptr(GError) error = NULL;
  CorralHttpRequest *req = NULL;
  CorralHttpParseResult r;

  r = corral_http_request_parse (text, strlen (text), NULL, &req, head_length, &error);
  g_assert_no_error (error);
  g_assert_cmpint (r, ==, CORRAL_HTTP_PARSE_COMPLETE);
  g_assert_nonnull (req);
  return req;
}

static void
assert_error (const char *text,
              gssize      length,
              int         code)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(CorralHttpRequest) req = NULL;
  CorralHttpParseResult r;

  r = corral_http_request_parse (text, length < 0 ? strlen (text) : (gsize) length, NULL, &req, NULL, &error);
  if (r != CORRAL_HTTP_PARSE_ERROR)
    g_error ("accepted (%d): %s", r, g_strescape (text, NULL));
  g_assert_null (req);
  g_assert_error (error, CORRAL_HTTP_ERROR, code);
}

/* curl -x … https://example.com */
static void
test_connect (void)
{
  const char *text = "CONNECT example.com:443 HTTP/1.1\r\nHost: example.com:443\r\n"
                     "User-Agent: curl/7.88.1\r\nProxy-Connection: Keep-Alive\r\n\r\n\x16\x03\x01";
  gsize head = 0;
  g_autoptr(CorralHttpRequest) req = parse_ok (text, &head);

  g_assert_cmpstr (req->method, ==, "CONNECT");
  g_assert_cmpint (req->form, ==, CORRAL_HTTP_TARGET_AUTHORITY);
  g_assert_cmpstr (req->host, ==, "example.com");
  g_assert_cmpuint (req->port, ==, 443);
  g_assert_cmpuint (req->minor, ==, 1);
  g_assert_null (req->path);
  g_assert_cmpuint (req->headers->len, ==, 3);
  /* the TLS bytes after the head are not part of it */
  g_assert_cmpuint (head, ==, strlen (text) - 3);
  g_assert_cmpstr (corral_http_request_get_header (req, "user-agent"), ==, "curl/7.88.1");
}

static void
test_connect_needs_port (void)
{
  assert_error ("CONNECT example.com HTTP/1.1\r\n\r\n", -1, CORRAL_HTTP_ERROR_BAD_REQUEST);
  assert_error ("CONNECT example.com:0 HTTP/1.1\r\n\r\n", -1, CORRAL_HTTP_ERROR_BAD_REQUEST);
  assert_error ("CONNECT example.com:65536 HTTP/1.1\r\n\r\n", -1, CORRAL_HTTP_ERROR_BAD_REQUEST);
  assert_error ("CONNECT user@example.com:443 HTTP/1.1\r\n\r\n", -1, CORRAL_HTTP_ERROR_BAD_REQUEST);
  assert_error ("CONNECT /x HTTP/1.1\r\n\r\n", -1, CORRAL_HTTP_ERROR_BAD_REQUEST);
}

static void
test_connect_ipv6 (void)
{
  g_autoptr(CorralHttpRequest) req = parse_ok ("CONNECT [::1]:443 HTTP/1.1\r\n\r\n", NULL);

  g_assert_cmpstr (req->host, ==, "::1");
  g_assert_true (req->host_is_ipv6);
  g_assert_cmpuint (req->port, ==, 443);
}

/* apt, or curl -x with http:// */
static void
test_absolute (void)
{
  g_autoptr(CorralHttpRequest) req =
    parse_ok ("GET http://Deb.Debian.org/debian/dists/bookworm/InRelease HTTP/1.1\r\n"
              "Host: deb.debian.org\r\nCache-Control: max-age=0\r\n\r\n", NULL);
  g_autoptr(CorralHttpRequest) q = parse_ok ("GET http://example.com:8080?x=1 HTTP/1.0\r\n\r\n", NULL);
  g_autoptr(CorralHttpRequest) s = parse_ok ("GET https://example.com/a HTTP/1.1\r\nHost: x\r\n\r\n", NULL);

  g_assert_cmpint (req->form, ==, CORRAL_HTTP_TARGET_ABSOLUTE);
  g_assert_cmpstr (req->scheme, ==, "http");
  g_assert_cmpstr (req->host, ==, "deb.debian.org");
  g_assert_cmpuint (req->port, ==, 80);
  g_assert_cmpstr (req->path, ==, "/debian/dists/bookworm/InRelease");

  g_assert_cmpstr (q->host, ==, "example.com");
  g_assert_cmpuint (q->port, ==, 8080);
  g_assert_cmpstr (q->path, ==, "/?x=1");
  g_assert_cmpuint (q->minor, ==, 0);

  /* busybox wget sends this: parsed, the proxy decides what to say */
  g_assert_cmpstr (s->scheme, ==, "https");
  g_assert_cmpuint (s->port, ==, 443);
  /* the URI's authority wins over Host */
  g_assert_cmpstr (s->host, ==, "example.com");
}

static void
test_absolute_bad (void)
{
  assert_error ("GET ftp://example.com/ HTTP/1.1\r\n\r\n", -1, CORRAL_HTTP_ERROR_BAD_REQUEST);
  assert_error ("GET http://user:pw@example.com/ HTTP/1.1\r\n\r\n", -1, CORRAL_HTTP_ERROR_BAD_REQUEST);
  assert_error ("GET http:///x HTTP/1.1\r\n\r\n", -1, CORRAL_HTTP_ERROR_BAD_REQUEST);
  assert_error ("GET http://exa%6dple.com/ HTTP/1.1\r\n\r\n", -1, CORRAL_HTTP_ERROR_BAD_REQUEST);
  assert_error ("GET http://example.com/#frag HTTP/1.1\r\n\r\n", -1, CORRAL_HTTP_ERROR_BAD_REQUEST);
  assert_error ("GET example.com HTTP/1.1\r\n\r\n", -1, CORRAL_HTTP_ERROR_BAD_REQUEST);
}

/* Claude Code's API request to ANTHROPIC_BASE_URL */
static void
test_origin (void)
{
  const char *text = "POST /v1/messages?beta=true HTTP/1.1\r\n"
                     "host: 10.0.2.2:3128\r\n"
                     "x-api-key: sk-ant-corral-placeholder\r\n"
                     "content-type: application/json\r\n"
                     "Content-Length: 2\r\n\r\n{}";
  gsize head;
  g_autoptr(CorralHttpRequest) req = parse_ok (text, &head);

  g_assert_cmpint (req->form, ==, CORRAL_HTTP_TARGET_ORIGIN);
  g_assert_cmpstr (req->path, ==, "/v1/messages?beta=true");
  g_assert_cmpstr (req->host, ==, "10.0.2.2");
  g_assert_cmpuint (req->port, ==, 3128);
  g_assert_cmpint (req->content_length, ==, 2);
  g_assert_false (req->chunked);
  g_assert_cmpuint (head, ==, strlen (text) - 2);
  g_assert_cmpstr (corral_http_request_get_header (req, "X-API-Key"), ==, "sk-ant-corral-placeholder");
}

static void
test_origin_host (void)
{
  g_autoptr(CorralHttpRequest) a = parse_ok ("GET / HTTP/1.1\r\nHost: Example.com\r\n\r\n", NULL);
  g_autoptr(CorralHttpRequest) b = parse_ok ("GET / HTTP/1.0\r\n\r\n", NULL);

  g_assert_cmpstr (a->host, ==, "example.com");
  g_assert_cmpuint (a->port, ==, 0);
  g_assert_null (b->host);
  assert_error ("GET / HTTP/1.1\r\n\r\n", -1, CORRAL_HTTP_ERROR_BAD_REQUEST);
  assert_error ("GET / HTTP/1.1\r\nHost: a\r\nHost: b\r\n\r\n", -1, CORRAL_HTTP_ERROR_BAD_REQUEST);
  assert_error ("GET / HTTP/1.1\r\nHost: a b\r\n\r\n", -1, CORRAL_HTTP_ERROR_BAD_REQUEST);
  assert_error ("GET / HTTP/1.1\r\nHost:\r\n\r\n", -1, CORRAL_HTTP_ERROR_BAD_REQUEST);
}

static void
test_values_trimmed (void)
{
  g_autoptr(CorralHttpRequest) req =
    parse_ok ("GET / HTTP/1.1\r\nHost:example.com\r\nX-A: \t a b \t\r\nX-B:\r\nX-C: caf\xc3\xa9\r\n\r\n", NULL);

  g_assert_cmpstr (corral_http_request_get_header (req, "x-a"), ==, "a b");
  g_assert_cmpstr (corral_http_request_get_header (req, "x-b"), ==, "");
  /* obs-text (UTF-8 here) is a field byte */
  g_assert_cmpstr (corral_http_request_get_header (req, "x-c"), ==, "caf\xc3\xa9");
  g_assert_cmpuint (corral_http_request_count_header (req, "X-A"), ==, 1);
  g_assert_null (corral_http_request_get_header (req, "x-d"));
}

static void
test_framing (void)
{
  g_autoptr(CorralHttpRequest) a =
    parse_ok ("POST /x HTTP/1.1\r\nHost: h\r\nTransfer-Encoding: Chunked\r\n\r\n", NULL);
  g_autoptr(CorralHttpRequest) b =
    parse_ok ("POST /x HTTP/1.1\r\nHost: h\r\nContent-Length: 5\r\nContent-Length: 5\r\n\r\n", NULL);

  g_assert_true (a->chunked);
  g_assert_cmpint (a->content_length, ==, -1);
  g_assert_cmpint (b->content_length, ==, 5);

  /* request smuggling's raw material */
  assert_error ("POST /x HTTP/1.1\r\nHost: h\r\nContent-Length: 5\r\nContent-Length: 6\r\n\r\n", -1,
                CORRAL_HTTP_ERROR_BAD_REQUEST);
  assert_error ("POST /x HTTP/1.1\r\nHost: h\r\nContent-Length: 5\r\nTransfer-Encoding: chunked\r\n\r\n", -1,
                CORRAL_HTTP_ERROR_BAD_REQUEST);
  assert_error ("POST /x HTTP/1.1\r\nHost: h\r\nContent-Length: 5, 5\r\n\r\n", -1, CORRAL_HTTP_ERROR_BAD_REQUEST);
  assert_error ("POST /x HTTP/1.1\r\nHost: h\r\nContent-Length: -1\r\n\r\n", -1, CORRAL_HTTP_ERROR_BAD_REQUEST);
  assert_error ("POST /x HTTP/1.1\r\nHost: h\r\nContent-Length: 99999999999999999999\r\n\r\n", -1,
                CORRAL_HTTP_ERROR_BAD_REQUEST);
  assert_error ("POST /x HTTP/1.1\r\nHost: h\r\nTransfer-Encoding: gzip, chunked\r\n\r\n", -1,
                CORRAL_HTTP_ERROR_NOT_IMPLEMENTED);
  assert_error ("POST /x HTTP/1.1\r\nHost: h\r\nTransfer-Encoding: chunked\r\nTransfer-Encoding: chunked\r\n\r\n", -1,
                CORRAL_HTTP_ERROR_NOT_IMPLEMENTED);
  assert_error ("POST /x HTTP/1.0\r\nTransfer-Encoding: chunked\r\n\r\n", -1, CORRAL_HTTP_ERROR_BAD_REQUEST);
}

static void
test_strict_lines (void)
{
  /* obs-fold */
  assert_error ("GET / HTTP/1.1\r\nHost: h\r\nX-A: a\r\n b\r\n\r\n", -1, CORRAL_HTTP_ERROR_BAD_REQUEST);
  /* ... also before the line is complete */
  assert_error ("GET / HTTP/1.1\r\nHost: h\r\n\tb", -1, CORRAL_HTTP_ERROR_BAD_REQUEST);
  /* bare LF, bare CR */
  assert_error ("GET / HTTP/1.1\nHost: h\n\n", -1, CORRAL_HTTP_ERROR_BAD_REQUEST);
  assert_error ("GET / HTTP/1.1\r\nHost: h\rX: y\r\n\r\n", -1, CORRAL_HTTP_ERROR_BAD_REQUEST);
  /* NUL, early, before any line ends */
  assert_error ("GET /\0", 6, CORRAL_HTTP_ERROR_BAD_REQUEST);
  assert_error ("GET / HTTP/1.1\r\nHost: h\r\nX-A: a\x01\r\n\r\n", -1, CORRAL_HTTP_ERROR_BAD_REQUEST);
  assert_error ("GET / HTTP/1.1\r\nHost: h\r\nX-A: a\x7f\r\n\r\n", -1, CORRAL_HTTP_ERROR_BAD_REQUEST);
  /* space before the colon, empty or bad names */
  assert_error ("GET / HTTP/1.1\r\nHost : h\r\n\r\n", -1, CORRAL_HTTP_ERROR_BAD_REQUEST);
  assert_error ("GET / HTTP/1.1\r\n: h\r\n\r\n", -1, CORRAL_HTTP_ERROR_BAD_REQUEST);
  assert_error ("GET / HTTP/1.1\r\nX(A): h\r\n\r\n", -1, CORRAL_HTTP_ERROR_BAD_REQUEST);
  assert_error ("GET / HTTP/1.1\r\nno colon\r\n\r\n", -1, CORRAL_HTTP_ERROR_BAD_REQUEST);
  /* request line */
  assert_error ("GET  / HTTP/1.1\r\n\r\n", -1, CORRAL_HTTP_ERROR_BAD_REQUEST);
  assert_error ("GET / HTTP/1.1 \r\n\r\n", -1, CORRAL_HTTP_ERROR_BAD_REQUEST);
  assert_error ("G(T / HTTP/1.1\r\n\r\n", -1, CORRAL_HTTP_ERROR_BAD_REQUEST);
  assert_error ("GET /\xc3\xa9 HTTP/1.1\r\nHost: h\r\n\r\n", -1, CORRAL_HTTP_ERROR_BAD_REQUEST);
  assert_error ("\r\nGET / HTTP/1.1\r\nHost: h\r\n\r\n", -1, CORRAL_HTTP_ERROR_BAD_REQUEST);
  assert_error ("GET / http/1.1\r\n\r\n", -1, CORRAL_HTTP_ERROR_BAD_REQUEST);
  assert_error ("GET * HTTP/1.1\r\nHost: h\r\n\r\n", -1, CORRAL_HTTP_ERROR_BAD_REQUEST);
  assert_error ("PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n", -1, CORRAL_HTTP_ERROR_VERSION);
  assert_error ("GET / HTTP/0.9\r\n\r\n", -1, CORRAL_HTTP_ERROR_VERSION);
  /* TLS sent straight to the proxy */
  assert_error ("\x16\x03\x01\x02\x00\x01\x00\x01\xfc\x03\x03", 11, CORRAL_HTTP_ERROR_BAD_REQUEST);
}

static void
test_incomplete_any_split (void)
{
  const char *text = "CONNECT api.github.com:443 HTTP/1.1\r\nHost: api.github.com:443\r\n\r\n";
  gsize n = strlen (text);

  for (gsize i = 0; i < n; i++)
    {
      g_autoptr(GError) error = NULL;
      g_autoptr(CorralHttpRequest) req = NULL;

      g_assert_cmpint (corral_http_request_parse (text, i, NULL, &req, NULL, &error), ==,
                       CORRAL_HTTP_PARSE_INCOMPLETE);
      g_assert_no_error (error);
      g_assert_null (req);
    }
}

static void
test_limits (void)
{
  CorralHttpLimits small = { 64, 2, 32 };
  g_autoptr(GError) error = NULL;
  g_autoptr(CorralHttpRequest) req = NULL;
  g_autoptr(GString) big = g_string_new ("GET / HTTP/1.1\r\nHost: h\r\n");
  g_autofree char *long_line = g_strnfill (CORRAL_HTTP_MAX_LINE, 'a');

  /* header count */
  g_assert_cmpint (corral_http_request_parse ("GET / HTTP/1.1\r\nA: 1\r\nB: 2\r\nC: 3\r\n\r\n", 36,
                                              &small, &req, NULL, &error), ==, CORRAL_HTTP_PARSE_ERROR);
  g_assert_error (error, CORRAL_HTTP_ERROR, CORRAL_HTTP_ERROR_TOO_LARGE);
  g_clear_error (&error);
  /* line length: refused once the cap is reached, without waiting for the end */
  g_assert_cmpint (corral_http_request_parse ("GET /aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa", 45,
                                              &small, &req, NULL, &error), ==, CORRAL_HTTP_PARSE_ERROR);
  g_assert_error (error, CORRAL_HTTP_ERROR, CORRAL_HTTP_ERROR_TOO_LARGE);
  g_clear_error (&error);

  /* defaults: a line of 8 KiB, a head of 16 KiB, 100 headers */
  g_string_append_printf (big, "X: %s\r\n\r\n", long_line);
  assert_error (big->str, big->len, CORRAL_HTTP_ERROR_TOO_LARGE);
  g_string_assign (big, "GET / HTTP/1.1\r\nHost: h\r\n");
  for (guint i = 0; i < 99; i++)
    g_string_append_printf (big, "X-%u: %u\r\n", i, i);
  g_string_append (big, "\r\n");
  req = parse_ok (big->str, NULL);
  g_assert_cmpuint (req->headers->len, ==, 100);
  g_string_truncate (big, big->len - 2);
  g_string_append (big, "X-100: 100\r\n\r\n");
  assert_error (big->str, big->len, CORRAL_HTTP_ERROR_TOO_LARGE);
  g_string_assign (big, "GET / HTTP/1.1\r\nHost: h\r\n");
  while (big->len < CORRAL_HTTP_MAX_HEAD)
    g_string_append_printf (big, "X: %s\r\n", "0123456789012345678901234567890123456789012345678901234567890123456789");
  assert_error (big->str, big->len, CORRAL_HTTP_ERROR_TOO_LARGE);
}

static void
test_authority (void)
{
  g_autofree char *host = NULL;
  guint16 port = 0;
  gboolean v6 = TRUE;

  g_assert_true (corral_http_parse_authority ("EXAMPLE.com", 80, &host, &port, &v6));
  g_assert_cmpstr (host, ==, "example.com");
  g_assert_cmpuint (port, ==, 80);
  g_assert_false (v6);
  g_assert_false (corral_http_parse_authority ("example.com:", 80, NULL, NULL, NULL));
  g_assert_false (corral_http_parse_authority ("example.com:123456", 80, NULL, NULL, NULL));
  g_assert_false (corral_http_parse_authority ("example.com:+1", 80, NULL, NULL, NULL));
  g_assert_false (corral_http_parse_authority ("[::1", 80, NULL, NULL, NULL));
  g_assert_false (corral_http_parse_authority ("[]:1", 80, NULL, NULL, NULL));
  g_assert_false (corral_http_parse_authority ("[fe80::1%25eth0]:1", 80, NULL, NULL, NULL));
  g_assert_false (corral_http_parse_authority ("[::1]x", 80, NULL, NULL, NULL));
  g_assert_false (corral_http_parse_authority ("", 80, NULL, NULL, NULL));
  g_assert_false (corral_http_parse_authority (":80", 80, NULL, NULL, NULL));
}

/* What goes on to a server: origin-form, our Host, headers dropped and
 * added as asked, the client's version */
static void
test_build_head (void)
{
  const char * const drop[] = { "proxy-connection", "X-API-KEY", NULL };
  const char * const extra[] = { "Connection: close", "x-api-key: real", NULL };
  g_autoptr(CorralHttpRequest) req =
    parse_ok ("GET http://example.com:8080/a?b HTTP/1.0\r\nHost: evil.example\r\nProxy-Connection: x\r\n"
              "x-api-key: placeholder\r\nAccept: */*\r\n\r\n", NULL);
  g_autoptr(CorralHttpRequest) origin =
    parse_ok ("POST /v1/messages HTTP/1.1\r\nhost: 10.0.2.2:3128\r\nContent-Length: 0\r\n\r\n", NULL);
  g_autofree char *head = corral_http_request_build_head (req, "example.com:8080", drop, extra);
  g_autofree char *head2 = corral_http_request_build_head (origin, "api.anthropic.com", NULL, NULL);

  g_assert_cmpstr (head, ==, "GET /a?b HTTP/1.0\r\nHost: example.com:8080\r\nAccept: */*\r\n"
                             "Connection: close\r\nx-api-key: real\r\n\r\n");
  g_assert_cmpstr (head2, ==, "POST /v1/messages HTTP/1.1\r\nHost: api.anthropic.com\r\n"
                              "Content-Length: 0\r\n\r\n");
}

/* --- chunked bodies ------------------------------------------------------ */

static void
test_chunked_any_split (void)
{
  const char *body = "5\r\nhello\r\n1a;name=value\r\nabcdefghijklmnopqrstuvwxyz\r\n0\r\nX-T: 1\r\n\r\n";
  const char *next = "GET / HTTP/1.1\r\n";
  g_autofree char *all = g_strconcat (body, next, NULL);
  gsize n = strlen (all), body_len = strlen (body);

  for (gsize chunk = 1; chunk <= n; chunk++)
    {
      g_autoptr(CorralHttpChunked) scanner = corral_http_chunked_new ();
      gsize taken = 0;
      gboolean done = FALSE;

      for (gsize off = 0; off < n && !done; off += chunk)
        {
          g_autoptr(GError) error = NULL;
          gssize got = corral_http_chunked_scan (scanner, (const guint8 *) all + off,
                                                 MIN (chunk, n - off), &done, &error);
          g_assert_no_error (error);
          g_assert_cmpint (got, >=, 0);
          taken += got;
          if (!done)
            g_assert_cmpint (got, ==, MIN (chunk, n - off));
        }
      g_assert_true (done);
      g_assert_cmpuint (taken, ==, body_len);
    }
}

static void
assert_chunked_bad (const char *body)
{
  g_autoptr(CorralHttpChunked) scanner = corral_http_chunked_new ();
  g_autoptr(GError) error = NULL;
  gboolean done;

  g_assert_cmpint (corral_http_chunked_scan (scanner, (const guint8 *) body, strlen (body), &done, &error), ==, -1);
  g_assert_error (error, CORRAL_HTTP_ERROR, CORRAL_HTTP_ERROR_BAD_REQUEST);
  g_clear_error (&error);
  /* and stays refused */
  g_assert_cmpint (corral_http_chunked_scan (scanner, (const guint8 *) "0\r\n\r\n", 5, &done, &error), ==, -1);
}

static void
test_chunked_bad (void)
{
  assert_chunked_bad ("\r\n");
  assert_chunked_bad (" 5\r\nhello\r\n");
  assert_chunked_bad ("5 \r\nhello\r\n");
  assert_chunked_bad ("-5\r\n");
  assert_chunked_bad ("5\nhello\r\n");
  assert_chunked_bad ("5\r\nhelloX\r\n");
  assert_chunked_bad ("1000000000000000\r\n");  /* 16 hex digits */
  assert_chunked_bad ("0\r\n X: folded\r\n\r\n");
  assert_chunked_bad ("0\r\nX: \x01\r\n\r\n");
  assert_chunked_bad ("0\r\n\rX");
  assert_chunked_bad ("1;a\x01\r\n");
}

static void
test_chunked_caps (void)
{
  g_autoptr(CorralHttpChunked) scanner = corral_http_chunked_new ();
  g_autoptr(GString) ext = g_string_new ("1;");
  g_autoptr(GString) trailers = g_string_new ("0\r\n");
  g_autoptr(GError) error = NULL;
  gboolean done;

  while (ext->len < 1100)
    g_string_append_c (ext, 'e');
  g_assert_cmpint (corral_http_chunked_scan (scanner, (const guint8 *) ext->str, ext->len, &done, &error), ==, -1);
  g_clear_error (&error);

  g_clear_pointer (&scanner, corral_http_chunked_free);
  scanner = corral_http_chunked_new ();
  while (trailers->len < 9000)
    g_string_append (trailers, "X-Trailer: 0123456789\r\n");
  g_assert_cmpint (corral_http_chunked_scan (scanner, (const guint8 *) trailers->str, trailers->len, &done, &error), ==, -1);
  g_assert_false (done);
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);
  g_test_add_func ("/http-request/connect", test_connect);
  g_test_add_func ("/http-request/connect-needs-port", test_connect_needs_port);
  g_test_add_func ("/http-request/connect-ipv6", test_connect_ipv6);
  g_test_add_func ("/http-request/absolute", test_absolute);
  g_test_add_func ("/http-request/absolute-bad", test_absolute_bad);
  g_test_add_func ("/http-request/origin", test_origin);
  g_test_add_func ("/http-request/origin-host", test_origin_host);
  g_test_add_func ("/http-request/values-trimmed", test_values_trimmed);
  g_test_add_func ("/http-request/framing", test_framing);
  g_test_add_func ("/http-request/strict-lines", test_strict_lines);
  g_test_add_func ("/http-request/incomplete-any-split", test_incomplete_any_split);
  g_test_add_func ("/http-request/limits", test_limits);
  g_test_add_func ("/http-request/authority", test_authority);
  g_test_add_func ("/http-request/build-head", test_build_head);
  g_test_add_func ("/http-chunked/any-split", test_chunked_any_split);
  g_test_add_func ("/http-chunked/bad", test_chunked_bad);
  g_test_add_func ("/http-chunked/caps", test_chunked_caps);
  return g_test_run ();
}
