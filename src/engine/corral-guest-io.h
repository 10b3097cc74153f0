/* corral-guest-io.h: the priority of what the guest or QEMU sends
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * GLib runs only the most urgent sources that are ready, so a channel
 * read at G_PRIORITY_DEFAULT that the guest keeps full (a flood of
 * clipboard frames, session lines, QMP events) kept GTK's frame clock
 * (G_PRIORITY_HIGH_IDLE + 20) from running: 10 frames in 3 s instead of
 * 180. Every channel the guest or QEMU writes is read at this priority
 * instead: below the window's input and drawing, with idle work, so a
 * flood costs CPU, never the window's frames or its answers to the user
 * (tests/engine/test-guest-io.c).
 */
#pragma once

#include <glib.h>

#define CORRAL_GUEST_IO_PRIORITY G_PRIORITY_DEFAULT_IDLE
