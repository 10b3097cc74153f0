/* corral-vnc-view.h: the guest's graphical display, as a widget
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#pragma once

#include <gtk/gtk.h>

#include "corral-vm.h"
#include "corral-vnc-display.h"

G_BEGIN_DECLS

#define CORRAL_TYPE_VNC_VIEW (corral_vnc_view_get_type ())
G_DECLARE_FINAL_TYPE (CorralVncView, corral_vnc_view, CORRAL, VNC_VIEW, GtkWidget)

/*
 * Shows the display of a CorralVm: connects when the VM runs and has a
 * display, reconnects when the connection drops while it runs, and shows
 * a placeholder saying why there is nothing to see otherwise.
 *
 * Properties:
 *   vm              CorralVm
 *   grab-keyboard   bool: system shortcuts (Alt+Tab, Super...) go to the guest
 *   fullscreen      bool: the display alone in a fullscreen window of its own
 *   scale-to-fit    bool: fit the window (default), else 1:1 with scrolling
 *   connected       bool, read-only
 *
 * Actions (group "display"), also in corral_vnc_view_get_menu():
 *   display.screenshot             save the display as PNG (file chooser)
 *   display.send-keys ("s")        "ctrl-alt-del", "ctrl-alt-f1".."ctrl-alt-f7",
 *                                  "print"
 *   display.grab-keyboard          toggle; Ctrl+Alt alone also toggles it
 *   display.fullscreen             toggle; F11
 *   display.scale-to-fit           toggle
 */

GtkWidget        *corral_vnc_view_new           (void);

void              corral_vnc_view_set_vm        (CorralVncView *self, CorralVm *vm);
CorralVm         *corral_vnc_view_get_vm        (CorralVncView *self);

gboolean          corral_vnc_view_get_connected (CorralVncView *self);
CorralVncDisplay *corral_vnc_view_get_display   (CorralVncView *self);

/* The display's menu (screenshot, send keys, grab, scale, fullscreen). */
GMenuModel       *corral_vnc_view_get_menu      (CorralVncView *self);
/* The "display" actions, for a window to insert so its own menu can use
 * them (gtk_widget_insert_action_group (window, "display", ...)). */
GActionGroup     *corral_vnc_view_get_actions   (CorralVncView *self);

/* Which page shows: "display" or "placeholder" (tests). */
const char       *corral_vnc_view_get_page      (CorralVncView *self);
/* The placeholder's title (tests). */
const char       *corral_vnc_view_get_placeholder_title (CorralVncView *self);

/* Saves the current guest image as PNG, without asking. */
gboolean          corral_vnc_view_save_screenshot (CorralVncView *self,
                                                   GFile         *file,
                                                   GError       **error);

/* The key combinations of the Send keys menu, by action target name;
 * NULL for an unknown name. Returns the number of QEMU key numbers. */
guint             corral_vnc_view_lookup_keys   (const char     *name,
                                                 const guint16 **qnums);

G_END_DECLS
