/* fuzz-clipboard.c: libFuzzer target for what the guest sends on the
 * clipboard channel
 *
 * Input: the channel's bytes; the first byte picks where reads split
 * them. However they are split, the same texts come out, each valid
 * UTF-8 of at most CORRAL_CLIPBOARD_MAX bytes, and each survives its own
 * encoding unchanged.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "config.h"

#include <string.h>

#include "corral-clipboard-protocol.h"

int LLVMFuzzerTestOneInput (const guint8 *data, size_t size);

static void
check_round_trip (const char *text)
{
  g_autoptr(CorralClipboardDecoder) decoder = corral_clipboard_decoder_new ();
  g_autoptr(GBytes) frame = corral_clipboard_encode (text, -1);
  g_autoptr(GPtrArray) again = NULL;
  gsize n;
  const guint8 *bytes = g_bytes_get_data (frame, &n);

  again = corral_clipboard_decoder_feed (decoder, bytes, n);
  g_assert (again != NULL && again->len == 1);
  g_assert (strcmp (again->pdata[0], text) == 0);
}

int
LLVMFuzzerTestOneInput (const guint8 *data,
                        size_t        size)
{
  g_autoptr(CorralClipboardDecoder) whole = corral_clipboard_decoder_new ();
  g_autoptr(CorralClipboardDecoder) split = corral_clipboard_decoder_new ();
  g_autoptr(GPtrArray) once = NULL;
  g_autoptr(GPtrArray) pieces = g_ptr_array_new_with_free_func (g_free);
  gsize chunk;

  if (size == 0)
    return 0;
  chunk = 1 + data[0] % 16;
  data++;
  size--;

  once = corral_clipboard_decoder_feed (whole, data, size);
  for (gsize i = 0; i < size; i += chunk)
    {
      g_autoptr(GPtrArray) got = corral_clipboard_decoder_feed (split, data + i, MIN (chunk, size - i));

      for (guint j = 0; got != NULL && j < got->len; j++)
        g_ptr_array_add (pieces, g_strdup (got->pdata[j]));
    }

  g_assert ((once ? once->len : 0) == pieces->len);
  for (guint i = 0; i < pieces->len; i++)
    {
      const char *text = pieces->pdata[i];

      g_assert (strcmp (text, once->pdata[i]) == 0);
      g_assert (strlen (text) <= CORRAL_CLIPBOARD_MAX);
      g_assert (g_utf8_validate (text, -1, NULL));
      check_round_trip (text);
    }
  return 0;
}
