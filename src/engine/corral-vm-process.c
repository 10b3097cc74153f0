/* corral-vm-process.c: CorralVm's QEMU process
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * Spawning QEMU with the builder's argv and environment (never the
 * app's), in its jail (corral-jail.h: bwrap, the helper, passt), collecting
 * its stderr, turning its exit into the run's end in words a person can
 * read, and ending it (force-off).
 */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <unistd.h>

#include <gio/gunixinputstream.h>
#include <glib-unix.h>
#include <glib/gi18n.h>

#include "corral-guest-io.h"
#include "corral-jail.h"

#include "corral-project-paths.h"
#include "corral-qemu-command.h"
#include "corral-safe-text.h"
#include "corral-vm-private.h"

#define MAX_STDERR (64 * 1024)
#define MAX_NET_LOG (16 * 1024)

/* --- QEMU's exit -------------------------------------------------------- */

/* (Both as safe text: they go into messages, on the user's terminal in
 * the terminal run, and after a QEMU bug they are the guest's words.) */
static char *
stderr_excerpt (CorralVm *self)
{
  g_autofree char *text = corral_safe_text (self->qemu_stderr->str, self->qemu_stderr->len);

  g_strstrip (text);
  return g_steal_pointer (&text);
}

/* passt's, pasta's and the relay's words, for a failure message. */
static char *
net_log_excerpt (CorralVm *self)
{
  g_autofree char *text = corral_safe_text (self->net_log->str, self->net_log->len);

  g_strstrip (text);
  return g_steal_pointer (&text);
}

static void
finish_exit (CorralVm *self)
{
  g_autofree char *err = stderr_excerpt (self);
  g_autofree char *net = net_log_excerpt (self);
  g_autofree char *message = NULL;
  GSubprocess *process = self->process;
  gboolean starting = self->state == CORRAL_VM_STATE_STARTING;
  gboolean signaled;
  int sig = 0, status = 0;

  if (process == NULL)
    return;

  signaled = g_subprocess_get_if_signaled (process);
  if (signaled)
    sig = g_subprocess_get_term_sig (process);
  else
    status = g_subprocess_get_exit_status (process);
  /* bwrap passes QEMU's status on, and a signal that ended QEMU as
   * 128 + its number. */
  if (!signaled && self->confinement == CORRAL_CONFINEMENT_JAIL && status > 128 && status <= 128 + 64)
    {
      signaled = TRUE;
      sig = status - 128;
    }

  /* The jail itself failed (bwrap or the helper say so on stderr). */
  if (!signaled && status != 0 &&
      (g_str_has_prefix (err, "bwrap:") || strstr (err, "corral-jail-helper:") != NULL))
    {
      message = g_strdup_printf (_("The virtual machine’s jail could not be set up: %s%s%s"),
                                 err, *net ? "\n" : "", net);
      _corral_vm_end_run (self, message);
      return;
    }

  /* /dev/kvm can open and still not work (nested virtualisation that
   * refuses an MSR, say): QEMU then dies at once mentioning KVM. Emulate
   * rather than fail; the builder's no-KVM warning tells the user. */
  if (starting && !self->stop_requested && self->host->kvm_usable &&
      strcasestr (err, "kvm") != NULL)
    {
      GError *error = NULL;

      g_message ("QEMU could not use KVM, emulating instead: %s", err);
      self->host->kvm_usable = FALSE;
      _corral_vm_release_run (self);
      g_clear_object (&self->process);
      self->pid = 0;
      g_string_truncate (self->qemu_stderr, 0);
      self->run_cancellable = g_cancellable_new ();
      if (!_corral_vm_spawn (self, &error))
        {
          error = _corral_vm_translate_error (error);
          _corral_vm_fail_start (self, error);
          g_error_free (error);
        }
      return;
    }

  if (signaled)
    {
      /* Our own fallback kill after power-down / force-off is a stop. */
      if (!self->stop_requested)
        message = g_strdup_printf (_("QEMU stopped unexpectedly: it was killed by signal %d (%s)%s%s"),
                                   sig, g_strsignal (sig), *err ? "\n" : "", err);
    }
  else
    {
      if (self->ended_outside && !self->stop_requested)
        message = g_strdup_printf (_("QEMU was ended from outside Corral%s%s"),
                                   *err ? ": " : "", err);
      else if (self->stop_requested && status == 0)
        message = NULL;
      else if (starting)
        message = g_strdup_printf (_("QEMU exited at once (status %d)%s%s%s%s"),
                                   status, *err ? ": " : "", err,
                                   *net ? "\n" : "", net);
      else if (status != 0)
        message = g_strdup_printf (_("QEMU exited with status %d%s%s"),
                                   status, *err ? ": " : "", err);
    }
  _corral_vm_end_run (self, message);
}

