/* fuzz-terminal-filter.c: libFuzzer target for what the guest writes on
 * its agent console before it reaches the user's own terminal
 *
 * Input: the console's bytes; the first byte picks where reads split
 * them. What comes out must hold nothing a second pass would drop: no
 * refused OSC, no DCS, APC, PM or SOS, however the input splices.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "config.h"

#include <string.h>

#include "corral-terminal-filter.h"

int LLVMFuzzerTestOneInput (const guint8 *data, size_t size);

int
LLVMFuzzerTestOneInput (const guint8 *data,
                        size_t        size)
{
  g_autoptr(CorralTerminalFilter) first = corral_terminal_filter_new ();
  g_autoptr(CorralTerminalFilter) second = corral_terminal_filter_new ();
  g_autoptr(GByteArray) once = g_byte_array_new ();
  g_autoptr(GByteArray) twice = g_byte_array_new ();
  gsize chunk;

  if (size == 0)
    return 0;
  chunk = 1 + data[0] % 16;
  for (gsize i = 1; i < size; i += chunk)
    corral_terminal_filter_feed (first, (const char *) data + i, MIN (chunk, size - i), once);

  /* Bounded: the filter only drops or adds a few bytes per input byte. */
  g_assert (once->len <= 3 * size + 8);
  corral_terminal_filter_feed (second, (const char *) once->data, once->len, twice);
  g_assert (corral_terminal_filter_get_dropped (second) == 0);
  return 0;
}
