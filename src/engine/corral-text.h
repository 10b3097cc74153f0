/* corral-text.h: text from outside, made fit to show a person
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#pragma once

#include <glib.h>

G_BEGIN_DECLS

/* @text (@length bytes, or -1 up to its NUL) as something a terminal or
 * a label can show safely: valid UTF-8 (bad bytes become U+FFFD),
 * control characters (escape sequences, C1 codes, bidirectional
 * overrides) shown as \xNN / \u{NNNN} instead of acting, and at most
 * @max_chars characters shown (escapes count as what they show), plus
 * "…" when cut. For what a damaged
 * file, QEMU or the guest wrote, quoted in a message. */
char *corral_text_for_display (const char *text,
                               gssize      length,
                               gsize       max_chars);

G_END_DECLS