static void
wait_cb (GObject      *source,
         GAsyncResult *result,
         gpointer      user_data)
{
  CorralVm *self = user_data;
  g_autoptr(GError) error = NULL;

  if (!g_subprocess_wait_finish (G_SUBPROCESS (source), result, &error) &&
      g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
    return;
  if (self->process != G_SUBPROCESS (source))
    return;
  self->process_exited = TRUE;
  if (self->stderr_done)
    finish_exit (self);
}

static void read_stderr (CorralVm *self, GInputStream *stream);

static void
stderr_cb (GObject      *source,
           GAsyncResult *result,
           gpointer      user_data)
{
  CorralVm *self = user_data;
  g_autoptr(GError) error = NULL;
  g_autoptr(GBytes) bytes = NULL;

  bytes = g_input_stream_read_bytes_finish (G_INPUT_STREAM (source), result, &error);
  if (g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
    return;
  if (bytes != NULL && g_bytes_get_size (bytes) > 0)
    {
      gsize room = MAX_STDERR - MIN (self->qemu_stderr->len, MAX_STDERR);
      gsize size = g_bytes_get_size (bytes);
      const char *data = g_bytes_get_data (bytes, NULL);

      g_string_append_len (self->qemu_stderr, data, MIN (size, room));
      _corral_vm_notify_qemu_stderr (self);
      read_stderr (self, G_INPUT_STREAM (source));
      return;
    }
  self->stderr_done = TRUE;
  if (self->process_exited)
    finish_exit (self);
}

static void
read_stderr (CorralVm     *self,
             GInputStream *stream)
{
  g_input_stream_read_bytes_async (stream, 4096, CORRAL_GUEST_IO_PRIORITY,
                                   self->run_cancellable, stderr_cb, self);
}

/* --- spawning --------------------------------------------------------------- */

GError *
_corral_vm_translate_error (GError *error)
{
  int code = -1;

  if (error->domain == CORRAL_STATE_DIR_ERROR && error->code == CORRAL_STATE_DIR_ERROR_BUSY)
    code = CORRAL_VM_ERROR_BUSY;
  else if (g_error_matches (error, G_IO_ERROR, G_IO_ERROR_BUSY))
    code = CORRAL_VM_ERROR_BUSY;
  else if (g_error_matches (error, G_IO_ERROR, G_IO_ERROR_INVALID_FILENAME))
    code = CORRAL_VM_ERROR_BAD_SETTINGS;
  else if (error->domain == CORRAL_QEMU_COMMAND_ERROR)
    code = error->code == CORRAL_QEMU_COMMAND_ERROR_NO_QEMU
      ? CORRAL_VM_ERROR_NO_QEMU : CORRAL_VM_ERROR_BAD_SETTINGS;
  if (code >= 0)
    {
      GError *translated = g_error_new_literal (CORRAL_VM_ERROR, code, error->message);
      g_error_free (error);
      return translated;
    }
  return error;
}

/* The manifest was read when the Vm was made; its files can vanish
 * since (a guest rebuilt or removed between runs). Say which one, rather
 * than QEMU's "could not load kernel". */
static gboolean
check_guest_files (CorralVm  *self,
                   GError   **error)
{
  const char *files[] = {
    corral_guest_get_kernel (self->guest),
    corral_guest_get_initrd (self->guest),
    corral_guest_get_disk (self->guest),
  };

  for (guint i = 0; i < G_N_ELEMENTS (files); i++)
    if (files[i] != NULL && !g_file_test (files[i], G_FILE_TEST_IS_REGULAR))
      {
        const char *manifest = corral_guest_get_manifest_path (self->guest);
        g_autofree char *display = g_filename_display_name (files[i]);
        g_autofree char *manifest_display = manifest ? g_filename_display_name (manifest) : NULL;

        if (manifest_display != NULL)
          g_set_error (error, CORRAL_VM_ERROR, CORRAL_VM_ERROR_NO_GUEST,
                       _("The guest “%s” cannot start: its file “%s” is missing. Was the guest removed or rebuilt? Its manifest is “%s”."),
                       corral_guest_get_name (self->guest), display, manifest_display);
        else
          g_set_error (error, CORRAL_VM_ERROR, CORRAL_VM_ERROR_NO_GUEST,
                       _("The guest “%s” cannot start: its file “%s” is missing. Was the guest removed or rebuilt?"),
                       corral_guest_get_name (self->guest), display);
        return FALSE;
      }
  return TRUE;
}

/* The jail's /var/tmp (QEMU's snapshot files can be gigabytes: a folder
 * on disk, not a tmpfs), one per project: anything in it is a killed
 * run's, since the state dir's lock is ours. */
static char *
make_tmp_dir (const char  *run_dir,
              GError     **error)
{
  g_autofree char *name = g_path_get_basename (run_dir);
  g_autofree char *path = g_build_filename (g_get_user_cache_dir (), "corral", "tmp", name, NULL);

  corral_remove_tree (path, NULL);
  if (g_mkdir_with_parents (path, 0700) != 0)
    {
      int errsv = errno;
      g_autofree char *display = g_filename_display_name (path);

      g_set_error (error, G_IO_ERROR, g_io_error_from_errno (errsv),
                   _("Could not create the folder “%s”: %s"), display, g_strerror (errsv));
      return NULL;
    }
  return g_steal_pointer (&path);
}

void
_corral_vm_release_jail (CorralVm *self)
{
  if (self->lifeline_fd >= 0)
    close (self->lifeline_fd);
  self->lifeline_fd = -1;
  if (self->tmp_dir != NULL)
    corral_remove_tree (self->tmp_dir, NULL);
  g_clear_pointer (&self->tmp_dir, g_free);
}

static void read_net_log (CorralVm *self, GInputStream *stream);

static void
net_log_cb (GObject      *source,
            GAsyncResult *result,
            gpointer      user_data)
{
  CorralVm *self = user_data;
  g_autoptr(GError) error = NULL;
  g_autoptr(GBytes) bytes = NULL;
  gsize size;

  bytes = g_input_stream_read_bytes_finish (G_INPUT_STREAM (source), result, &error);
  if (bytes == NULL || (size = g_bytes_get_size (bytes)) == 0)
    return;  /* cancelled, or every writer is gone */
  if (self->net_log->len < MAX_NET_LOG)
    g_string_append_len (self->net_log, g_bytes_get_data (bytes, NULL),
                         MIN (size, MAX_NET_LOG - self->net_log->len));
  read_net_log (self, G_INPUT_STREAM (source));
}

static void
read_net_log (CorralVm     *self,
              GInputStream *stream)
{
  g_input_stream_read_bytes_async (stream, 4096, CORRAL_GUEST_IO_PRIORITY,
                                   self->run_cancellable, net_log_cb, self);
}

/* A pipe whose @child_end the child gets as @child_fd; returns our end
 * (close-on-exec), or -1 with @error set. */
static int
pass_pipe (GSubprocessLauncher  *launcher,
           gboolean              child_reads,
           int                   child_fd,
           GError              **error)
{
  int p[2];

  if (pipe2 (p, O_CLOEXEC) < 0)
    {
      int errsv = errno;
      g_set_error (error, G_IO_ERROR, g_io_error_from_errno (errsv),
                   "pipe: %s", g_strerror (errsv));
      return -1;
    }
  g_subprocess_launcher_take_fd (launcher, p[child_reads ? 0 : 1], child_fd);
  return p[child_reads ? 1 : 0];
}

/* A dup of a console's slave for QEMU: the Vm keeps its own open. */
static gboolean
pass_console (GSubprocessLauncher  *launcher,
              CorralPty            *pty,
              int                   child_fd,
              GError              **error)
{
  int fd = fcntl (pty->slave, F_DUPFD_CLOEXEC, 3);

  if (fd < 0)
    {
      int errsv = errno;
      g_set_error (error, G_IO_ERROR, g_io_error_from_errno (errsv),
                   _("Could not create a console for the virtual machine (%s: %s)"),
                   "dup", g_strerror (errsv));
      return FALSE;
    }
  g_subprocess_launcher_take_fd (launcher, fd, child_fd);
  return TRUE;
}

/* The boot messages (the agent serial port of a guest whose agent console
 * is a virtio-serial port) appear in the agent console's terminal: written
 * into the agent PTY's slave, as if the guest had sent them there. Before
 * the guest's console relay runs that is where a failing boot says why.
 * Best effort: what the terminal cannot take at once is dropped, never
 * the agent's own output held up. */
static gboolean
boot_console_cb (int          fd,
                 GIOCondition condition,
                 gpointer     user_data)
{
  CorralVm *self = user_data;
  char buf[4096];
  ssize_t n = read (fd, buf, sizeof buf);

  if (n < 0 && (errno == EINTR || errno == EAGAIN))
    return G_SOURCE_CONTINUE;
  if (n <= 0)
    {
      self->boot_source = 0;
      return G_SOURCE_REMOVE;
    }
  if (self->boot_writer >= 0 && write (self->boot_writer, buf, n) < 0)
    {
      /* A full terminal: drop this piece. */
    }
  return G_SOURCE_CONTINUE;
}

static gboolean
open_boot_console (CorralVm  *self,
                   GError   **error)
{
  const char *agent_path = self->consoles[CORRAL_CONSOLE_AGENT].path;

  if (!corral_pty_open (&self->boot_console, error))
    return FALSE;
  /* Our own open of the agent's slave: QEMU's dup shares the other one's
   * flags, and this one must not block. */
  self->boot_writer = open (agent_path, O_WRONLY | O_NOCTTY | O_NONBLOCK | O_CLOEXEC);
  g_unix_set_fd_nonblocking (self->boot_console.master, TRUE, NULL);
  self->boot_source = g_unix_fd_add_full (CORRAL_GUEST_IO_PRIORITY, self->boot_console.master,
                                          G_IO_IN | G_IO_HUP | G_IO_ERR,
                                          boot_console_cb, self, NULL);
  return TRUE;
}

void
_corral_vm_release_boot_console (CorralVm *self)
{
  g_clear_handle_id (&self->boot_source, g_source_remove);
  if (self->boot_writer >= 0)
    close (self->boot_writer);
  self->boot_writer = -1;
  corral_pty_close (&self->boot_console);
}

/* In a jail QEMU is bwrap's grandchild, pid 2 of the jail's pid namespace
 * (bwrap's pid 1 started the helper first, which became QEMU). */
static int
find_jailed_qemu (int bwrap)
{
  g_autofree char *path = g_strdup_printf ("/proc/%d/task/%d/children", bwrap, bwrap);
  g_autofree char *children = NULL;
  g_auto(GStrv) inits = NULL;

  if (!g_file_get_contents (path, &children, NULL, NULL))
    return 0;
  inits = g_strsplit (g_strstrip (children), " ", -1);
  for (guint i = 0; inits[i] != NULL && *inits[i] != '\0'; i++)
    {
      g_autofree char *init_path = g_strdup_printf ("/proc/%s/task/%s/children", inits[i], inits[i]);
      g_autofree char *grandchildren = NULL;
      g_auto(GStrv) pids = NULL;

      if (!g_file_get_contents (init_path, &grandchildren, NULL, NULL))
        continue;
      pids = g_strsplit (g_strstrip (grandchildren), " ", -1);
      for (guint k = 0; pids[k] != NULL && *pids[k] != '\0'; k++)
        {
          g_autofree char *status_path = g_strdup_printf ("/proc/%s/status", pids[k]);
          g_autofree char *status = NULL;
          const char *nspid;

          if (!g_file_get_contents (status_path, &status, NULL, NULL) ||
              (nspid = strstr (status, "\nNSpid:")) == NULL)
            continue;
          /* "NSpid:\t12345\t2\n": the last field is the pid in the jail. */
          nspid = strchr (nspid + 1, '\n');
          while (nspid != NULL && nspid > status && (nspid[-1] == ' ' || nspid[-1] == '\t'))
            nspid--;
          if (nspid != NULL && nspid - status >= 2 && nspid[-1] == '2' &&
              (nspid[-2] == '\t' || nspid[-2] == ' '))
            return atoi (pids[k]);
        }
    }
  return 0;
}

int
_corral_vm_find_qemu_pid (CorralVm *self)
{
  if (self->qemu_pid != 0 || self->pid <= 0 || self->process == NULL)
    return self->qemu_pid;
  if (self->confinement != CORRAL_CONFINEMENT_JAIL)
    return self->qemu_pid = self->pid;
  /* Right after the spawn bwrap may still be making the jail (tens of
   * milliseconds): wait for it, a little, for the tests' sake. */
  for (guint tries = 0; tries < 500 && self->qemu_pid == 0; tries++)
    {
      self->qemu_pid = find_jailed_qemu (self->pid);
      if (self->qemu_pid == 0)
        {
          g_autofree char *path = g_strdup_printf ("/proc/%d/task/%d/children", self->pid, self->pid);

          if (!g_file_test (path, G_FILE_TEST_EXISTS))
            break;
          g_usleep (10 * 1000);
        }
    }
  return self->qemu_pid;
}

/* QEMU quits cleanly on SIGTERM; bwrap would just die (and take QEMU
 * along with SIGKILL), so the signal goes to QEMU itself when known. */
static void
signal_qemu (CorralVm *self,
             int       sig)
{
  int pid = _corral_vm_find_qemu_pid (self);

  if (pid > 0 && pid != self->pid)
    kill (pid, sig);
  else
    g_subprocess_send_signal (self->process, sig);
}

gboolean
_corral_vm_spawn (CorralVm  *self,
                  GError   **error)
{
  const char *project = corral_profile_get_project_path (self->profile);
  CorralNetworkMode network = corral_profile_get_network_mode (self->profile);
  g_autoptr(CorralShareSources) sources = NULL;
  g_autoptr(CorralQemuCommand) command = NULL;
  g_autoptr(CorralJailCommand) jail = NULL;
  g_autoptr(GSubprocessLauncher) launcher = NULL;
  g_autoptr(GSocket) socket = NULL;
  g_autoptr(GPtrArray) security = g_ptr_array_new_with_free_func (g_free);
  g_auto(GStrv) parent_env = NULL;
  g_autofree char *proxy_socket = NULL;
  int clipboard_child = -1, session_child = -1, net_log = -1;
  const char *api_key, *gh_token;
  CorralConfinement confinement;
  CorralNetBackend backend;
  CorralJailSpec spec = { 0 };
  CorralRuntime runtime;
  struct stat st;
  int sv[2];
  g_autoptr(GError) local_error = NULL;

  /* (it may have gone, or been closed to this user, since it was opened;
   * a start's errors are CorralVm's) */
  if (!corral_project_folder_check (project, &local_error))
    {
      g_set_error_literal (error, CORRAL_VM_ERROR, CORRAL_VM_ERROR_BAD_SETTINGS,
                           local_error->message);
      return FALSE;
    }

  if (!check_guest_files (self, error) ||
      !corral_jail_check_project (project, error))
    return FALSE;

  /* The jail first: when none can be made, nothing is created. */
  if (!corral_jail_choose (self->host, network, corral_profile_get_unconfined (self->profile),
                           &confinement, &backend, security, error))
    return FALSE;
  g_ptr_array_add (security, NULL);
  _corral_vm_set_confinement (self, confinement, (GStrv) security->pdata);

  /* Before the state dir and run dir are made and named after it. */
  if (!corral_project_path_check (project, error))
    return FALSE;
  /* From here on, the folder QEMU gets is watched (it is released with
   * everything else the run holds). */
  if (!_corral_vm_watch_project (self, error))
    return FALSE;
  self->state_dir = corral_state_dir_acquire (project, error);
  if (self->state_dir == NULL)
    return FALSE;

  corral_meta_dir_sweep_stale ();
  self->meta_dir = corral_meta_dir_create (project, error);
  if (self->meta_dir == NULL)
    return FALSE;
  /* Secrets: given to the Vm, else from the app's environment (as the
   * seed's launcher reads them); they reach the guest only as 0600 files. */
  api_key = self->api_key ? self->api_key : g_getenv ("ANTHROPIC_API_KEY");
  gh_token = self->gh_token ? self->gh_token : g_getenv ("GH_TOKEN");
  if (!corral_meta_dir_populate (self->meta_dir, self->profile, self->host,
                                 api_key, gh_token, error))
    return FALSE;
  /* The proxy listens before QEMU starts: the guest's first connection
   * finds it. It holds the key; the guest got the placeholder. */
  if (!_corral_vm_network_start (self, api_key, error))
    return FALSE;

  for (guint i = 0; i < G_N_ELEMENTS (self->consoles); i++)
    if (!corral_pty_open (&self->consoles[i], error))
      return FALSE;
  if (corral_guest_get_agent_virtio (self->guest) && !open_boot_console (self, error))
    return FALSE;

  if (socketpair (AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, sv) < 0)
    {
      int errsv = errno;
      g_set_error (error, G_IO_ERROR, g_io_error_from_errno (errsv),
                   _("Could not create the control connection: %s"), g_strerror (errsv));
      return FALSE;
    }
  socket = g_socket_new_from_fd (sv[0], error);
  if (socket == NULL)
    {
      close (sv[0]);
      close (sv[1]);
      return FALSE;
    }

  parent_env = g_get_environ ();
  corral_runtime_init (&runtime);
  runtime.meta_dir = corral_meta_dir_get_meta_path (self->meta_dir);
  runtime.state_dir = corral_state_dir_get_path (self->state_dir);
  runtime.qmp_fd = CORRAL_VM_QMP_CHILD_FD;
  runtime.agent_fd = CORRAL_VM_AGENT_CHILD_FD;
  runtime.enter_fd = CORRAL_VM_ENTER_CHILD_FD;
  if (self->boot_console.master >= 0)
    runtime.boot_fd = CORRAL_VM_BOOT_CHILD_FD;
  runtime.net_backend = backend;
  runtime.net_fd = CORRAL_JAIL_NET_FD;
  clipboard_child = _corral_vm_open_clipboard (self);
  if (clipboard_child >= 0)
    runtime.clipboard_chardev = "socket,fd=" G_STRINGIFY (CORRAL_VM_CLIPBOARD_CHILD_FD);
  /* Every guest, headless too: how the agent ends is the window's to show. */
  session_child = _corral_vm_open_session (self);
  if (session_child >= 0)
    runtime.session_chardev = "socket,fd=" G_STRINGIFY (CORRAL_VM_SESSION_CHILD_FD);
  runtime.parent_env = (const char * const *) parent_env;
  sources = corral_share_sources_probe (self->host, corral_meta_dir_get_path (self->meta_dir));
  corral_share_sources_apply (sources, &runtime);

  command = corral_qemu_command_build (self->profile, self->guest, self->host, &runtime, error);
  if (command != NULL && confinement == CORRAL_CONFINEMENT_JAIL)
    {
      self->tmp_dir = make_tmp_dir (corral_meta_dir_get_path (self->meta_dir), error);
      if (self->tmp_dir == NULL)
        g_clear_pointer (&command, corral_qemu_command_free);
    }
  if (command != NULL)
    {
      /* Corral's proxy (issue 10) listens there when it runs. */
      proxy_socket = g_build_filename (corral_meta_dir_get_path (self->meta_dir), "proxy.sock", NULL);
      spec.confinement = confinement;
      spec.network = network;
      spec.backend = backend;
      spec.tmp_dir = self->tmp_dir;
      spec.proxy_socket = stat (proxy_socket, &st) == 0 && S_ISSOCK (st.st_mode) ? proxy_socket : NULL;
      spec.lifeline = confinement != CORRAL_CONFINEMENT_NONE;
      spec.log_fd = confinement == CORRAL_CONFINEMENT_JAIL;
      jail = corral_jail_command_build (&spec, self->host, command, error);
    }
  if (jail == NULL)
    {
      close (sv[1]);
      if (clipboard_child >= 0)
        close (clipboard_child);
      if (session_child >= 0)
        close (session_child);
      return FALSE;
    }
  g_strfreev (self->warnings);
  self->warnings = g_strdupv (command->warnings);
  _corral_vm_notify_warnings (self);

  launcher = g_subprocess_launcher_new (G_SUBPROCESS_FLAGS_STDOUT_SILENCE |
                                        G_SUBPROCESS_FLAGS_STDERR_PIPE);
  g_subprocess_launcher_set_environ (launcher, command->envp);
  g_subprocess_launcher_set_cwd (launcher, "/");
  g_subprocess_launcher_set_child_setup (launcher, corral_jail_child_setup, GINT_TO_POINTER (getpid ()), NULL);
  g_subprocess_launcher_take_fd (launcher, sv[1], CORRAL_VM_QMP_CHILD_FD);
  if (clipboard_child >= 0)
    g_subprocess_launcher_take_fd (launcher, clipboard_child, CORRAL_VM_CLIPBOARD_CHILD_FD);
  if (session_child >= 0)
    g_subprocess_launcher_take_fd (launcher, session_child, CORRAL_VM_SESSION_CHILD_FD);
  if (!pass_console (launcher, &self->consoles[CORRAL_CONSOLE_AGENT], CORRAL_VM_AGENT_CHILD_FD, error) ||
      !pass_console (launcher, &self->consoles[CORRAL_CONSOLE_ENTER], CORRAL_VM_ENTER_CHILD_FD, error) ||
      (self->boot_console.master >= 0 &&
       !pass_console (launcher, &self->boot_console, CORRAL_VM_BOOT_CHILD_FD, error)))
    return FALSE;
  /* Nothing but the app holds the lifeline's other end. */
  if (spec.lifeline &&
      (self->lifeline_fd = pass_pipe (launcher, TRUE, CORRAL_JAIL_LIFELINE_FD, error)) < 0)
    return FALSE;
  if (spec.log_fd && (net_log = pass_pipe (launcher, FALSE, CORRAL_JAIL_LOG_FD, error)) < 0)
    return FALSE;
  g_string_truncate (self->net_log, 0);
  self->process = g_subprocess_launcher_spawnv (launcher, (const char * const *) jail->argv, error);
  g_clear_object (&launcher);  /* closes the child's ends of the pipes */
  if (self->process == NULL)
    {
      if (net_log >= 0)
        close (net_log);
      return FALSE;
    }
  self->pid = atoi (g_subprocess_get_identifier (self->process));
  self->qemu_pid = 0;
  self->process_exited = FALSE;
  self->stderr_done = FALSE;

  g_subprocess_wait_async (self->process, self->run_cancellable, wait_cb, self);
  read_stderr (self, g_subprocess_get_stderr_pipe (self->process));
  if (net_log >= 0)
    {
      g_autoptr(GInputStream) stream = g_unix_input_stream_new (net_log, TRUE);
      read_net_log (self, stream);
    }

  _corral_vm_qmp_connect (self, socket);
  return TRUE;
}

/* --- ending it ------------------------------------------------------------ */

/* SIGKILL to what Corral spawned and its whole process group. In a jail
 * that is bwrap, and its sandbox child arms PR_SET_PDEATHSIG only after
 * the clone (bwrap 0.8 never checks whether bwrap is still there): a
 * Force Off at once killed bwrap in that moment, and its child then
 * waited for bwrap's word for ever, holding QEMU's stderr, so the run
 * never ended (/vm/force-off-early hung, 3 runs of 6). The child is
 * still in bwrap's group then (corral_jail_child_setup made it). */
void
_corral_vm_kill (CorralVm *self)
{
  if (self->process == NULL)
    return;
  if (self->pid > 0 && !self->process_exited)
    kill (-self->pid, SIGKILL);
  g_subprocess_force_exit (self->process);
}

static gboolean
kill_timeout_cb (gpointer user_data)
{
  CorralVm *self = user_data;

  self->kill_source = 0;
  _corral_vm_kill (self);
  return G_SOURCE_REMOVE;
}

void
corral_vm_force_off (CorralVm *self)
{
  g_return_if_fail (CORRAL_IS_VM (self));

  if (self->process == NULL)
    return;
  self->stop_requested = TRUE;
  g_clear_handle_id (&self->powerdown_source, g_source_remove);
  if (self->state == CORRAL_VM_STATE_STARTING)
    {
      /* Nothing to save yet. In a jail the process is bwrap: QEMU would
       * outlive it, go on to answer QMP (the start then "succeeds") and
       * hold its stderr open, so the run never ended. Closing the
       * lifeline ends the jailed QEMU too. */
      _corral_vm_kill (self);
      if (self->lifeline_fd >= 0)
        {
          close (self->lifeline_fd);
          self->lifeline_fd = -1;
        }
      return;
    }
  _corral_vm_set_state (self, CORRAL_VM_STATE_STOPPING);
  /* "quit" lets QEMU close its files; without QMP, SIGTERM does the same
   * (QEMU quits cleanly on it). SIGKILL if it does not go. */
  if (!_corral_vm_qmp_send (self, "quit"))
    signal_qemu (self, SIGTERM);
  if (self->kill_source == 0)
    self->kill_source = g_timeout_add_seconds (CORRAL_VM_QUIT_GRACE_SECONDS, kill_timeout_cb, self);
}

