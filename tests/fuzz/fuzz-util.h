/* fuzz-util.h: what every libFuzzer target in tests/fuzz/ shares
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#pragma once

#include <glib.h>

#include "corral-vm.h"

G_BEGIN_DECLS

/* Call once, from LLVMFuzzerInitialize(): a warning or critical logged
 * by Corral or a library (json-glib's g_return_if_fail, say) aborts, so
 * the fuzzer reports it as the crash it is under G_DEBUG=fatal-warnings;
 * messages and debug output are dropped (they would drown the fuzzer's
 * own output, and cost time). */
void corral_fuzz_init (void);

/* What a CorralVm is made of, with nothing it could boot: a profile for a
 * project that does not exist, the guest that @manifest ("[Guest]" keys
 * with Kernel=vmlinux) describes (the parser wants its kernel to exist:
 * an empty one is made, then removed), a host whose QEMU does not exist.
 * For targets that drive a Vm from memory. */
void corral_fuzz_vm_parts (const char     *manifest,
                           CorralProfile **profile,
                           CorralGuest   **guest,
                           CorralHost     *host);

G_END_DECLS
