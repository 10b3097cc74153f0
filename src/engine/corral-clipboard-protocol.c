/* corral-clipboard-protocol.c: clipboard frames, encoded and decoded
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "config.h"

#include <stdlib.h>
#include <string.h>

#include "corral-clipboard-protocol.h"

#define MAX_HEADER 64

struct _CorralClipboardDecoder
{
  GByteArray *buffer;
  gboolean    in_body;
  gboolean    is_text;
  gsize       body_length;
};

GBytes *
corral_clipboard_encode (const char *text, gssize length)
{
  GString *frame;

  if (length < 0)
    length = strlen (text);
  frame = g_string_sized_new (length + 24);
  g_string_append_printf (frame, "TEXT %" G_GSSIZE_FORMAT "\n", length);
  g_string_append_len (frame, text, length);
  return g_string_free_to_bytes (frame);
}

CorralClipboardDecoder *
corral_clipboard_decoder_new (void)
{
  CorralClipboardDecoder *self = g_new0 (CorralClipboardDecoder, 1);

  self->buffer = g_byte_array_new ();
  return self;
}

void
corral_clipboard_decoder_free (CorralClipboardDecoder *self)
{
  if (self == NULL)
    return;
  g_byte_array_unref (self->buffer);
  g_free (self);
}

/* Parses "KIND <length>" (without the newline). */
static gboolean
parse_header (CorralClipboardDecoder *self, const char *line)
{
  const char *space = strchr (line, ' ');
  char *end;
  guint64 n;

  if (space == NULL || space == line)
    return FALSE;
  if (!g_ascii_isdigit (space[1]))
    return FALSE;
  n = g_ascii_strtoull (space + 1, &end, 10);
  if (*end != '\0')
    return FALSE;
  self->is_text = (space - line) == 4 && strncmp (line, "TEXT", 4) == 0;
  self->body_length = n;
  return TRUE;
}

GPtrArray *
corral_clipboard_decoder_feed (CorralClipboardDecoder *self,
                               const guint8           *data,
                               gsize                   length)
{
  GPtrArray *texts = NULL;

  g_byte_array_append (self->buffer, data, length);

  for (;;)
    {
      if (!self->in_body)
        {
          guint8 *nl = memchr (self->buffer->data, '\n', self->buffer->len);
          g_autofree char *line = NULL;
          gsize line_len;

          if (nl == NULL)
            {
              /* A header never gets this long: drop the garbage. */
              if (self->buffer->len > MAX_HEADER)
                g_byte_array_set_size (self->buffer, 0);
              break;
            }
          line_len = nl - self->buffer->data;
          line = g_strndup ((const char *) self->buffer->data, line_len);
          g_byte_array_remove_range (self->buffer, 0, line_len + 1);
          if (line_len <= MAX_HEADER && parse_header (self, line))
            self->in_body = TRUE;
          continue;
        }

      /* Skip what we will not keep without buffering it all. */
      if (!self->is_text || self->body_length > CORRAL_CLIPBOARD_MAX)
        {
          gsize n = MIN (self->body_length, self->buffer->len);

          g_byte_array_remove_range (self->buffer, 0, n);
          self->body_length -= n;
          if (self->body_length > 0)
            break;
          self->in_body = FALSE;
          continue;
        }

      if (self->buffer->len < self->body_length)
        break;
      if (g_utf8_validate ((const char *) self->buffer->data, self->body_length, NULL))
        {
          if (texts == NULL)
            texts = g_ptr_array_new_with_free_func (g_free);
          g_ptr_array_add (texts, g_strndup ((const char *) self->buffer->data,
                                             self->body_length));
        }
      g_byte_array_remove_range (self->buffer, 0, self->body_length);
      self->in_body = FALSE;
    }
  return texts;
}
