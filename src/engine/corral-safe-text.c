/* corral-safe-text.c: another process's words, made safe to show
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "config.h"

#include "corral-safe-text.h"

char *
corral_safe_text (const char *text,
                  gssize      length)
{
  g_autofree char *valid = g_utf8_make_valid (text != NULL ? text : "", text != NULL ? length : 0);
  GString *safe = g_string_sized_new (strlen (valid));

  for (const char *p = valid; *p != '\0'; p = g_utf8_next_char (p))
    {
      gunichar c = g_utf8_get_char (p);

      if (g_unichar_iscntrl (c) && c != '\n' && c != '\t')
        g_string_append_unichar (safe, 0xFFFD);
      else
        g_string_append_unichar (safe, c);
    }
  return g_string_free (safe, FALSE);
}

gboolean
corral_safe_link (const char *uri)
{
  /* (interned and lower case) */
  const char *scheme = uri != NULL ? g_uri_peek_scheme (uri) : NULL;

  return scheme != NULL && (g_str_equal (scheme, "https") || g_str_equal (scheme, "http"));
}
