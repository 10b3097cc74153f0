/* corral-clipboard-sync.h: the host clipboard and the guest's, in step
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#pragma once

#include <gtk/gtk.h>

G_BEGIN_DECLS

#define CORRAL_TYPE_CLIPBOARD_SYNC (corral_clipboard_sync_get_type ())
G_DECLARE_FINAL_TYPE (CorralClipboardSync, corral_clipboard_sync, CORRAL, CLIPBOARD_SYNC, GObject)

/* How long after the user's last key or click on the display a text
 * from the guest may still become the host's clipboard. */
#define CORRAL_CLIPBOARD_SYNC_COPY_SECONDS 10

/* Keeps @clipboard's text and the guest's clipboard the same, over the
 * channel of corral-clipboard-protocol.h, where the user is at the
 * display (see below): the guest has root, and neither learns what the
 * user copies elsewhere (a password, a token) nor sets what the user
 * pastes into a host shell unasked. */
CorralClipboardSync *corral_clipboard_sync_new         (GdkClipboard        *clipboard);

/* Starts on a dup() of @fd (the Vm's end of the channel); -1 stops. */
void                 corral_clipboard_sync_set_fd      (CorralClipboardSync *self,
                                                        int                  fd);

/* Whether the user is at the display: it has the keyboard focus of the
 * active window. The host's text goes to the guest only then: the
 * current one when that begins (if the guest has not had it), each new
 * one while it lasts. */
void                 corral_clipboard_sync_set_present (CorralClipboardSync *self,
                                                        gboolean             present);

/* The user pressed a key or a button on the display. A text the guest
 * sends becomes the host's clipboard only while the user is there and
 * within CORRAL_CLIPBOARD_SYNC_COPY_SECONDS after this (a copy in the
 * guest follows a Ctrl+C or a menu click); any other is dropped. */
void                 corral_clipboard_sync_user_input  (CorralClipboardSync *self);

G_END_DECLS
