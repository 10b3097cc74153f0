/* test-keymap.c: every key of a 105-key (ISO) PC keyboard reaches QEMU as
 * the right key number.
 *
 * The hardware keycodes come from xkeyboard-config's evdev keycode file
 * (what X11 and Wayland report for each physical key), the expected QEMU
 * numbers from the XT scan code set 1 (0xE0-prefixed keys as 0x80 | code),
 * so this checks the table against two sources it was not generated from.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "config.h"

#include <stdio.h>
#include <string.h>

#include "corral-keymap.h"
#include "corral-vnc-view.h"

typedef struct {
  const char *xkb;    /* XKB key name of the physical key */
  guint16 qnum;       /* QEMU key number (set 1, E0 -> 0x80 | code) */
} Key;

/* The 105 keys of an ISO PC keyboard, row by row. */
static const Key iso105[] = {
  /* Function row: 13 */
  { "ESC", 0x01 },
  { "FK01", 0x3b }, { "FK02", 0x3c }, { "FK03", 0x3d }, { "FK04", 0x3e },
  { "FK05", 0x3f }, { "FK06", 0x40 }, { "FK07", 0x41 }, { "FK08", 0x42 },
  { "FK09", 0x43 }, { "FK10", 0x44 }, { "FK11", 0x57 }, { "FK12", 0x58 },
  /* Print Screen, Scroll Lock, Pause: 3 */
  { "PRSC", 0xb7 }, { "SCLK", 0x46 }, { "PAUS", 0xc6 },
  /* Number row: 14 */
  { "TLDE", 0x29 },
  { "AE01", 0x02 }, { "AE02", 0x03 }, { "AE03", 0x04 }, { "AE04", 0x05 },
  { "AE05", 0x06 }, { "AE06", 0x07 }, { "AE07", 0x08 }, { "AE08", 0x09 },
  { "AE09", 0x0a }, { "AE10", 0x0b }, { "AE11", 0x0c }, { "AE12", 0x0d },
  { "BKSP", 0x0e },
  /* Top letter row: 13 (Return counted below) */
  { "TAB", 0x0f },
  { "AD01", 0x10 }, { "AD02", 0x11 }, { "AD03", 0x12 }, { "AD04", 0x13 },
  { "AD05", 0x14 }, { "AD06", 0x15 }, { "AD07", 0x16 }, { "AD08", 0x17 },
  { "AD09", 0x18 }, { "AD10", 0x19 }, { "AD11", 0x1a }, { "AD12", 0x1b },
  /* Home row: 14 */
  { "CAPS", 0x3a },
  { "AC01", 0x1e }, { "AC02", 0x1f }, { "AC03", 0x20 }, { "AC04", 0x21 },
  { "AC05", 0x22 }, { "AC06", 0x23 }, { "AC07", 0x24 }, { "AC08", 0x25 },
  { "AC09", 0x26 }, { "AC10", 0x27 }, { "AC11", 0x28 }, { "BKSL", 0x2b },
  { "RTRN", 0x1c },
  /* Bottom letter row: 13 (ISO: the extra key LSGT left of Z) */
  { "LFSH", 0x2a }, { "LSGT", 0x56 },
  { "AB01", 0x2c }, { "AB02", 0x2d }, { "AB03", 0x2e }, { "AB04", 0x2f },
  { "AB05", 0x30 }, { "AB06", 0x31 }, { "AB07", 0x32 }, { "AB08", 0x33 },
  { "AB09", 0x34 }, { "AB10", 0x35 }, { "RTSH", 0x36 },
  /* Space row: 8 */
  { "LCTL", 0x1d }, { "LWIN", 0xdb }, { "LALT", 0x38 }, { "SPCE", 0x39 },
  { "RALT", 0xb8 }, { "RWIN", 0xdc }, { "MENU", 0xdd }, { "RCTL", 0x9d },
  /* Navigation block: 6 + arrows 4 */
  { "INS", 0xd2 }, { "HOME", 0xc7 }, { "PGUP", 0xc9 },
  { "DELE", 0xd3 }, { "END", 0xcf }, { "PGDN", 0xd1 },
  { "UP", 0xc8 }, { "LEFT", 0xcb }, { "DOWN", 0xd0 }, { "RGHT", 0xcd },
  /* Keypad: 17 */
  { "NMLK", 0x45 }, { "KPDV", 0xb5 }, { "KPMU", 0x37 }, { "KPSU", 0x4a },
  { "KP7", 0x47 }, { "KP8", 0x48 }, { "KP9", 0x49 }, { "KPAD", 0x4e },
  { "KP4", 0x4b }, { "KP5", 0x4c }, { "KP6", 0x4d },
  { "KP1", 0x4f }, { "KP2", 0x50 }, { "KP3", 0x51 }, { "KPEN", 0x9c },
  { "KP0", 0x52 }, { "KPDL", 0x53 },
};

