/* corral-keymap.c: evdev key codes to QEMU key numbers (XT set 1)
 *
 * Written from linux/input-event-codes.h and the XT scan code set 1.
 * Evdev codes 1-83 were defined to equal set 1 make codes (Esc = 1 up to
 * KP . = 0x53), so only the rest is listed; keys sent with an 0xE0 prefix
 * are QEMU numbers 0x80 | make code.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "config.h"

#include <linux/input-event-codes.h>

#include "corral-keymap.h"

#define E0(code) (0x80 | (code))

static const guint16 evdev_to_qnum[] = {
  /* ISO and Japanese/Korean/Brazilian keys */
  [KEY_ZENKAKUHANKAKU]   = 0x76,
  [KEY_102ND]            = 0x56,
  [KEY_F11]              = 0x57,
  [KEY_F12]              = 0x58,
  [KEY_RO]               = 0x73,
  [KEY_KATAKANA]         = 0x78,
  [KEY_HIRAGANA]         = 0x77,
  [KEY_HENKAN]           = 0x79,
  [KEY_KATAKANAHIRAGANA] = 0x70,
  [KEY_MUHENKAN]         = 0x7b,
  [KEY_KPJPCOMMA]        = 0x5c,
  [KEY_YEN]              = 0x7d,
  [KEY_KPCOMMA]          = 0x7e,
  [KEY_KPEQUAL]          = 0x59,

  /* 0xE0-prefixed: the right-hand duplicates and the navigation block */
  [KEY_KPENTER]          = E0 (0x1c),
  [KEY_RIGHTCTRL]        = E0 (0x1d),
  [KEY_KPSLASH]          = E0 (0x35),
  [KEY_SYSRQ]            = E0 (0x37),   /* Print Screen */
  [KEY_RIGHTALT]         = E0 (0x38),   /* AltGr */
  [KEY_HOME]             = E0 (0x47),
  [KEY_UP]               = E0 (0x48),
  [KEY_PAGEUP]           = E0 (0x49),
  [KEY_LEFT]             = E0 (0x4b),
  [KEY_RIGHT]            = E0 (0x4d),
  [KEY_END]              = E0 (0x4f),
  [KEY_DOWN]             = E0 (0x50),
  [KEY_PAGEDOWN]         = E0 (0x51),
  [KEY_INSERT]           = E0 (0x52),
  [KEY_DELETE]           = E0 (0x53),
  [KEY_LEFTMETA]         = E0 (0x5b),
  [KEY_RIGHTMETA]        = E0 (0x5c),
  [KEY_COMPOSE]          = E0 (0x5d),   /* Menu */
  [KEY_POWER]            = E0 (0x5e),
  [KEY_SLEEP]            = E0 (0x5f),
  [KEY_WAKEUP]           = E0 (0x63),
  /* Pause sends E1 1D 45; QEMU numbers it as E0 46 (Ctrl+Break). */
  [KEY_PAUSE]            = E0 (0x46),

  /* Multimedia keys (0xE0-prefixed) */
  [KEY_PREVIOUSSONG]     = E0 (0x10),
  [KEY_NEXTSONG]         = E0 (0x19),
  [KEY_MUTE]             = E0 (0x20),
  [KEY_CALC]             = E0 (0x21),
  [KEY_PLAYPAUSE]        = E0 (0x22),
  [KEY_STOPCD]           = E0 (0x24),
  [KEY_VOLUMEDOWN]       = E0 (0x2e),
  [KEY_VOLUMEUP]         = E0 (0x30),
  [KEY_HOMEPAGE]         = E0 (0x32),
  [KEY_SEARCH]           = E0 (0x65),
  [KEY_BOOKMARKS]        = E0 (0x66),
  [KEY_REFRESH]          = E0 (0x67),
  [KEY_STOP]             = E0 (0x68),
  [KEY_FORWARD]          = E0 (0x69),
  [KEY_BACK]             = E0 (0x6a),
  [KEY_COMPUTER]         = E0 (0x6b),
  [KEY_MAIL]             = E0 (0x6c),
  [KEY_MEDIA]            = E0 (0x6d),
};

guint16
corral_keymap_qnum_from_evdev (guint evdev_code)
{
  if (evdev_code >= KEY_ESC && evdev_code <= KEY_KPDOT)
    return evdev_code;
  if (evdev_code < G_N_ELEMENTS (evdev_to_qnum))
    return evdev_to_qnum[evdev_code];
  return 0;
}

guint16
corral_keymap_qnum_from_hardware (guint hardware_keycode)
{
  if (hardware_keycode < 8)
    return 0;
  return corral_keymap_qnum_from_evdev (hardware_keycode - 8);
}
