/* fuzz-host-matcher.c: libFuzzer target for the allowlist: entries as a
 * person types them, hosts and ports as a guest sends them
 *
 * Input: entry lines, then a line "--", then "host port" lines.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "config.h"

#include <stdlib.h>
#include <string.h>

#include "corral-host-matcher.h"

int LLVMFuzzerTestOneInput (const guint8 *data, size_t size);

int
LLVMFuzzerTestOneInput (const guint8 *data,
                        size_t        size)
{
  g_autofree char *text = g_strndup ((const char *) data, size);
  g_auto(GStrv) lines = g_strsplit (text, "\n", 64);
  g_autoptr(CorralHostMatcher) m = corral_host_matcher_new (size > 0 && data[0] == '!');
  gboolean hosts = FALSE;

  for (guint i = 0; lines[i] != NULL; i++)
    {
      if (g_str_equal (lines[i], "--"))
        {
          hosts = TRUE;
          continue;
        }
      if (!hosts)
        {
          g_autoptr(GError) error = NULL;
          g_autofree char *normal = corral_host_entry_normalize (lines[i], &error);

          g_assert ((normal == NULL) == (error != NULL));
          if (normal != NULL)
            {
              /* the canonical form is a fixed point, and what it allows
               * the entry allows */
              g_autofree char *again = corral_host_entry_normalize (normal, NULL);
              g_assert (again != NULL && strcmp (again, normal) == 0);
              g_assert (corral_host_matcher_add (m, lines[i], NULL));
            }
        }
      else
        {
          char *space = strrchr (lines[i], ' ');
          guint port = space ? (guint) strtoul (space + 1, NULL, 10) : 443;
          g_autofree char *reason = NULL;
          CorralHostVerdict v;

          if (space != NULL)
            *space = '\0';
          v = corral_host_matcher_check (m, lines[i], (guint16) port, &reason);
          g_assert ((v == CORRAL_HOST_ALLOWED) == (reason == NULL));
          if (corral_host_is_ip_literal (lines[i]))
            g_assert (v == CORRAL_HOST_IP_LITERAL);
        }
    }
  return 0;
}