/* XKB key name -> X keycode, from xkeyboard-config's evdev file. */
static GHashTable *
load_xkb_evdev (void)
{
  const char *path = "/usr/share/X11/xkb/keycodes/evdev";
  g_autofree char *text = NULL;
  g_auto(GStrv) lines = NULL;
  GHashTable *map = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, NULL);
  g_autoptr(GError) error = NULL;

  g_file_get_contents (path, &text, NULL, &error);
  g_assert_no_error (error);
  lines = g_strsplit (text, "\n", -1);
  for (guint i = 0; lines[i]; i++)
    {
      char name[16];
      unsigned code;

      /* Lines look like "\t<AE01> = 10;" */
      if (sscanf (g_strstrip (lines[i]), "<%15[^>]> = %u;", name, &code) == 2
          && !g_hash_table_contains (map, name))
        g_hash_table_insert (map, g_strdup (name), GUINT_TO_POINTER (code));
    }
  /* ... and "alias <MENU> = <COMP>;" */
  for (guint i = 0; lines[i]; i++)
    {
      char name[16], target[16];
      gpointer code;

      if (sscanf (lines[i], "alias <%15[^>]> = <%15[^>]>;", name, target) == 2
          && !g_hash_table_contains (map, name)
          && g_hash_table_lookup_extended (map, target, NULL, &code))
        g_hash_table_insert (map, g_strdup (name), code);
    }
  return map;
}

static void
test_iso105 (void)
{
  g_autoptr(GHashTable) xkb = load_xkb_evdev ();
  g_autoptr(GHashTable) seen = g_hash_table_new (NULL, NULL);

  g_assert_cmpuint (G_N_ELEMENTS (iso105), ==, 105);

  for (guint i = 0; i < G_N_ELEMENTS (iso105); i++)
    {
      gpointer code;
      guint16 qnum;

      if (!g_hash_table_lookup_extended (xkb, iso105[i].xkb, NULL, &code))
        g_error ("key <%s> missing from the XKB evdev keycodes", iso105[i].xkb);
      qnum = corral_keymap_qnum_from_hardware (GPOINTER_TO_UINT (code));
      if (qnum != iso105[i].qnum)
        g_error ("<%s> (X keycode %u): QEMU number 0x%02x, expected 0x%02x",
                 iso105[i].xkb, GPOINTER_TO_UINT (code), qnum, iso105[i].qnum);

      /* Two physical keys must never reach the guest as one. */
      g_assert_false (g_hash_table_contains (seen, GUINT_TO_POINTER (qnum)));
      g_hash_table_add (seen, GUINT_TO_POINTER (qnum));
    }
}

static void
test_unknown (void)
{
  /* Below the evdev offset, KEY_RESERVED and codes past the table: none. */
  for (guint k = 0; k <= 8; k++)
    g_assert_cmpuint (corral_keymap_qnum_from_hardware (k), ==, 0);
  g_assert_cmpuint (corral_keymap_qnum_from_evdev (0), ==, 0);
  g_assert_cmpuint (corral_keymap_qnum_from_evdev (100000), ==, 0);
  g_assert_cmpuint (corral_keymap_qnum_from_hardware (G_MAXUINT), ==, 0);
}

static void
test_japanese_and_brazilian (void)
{
  /* The extra keys of JIS and ABNT2 keyboards. */
  g_assert_cmpuint (corral_keymap_qnum_from_evdev (89), ==, 0x73);   /* Ro */
  g_assert_cmpuint (corral_keymap_qnum_from_evdev (124), ==, 0x7d);  /* Yen */
  g_assert_cmpuint (corral_keymap_qnum_from_evdev (92), ==, 0x79);   /* Henkan */
  g_assert_cmpuint (corral_keymap_qnum_from_evdev (94), ==, 0x7b);   /* Muhenkan */
  g_assert_cmpuint (corral_keymap_qnum_from_evdev (121), ==, 0x7e);  /* KP comma */
}

static void
test_send_keys (void)
{
  /* The Send Keys menu, checked against the key table's own numbers for
   * the same physical keys (evdev codes). */
  const struct { const char *name; guint evdev[3]; guint n; } cases[] = {
    { "ctrl-alt-del", { 29, 56, 111 }, 3 },   /* KEY_LEFTCTRL, KEY_LEFTALT, KEY_DELETE */
    { "ctrl-alt-f1", { 29, 56, 59 }, 3 },     /* KEY_F1 */
    { "ctrl-alt-f2", { 29, 56, 60 }, 3 },
    { "ctrl-alt-f7", { 29, 56, 65 }, 3 },     /* KEY_F7 */
    { "print", { 99 }, 1 },                   /* KEY_SYSRQ */
  };
  const guint16 *qnums;

  for (guint i = 0; i < G_N_ELEMENTS (cases); i++)
    {
      guint n = corral_vnc_view_lookup_keys (cases[i].name, &qnums);

      g_assert_cmpuint (n, ==, cases[i].n);
      for (guint k = 0; k < n; k++)
        g_assert_cmpuint (qnums[k], ==, corral_keymap_qnum_from_evdev (cases[i].evdev[k]));
    }
  g_assert_cmpuint (corral_vnc_view_lookup_keys ("ctrl-alt-f8", &qnums), ==, 0);
  g_assert_null (qnums);
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, G_TEST_OPTION_ISOLATE_DIRS, NULL);
  g_test_add_func ("/keymap/iso105", test_iso105);
  g_test_add_func ("/keymap/unknown", test_unknown);
  g_test_add_func ("/keymap/jis-abnt2", test_japanese_and_brazilian);
  g_test_add_func ("/keymap/send-keys", test_send_keys);
  return g_test_run ();
}
