/* corral-text.c: text from outside, made fit to show a person
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * A settings file, QEMU's output or the guest can hold anything: ESC
 * sequences that would drive the user's terminal (retitle it, move the
 * cursor, paste into the shell on some terminals), right-to-left
 * overrides that make a name read backwards, or a megabyte of it. What
 * is quoted back in a message goes through here first.
 */
#include "config.h"

#include <string.h>

#include "corral-text.h"

/* Characters that act instead of showing: C0 and C1 controls and DEL
 * (terminal escape sequences), and the bidirectional embeddings,
 * overrides and isolates (they reorder what follows). Tab stays. */
static gboolean
acts (gunichar c)
{
  if (c == '\t')
    return FALSE;
  return c < 0x20 || (c >= 0x7f && c <= 0x9f) ||
         (c >= 0x202a && c <= 0x202e) || (c >= 0x2066 && c <= 0x2069) ||
         c == 0x200e || c == 0x200f || c == 0x061c;
}

char *
corral_text_for_display (const char *text,
                         gssize      length,
                         gsize       max_chars)
{
  g_autofree char *valid = NULL;
  GString *out;
  gsize n = 0;

  if (text == NULL)
    return g_strdup ("");
  valid = g_utf8_make_valid (text, length);
  out = g_string_sized_new (MIN (strlen (valid), max_chars * 4) + 8);
  for (const char *p = valid; *p != '\0'; p = g_utf8_next_char (p))
    {
      gunichar c = g_utf8_get_char (p);
      g_autofree char *shown = NULL;
      gsize width = 1;

      if (acts (c))
        {
          shown = c < 0x100 ? g_strdup_printf ("\\x%02X", c) : g_strdup_printf ("\\u{%04X}", c);
          width = strlen (shown);
        }
      if (n + width > max_chars)
        {
          g_string_append (out, "…");
          break;
        }
      if (shown != NULL)
        g_string_append (out, shown);
      else
        g_string_append_unichar (out, c);
      n += width;
    }
  return g_string_free (out, FALSE);
}
