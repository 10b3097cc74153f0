/* gui-test-util.h: waiting for what a user would see, under Xvfb
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#pragma once

#include <gtk/gtk.h>

/* corral_test_wait_until, corral_test_iterate, consoles */
#include "corral-test-util.h"

G_BEGIN_DECLS

void       corral_test_init            (void);
void       corral_test_wait_mapped     (GtkWidget   *widget);
void       corral_test_wait_for_flag   (gboolean    *flag,
                                        guint        seconds);
gboolean   corral_test_wait_active     (GtkWindow   *window,
                                        guint        seconds);
/* Whether a mapped label under @root shows @text, waiting up to @seconds. */
gboolean   corral_test_wait_for_text   (GtkWidget   *root,
                                        const char  *text,
                                        guint        seconds);
GtkWidget *corral_test_find_toplevel   (GType        type);
/* The first widget under @root, itself included, depth first, that
 * @match accepts (a widget that is not mapped may be taken: say so in
 * @match when that matters). */
typedef gboolean (*CorralTestMatch) (GtkWidget *widget, gconstpointer data);
GtkWidget *corral_test_find_widget     (GtkWidget       *root,
                                        CorralTestMatch  match,
                                        gconstpointer    data);
GtkWidget *corral_test_find_descendant (GtkWidget   *root,
                                        GType        type);
/* The mapped button labelled @label (mnemonic included: "_Open") under
 * @root, or NULL; the wait gives up after @seconds. */
GtkWidget *corral_test_find_button     (GtkWidget   *root,
                                        const char  *label);
GtkWidget *corral_test_wait_for_button (GtkWidget   *root,
                                        const char  *label,
                                        guint        seconds);
/* The button bound to @action ("win.stop") under @root, mapped or not. */
GtkWidget *corral_test_find_action_button (GtkWidget  *root,
                                           const char *action);
/* Clicks the mapped, sensitive button labelled @label under @root; fails
 * the test when there is none. */
void       corral_test_click_button    (GtkWidget   *root,
                                        const char  *label);
void       corral_test_watch_child     (GPid         pid,
                                        int         *status,
                                        gboolean    *done);
/* Saves the whole (Xvfb) screen as screenshots/NAME.png in the build dir. */
char      *corral_test_screenshot      (const char  *name);
/* @clipboard's text, "" when it has none (or none within 10 s). */
char      *corral_test_clipboard_text  (GdkClipboard *clipboard);

G_END_DECLS
