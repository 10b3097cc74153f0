/* corral-terminal.c: the consoles' VteTerminal, which says when its grid
 * changes
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * A guest behind a serial line or a virtio-serial port cannot see the
 * terminal's size, and VTE 0.70 has no signal for it (it resizes its PTY
 * during its allocation). So the grid is compared after each allocation:
 * every change of rows or columns passes through one (window resizes,
 * fonts and zoom queue a resize).
 */
#include "config.h"

#include "corral-terminal.h"

struct _CorralTerminal
{
  VteTerminal parent_instance;

  long        rows;
  long        columns;
};

G_DEFINE_FINAL_TYPE (CorralTerminal, corral_terminal, VTE_TYPE_TERMINAL)

enum {
  GRID_CHANGED,
  N_SIGNALS
};

static guint signals[N_SIGNALS];

static void
corral_terminal_size_allocate (GtkWidget *widget,
                               int        width,
                               int        height,
                               int        baseline)
{
  CorralTerminal *self = CORRAL_TERMINAL (widget);
  long rows, columns;

  GTK_WIDGET_CLASS (corral_terminal_parent_class)->size_allocate (widget, width, height, baseline);

  rows = vte_terminal_get_row_count (VTE_TERMINAL (self));
  columns = vte_terminal_get_column_count (VTE_TERMINAL (self));
  if (rows == self->rows && columns == self->columns)
    return;
  self->rows = rows;
  self->columns = columns;
  g_signal_emit (self, signals[GRID_CHANGED], 0, rows, columns);
}

static void
corral_terminal_class_init (CorralTerminalClass *klass)
{
  GtkWidgetClass *widget_class = GTK_WIDGET_CLASS (klass);

  widget_class->size_allocate = corral_terminal_size_allocate;

  signals[GRID_CHANGED] =
    g_signal_new ("grid-changed", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST,
                  0, NULL, NULL, NULL, G_TYPE_NONE, 2, G_TYPE_LONG, G_TYPE_LONG);
}

static void
corral_terminal_init (CorralTerminal *self)
{
}

GtkWidget *
corral_terminal_new (void)
{
  return g_object_new (CORRAL_TYPE_TERMINAL, NULL);
}
