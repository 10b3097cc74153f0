/* corral-vm-terminal.h: run a Vm with its agent console on this terminal
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#pragma once

#include "corral-vm.h"

G_BEGIN_DECLS

/* Starts @vm and relays its agent console to @in_fd / @out_fd (usually 0
 * and 1; a terminal is put in raw mode and restored), as the seed's
 * launcher does with QEMU on stdio. SIGINT, SIGTERM and SIGHUP power the
 * guest down (a second one forces it off). Returns when the VM has
 * stopped: 0 after a clean stop, 1 when it failed (the reason is printed
 * on stderr). */
int corral_vm_run_in_terminal (CorralVm *vm,
                               int       in_fd,
                               int       out_fd);

G_END_DECLS
