/* corral-http-chunked.c: where a chunked request body ends
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "config.h"


#include "corral-http-chunked.h"
#include "corral-http-request.h"

#define MAX_SIZE_DIGITS 15
#define MAX_EXTENSION   1024
#define MAX_TRAILERS    8192

typedef enum {
  STATE_SIZE,        /* hex digits of the chunk size */
  STATE_EXTENSION,   /* ";name=value..." up to the CR */
  STATE_SIZE_LF,     /* the LF after the size line's CR */
  STATE_DATA,        /* the chunk's bytes */
  STATE_DATA_CR,     /* CRLF after the chunk's bytes */
  STATE_DATA_LF,
  STATE_TRAILER,     /* start of a trailer line, or the final CRLF */
  STATE_TRAILER_LINE,
  STATE_TRAILER_LF,
  STATE_END_LF,      /* the LF of the final empty line */
  STATE_DONE,
  STATE_ERROR,
} State;

struct _CorralHttpChunked
{
  State state;
  guint64 remaining;   /* STATE_DATA: bytes left in this chunk */
  guint64 size;        /* STATE_SIZE: the size so far */
  guint digits;
  gsize extension;     /* bytes of extension on this line */
  gsize trailers;      /* bytes of trailers so far */
};

CorralHttpChunked *
corral_http_chunked_new (void)
{
  return g_new0 (CorralHttpChunked, 1);
}

void
corral_http_chunked_free (CorralHttpChunked *self)
{
  g_free (self);
}

static gssize
bad (CorralHttpChunked  *self,
     GError            **error)
{
  self->state = STATE_ERROR;
  g_set_error_literal (error, CORRAL_HTTP_ERROR, CORRAL_HTTP_ERROR_BAD_REQUEST,
                       "The chunked request body is not framed correctly");
  return -1;
}

gssize
corral_http_chunked_scan (CorralHttpChunked  *self,
                          const guint8       *data,
                          gsize               length,
                          gboolean           *done,
                          GError            **error)
{
  gsize i = 0;

  g_return_val_if_fail (self != NULL, -1);
  g_return_val_if_fail (done != NULL, -1);

  *done = self->state == STATE_DONE;
  if (self->state == STATE_ERROR)
    return bad (self, error);

  while (i < length && self->state != STATE_DONE)
    {
      guchar c = data[i];

      switch (self->state)
        {
        case STATE_SIZE:
          if (g_ascii_isxdigit (c))
            {
              if (++self->digits > MAX_SIZE_DIGITS)
                return bad (self, error);
              self->size = self->size * 16 + g_ascii_xdigit_value (c);
            }
          else if (self->digits == 0)
            return bad (self, error);
          else if (c == ';')
            {
              self->extension = 1;
              self->state = STATE_EXTENSION;
            }
          else if (c == '\r')
            self->state = STATE_SIZE_LF;
          else
            return bad (self, error);
          i++;
          break;

        case STATE_EXTENSION:
          if (c == '\r')
            self->state = STATE_SIZE_LF;
          else if (c < 0x20 && c != '\t')
            return bad (self, error);
          else if (++self->extension > MAX_EXTENSION)
            return bad (self, error);
          i++;
          break;

        case STATE_SIZE_LF:
          if (c != '\n')
            return bad (self, error);
          i++;
          self->remaining = self->size;
          self->size = 0;
          self->digits = 0;
          self->state = self->remaining > 0 ? STATE_DATA : STATE_TRAILER;
          break;

        case STATE_DATA:
          {
            gsize take = (gsize) MIN ((guint64) (length - i), self->remaining);

            i += take;
            self->remaining -= take;
            if (self->remaining == 0)
              self->state = STATE_DATA_CR;
          }
          break;

        case STATE_DATA_CR:
          if (c != '\r')
            return bad (self, error);
          i++;
          self->state = STATE_DATA_LF;
          break;

        case STATE_DATA_LF:
          if (c != '\n')
            return bad (self, error);
          i++;
          self->state = STATE_SIZE;
          break;

        case STATE_TRAILER:
          if (c == '\r')
            self->state = STATE_END_LF;
          else if (c == ' ' || c == '\t' || c < 0x20)
            return bad (self, error);
          else
            self->state = STATE_TRAILER_LINE;
          if (++self->trailers > MAX_TRAILERS)
            return bad (self, error);
          i++;
          break;

        case STATE_TRAILER_LINE:
          if (c == '\r')
            self->state = STATE_TRAILER_LF;
          else if ((c < 0x20 && c != '\t') || c == 0x7f)
            return bad (self, error);
          if (++self->trailers > MAX_TRAILERS)
            return bad (self, error);
          i++;
          break;

        case STATE_TRAILER_LF:
          if (c != '\n')
            return bad (self, error);
          i++;
          self->state = STATE_TRAILER;
          break;

        case STATE_END_LF:
          if (c != '\n')
            return bad (self, error);
          i++;
          self->state = STATE_DONE;
          break;

        case STATE_DONE:
        case STATE_ERROR:
        default:
          g_assert_not_reached ();
        }
    }

  *done = self->state == STATE_DONE;
  return i;
}
