/* app-test-util.h: what the application's console shows, for GUI tests
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#pragma once

#include <vte/vte.h>

#include "gui-test-util.h"

G_BEGIN_DECLS

/* The text of @terminal's rows @first to @last (scrollback rows count). */
char      *corral_test_terminal_rows    (VteTerminal *terminal,
                                         long         first,
                                         long         last);
/* Everything a CorralConsoleView's terminal shows, scrollback included. */
char      *corral_test_console_text     (GtkWidget   *console);
/* Waits until @console shows @text; on timeout, fails showing what it has. */
void       corral_test_wait_for_console (GtkWidget   *console,
                                         const char  *text,
                                         guint        seconds);

G_END_DECLS
