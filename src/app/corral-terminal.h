/* corral-terminal.h: the consoles' VteTerminal, which says when its grid
 * changes
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#pragma once

#include <vte/vte.h>

G_BEGIN_DECLS

#define CORRAL_TYPE_TERMINAL (corral_terminal_get_type ())
G_DECLARE_FINAL_TYPE (CorralTerminal, corral_terminal, CORRAL, TERMINAL, VteTerminal)

/*
 * Signals:
 *   grid-changed (long rows, long columns): the number of character cells
 *       changed (a resize, a new font or zoom); emitted after the
 *       allocation that changed it, once per change
 */
GtkWidget *corral_terminal_new (void);

G_END_DECLS
