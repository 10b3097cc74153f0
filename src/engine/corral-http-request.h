/* corral-http-request.h: a strict, bounded HTTP/1.x request-head parser
 *
 * What the guest sends Corral's proxy is hostile input. This parser takes
 * the bytes received so far on a connection and says whether they hold a
 * whole request head, not yet, or something that is not one. It accepts
 * a narrow subset of RFC 9112: lines end with CRLF; single spaces in the
 * request line; no obs-fold; no NUL or other control bytes; header names
 * are tokens; Content-Length and Transfer-Encoding are not both present,
 * the only transfer coding is "chunked". Sizes are capped before anything
 * is copied. Pure: no I/O.
 *
 * Error messages are English on purpose: they are the body of the 400
 * the proxy answers to the program in the guest, as any server's are.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#pragma once

#include <glib-object.h>

G_BEGIN_DECLS

#define CORRAL_HTTP_ERROR (corral_http_error_quark ())
GQuark corral_http_error_quark (void);
/* The values are the HTTP status a server answers with. */
typedef enum {
  CORRAL_HTTP_ERROR_BAD_REQUEST = 400,
  CORRAL_HTTP_ERROR_TOO_LARGE = 431,       /* head, line or header count over the cap */
  CORRAL_HTTP_ERROR_NOT_IMPLEMENTED = 501, /* a transfer coding other than chunked */
  CORRAL_HTTP_ERROR_VERSION = 505,         /* HTTP/2.0 and others */
} CorralHttpError;

typedef struct {
  gsize max_head;     /* bytes, request line to the empty line included */
  guint max_headers;  /* header lines */
  gsize max_line;     /* bytes in any one line, CRLF included */
} CorralHttpLimits;

#define CORRAL_HTTP_MAX_HEAD    16384
#define CORRAL_HTTP_MAX_HEADERS 100
#define CORRAL_HTTP_MAX_LINE    8192

typedef enum {
  CORRAL_HTTP_TARGET_ORIGIN,     /* "/path?query" */
  CORRAL_HTTP_TARGET_ABSOLUTE,   /* "http://host:port/path?query" */
  CORRAL_HTTP_TARGET_AUTHORITY,  /* "host:port" (CONNECT only) */
  CORRAL_HTTP_TARGET_ASTERISK,   /* "*" (OPTIONS only) */
} CorralHttpTargetForm;

typedef struct {
  char *name;   /* as sent (compare with g_ascii_strcasecmp) */
  char *value;  /* leading and trailing spaces and tabs removed */
} CorralHttpHeader;

typedef struct {
  char                 *method;   /* as sent, case-sensitive token */
  char                 *target;   /* the request-target as sent */
  CorralHttpTargetForm  form;
  guint                 minor;    /* HTTP/1.<minor>: 0 or 1 */

  /* absolute-form: scheme ("http", "https", lower case); NULL otherwise */
  char                 *scheme;
  /* absolute- and authority-form: the authority's host, lower case,
   * without the brackets of an IPv6 literal; port as given, else the
   * scheme's default (80, 443); port 0 only if neither. Origin-form: the
   * Host header's host and port (port 0 when it names none); NULL and 0
   * when there is no Host header. */
  char                 *host;
  guint16               port;
  gboolean              host_is_ipv6;  /* host was a [bracketed] literal */
  /* origin-form: the target; absolute-form: its path and query ("/" when
   * empty); NULL for the other forms. */
  char                 *path;

  GPtrArray            *headers;  /* of CorralHttpHeader, in order */

  /* framing of the body that follows the head */
  gint64                content_length;  /* -1 when there is none */
  gboolean              chunked;
} CorralHttpRequest;

typedef enum {
  CORRAL_HTTP_PARSE_INCOMPLETE, /* no empty line yet, and nothing wrong so far */
  CORRAL_HTTP_PARSE_COMPLETE,   /* *request and *head_length are set */
  CORRAL_HTTP_PARSE_ERROR,      /* error is set (CORRAL_HTTP_ERROR) */
} CorralHttpParseResult;

/* Parses the head at the start of @data. @limits NULL = the defaults
 * above. On COMPLETE, *head_length is the number of bytes of the head
 * (the body, or a next request, starts there). INCOMPLETE means more
 * bytes are needed; once @length reaches max_head without an end, the
 * result is an ERROR (TOO_LARGE). Lines seen so far are checked as they
 * are, so garbage fails early. */
CorralHttpParseResult corral_http_request_parse (const char              *data,
                                                 gsize                    length,
                                                 const CorralHttpLimits  *limits,
                                                 CorralHttpRequest      **request,
                                                 gsize                   *head_length,
                                                 GError                 **error);

void               corral_http_request_free       (CorralHttpRequest *self);
/* The value of the only header @name, or NULL when absent. A header sent
 * more than once gives its first value. */
const char        *corral_http_request_get_header (const CorralHttpRequest *self,
                                                   const char              *name);
/* How many times header @name was sent. */
guint              corral_http_request_count_header (const CorralHttpRequest *self,
                                                     const char              *name);

/* The head to send on to a server: the request line in origin-form
 * ("METHOD /path HTTP/1.x", the client's version), "Host: @host", the
 * request's headers except Host and those named in @drop (compared without regard
 * to case), then the lines in @extra as given ("Name: value"), then the
 * empty line. @drop and @extra may be NULL. The caller vouches that @host
 * and @extra hold no CR or LF. Pure. */
char              *corral_http_request_build_head (const CorralHttpRequest *self,
                                                   const char              *host,
                                                   const char * const      *drop,
                                                   const char * const      *extra);

/* Parses "host[:port]" or "[v6]:port" (no userinfo, no path). @default_port
 * is used when none is given (0 = a port is required). Lower-cases the
 * host. Pure. */
gboolean           corral_http_parse_authority    (const char  *authority,
                                                   guint16      default_port,
                                                   char       **host,
                                                   guint16     *port,
                                                   gboolean    *is_ipv6);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (CorralHttpRequest, corral_http_request_free)

G_END_DECLS
