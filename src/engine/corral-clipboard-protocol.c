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
  gboolean    discarding;  /* inside a header line already too long */
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
  gsize pos = 0;

  g_byte_array_append (self->buffer, data, length);

  /* Frames are consumed by moving @pos, and the buffer is trimmed once at
   * the end: trimming after each frame moved the rest of the read every
   * time, and a read of tiny frames from the guest cost the host's main
   * loop 14 ms per 64 KiB (quadratic). */
  for (;;)
    {
      /* (an empty GByteArray's data is NULL, and NULL + 0 is undefined) */
      const guint8 *at = self->buffer->len > 0 ? self->buffer->data + pos : (const guint8 *) "";
      gsize avail = self->buffer->len - pos;

      if (!self->in_body)
        {
          const guint8 *nl = memchr (at, '\n', avail);
          gsize line_len;
          char line[MAX_HEADER + 1];

          if (nl == NULL)
            {
              /* A header never gets this long: drop the garbage, and
               * the rest of its line when it comes, however it is split. */
              if (self->discarding || avail > MAX_HEADER)
                {
                  pos = self->buffer->len;
                  self->discarding = TRUE;
                }
              break;
            }
          line_len = nl - at;
          pos += line_len + 1;
          if (self->discarding)
            {
              self->discarding = FALSE;
              continue;
            }
          if (line_len > MAX_HEADER || memchr (at, '\0', line_len) != NULL)
            continue;
          memcpy (line, at, line_len);
          line[line_len] = '\0';
          self->in_body = parse_header (self, line);
          continue;
        }

      /* Skip what we will not keep without buffering it all. */
      if (!self->is_text || self->body_length > CORRAL_CLIPBOARD_MAX)
        {
          gsize n = MIN (self->body_length, avail);

          pos += n;
          self->body_length -= n;
          if (self->body_length > 0)
            break;
          self->in_body = FALSE;
          continue;
        }

      if (avail < self->body_length)
        break;
      if (g_utf8_validate ((const char *) at, self->body_length, NULL))
        {
          if (texts == NULL)
            texts = g_ptr_array_new_with_free_func (g_free);
          g_ptr_array_add (texts, g_strndup ((const char *) at, self->body_length));
        }
      pos += self->body_length;
      self->in_body = FALSE;
    }
  g_byte_array_remove_range (self->buffer, 0, pos);
  return texts;
}
