/* corral-http-request.c: a strict, bounded HTTP/1.x request-head parser
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * The head is parsed again from its start each time more bytes arrive:
 * it is at most max_head bytes (16 KiB), so that costs little and keeps
 * the parser free of state between calls. Nothing is copied until a line
 * is whole and valid.
 */
#include "config.h"

#include <string.h>

#include "corral-http-request.h"

G_DEFINE_QUARK (corral-http-error-quark, corral_http_error)

#define MAX_HOST 255

static const CorralHttpLimits default_limits = {
  CORRAL_HTTP_MAX_HEAD, CORRAL_HTTP_MAX_HEADERS, CORRAL_HTTP_MAX_LINE,
};

static void
header_free (gpointer data)
{
  CorralHttpHeader *header = data;

  g_free (header->name);
  g_free (header->value);
  g_free (header);
}

void
corral_http_request_free (CorralHttpRequest *self)
{
  if (self == NULL)
    return;
  g_free (self->method);
  g_free (self->target);
  g_free (self->scheme);
  g_free (self->host);
  g_free (self->path);
  g_clear_pointer (&self->headers, g_ptr_array_unref);
  g_free (self);
}

/* RFC 9110 tchar */
static gboolean
is_tchar (guchar c)
{
  return g_ascii_isalnum (c) || (c != 0 && strchr ("!#$%&'*+-.^_`|~", c) != NULL);
}

static gboolean
is_token (const char *s,
          gsize       n)
{
  if (n == 0)
    return FALSE;
  for (gsize i = 0; i < n; i++)
    if (!is_tchar (s[i]))
      return FALSE;
  return TRUE;
}

/* A byte that may appear in a field value: VCHAR, SP, HTAB, obs-text. */
static gboolean
is_field_byte (guchar c)
{
  return c == '\t' || c == ' ' || (c >= 0x21 && c != 0x7f);
}

/* A byte that may appear anywhere in a head line before its CR. */
static gboolean
is_line_byte (guchar c)
{
  return is_field_byte (c);
}

static gboolean
is_host_char (guchar c)
{
  return g_ascii_isalnum (c) || c == '-' || c == '.' || c == '_';
}

gboolean
corral_http_parse_authority (const char  *authority,
                             guint16      default_port,
                             char       **host,
                             guint16     *port,
                             gboolean    *is_ipv6)
{
  const char *host_start, *host_end, *p;
  guint64 value = 0;
  gboolean ipv6 = FALSE;

  g_return_val_if_fail (authority != NULL, FALSE);

  if (authority[0] == '[')
    {
      host_start = authority + 1;
      host_end = strchr (host_start, ']');
      if (host_end == NULL || host_end == host_start)
        return FALSE;
      for (p = host_start; p < host_end; p++)
        if (!g_ascii_isxdigit (*p) && *p != ':' && *p != '.')
          return FALSE;
      p = host_end + 1;
      ipv6 = TRUE;
    }
  else
    {
      host_start = authority;
      for (p = authority; *p != '\0' && *p != ':'; p++)
        if (!is_host_char (*p))
          return FALSE;
      host_end = p;
      if (host_end == host_start)
        return FALSE;
    }
  if (host_end - host_start > MAX_HOST)
    return FALSE;

  if (*p == ':')
    {
      const char *digits = ++p;

      for (; *p != '\0'; p++)
        {
          if (!g_ascii_isdigit (*p) || p - digits >= 5)
            return FALSE;
          value = value * 10 + (*p - '0');
        }
      if (p == digits || value == 0 || value > 65535)
        return FALSE;
    }
  else if (*p != '\0')
    return FALSE;
  else if (default_port == 0)
    return FALSE;
  else
    value = default_port;

  if (host != NULL)
    *host = g_ascii_strdown (host_start, host_end - host_start);
  if (port != NULL)
    *port = (guint16) value;
  if (is_ipv6 != NULL)
    *is_ipv6 = ipv6;
  return TRUE;
}

