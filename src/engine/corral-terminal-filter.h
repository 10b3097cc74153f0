/* corral-terminal-filter.h: the guest's console output, minus what a
 * terminal would let it do to the host
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * The terminal run (`corral --terminal`, and its second console's pty)
 * hands the agent console's bytes to the user's own terminal, which
 * obeys more than text: OSC 52 sets or reads the clipboard the user
 * pastes into a host shell; DCS, APC, PM and SOS strings carry kitty's
 * graphics and file transfer, tmux's passthrough, and other terminals'
 * private protocols. A guest with root writes what it likes on that
 * console, so this filter passes text, C0 controls, CSI and ESC
 * sequences, and only the OSC commands an agent's interface uses
 * (titles, hyperlinks, colours, prompt marks); every other OSC and every
 * DCS, APC, PM and SOS string is dropped whole. Streaming: a sequence may
 * be split across reads; nothing is buffered beyond an OSC's number.
 * Pure: no I/O.
 */
#pragma once

#include <glib.h>

G_BEGIN_DECLS

typedef struct _CorralTerminalFilter CorralTerminalFilter;

CorralTerminalFilter *corral_terminal_filter_new         (void);
void                  corral_terminal_filter_free        (CorralTerminalFilter *self);

/* Appends to @out what the terminal may see of @data. */
void                  corral_terminal_filter_feed        (CorralTerminalFilter *self,
                                                          const char           *data,
                                                          gsize                 len,
                                                          GByteArray           *out);

/* How many sequences were dropped so far. */
guint                 corral_terminal_filter_get_dropped (CorralTerminalFilter *self);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (CorralTerminalFilter, corral_terminal_filter_free)

G_END_DECLS
