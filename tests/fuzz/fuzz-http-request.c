/* fuzz-http-request.c: libFuzzer target for the proxy's request-head
 * parser and the chunked-body scanner (hostile guest input)
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "config.h"

#include <string.h>

#include "corral-http-chunked.h"
#include "corral-http-request.h"

int LLVMFuzzerTestOneInput (const guint8 *data, size_t size);

int
LLVMFuzzerTestOneInput (const guint8 *data,
                        size_t        size)
{
  g_autoptr(CorralHttpRequest) req = NULL;
  g_autoptr(GError) error = NULL;
  gsize head = 0;
  CorralHttpParseResult r;

  /* Fed as it arrives from the network: every prefix the proxy could
   * see is parsed too (a few, to keep each run quick). */
  for (gsize n = 1; n < size; n += 1 + size / 8)
    {
      g_autoptr(CorralHttpRequest) partial = NULL;
      g_autoptr(GError) partial_error = NULL;

      r = corral_http_request_parse ((const char *) data, n, NULL, &partial, NULL, &partial_error);
      g_assert ((r == CORRAL_HTTP_PARSE_COMPLETE) == (partial != NULL));
      g_assert ((r == CORRAL_HTTP_PARSE_ERROR) == (partial_error != NULL));
    }

  r = corral_http_request_parse ((const char *) data, size, NULL, &req, &head, &error);
  g_assert ((r == CORRAL_HTTP_PARSE_COMPLETE) == (req != NULL));
  g_assert ((r == CORRAL_HTTP_PARSE_ERROR) == (error != NULL));
  if (req != NULL)
    {
      g_assert (head <= size && head <= CORRAL_HTTP_MAX_HEAD);
      g_assert (req->headers->len <= CORRAL_HTTP_MAX_HEADERS);
      g_assert (req->method != NULL && req->target != NULL);
      if (req->form != CORRAL_HTTP_TARGET_ORIGIN && req->form != CORRAL_HTTP_TARGET_ASTERISK)
        g_assert (req->host != NULL && req->port != 0);
      g_assert (!(req->chunked && req->content_length >= 0));

      /* what follows the head as a chunked body, in two pieces */
      if (req->chunked)
        {
          g_autoptr(CorralHttpChunked) scanner = corral_http_chunked_new ();
          gsize rest = size - head, first = rest / 2;
          gboolean done = FALSE;
          gssize got = corral_http_chunked_scan (scanner, data + head, first, &done, NULL);

          g_assert (got == -1 || (gsize) got <= first);
          if (got >= 0 && !done)
            {
              got = corral_http_chunked_scan (scanner, data + head + first, rest - first, &done, NULL);
              g_assert (got == -1 || (gsize) got <= rest - first);
            }
        }
    }
  return 0;
}
