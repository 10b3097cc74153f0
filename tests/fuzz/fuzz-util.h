/* fuzz-util.h: what every libFuzzer target in tests/fuzz/ shares
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#pragma once

#include <glib.h>

G_BEGIN_DECLS

/* Call once, from LLVMFuzzerInitialize(): a warning or critical logged
 * by Corral or a library (json-glib's g_return_if_fail, say) aborts, so
 * the fuzzer reports it as the crash it is under G_DEBUG=fatal-warnings;
 * messages and debug output are dropped (they would drown the fuzzer's
 * own output, and cost time). */
void corral_fuzz_init (void);

G_END_DECLS
