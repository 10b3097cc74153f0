/* corral-clipboard-sync.h: the host clipboard and the guest's, in step
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#pragma once

#include <gtk/gtk.h>

G_BEGIN_DECLS

#define CORRAL_TYPE_CLIPBOARD_SYNC (corral_clipboard_sync_get_type ())
G_DECLARE_FINAL_TYPE (CorralClipboardSync, corral_clipboard_sync, CORRAL, CLIPBOARD_SYNC, GObject)

/* Keeps @clipboard's text and the guest's clipboard the same, over the
 * channel of corral-clipboard-protocol.h. */
CorralClipboardSync *corral_clipboard_sync_new    (GdkClipboard        *clipboard);

/* Starts on a dup() of @fd (the Vm's end of the channel); -1 stops. */
void                 corral_clipboard_sync_set_fd (CorralClipboardSync *self,
                                                   int                  fd);

G_END_DECLS