static gboolean
fail (GError     **error,
      int          code,
      const char  *message)
{
  g_set_error_literal (error, CORRAL_HTTP_ERROR, code, message);
  return FALSE;
}

/* absolute-form: scheme "://" authority [path-abempty] ["?" query] */
static gboolean
parse_absolute (CorralHttpRequest  *req,
                GError            **error)
{
  const char *t = req->target;
  const char *sep = strstr (t, "://");
  const char *auth, *auth_end;
  g_autofree char *authority = NULL;
  guint16 default_port;

  if (sep == NULL || sep == t || !g_ascii_isalpha (t[0]))
    return fail (error, CORRAL_HTTP_ERROR_BAD_REQUEST, "The request target is not a path, a URL or host:port");
  for (const char *p = t; p < sep; p++)
    if (!g_ascii_isalnum (*p) && *p != '+' && *p != '-' && *p != '.')
      return fail (error, CORRAL_HTTP_ERROR_BAD_REQUEST, "The URL’s scheme is not valid");
  req->scheme = g_ascii_strdown (t, sep - t);
  if (g_str_equal (req->scheme, "http"))
    default_port = 80;
  else if (g_str_equal (req->scheme, "https"))
    default_port = 443;
  else
    return fail (error, CORRAL_HTTP_ERROR_BAD_REQUEST, "Only http and https URLs can be requested");

  auth = sep + 3;
  auth_end = auth + strcspn (auth, "/?#");
  if (*auth_end == '#')
    return fail (error, CORRAL_HTTP_ERROR_BAD_REQUEST, "A request target cannot hold a fragment (#)");
  authority = g_strndup (auth, auth_end - auth);
  if (strchr (authority, '@') != NULL)
    return fail (error, CORRAL_HTTP_ERROR_BAD_REQUEST, "A URL with a user name or password cannot be requested");
  if (!corral_http_parse_authority (authority, default_port, &req->host, &req->port, &req->host_is_ipv6))
    return fail (error, CORRAL_HTTP_ERROR_BAD_REQUEST, "The URL’s host or port is not valid");
  if (strchr (auth_end, '#') != NULL)
    return fail (error, CORRAL_HTTP_ERROR_BAD_REQUEST, "A request target cannot hold a fragment (#)");
  req->path = *auth_end == '/' ? g_strdup (auth_end) : g_strconcat ("/", auth_end, NULL);
  return TRUE;
}

