/* corral-host.c: probe the host once, so that everything after is pure
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "config.h"

#include <dlfcn.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <unistd.h>

#include <gio/gio.h>

#include "corral-host.h"
#include "corral-jail.h"

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
             const char * const *args,
             gboolean           *out_timed_out)
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
  if (out_timed_out != NULL)
    *out_timed_out = timed_out;

  return !timed_out && g_subprocess_get_if_exited (process) &&
         g_subprocess_get_exit_status (process) == 0;
}

gboolean
corral_host_kvm_runs_guests (const char *sys_module)
{
  g_autofree char *pvm = g_build_filename (sys_module, "kvm_pvm", NULL);
  g_autofree char *intel = g_build_filename (sys_module, "kvm_intel", NULL);
  g_autofree char *amd = g_build_filename (sys_module, "kvm_amd", NULL);

  return !g_file_test (pvm, G_FILE_TEST_IS_DIR) ||
         g_file_test (intel, G_FILE_TEST_IS_DIR) || g_file_test (amd, G_FILE_TEST_IS_DIR);
}

/* /dev/kvm opening is not enough: on some hosts (nested, sandboxed) it
 * opens but QEMU dies at once setting up a "-cpu host" vCPU ("failed to
 * set MSR"), or it is PVM's, which builds the machine and then hangs at
 * the guest's kernel. So QEMU is asked to build the very machine, on a
 * KVM that runs ordinary guests. */
static gboolean
kvm_usable (const char *qemu)
{
  static const char * const args[] = {
    "-machine", "q35", "-accel", "kvm", "-cpu", "host", "-m", "64", NULL
  };
  int fd = open ("/dev/kvm", O_RDWR | O_CLOEXEC);

  if (fd < 0)
    return FALSE;
  if (!corral_host_kvm_runs_guests ("/sys/module"))
    {
      close (fd);
      g_debug ("/dev/kvm is PVM's (kvm_pvm, no kvm_intel or kvm_amd): emulating");
      return FALSE;
    }
  close (fd);
  return qemu != NULL && qemu_starts (qemu, args, NULL);
}

/* QEMU built without libseccomp refuses -sandbox and would not start.
 * Only QEMU's refusal counts: a probe that timed out (a starved
 * machine) says nothing about seccomp, and dropping the filter for it
 * would weaken the run for no reason (should -sandbox really not work,
 * the start fails and says so, with QEMU's words). */
