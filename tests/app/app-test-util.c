/* app-test-util.c: what the application's console shows, for GUI tests
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "config.h"

#include <string.h>

#include <vte/vte.h>

#include "app-test-util.h"
#include "corral-console-view.h"

char *
corral_test_terminal_rows (VteTerminal *terminal,
                           long         first,
                           long         last)
{
  long columns = vte_terminal_get_column_count (terminal);

  /* VTE 0.76 deprecates the call Debian 12's 0.70 has alone. */
#if VTE_CHECK_VERSION (0, 72, 0)
  return vte_terminal_get_text_range_format (terminal, VTE_FORMAT_TEXT, first, 0, last, columns, NULL);
#else
  return vte_terminal_get_text_range (terminal, first, 0, last, columns, NULL, NULL, NULL);
#endif
}

char *
corral_test_console_text (GtkWidget *console)
{
  VteTerminal *terminal = corral_console_view_get_terminal (CORRAL_CONSOLE_VIEW (console));
  GtkAdjustment *rows = gtk_scrollable_get_vadjustment (GTK_SCROLLABLE (terminal));

  /* Everything, scrollback included (rows are the adjustment's units). */
  return corral_test_terminal_rows (terminal, (long) gtk_adjustment_get_lower (rows),
                                    (long) gtk_adjustment_get_upper (rows) - 1);
}

void
corral_test_wait_for_console (GtkWidget  *console,
                              const char *text,
                              guint       seconds)
{
  gint64 deadline = g_get_monotonic_time () + seconds * G_USEC_PER_SEC;

  for (;;)
    {
      g_autofree char *shown = corral_test_console_text (console);

      if (shown != NULL && strstr (shown, text) != NULL)
        return;
      if (g_get_monotonic_time () > deadline)
        {
          g_test_message ("console shows:\n%s", shown);
          g_error ("“%s” did not appear on the console within %u s", text, seconds);
        }
      corral_test_iterate (100);
    }
}
