/* corral-key-file.h: key files from outside, loaded safely
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#pragma once

#include <glib.h>

G_BEGIN_DECLS

/* g_key_file_load_from_data(), then a check of every value: GLib 2.74
 * sets a GError twice (a GLib-WARNING, an abort under fatal warnings)
 * when a value holding a bad escape sequence also ends in a lone
 * backslash, and any of the get_string functions would hit it later. A
 * file with such a value is refused here, as one that does not parse;
 * the error's message is safe to show (corral_text_for_display). */
gboolean corral_key_file_load_from_data (GKeyFile      *key_file,
                                         const char    *data,
                                         gsize          length,
                                         GKeyFileFlags  flags,
                                         GError       **error);

G_END_DECLS
