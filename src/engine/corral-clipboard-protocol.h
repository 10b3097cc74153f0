/* corral-clipboard-protocol.h: clipboard text over a byte stream
 *
 * Host and guest exchange the clipboard over a virtio-serial port named
 * CORRAL_CLIPBOARD_PORT, both ways, as frames:
 *
 *   "TEXT <length>\n" followed by <length> bytes of UTF-8
 *
 * Each side sends a frame when its own clipboard changes to text it did
 * not just receive. Unknown frame kinds are skipped by their length, so
 * the protocol can grow. Pure: no I/O.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#pragma once

#include <glib.h>

G_BEGIN_DECLS

#define CORRAL_CLIPBOARD_PORT "io.github.corral.clipboard.0"
#define CORRAL_CLIPBOARD_MAX  (4 * 1024 * 1024)

/* The frame carrying @text (@length bytes, -1 for NUL-terminated). */
GBytes *corral_clipboard_encode (const char *text, gssize length);

typedef struct _CorralClipboardDecoder CorralClipboardDecoder;

CorralClipboardDecoder *corral_clipboard_decoder_new  (void);
void                    corral_clipboard_decoder_free (CorralClipboardDecoder *self);

/* Feeds received bytes. Returns the texts of the frames completed by them
 * (oldest first; NULL when none), each valid UTF-8; invalid text and
 * frames over CORRAL_CLIPBOARD_MAX are dropped, and a garbled header is
 * skipped up to the next newline. */
GPtrArray              *corral_clipboard_decoder_feed (CorralClipboardDecoder *self,
                                                       const guint8           *data,
                                                       gsize                   length);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (CorralClipboardDecoder, corral_clipboard_decoder_free)

G_END_DECLS
