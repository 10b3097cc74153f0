/* corral-vm-process.c: CorralVm's QEMU process
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * Spawning QEMU with the builder's argv and environment (never the
 * app's), collecting its stderr, turning its exit into the run's end in
 * words a person can read, and ending it (force-off).
 */
#include "config.h"

#include <errno.h>
#include <signal.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <unistd.h>

#include <glib/gi18n.h>

#include "corral-qemu-command.h"
#include "corral-vm-private.h"

#define MAX_STDERR (64 * 1024)

/* --- QEMU's exit -------------------------------------------------------- */

static char *
stderr_excerpt (CorralVm *self)
{
  g_autofree char *text = g_strdup (self->qemu_stderr->str);

  g_strstrip (text);
  return g_steal_pointer (&text);
}

static void
finish_exit (CorralVm *self)
{
  g_autofree char *err = stderr_excerpt (self);
  g_autofree char *message = NULL;
  GSubprocess *process = self->process;
  gboolean starting = self->state == CORRAL_VM_STATE_STARTING;

  if (process == NULL)
    return;

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

  if (g_subprocess_get_if_signaled (process))
    {
      int sig = g_subprocess_get_term_sig (process);

      /* Our own fallback kill after power-down / force-off is a stop. */
      if (!self->stop_requested)
        message = g_strdup_printf (_("QEMU stopped unexpectedly: it was killed by signal %d (%s)%s%s"),
                                   sig, g_strsignal (sig), *err ? "\n" : "", err);
    }
  else
    {
      int status = g_subprocess_get_exit_status (process);

      if (self->ended_outside && !self->stop_requested)
        message = g_strdup_printf (_("QEMU was ended from outside Corral%s%s"),
                                   *err ? ": " : "", err);
      else if (self->stop_requested && status == 0)
        message = NULL;
      else if (starting)
        message = g_strdup_printf (_("QEMU exited at once (status %d)%s%s"),
                                   status, *err ? ": " : "", err);
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
  g_input_stream_read_bytes_async (stream, 4096, G_PRIORITY_DEFAULT,
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

/* In QEMU's process, before exec: QEMU must not outlive the app (a
 * crash or SIGKILL of the app would leave an orphan VM running). */
static void
child_setup (gpointer data)
{
  prctl (PR_SET_PDEATHSIG, SIGTERM);
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

gboolean
_corral_vm_spawn (CorralVm  *self,
                  GError   **error)
{
  const char *project = corral_profile_get_project_path (self->profile);
  g_autoptr(CorralShareSources) sources = NULL;
  g_autoptr(CorralQemuCommand) command = NULL;
  g_autoptr(GSubprocessLauncher) launcher = NULL;
  g_autoptr(GSocket) socket = NULL;
  g_auto(GStrv) parent_env = NULL;
  g_autofree char *agent_chardev = NULL;
  g_autofree char *enter_chardev = NULL;
  int clipboard_child = -1;
  const char *api_key, *gh_token;
  CorralRuntime runtime;
  int sv[2];

  if (!g_file_test (project, G_FILE_TEST_IS_DIR))
    {
      g_autofree char *display = g_filename_display_name (project);
      g_set_error (error, CORRAL_VM_ERROR, CORRAL_VM_ERROR_BAD_SETTINGS,
                   _("The project folder “%s” does not exist (any more)"), display);
      return FALSE;
    }

  if (!check_guest_files (self, error))
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

  for (guint i = 0; i < G_N_ELEMENTS (self->consoles); i++)
    if (!corral_pty_open (&self->consoles[i], error))
      return FALSE;
  agent_chardev = corral_qemu_escape (self->consoles[CORRAL_CONSOLE_AGENT].path);
  enter_chardev = corral_qemu_escape (self->consoles[CORRAL_CONSOLE_ENTER].path);
  agent_chardev = g_strdup_printf ("serial,path=%s", g_steal_pointer (&agent_chardev));
  enter_chardev = g_strdup_printf ("serial,path=%s", g_steal_pointer (&enter_chardev));

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
  runtime.agent_chardev = agent_chardev;
  runtime.enter_chardev = enter_chardev;
  clipboard_child = _corral_vm_open_clipboard (self);
  if (clipboard_child >= 0)
    runtime.clipboard_chardev = "socket,fd=" G_STRINGIFY (CORRAL_VM_CLIPBOARD_CHILD_FD);
  runtime.parent_env = (const char * const *) parent_env;
  sources = corral_share_sources_probe (self->host, corral_meta_dir_get_path (self->meta_dir));
  corral_share_sources_apply (sources, &runtime);

  command = corral_qemu_command_build (self->profile, self->guest, self->host, &runtime, error);
  if (command == NULL)
    {
      close (sv[1]);
      if (clipboard_child >= 0)
        close (clipboard_child);
      return FALSE;
    }
  g_strfreev (self->warnings);
  self->warnings = g_strdupv (command->warnings);
  _corral_vm_notify_warnings (self);

  launcher = g_subprocess_launcher_new (G_SUBPROCESS_FLAGS_STDOUT_SILENCE |
                                        G_SUBPROCESS_FLAGS_STDERR_PIPE);
  g_subprocess_launcher_set_environ (launcher, command->envp);
  g_subprocess_launcher_set_cwd (launcher, "/");
  g_subprocess_launcher_set_child_setup (launcher, child_setup, NULL, NULL);
  g_subprocess_launcher_take_fd (launcher, sv[1], CORRAL_VM_QMP_CHILD_FD);
  if (clipboard_child >= 0)
    g_subprocess_launcher_take_fd (launcher, clipboard_child, CORRAL_VM_CLIPBOARD_CHILD_FD);
  self->process = g_subprocess_launcher_spawnv (launcher, (const char * const *) command->argv, error);
  if (self->process == NULL)
    return FALSE;
  self->pid = atoi (g_subprocess_get_identifier (self->process));
  self->process_exited = FALSE;
  self->stderr_done = FALSE;

  g_subprocess_wait_async (self->process, self->run_cancellable, wait_cb, self);
  read_stderr (self, g_subprocess_get_stderr_pipe (self->process));

  _corral_vm_qmp_connect (self, socket);
  return TRUE;
}

/* --- ending it ------------------------------------------------------------ */

static gboolean
kill_timeout_cb (gpointer user_data)
{
  CorralVm *self = user_data;

  self->kill_source = 0;
  if (self->process != NULL)
    g_subprocess_force_exit (self->process);
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
      /* Nothing to save yet. */
      g_subprocess_force_exit (self->process);
      return;
    }
  _corral_vm_set_state (self, CORRAL_VM_STATE_STOPPING);
  /* "quit" lets QEMU close its files; without QMP, SIGTERM does the same
   * (QEMU quits cleanly on it). SIGKILL if it does not go. */
  if (!_corral_vm_qmp_send (self, "quit"))
    g_subprocess_send_signal (self->process, SIGTERM);
  if (self->kill_source == 0)
    self->kill_source = g_timeout_add_seconds (CORRAL_VM_QUIT_GRACE_SECONDS, kill_timeout_cb, self);
}

