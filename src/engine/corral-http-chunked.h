/* corral-http-chunked.h: where a chunked request body ends
 *
 * The proxy forwards a request body as it comes and must know where it
 * ends, to parse the next request head on the same connection (the
 * agent's API connection is kept alive). This scanner follows the
 * chunked framing of RFC 9112 (chunk-size in hex, extensions, CRLF after
 * each chunk, trailer lines, the final empty line) over bytes fed in any
 * pieces, without decoding or keeping them. Strict and bounded: no
 * whitespace around sizes, at most 15 hex digits, 1 KiB of extensions
 * per chunk line, 8 KiB of trailers. Pure: no I/O.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#pragma once

#include <glib.h>

G_BEGIN_DECLS

typedef struct _CorralHttpChunked CorralHttpChunked;

CorralHttpChunked *corral_http_chunked_new  (void);
void               corral_http_chunked_free (CorralHttpChunked *self);

/* Scans the next @length bytes of the body. Returns how many of them
 * belong to it: all of them, or, when the body ends among them, up to and
 * including its last byte (*done is then TRUE and the rest is the next
 * request). Returns -1 with @error set (CORRAL_HTTP_ERROR_BAD_REQUEST)
 * when the framing is wrong; the scanner is then of no further use. */
gssize             corral_http_chunked_scan (CorralHttpChunked  *self,
                                             const guint8       *data,
                                             gsize               length,
                                             gboolean           *done,
                                             GError            **error);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (CorralHttpChunked, corral_http_chunked_free)

G_END_DECLS