static gboolean
parse_request_line (CorralHttpRequest  *req,
                    const char         *line,
                    gsize               n,
                    GError            **error)
{
  const char *sp1 = memchr (line, ' ', n);
  const char *sp2, *version;
  gsize version_len;

  if (sp1 == NULL)
    return fail (error, CORRAL_HTTP_ERROR_BAD_REQUEST, "The request line is not “METHOD target HTTP/1.1”");
  sp2 = memchr (sp1 + 1, ' ', n - (sp1 + 1 - line));
  if (sp2 == NULL || sp2 == sp1 + 1)
    return fail (error, CORRAL_HTTP_ERROR_BAD_REQUEST, "The request line is not “METHOD target HTTP/1.1”");
  if (!is_token (line, sp1 - line))
    return fail (error, CORRAL_HTTP_ERROR_BAD_REQUEST, "The request method is not valid");
  for (const char *p = sp1 + 1; p < sp2; p++)
    if ((guchar) *p < 0x21 || (guchar) *p > 0x7e)
      return fail (error, CORRAL_HTTP_ERROR_BAD_REQUEST, "The request target holds a byte that is not allowed");

  version = sp2 + 1;
  version_len = n - (version - line);
  if (version_len == 8 && memcmp (version, "HTTP/1.", 7) == 0 && (version[7] == '0' || version[7] == '1'))
    req->minor = version[7] - '0';
  else if (version_len == 8 && memcmp (version, "HTTP/", 5) == 0 &&
           g_ascii_isdigit (version[5]) && version[6] == '.' && g_ascii_isdigit (version[7]))
    return fail (error, CORRAL_HTTP_ERROR_VERSION, "Only HTTP/1.0 and HTTP/1.1 are spoken here");
  else
    return fail (error, CORRAL_HTTP_ERROR_BAD_REQUEST, "The request line does not end with an HTTP version");

  req->method = g_strndup (line, sp1 - line);
  req->target = g_strndup (sp1 + 1, sp2 - sp1 - 1);

  if (g_str_equal (req->method, "CONNECT"))
    {
      req->form = CORRAL_HTTP_TARGET_AUTHORITY;
      if (!corral_http_parse_authority (req->target, 0, &req->host, &req->port, &req->host_is_ipv6))
        return fail (error, CORRAL_HTTP_ERROR_BAD_REQUEST, "CONNECT needs host:port");
    }
  else if (req->target[0] == '/')
    {
      req->form = CORRAL_HTTP_TARGET_ORIGIN;
      if (strchr (req->target, '#') != NULL)
        return fail (error, CORRAL_HTTP_ERROR_BAD_REQUEST, "A request target cannot hold a fragment (#)");
      req->path = g_strdup (req->target);
    }
  else if (g_str_equal (req->target, "*"))
    {
      req->form = CORRAL_HTTP_TARGET_ASTERISK;
      if (!g_str_equal (req->method, "OPTIONS"))
        return fail (error, CORRAL_HTTP_ERROR_BAD_REQUEST, "“*” is a target for OPTIONS only");
    }
  else
    {
      req->form = CORRAL_HTTP_TARGET_ABSOLUTE;
      if (!parse_absolute (req, error))
        return FALSE;
    }
  return TRUE;
}

static gboolean
parse_header_line (CorralHttpRequest  *req,
                   const char         *line,
                   gsize               n,
                   GError            **error)
{
  const char *colon = memchr (line, ':', n);
  const char *v, *end = line + n;
  CorralHttpHeader *header;

  if (line[0] == ' ' || line[0] == '\t')
    return fail (error, CORRAL_HTTP_ERROR_BAD_REQUEST, "A header line is folded (obsolete line folding is not accepted)");
  if (colon == NULL || !is_token (line, colon - line))
    return fail (error, CORRAL_HTTP_ERROR_BAD_REQUEST, "A header name is not valid");
  for (v = colon + 1; v < end && (*v == ' ' || *v == '\t'); v++)
    ;
  while (end > v && (end[-1] == ' ' || end[-1] == '\t'))
    end--;

  header = g_new0 (CorralHttpHeader, 1);
  header->name = g_strndup (line, colon - line);
  header->value = g_strndup (v, end - v);
  g_ptr_array_add (req->headers, header);
  return TRUE;
}

guint
corral_http_request_count_header (const CorralHttpRequest *self,
                                  const char              *name)
{
  guint count = 0;

  for (guint i = 0; i < self->headers->len; i++)
    {
      CorralHttpHeader *header = self->headers->pdata[i];
      if (g_ascii_strcasecmp (header->name, name) == 0)
        count++;
    }
  return count;
}

const char *
corral_http_request_get_header (const CorralHttpRequest *self,
                                const char              *name)
{
  for (guint i = 0; i < self->headers->len; i++)
    {
      CorralHttpHeader *header = self->headers->pdata[i];
      if (g_ascii_strcasecmp (header->name, name) == 0)
        return header->value;
    }
  return NULL;
}

/* Content-Length, Transfer-Encoding and Host, checked together once the
 * head is whole. */
