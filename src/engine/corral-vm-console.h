/* corral-vm-console.h: pseudo-terminals for the VM's serial consoles
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#pragma once

#include <glib.h>

G_BEGIN_DECLS

/* One serial console: QEMU opens the slave by path (-chardev serial); the
 * app reads and writes the master. The Vm keeps the slave open as well
 * while it runs, so the master never reads EIO before QEMU has opened it,
 * and does read EIO (end of console) once the Vm lets go after QEMU exits. */
typedef struct {
  int   master;
  int   slave;
  char *path;   /* /dev/pts/N */
} CorralPty;

gboolean corral_pty_open  (CorralPty  *pty,
                           GError    **error);
/* Closes the slave only: the master stays readable until EOF. */
void     corral_pty_release_slave (CorralPty *pty);
void     corral_pty_close (CorralPty  *pty);

G_END_DECLS
