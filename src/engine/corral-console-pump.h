/* corral-console-pump.h: a virtio agent console's buffer between QEMU and its PTY
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#pragma once

#include <glib.h>

G_BEGIN_DECLS

/* QEMU's virtio console (virtconsole) drops guest output its chardev
 * cannot take at once, where a serial port waits: a terminal that falls
 * behind for a moment would lose the agent's output. So QEMU writes into
 * a socket that a thread of ours always reads, into a buffer of up to
 * CORRAL_CONSOLE_PUMP_MAX bytes, and the thread passes it on to the
 * console's PTY at the terminal's pace; what the terminal sends goes the
 * other way. At QEMU's end of the socket the thread drains the buffer
 * into the PTY (for at most a few seconds) and closes its side, so the
 * terminal then sees the console end as before. */
#define CORRAL_CONSOLE_PUMP_MAX (64 * 1024 * 1024)

typedef struct _CorralConsolePump CorralConsolePump;

/* @qemu_fd: our end of the socket QEMU's chardev has; @pty_path: the
 * console PTY's slave, which the pump opens itself. Both are owned by
 * the pump from here on (qemu_fd is closed even on error). */
CorralConsolePump *corral_console_pump_new  (int                 qemu_fd,
                                             const char         *pty_path,
                                             GError            **error);
/* Stops the thread (at once: nothing more is passed on) and frees. */
void               corral_console_pump_free (CorralConsolePump  *pump);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (CorralConsolePump, corral_console_pump_free)

G_END_DECLS
