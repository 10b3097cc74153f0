/* corral-console-view.h: a VTE terminal on one of the guest's serial consoles
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#pragma once

#include <gtk/gtk.h>
#include <vte/vte.h>

#include "corral-vm.h"

G_BEGIN_DECLS

#define CORRAL_TYPE_CONSOLE_VIEW (corral_console_view_get_type ())
G_DECLARE_FINAL_TYPE (CorralConsoleView, corral_console_view, CORRAL, CONSOLE_VIEW, GtkWidget)

/*
 * Properties:
 *   vm        CorralVm, may change (a new Vm per start) or be NULL
 *   console   CorralConsole (int): which serial console, agent or enter
 *   attached  bool, read-only: a PTY is attached to the terminal
 */
GtkWidget   *corral_console_view_new          (CorralConsole      console);
void         corral_console_view_set_vm       (CorralConsoleView *self,
                                               CorralVm          *vm);
CorralVm    *corral_console_view_get_vm       (CorralConsoleView *self);
gboolean     corral_console_view_get_attached (CorralConsoleView *self);
VteTerminal *corral_console_view_get_terminal (CorralConsoleView *self);
/* A widget shown above the terminal, over what it concerns (the window's
 * agent banner); NULL removes it. */
void         corral_console_view_set_banner   (CorralConsoleView *self,
                                               GtkWidget         *banner);

G_END_DECLS
