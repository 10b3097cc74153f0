/* fuzz-util.c: what every libFuzzer target in tests/fuzz/ shares
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "config.h"

#include <stdlib.h>
#include <string.h>

#include <glib/gstdio.h>

#include "fuzz-util.h"

static GLogWriterOutput
fatal_writer (GLogLevelFlags   level,
              const GLogField *fields,
              gsize            n_fields,
              gpointer         user_data)
{
  if ((level & (G_LOG_LEVEL_ERROR | G_LOG_LEVEL_CRITICAL | G_LOG_LEVEL_WARNING)) == 0)
    return G_LOG_WRITER_HANDLED;
  g_log_writer_standard_streams (level, fields, n_fields, user_data);
  abort ();
}

void
corral_fuzz_init (void)
{
  g_log_set_writer_func (fatal_writer, NULL, NULL);
}

void
corral_fuzz_vm_parts (const char     *manifest,
                      CorralProfile **profile,
                      CorralGuest   **guest,
                      CorralHost     *host)
{
  g_autoptr(GError) error = NULL;
  g_autofree char *dir = g_dir_make_tmp ("corral-fuzz-XXXXXX", &error);
  g_autofree char *kernel = NULL;

  g_assert_no_error (error);
  kernel = g_build_filename (dir, "vmlinux", NULL);
  g_assert_true (g_file_set_contents (kernel, "", 0, NULL));
  *profile = corral_profile_new ("/nonexistent/fuzzed-project");
  *guest = corral_guest_new_from_data (manifest, dir, &error);
  g_assert_no_error (error);
  g_unlink (kernel);
  g_rmdir (dir);
  memset (host, 0, sizeof *host);
  host->qemu_path = (char *) "/nonexistent/qemu";
}
