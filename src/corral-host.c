/* corral-host.c: probe the host once, so that everything after is pure
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "config.h"

#include <fcntl.h>
#include <unistd.h>

#include "corral-host.h"

static gboolean
kvm_usable (void)
{
  int fd = open ("/dev/kvm", O_RDWR | O_CLOEXEC);

  if (fd < 0)
    return FALSE;
  close (fd);
  return TRUE;
}

static guint64
physical_ram (void)
{
  long pages = sysconf (_SC_PHYS_PAGES);
  long page_size = sysconf (_SC_PAGE_SIZE);

  if (pages <= 0 || page_size <= 0)
    return 0;
  return (guint64) pages * (guint64) page_size;
}

static char *
find_qemu (const char *override)
{
  if (override != NULL && *override != '\0')
    {
      if (g_path_is_absolute (override))
        return g_file_test (override, G_FILE_TEST_IS_EXECUTABLE) ? g_strdup (override) : NULL;
      return g_find_program_in_path (override);
    }
  return g_find_program_in_path ("qemu-system-x86_64");
}

/**
 * corral_host_probe:
 * @qemu_override: (nullable): a QEMU binary name or path to use instead of
 *   qemu-system-x86_64 from PATH (the CORRAL_QEMU variable wins over both)
 */
CorralHost *
corral_host_probe (const char *qemu_override)
{
  CorralHost *host = g_new0 (CorralHost, 1);
  const char *env_qemu = g_getenv ("CORRAL_QEMU");

  host->kvm_usable = kvm_usable ();
  host->ram_bytes = physical_ram ();
  host->n_cpus = g_get_num_processors ();
  host->qemu_path = find_qemu (env_qemu != NULL ? env_qemu : qemu_override);
  host->uid = getuid ();
  host->gid = getgid ();
  host->home = g_strdup (g_get_home_dir ());
  host->lang = g_strdup (g_getenv ("LANG"));
  host->lc_all = g_strdup (g_getenv ("LC_ALL"));

  return host;
}

CorralHost *
corral_host_copy (const CorralHost *host)
{
  CorralHost *copy = g_new (CorralHost, 1);

  *copy = *host;
  copy->qemu_path = g_strdup (host->qemu_path);
  copy->home = g_strdup (host->home);
  copy->lang = g_strdup (host->lang);
  copy->lc_all = g_strdup (host->lc_all);
  return copy;
}

void
corral_host_free (CorralHost *host)
{
  if (host == NULL)
    return;
  g_free (host->qemu_path);
  g_free (host->home);
  g_free (host->lang);
  g_free (host->lc_all);
  g_free (host);
}
