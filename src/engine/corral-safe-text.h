/* corral-safe-text.h: another process's words, made safe to show
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * QEMU's stderr and passt's, pasta's and the relay's notices end up in
 * Corral's messages: in a label, and in the terminal run on the user's
 * own terminal. After a QEMU bug they are the guest's words, and a
 * terminal obeys escape sequences: a title, a cleared screen, or OSC 52,
 * which sets the clipboard the user pastes into a shell. Pure.
 */
#pragma once

#include <glib.h>

G_BEGIN_DECLS

/* @text (@length bytes, -1: up to its NUL) as valid UTF-8 with every
 * control character but newline and tab (C0, DEL, C1: ESC, CSI...)
 * replaced by U+FFFD. */
char *corral_safe_text (const char *text,
                        gssize      length);

/* Whether a link the guest printed (an OSC 8 hyperlink, or a URL in its
 * text) may be opened on the host: a web link (http, https) only. A
 * file: link names a host path, and the guest writes the project, which
 * is at the same path on the host: opened with its default application
 * (Java for a .jar, Wine for an .exe) it would run the guest's program
 * there. Other schemes reach other handlers (smb:, sftp: connect to a
 * server the guest names). */
gboolean corral_safe_link (const char *uri);

G_END_DECLS