static gboolean
finish_head (CorralHttpRequest  *req,
             GError            **error)
{
  guint n_length = 0, n_te, n_host;

  req->content_length = -1;
  for (guint i = 0; i < req->headers->len; i++)
    {
      CorralHttpHeader *header = req->headers->pdata[i];
      guint64 value = 0;
      const char *p;

      if (g_ascii_strcasecmp (header->name, "Content-Length") != 0)
        continue;
      n_length++;
      if (header->value[0] == '\0')
        return fail (error, CORRAL_HTTP_ERROR_BAD_REQUEST, "Content-Length is not a number");
      for (p = header->value; *p != '\0'; p++)
        {
          if (!g_ascii_isdigit (*p))
            return fail (error, CORRAL_HTTP_ERROR_BAD_REQUEST, "Content-Length is not a number");
          if (value > (G_MAXINT64 - 9) / 10)
            return fail (error, CORRAL_HTTP_ERROR_BAD_REQUEST, "Content-Length is too large");
          value = value * 10 + (*p - '0');
        }
      if (n_length > 1 && (gint64) value != req->content_length)
        return fail (error, CORRAL_HTTP_ERROR_BAD_REQUEST, "Content-Length is given twice, with different values");
      req->content_length = value;
    }

  n_te = corral_http_request_count_header (req, "Transfer-Encoding");
  if (n_te > 0)
    {
      if (req->minor == 0)
        return fail (error, CORRAL_HTTP_ERROR_BAD_REQUEST, "An HTTP/1.0 request cannot use Transfer-Encoding");
      if (n_length > 0)
        return fail (error, CORRAL_HTTP_ERROR_BAD_REQUEST, "A request cannot have both Content-Length and Transfer-Encoding");
      if (n_te > 1 || g_ascii_strcasecmp (corral_http_request_get_header (req, "Transfer-Encoding"), "chunked") != 0)
        return fail (error, CORRAL_HTTP_ERROR_NOT_IMPLEMENTED, "The only transfer coding accepted is “chunked”");
      req->chunked = TRUE;
    }

  n_host = corral_http_request_count_header (req, "Host");
  if (n_host > 1)
    return fail (error, CORRAL_HTTP_ERROR_BAD_REQUEST, "The Host header is given more than once");
  if (req->form == CORRAL_HTTP_TARGET_ORIGIN || req->form == CORRAL_HTTP_TARGET_ASTERISK)
    {
      const char *host = corral_http_request_get_header (req, "Host");

      if (host == NULL && req->minor == 1)
        return fail (error, CORRAL_HTTP_ERROR_BAD_REQUEST, "An HTTP/1.1 request needs a Host header");
      if (host != NULL &&
          !corral_http_parse_authority (host, 0, &req->host, &req->port, &req->host_is_ipv6) &&
          !corral_http_parse_authority (host, 1, &req->host, NULL, &req->host_is_ipv6))
        return fail (error, CORRAL_HTTP_ERROR_BAD_REQUEST, "The Host header is not a valid host");
    }
  return TRUE;
}

