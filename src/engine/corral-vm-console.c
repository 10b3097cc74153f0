/* corral-vm-console.c: pseudo-terminals for the VM's serial consoles
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <termios.h>
#include <unistd.h>

#include <gio/gio.h>
#include <glib/gi18n.h>

#include "corral-vm-console.h"

static gboolean
set_error_errno (GError    **error,
                 const char *what)
{
  int errsv = errno;

  g_set_error (error, G_IO_ERROR, g_io_error_from_errno (errsv),
               _("Could not create a console for the virtual machine (%s: %s)"),
               what, g_strerror (errsv));
  return FALSE;
}

gboolean
corral_pty_open (CorralPty  *pty,
                 GError    **error)
{
  struct termios tio;
  char name[64];

  pty->master = pty->slave = -1;
  pty->path = NULL;

  pty->master = posix_openpt (O_RDWR | O_NOCTTY | O_CLOEXEC);
  if (pty->master < 0)
    return set_error_errno (error, "posix_openpt");
  if (grantpt (pty->master) < 0 || unlockpt (pty->master) < 0 ||
      ptsname_r (pty->master, name, sizeof name) != 0)
    {
      set_error_errno (error, "ptsname");
      corral_pty_close (pty);
      return FALSE;
    }
  pty->slave = open (name, O_RDWR | O_NOCTTY | O_CLOEXEC);
  if (pty->slave < 0)
    {
      set_error_errno (error, name);
      corral_pty_close (pty);
      return FALSE;
    }
  /* Raw from the start: the guest's bytes must reach the terminal
   * unchanged (no CR/LF mapping, no local echo), whatever QEMU does. */
  if (tcgetattr (pty->slave, &tio) == 0)
    {
      cfmakeraw (&tio);
      tcsetattr (pty->slave, TCSANOW, &tio);
    }
  pty->path = g_strdup (name);
  return TRUE;
}

void
corral_pty_release_slave (CorralPty *pty)
{
  if (pty->slave >= 0)
    close (pty->slave);
  pty->slave = -1;
}

void
corral_pty_close (CorralPty *pty)
{
  corral_pty_release_slave (pty);
  if (pty->master >= 0)
    close (pty->master);
  pty->master = -1;
  g_clear_pointer (&pty->path, g_free);
}
