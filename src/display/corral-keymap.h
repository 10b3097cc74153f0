/* corral-keymap.h: host key codes to QEMU's key numbers
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#pragma once

#include <glib.h>

G_BEGIN_DECLS

/* QEMU's extended key event carries a "key number": the XT set 1 make
 * code, with 0xE0-prefixed keys as 0x80 | code. Returns 0 for keys that
 * have none. */
guint16 corral_keymap_qnum_from_evdev    (guint evdev_code);

/* GDK's hardware keycode on X11 (evdev driver) and Wayland is the evdev
 * code + 8. */
guint16 corral_keymap_qnum_from_hardware (guint hardware_keycode);

G_END_DECLS
