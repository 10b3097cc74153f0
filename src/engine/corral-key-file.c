/* corral-key-file.c: key files from outside, loaded safely
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * Profiles, guest manifests and the guest catalogue are key files that
 * may be damaged or written by someone else (found by fuzzing them).
 */
#include "config.h"

#include <string.h>
#include <glib/gi18n.h>

#include "corral-key-file.h"
#include "corral-text.h"

/* Whether @raw (a value as written, escapes and all) ends in a
 * backslash that escapes nothing. */
static gboolean
ends_in_lone_backslash (const char *raw)
{
  gsize len = strlen (raw), n = 0;

  while (n < len && raw[len - 1 - n] == '\\')
    n++;
  return n % 2 == 1;
}

gboolean
corral_key_file_load_from_data (GKeyFile      *key_file,
                                const char    *data,
                                gsize          length,
                                GKeyFileFlags  flags,
                                GError       **error)
{
  g_autoptr(GError) local = NULL;
  g_auto(GStrv) groups = NULL;

  if (!g_key_file_load_from_data (key_file, data, length, flags, &local))
    {
      /* GKeyFile quotes the bad line, which can be anything. */
      g_autofree char *why = corral_text_for_display (local->message, -1, 200);

      g_set_error_literal (error, local->domain, local->code, why);
      return FALSE;
    }
  groups = g_key_file_get_groups (key_file, NULL);
  for (guint i = 0; groups[i] != NULL; i++)
    {
      g_auto(GStrv) keys = g_key_file_get_keys (key_file, groups[i], NULL, NULL);

      for (guint j = 0; keys != NULL && keys[j] != NULL; j++)
        {
          g_autofree char *raw = g_key_file_get_value (key_file, groups[i], keys[j], NULL);

          if (raw != NULL && ends_in_lone_backslash (raw))
            {
              g_autofree char *group = corral_text_for_display (groups[i], -1, 80);
              g_autofree char *key = corral_text_for_display (keys[j], -1, 80);

              g_set_error (error, G_KEY_FILE_ERROR, G_KEY_FILE_ERROR_INVALID_VALUE,
                           _("The value of %s in [%s] ends in a lone backslash"), key, group);
              return FALSE;
            }
        }
    }
  return TRUE;
}
