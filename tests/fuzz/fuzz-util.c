/* fuzz-util.c: what every libFuzzer target in tests/fuzz/ shares
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "config.h"

#include <stdlib.h>

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
