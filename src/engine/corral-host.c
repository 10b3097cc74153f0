/* corral-host.c: probe the host once, so that everything after is pure
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "config.h"

#include <fcntl.h>
#include <sys/socket.h>
#include <unistd.h>

#include <gio/gio.h>

#include "corral-host.h"

static void
probe_done (GObject      *source,
            GAsyncResult *result,
            gpointer      data)
{
  g_subprocess_wait_finish (G_SUBPROCESS (source), result, NULL);
  *(gboolean *) data = TRUE;
}

static gboolean
probe_timeout (gpointer data)
{
  *(gboolean *) data = TRUE;
  return G_SOURCE_REMOVE;
}

/* Whether QEMU, given @args, builds its machine (paused) and quits
 * cleanly when asked over QMP: about 40 ms. Its stdin is a socket, not a
 * pipe, so that a QEMU that died first cannot SIGPIPE the app. */
static gboolean
qemu_starts (const char         *qemu,
             const char * const *args)
{
  g_autoptr(GSubprocessLauncher) launcher = NULL;
  g_autoptr(GSubprocess) process = NULL;
  g_autoptr(GMainContext) context = g_main_context_new ();
  g_autoptr(GSource) timeout = NULL;
  g_autoptr(GPtrArray) argv = g_ptr_array_new ();
  gboolean done = FALSE, timed_out = FALSE;
  int sv[2];
  static const char commands[] =
    "{\"execute\":\"qmp_capabilities\"}\n{\"execute\":\"quit\"}\n";
  static const char * const common[] = {
    "-nodefaults", "-no-user-config", "-display", "none", "-S", "-qmp", "stdio", NULL
  };

  g_ptr_array_add (argv, (gpointer) qemu);
  for (guint i = 0; common[i] != NULL; i++)
    g_ptr_array_add (argv, (gpointer) common[i]);
  for (guint i = 0; args[i] != NULL; i++)
    g_ptr_array_add (argv, (gpointer) args[i]);
  g_ptr_array_add (argv, NULL);

  if (socketpair (AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, sv) != 0)
    return FALSE;
  launcher = g_subprocess_launcher_new (G_SUBPROCESS_FLAGS_STDOUT_SILENCE |
                                        G_SUBPROCESS_FLAGS_STDERR_SILENCE);
  g_subprocess_launcher_take_stdin_fd (launcher, sv[1]);
  process = g_subprocess_launcher_spawnv (launcher, (const char * const *) argv->pdata, NULL);
  g_clear_object (&launcher);  /* closes our copy of QEMU's end */
  if (process == NULL)
    {
      close (sv[0]);
      return FALSE;
    }
  if (send (sv[0], commands, sizeof commands - 1, MSG_NOSIGNAL) < 0)
    { /* QEMU is gone already: its exit status says why */ }

  g_main_context_push_thread_default (context);
  g_subprocess_wait_async (process, NULL, probe_done, &done);
  timeout = g_timeout_source_new_seconds (10);
  g_source_set_callback (timeout, probe_timeout, &timed_out, NULL);
  g_source_attach (timeout, context);
  while (!done && !timed_out)
    g_main_context_iteration (context, TRUE);
  g_source_destroy (timeout);
  if (!done)
    {
      g_subprocess_force_exit (process);
      while (!done)
        g_main_context_iteration (context, TRUE);
    }
  g_main_context_pop_thread_default (context);
  close (sv[0]);

  return !timed_out && g_subprocess_get_if_exited (process) &&
         g_subprocess_get_exit_status (process) == 0;
}

/* /dev/kvm opening is not enough: on some hosts (nested, sandboxed) it
 * opens but QEMU dies at once setting up a "-cpu host" vCPU ("failed to
 * set MSR"). So QEMU is asked to build the very machine. */
static gboolean
kvm_usable (const char *qemu)
{
  static const char * const args[] = {
    "-machine", "q35", "-accel", "kvm", "-cpu", "host", "-m", "64", NULL
  };
  int fd = open ("/dev/kvm", O_RDWR | O_CLOEXEC);

  if (fd < 0)
    return FALSE;
  close (fd);
  return qemu != NULL && qemu_starts (qemu, args);
}

/* QEMU built without libseccomp refuses -sandbox and would not start. */
static gboolean
seccomp_usable (const char *qemu)
{
  static const char * const args[] = {
    "-machine", "none", "-sandbox", CORRAL_QEMU_SANDBOX, NULL
  };

  return qemu != NULL && qemu_starts (qemu, args);
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

  host->qemu_path = find_qemu (env_qemu != NULL ? env_qemu : qemu_override);
  host->kvm_usable = kvm_usable (host->qemu_path);
  host->seccomp = seccomp_usable (host->qemu_path);
  host->ram_bytes = physical_ram ();
  host->n_cpus = g_get_num_processors ();
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