static gboolean
seccomp_usable (const char *qemu)
{
  static const char * const args[] = {
    "-machine", "none", "-sandbox", CORRAL_QEMU_SANDBOX, NULL
  };

  gboolean timed_out = FALSE;

  if (qemu == NULL)
    return FALSE;
  return qemu_starts (qemu, args, &timed_out) || timed_out;
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

/* --- the jail's facts ---------------------------------------------------- */

/* corral-jail-helper: $CORRAL_JAIL_HELPER (tests), next to an uninstalled
 * corral (the build tree: src/corral and src/jail/corral-jail-helper),
 * else where `meson install` puts it. */
static char *
find_jail_helper (void)
{
  const char *env = g_getenv ("CORRAL_JAIL_HELPER");
  g_autofree char *exe = g_file_read_link ("/proc/self/exe", NULL);
  g_autofree char *installed = g_build_filename (LIBEXECDIR, "corral", "corral-jail-helper", NULL);

  if (env != NULL && *env != '\0')
    return g_file_test (env, G_FILE_TEST_IS_EXECUTABLE) ? g_strdup (env) : NULL;
  if (exe != NULL)
    {
      g_autofree char *dir = g_path_get_dirname (exe);
      g_autofree char *built = g_build_filename (dir, "jail", "corral-jail-helper", NULL);

      if (g_file_test (built, G_FILE_TEST_IS_EXECUTABLE))
        return g_steal_pointer (&built);
    }
  return g_file_test (installed, G_FILE_TEST_IS_EXECUTABLE) ? g_steal_pointer (&installed) : NULL;
}

/* Whether @dir is @home or holds it. */
static gboolean
holds_home (const char *dir,
            const char *home)
{
  gsize n = strlen (dir);

  if (home == NULL || *home == '\0')
    return FALSE;
  if (g_str_equal (dir, "/"))
    return TRUE;
  return strncmp (home, dir, n) == 0 && (home[n] == '\0' || home[n] == '/');
}

GStrv
corral_host_program_dirs (const char *resolved,
                          const char *home)
{
  g_autoptr(GStrvBuilder) builder = g_strv_builder_new ();
  g_autofree char *folder = g_path_get_dirname (resolved);
  g_autofree char *prefix = g_path_get_dirname (folder);
  g_autofree char *home_clean = home ? g_canonicalize_filename (home, "/") : NULL;
  static const char * const below_prefix[] = { "lib", "lib64", "libexec", "share/qemu" };

  if (g_str_has_prefix (resolved, "/nix/store/"))
    {
      g_strv_builder_add (builder, "/nix/store");
      return g_strv_builder_end (builder);
    }
  /* Its own folder: a prefix's bin, or a build tree (QEMU finds its
   * firmware next to itself there). */
  if (!holds_home (folder, home_clean))
    g_strv_builder_add (builder, folder);
  if (!g_str_equal (prefix, "/"))
    for (guint i = 0; i < G_N_ELEMENTS (below_prefix); i++)
      {
        g_autofree char *dir = g_build_filename (prefix, below_prefix[i], NULL);

        if (!holds_home (dir, home_clean))
          g_strv_builder_add (builder, dir);
      }
  return g_strv_builder_end (builder);
}

/* Which top-level folders are links into /usr (merged /usr, as Debian 12),
 * and which are folders of their own a jail must show. */
static void
probe_system_layout (CorralHost *host)
{
  static const char * const names[] = { "bin", "sbin", "lib", "lib32", "lib64", "libx32" };
  g_autoptr(GPtrArray) links = g_ptr_array_new_with_free_func (g_free);
  g_autoptr(GPtrArray) dirs = g_ptr_array_new_with_free_func (g_free);
  const char *programs[] = { host->qemu_path, host->passt_path, host->pasta_path };

  for (guint i = 0; i < G_N_ELEMENTS (names); i++)
    {
      g_autofree char *path = g_strconcat ("/", names[i], NULL);
      g_autofree char *target = g_file_read_link (path, NULL);
      struct stat st;

      if (target != NULL)
        g_ptr_array_add (links, g_strdup_printf ("%s=%s", names[i], target));
      else if (lstat (path, &st) == 0 && S_ISDIR (st.st_mode))
        g_ptr_array_add (dirs, g_steal_pointer (&path));
    }
  /* Programs installed outside /usr (a Nix store, /opt, a build tree)
   * bring the folders they load from. */
  for (guint i = 0; i < G_N_ELEMENTS (programs); i++)
    {
      char resolved[PATH_MAX];
      g_auto(GStrv) wanted = NULL;

      if (programs[i] == NULL || realpath (programs[i], resolved) == NULL ||
          g_str_has_prefix (resolved, "/usr/"))
        continue;
      wanted = corral_host_program_dirs (resolved, host->home);
      for (guint k = 0; wanted[k] != NULL; k++)
        {
          struct stat st;

          if (stat (wanted[k], &st) == 0 && S_ISDIR (st.st_mode) &&
              !g_ptr_array_find_with_equal_func (dirs, wanted[k], g_str_equal, NULL))
            g_ptr_array_add (dirs, g_strdup (wanted[k]));
        }
    }
  g_ptr_array_add (links, NULL);
  g_ptr_array_add (dirs, NULL);
  host->usr_links = (GStrv) g_ptr_array_steal (links, NULL);
  host->system_dirs = (GStrv) g_ptr_array_steal (dirs, NULL);
}

/* Whether a jail can be made: the helper makes its namespaces in bwrap and
 * quits (about 30 ms). NULL when it can, else what went wrong. */
static char *
probe_jail (const CorralHost *host)
{
  g_auto(GStrv) argv = corral_jail_probe_argv (host);
  g_autofree char *err = NULL;
  g_autoptr(GError) error = NULL;
  int status;

  if (argv == NULL)
    return NULL;  /* corral_jail_choose() names what is missing */
  if (!g_spawn_sync ("/", argv, NULL, G_SPAWN_STDOUT_TO_DEV_NULL, NULL, NULL,
                     NULL, &err, &status, &error))
    return g_strdup (error->message);
  if (g_spawn_check_wait_status (status, NULL))
    return NULL;
  g_strstrip (err);
  if (*err == '\0')
    return g_strdup_printf ("bwrap exited with status %d", status);
  /* bwrap's first line says it ("bwrap: setting up uid map: Permission denied") */
  *strchrnul (err, '\n') = '\0';
  return g_strndup (err, 300);
}

/* The libslirp QEMU would load (slirp_version_string()), for the warning
 * about its CVE when passt is missing. The same library the dynamic
 * loader gives us; a QEMU built with its own copy could differ. */
static char *
probe_slirp_version (void)
{
  void *lib = dlopen ("libslirp.so.0", RTLD_LAZY | RTLD_LOCAL);
  const char *(*version) (void);
  char *result = NULL;

  if (lib == NULL)
    return NULL;
  version = (const char *(*) (void)) dlsym (lib, "slirp_version_string");
  if (version != NULL)
    result = g_strdup (version ());
  dlclose (lib);
  return result;
}

static void
probe_jail_facts (CorralHost *host)
{
  int fd;

  host->in_flatpak = g_file_test ("/.flatpak-info", G_FILE_TEST_EXISTS);
  host->bwrap_path = host->in_flatpak ? NULL : g_find_program_in_path ("bwrap");
  host->jail_helper = find_jail_helper ();
  host->passt_path = g_find_program_in_path ("passt");
  host->pasta_path = g_find_program_in_path ("pasta");
  fd = open ("/dev/net/tun", O_RDWR | O_CLOEXEC);
  host->tun_usable = fd >= 0;
  if (fd >= 0)
    close (fd);
  host->slirp_version = probe_slirp_version ();
  probe_system_layout (host);
  if (!host->in_flatpak)
    host->jail_problem = probe_jail (host);
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
  probe_jail_facts (host);

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
  copy->bwrap_path = g_strdup (host->bwrap_path);
  copy->jail_helper = g_strdup (host->jail_helper);
  copy->jail_problem = g_strdup (host->jail_problem);
  copy->passt_path = g_strdup (host->passt_path);
  copy->pasta_path = g_strdup (host->pasta_path);
  copy->slirp_version = g_strdup (host->slirp_version);
  copy->usr_links = g_strdupv (host->usr_links);
  copy->system_dirs = g_strdupv (host->system_dirs);
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
  g_free (host->bwrap_path);
  g_free (host->jail_helper);
  g_free (host->jail_problem);
  g_free (host->passt_path);
  g_free (host->pasta_path);
  g_free (host->slirp_version);
  g_strfreev (host->usr_links);
  g_strfreev (host->system_dirs);
  g_free (host);
}