CorralHttpParseResult
corral_http_request_parse (const char              *data,
                           gsize                    length,
                           const CorralHttpLimits  *limits,
                           CorralHttpRequest      **request,
                           gsize                   *head_length,
                           GError                 **error)
{
  g_autoptr(CorralHttpRequest) req = NULL;
  gsize pos = 0;
  guint line_no = 0;

  g_return_val_if_fail (data != NULL || length == 0, CORRAL_HTTP_PARSE_ERROR);
  g_return_val_if_fail (request != NULL, CORRAL_HTTP_PARSE_ERROR);

  if (limits == NULL)
    limits = &default_limits;
  *request = NULL;

  req = g_new0 (CorralHttpRequest, 1);
  req->headers = g_ptr_array_new_with_free_func (header_free);
  req->content_length = -1;

  for (;;)
    {
      gsize avail = MIN (length, limits->max_head) - pos;
      gsize scan = MIN (avail, limits->max_line);
      const char *nl = memchr (data + pos, '\n', scan);
      gsize n;

      if (nl == NULL)
        {
          /* Check what there is of this line already: a NUL or a bare
           * CR will not become valid with more bytes. */
          for (gsize i = 0; i < scan; i++)
            {
              guchar c = data[pos + i];
              if (c == '\r' && i + 1 == scan)
                break;
              if (!is_line_byte (c) || (line_no > 0 && i == 0 && (c == ' ' || c == '\t')))
                {
                  fail (error, CORRAL_HTTP_ERROR_BAD_REQUEST,
                        c == '\r' ? "A line ends with a bare CR" :
                        c == ' ' || c == '\t' ? "A header line is folded (obsolete line folding is not accepted)" :
                        "The request head holds a control byte");
                  return CORRAL_HTTP_PARSE_ERROR;
                }
            }
          if (scan >= limits->max_line)
            {
              fail (error, CORRAL_HTTP_ERROR_TOO_LARGE, "A line of the request head is too long");
              return CORRAL_HTTP_PARSE_ERROR;
            }
          if (length >= limits->max_head)
            {
              fail (error, CORRAL_HTTP_ERROR_TOO_LARGE, "The request head is too large");
              return CORRAL_HTTP_PARSE_ERROR;
            }
          return CORRAL_HTTP_PARSE_INCOMPLETE;
        }

      n = nl - (data + pos);  /* bytes before the LF */
      if (n == 0 || data[pos + n - 1] != '\r')
        {
          fail (error, CORRAL_HTTP_ERROR_BAD_REQUEST, "A line ends with a bare LF");
          return CORRAL_HTTP_PARSE_ERROR;
        }
      n--;  /* without the CR */
      for (gsize i = 0; i < n; i++)
        if (!is_line_byte (data[pos + i]))
          {
            fail (error, CORRAL_HTTP_ERROR_BAD_REQUEST,
                  data[pos + i] == '\r' ? "A line ends with a bare CR" :
                  "The request head holds a control byte");
            return CORRAL_HTTP_PARSE_ERROR;
          }

      if (line_no == 0)
        {
          if (n == 0)
            {
              fail (error, CORRAL_HTTP_ERROR_BAD_REQUEST, "The request starts with an empty line");
              return CORRAL_HTTP_PARSE_ERROR;
            }
          if (!parse_request_line (req, data + pos, n, error))
            return CORRAL_HTTP_PARSE_ERROR;
        }
      else if (n == 0)
        {
          if (!finish_head (req, error))
            return CORRAL_HTTP_PARSE_ERROR;
          if (head_length != NULL)
            *head_length = pos + 2;
          *request = g_steal_pointer (&req);
          return CORRAL_HTTP_PARSE_COMPLETE;
        }
      else
        {
          if (line_no > limits->max_headers)
            {
              fail (error, CORRAL_HTTP_ERROR_TOO_LARGE, "The request has too many headers");
              return CORRAL_HTTP_PARSE_ERROR;
            }
          if (!parse_header_line (req, data + pos, n, error))
            return CORRAL_HTTP_PARSE_ERROR;
        }
      pos += n + 2;
      line_no++;
    }
}

char *
corral_http_request_build_head (const CorralHttpRequest *self,
                                const char              *host,
                                const char * const      *drop,
                                const char * const      *extra)
{
  GString *head = g_string_new (NULL);

  g_return_val_if_fail (self != NULL && host != NULL, NULL);

  g_string_append_printf (head, "%s %s HTTP/1.%u\r\nHost: %s\r\n",
                          self->method, self->path != NULL ? self->path : self->target,
                          self->minor, host);
  for (guint i = 0; i < self->headers->len; i++)
    {
      const CorralHttpHeader *header = self->headers->pdata[i];
      gboolean dropped = g_ascii_strcasecmp (header->name, "Host") == 0;

      for (guint j = 0; drop != NULL && drop[j] != NULL && !dropped; j++)
        dropped = g_ascii_strcasecmp (header->name, drop[j]) == 0;
      if (!dropped)
        g_string_append_printf (head, "%s: %s\r\n", header->name, header->value);
    }
  for (guint i = 0; extra != NULL && extra[i] != NULL; i++)
    g_string_append_printf (head, "%s\r\n", extra[i]);
  g_string_append (head, "\r\n");
  return g_string_free (head, FALSE);
}
