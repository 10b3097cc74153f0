/* fuzz-replay.c: a fuzz target without libFuzzer: runs each file or
 * folder of files named on the command line through it once. The unit
 * suite replays every target's seed corpus this way, so a target that no
 * longer builds or that fails on its seeds is seen without clang.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "config.h"

#include <glib.h>

int LLVMFuzzerTestOneInput (const guint8 *data, size_t size);
/* Optional, as in libFuzzer: a target's one-time set-up. */
int LLVMFuzzerInitialize (int *argc, char ***argv) __attribute__ ((weak));

static guint
replay (const char *path)
{
  g_autoptr(GDir) dir = g_dir_open (path, 0, NULL);
  g_autofree char *data = NULL;
  const char *name;
  gsize length;
  guint count = 0;

  if (dir != NULL)
    {
      while ((name = g_dir_read_name (dir)) != NULL)
        {
          g_autofree char *child = g_build_filename (path, name, NULL);
          count += replay (child);
        }
      return count;
    }
  if (!g_file_get_contents (path, &data, &length, NULL))
    g_error ("cannot read %s", path);
  LLVMFuzzerTestOneInput ((const guint8 *) data, length);
  return 1;
}

int
main (int argc, char **argv)
{
  guint count = 0;

  if (LLVMFuzzerInitialize != NULL)
    LLVMFuzzerInitialize (&argc, &argv);
  for (int i = 1; i < argc; i++)
    count += replay (argv[i]);
  if (count == 0)
    g_error ("no inputs");
  g_print ("1..1\nok 1 - %u inputs replayed\n", count);
  return 0;
}
