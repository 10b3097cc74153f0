/* corral-vm.c: one project's QEMU virtual machine, as a state machine
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * stopped/failed -> starting -> running -> stopping -> stopped, or failed
 * with a reason a person can read. A run owns: the state dir lock (one VM
 * per project), the metadata dir (secrets live only there, 0600), a PTY
 * per serial console, the QEMU process (spawned with the builder's argv
 * and its environment, never the app's) and a QMP connection on a
 * socketpair QEMU inherits. Everything a run owns is released on every
 * way out: stop, crash, failed start and dispose.
 */
#include "config.h"

#include <errno.h>
#include <signal.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <unistd.h>

#include <glib/gi18n.h>

#include "corral-meta-dir.h"
#include "corral-qemu-command.h"
#include "corral-qmp.h"
#include "corral-state-dir.h"
#include "corral-vm-console.h"
#include "corral-vm.h"

/* QEMU's QMP socket is this fd in QEMU (the builder writes fd=N). */
#define QMP_CHILD_FD 3
#define CLIPBOARD_CHILD_FD 4
#define MAX_STDERR (64 * 1024)
#define QUIT_GRACE_SECONDS 5

G_DEFINE_QUARK (corral-vm-error-quark, corral_vm_error)

G_DEFINE_ENUM_TYPE (CorralVmState, corral_vm_state,
  G_DEFINE_ENUM_VALUE (CORRAL_VM_STATE_STOPPED, "stopped"),
  G_DEFINE_ENUM_VALUE (CORRAL_VM_STATE_STARTING, "starting"),
  G_DEFINE_ENUM_VALUE (CORRAL_VM_STATE_RUNNING, "running"),
  G_DEFINE_ENUM_VALUE (CORRAL_VM_STATE_STOPPING, "stopping"),
  G_DEFINE_ENUM_VALUE (CORRAL_VM_STATE_FAILED, "failed"))

struct _CorralVm
{
  GObject parent_instance;

  CorralProfile *profile;
  CorralGuest   *guest;
  CorralHost    *host;

  CorralVmState  state;
  gboolean       paused;
  char          *error_message;
  GString       *qemu_stderr;
  guint          powerdown_timeout;
  GStrv          warnings;

  char          *api_key;
  char          *gh_token;

  /* The current run. */
  CorralStateDir *state_dir;
  CorralMetaDir  *meta_dir;
  CorralPty       consoles[2];
  int             clipboard_fd;   /* our end of the clipboard channel, or -1 */
  GSubprocess    *process;
  int             pid;
  CorralQmp      *qmp;
  GCancellable   *run_cancellable;
  GTask          *start_task;
  gulong          start_cancel_id;  /* on the start task's cancellable */
  gboolean        process_exited;
  gboolean        stderr_done;
  gboolean        stop_requested;    /* power-down / force-off / guest shutdown */
  gboolean        ended_outside;     /* QEMU was told to quit by a signal not ours */
  guint           powerdown_source;
  guint           kill_source;
  guint           handshake_source;  /* QMP failed to set up: QEMU gets a grace to exit */
  char           *handshake_error;
  guint           display_serial;
};

G_DEFINE_FINAL_TYPE (CorralVm, corral_vm, G_TYPE_OBJECT)

enum {
  PROP_0,
  PROP_PROFILE,
  PROP_GUEST,
  PROP_STATE,
  PROP_PAUSED,
  PROP_ERROR_MESSAGE,
  PROP_QEMU_STDERR,
  PROP_POWERDOWN_TIMEOUT,
  PROP_WARNINGS,
  N_PROPS
};
static GParamSpec *properties[N_PROPS];

enum { SIGNAL_GUEST_EVENT, SIGNAL_DISPLAY_CHANGED, N_SIGNALS };
static guint signals[N_SIGNALS];

static void
wipe_string (char **secret)
{
  if (*secret != NULL)
    explicit_bzero (*secret, strlen (*secret));
  g_clear_pointer (secret, g_free);
}

/* The pending start, no longer cancellable from outside. */
static GTask *
take_start_task (CorralVm *self)
{
  GTask *task = g_steal_pointer (&self->start_task);

  if (task != NULL && self->start_cancel_id != 0)
    g_cancellable_disconnect (g_task_get_cancellable (task), self->start_cancel_id);
  self->start_cancel_id = 0;
  return task;
}

static void
set_state (CorralVm      *self,
           CorralVmState  state)
{
  gboolean had_display, has_display;

  if (self->state == state)
    return;
  had_display = self->state == CORRAL_VM_STATE_RUNNING;
  self->state = state;
  has_display = state == CORRAL_VM_STATE_RUNNING;
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_STATE]);
  if (had_display != has_display && corral_vm_has_display (self))
    g_signal_emit (self, signals[SIGNAL_DISPLAY_CHANGED], 0);
}

static void
set_paused (CorralVm *self,
            gboolean  paused)
{
  if (self->paused == paused)
    return;
  self->paused = paused;
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_PAUSED]);
}

static void
set_error_message (CorralVm   *self,
                   const char *message)
{
  if (g_strcmp0 (self->error_message, message) == 0)
    return;
  g_free (self->error_message);
  self->error_message = g_strdup (message);
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_ERROR_MESSAGE]);
}

static void
clear_timers (CorralVm *self)
{
  g_clear_handle_id (&self->powerdown_source, g_source_remove);
  g_clear_handle_id (&self->kill_source, g_source_remove);
  g_clear_handle_id (&self->handshake_source, g_source_remove);
}

/* Releases everything the run owns except the process object. Safe to
 * call more than once, and from dispose. */
static void
release_run (CorralVm *self)
{
  clear_timers (self);
  if (self->run_cancellable != NULL)
    g_cancellable_cancel (self->run_cancellable);
  g_clear_object (&self->run_cancellable);
  if (self->qmp != NULL)
    {
      g_signal_handlers_disconnect_by_data (self->qmp, self);
      corral_qmp_close (self->qmp);
      g_clear_object (&self->qmp);
    }
  if (self->meta_dir != NULL)
    {
      corral_meta_dir_destroy (self->meta_dir);
      g_clear_object (&self->meta_dir);
    }
  for (guint i = 0; i < G_N_ELEMENTS (self->consoles); i++)
    corral_pty_close (&self->consoles[i]);
  if (self->clipboard_fd >= 0)
    {
      close (self->clipboard_fd);
      self->clipboard_fd = -1;
    }
  if (self->state_dir != NULL)
    {
      corral_state_dir_release (self->state_dir);
      g_clear_object (&self->state_dir);
    }
  set_paused (self, FALSE);
}

/* The run is over: @message NULL means a clean stop. */
static void
end_run (CorralVm   *self,
         const char *message)
{
  g_autoptr(GTask) start_task = take_start_task (self);

  g_object_ref (self);
  release_run (self);
  g_clear_object (&self->process);
  self->pid = 0;

  if (message != NULL)
    {
      set_error_message (self, message);
      set_state (self, CORRAL_VM_STATE_FAILED);
    }
  else
    {
      set_state (self, CORRAL_VM_STATE_STOPPED);
    }

  if (start_task != NULL)
    g_task_return_new_error (start_task, CORRAL_VM_ERROR, CORRAL_VM_ERROR_QEMU_EXITED,
                             "%s", message ? message : _("The virtual machine stopped while starting"));
  g_object_unref (self);
}

static void
fail_start (CorralVm     *self,
            const GError *error)
{
  g_autoptr(GTask) task = take_start_task (self);

  if (self->process != NULL)
    g_subprocess_force_exit (self->process);
  release_run (self);
  g_clear_object (&self->process);
  self->pid = 0;
  set_error_message (self, error->message);
  set_state (self, CORRAL_VM_STATE_FAILED);
  if (task != NULL)
    g_task_return_error (task, g_error_copy (error));
}

/* --- QEMU's exit -------------------------------------------------------- */

static gboolean start_run (CorralVm *self, GError **error);
static GError *translate_error (GError *error);

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
      release_run (self);
      g_clear_object (&self->process);
      self->pid = 0;
      g_string_truncate (self->qemu_stderr, 0);
      self->run_cancellable = g_cancellable_new ();
      if (!start_run (self, &error))
        {
          error = translate_error (error);
          fail_start (self, error);
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
  end_run (self, message);
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
      g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_QEMU_STDERR]);
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

/* --- QMP ---------------------------------------------------------------- */

static void
qmp_event_cb (CorralQmp  *qmp,
              const char *name,
              JsonObject *data,
              CorralVm   *self)
{
  if (g_str_equal (name, "STOP"))
    set_paused (self, TRUE);
  else if (g_str_equal (name, "RESUME"))
    set_paused (self, FALSE);
  else if (g_str_equal (name, "SHUTDOWN"))
    {
      const char *reason = data != NULL
        ? json_object_get_string_member_with_default (data, "reason", "") : "";

      /* The guest powered off (or QEMU was told to quit): QEMU exits next.
       * A signal we did not send (someone's kill, a session ending) is
       * not a stop the user asked for: say so when QEMU is gone. */
      if (g_str_equal (reason, "host-signal") && !self->stop_requested)
        self->ended_outside = TRUE;
      else
        self->stop_requested = TRUE;
      if (self->state == CORRAL_VM_STATE_RUNNING)
        set_state (self, CORRAL_VM_STATE_STOPPING);
    }
  g_signal_emit (self, signals[SIGNAL_GUEST_EVENT], g_quark_from_string (name), name);
}

static gboolean
handshake_grace_cb (gpointer user_data)
{
  CorralVm *self = user_data;
  g_autoptr(GError) error = NULL;

  self->handshake_source = 0;
  if (self->state != CORRAL_VM_STATE_STARTING || self->process == NULL)
    return G_SOURCE_REMOVE;
  error = g_error_new (CORRAL_VM_ERROR, CORRAL_VM_ERROR_QMP,
                       _("QEMU runs but does not answer on its control connection (%s)"),
                       self->handshake_error ? self->handshake_error : "?");
  fail_start (self, error);
  return G_SOURCE_REMOVE;
}

/* QEMU closes QMP only as it exits; anything else (the peer shut down)
 * leaves a guest we can no longer drive: it keeps running (the agent's
 * session is worth keeping), operations that need QMP say so, and Stop
 * ends QEMU by signal. */
static void
qmp_closed_cb (CorralQmp    *qmp,
               const GError *error,
               CorralVm     *self)
{
  if (self->state == CORRAL_VM_STATE_RUNNING && !self->stop_requested)
    g_debug ("The control connection to QEMU closed%s%s",
               error ? ": " : "", error ? error->message : "");
}

/* The handshake may end after the Vm is gone (dispose closes QMP, which
 * fails it): a weak reference tells. */
static void
handshake_cb (GObject      *source,
              GAsyncResult *result,
              gpointer      user_data)
{
  GWeakRef *weak = user_data;
  g_autoptr(CorralVm) self = g_weak_ref_get (weak);
  g_autoptr(GError) error = NULL;
  g_autoptr(GTask) task = NULL;

  g_weak_ref_clear (weak);
  g_free (weak);
  if (!corral_qmp_handshake_finish (CORRAL_QMP (source), result, &error))
    {
      /* Mostly QEMU exiting at once: its exit (with its stderr) tells the
       * story, so wait for it rather than reporting a closed socket. A
       * QEMU that stays without answering would leave the start hanging:
       * it gets a grace, then the start fails. */
      g_debug ("QMP handshake failed: %s", error->message);
      if (self != NULL && self->state == CORRAL_VM_STATE_STARTING &&
          self->qmp == CORRAL_QMP (source) && self->handshake_source == 0)
        {
          g_free (self->handshake_error);
          self->handshake_error = g_strdup (error->message);
          self->handshake_source = g_timeout_add_seconds (QUIT_GRACE_SECONDS,
                                                          handshake_grace_cb, self);
        }
      return;
    }
  if (self == NULL || self->state != CORRAL_VM_STATE_STARTING || self->qmp != CORRAL_QMP (source))
    return;
  set_state (self, CORRAL_VM_STATE_RUNNING);
  task = take_start_task (self);
  if (task != NULL)
    g_task_return_boolean (task, TRUE);
}

/* --- start --------------------------------------------------------------- */

static GError *
translate_error (GError *error)
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

static gboolean
start_run (CorralVm  *self,
           GError   **error)
{
  const char *project = corral_profile_get_project_path (self->profile);
  g_autoptr(CorralShareSources) sources = NULL;
  g_autoptr(CorralQemuCommand) command = NULL;
  g_autoptr(GSubprocessLauncher) launcher = NULL;
  g_autoptr(GSocket) socket = NULL;
  g_autoptr(GSocketConnection) connection = NULL;
  g_auto(GStrv) parent_env = NULL;
  g_autofree char *agent_chardev = NULL;
  g_autofree char *enter_chardev = NULL;
  int clipboard_child = -1;
  const char *api_key, *gh_token;
  CorralRuntime runtime;
  GWeakRef *weak;
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
  runtime.qmp_fd = QMP_CHILD_FD;
  runtime.agent_chardev = agent_chardev;
  runtime.enter_chardev = enter_chardev;
  /* The display's clipboard: a socketpair, QEMU gets one end. */
  if (corral_vm_has_display (self))
    {
      int cv[2];

      if (socketpair (AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, cv) == 0)
        {
          self->clipboard_fd = cv[0];
          clipboard_child = cv[1];
          runtime.clipboard_chardev = "socket,fd=" G_STRINGIFY (CLIPBOARD_CHILD_FD);
        }
    }
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
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_WARNINGS]);

  launcher = g_subprocess_launcher_new (G_SUBPROCESS_FLAGS_STDOUT_SILENCE |
                                        G_SUBPROCESS_FLAGS_STDERR_PIPE);
  g_subprocess_launcher_set_environ (launcher, command->envp);
  g_subprocess_launcher_set_cwd (launcher, "/");
  g_subprocess_launcher_set_child_setup (launcher, child_setup, NULL, NULL);
  g_subprocess_launcher_take_fd (launcher, sv[1], QMP_CHILD_FD);
  if (clipboard_child >= 0)
    g_subprocess_launcher_take_fd (launcher, clipboard_child, CLIPBOARD_CHILD_FD);
  self->process = g_subprocess_launcher_spawnv (launcher, (const char * const *) command->argv, error);
  if (self->process == NULL)
    return FALSE;
  self->pid = atoi (g_subprocess_get_identifier (self->process));
  self->process_exited = FALSE;
  self->stderr_done = FALSE;

  g_subprocess_wait_async (self->process, self->run_cancellable, wait_cb, self);
  read_stderr (self, g_subprocess_get_stderr_pipe (self->process));

  connection = g_socket_connection_factory_create_connection (socket);
  self->qmp = corral_qmp_new (G_IO_STREAM (connection));
  g_signal_connect (self->qmp, "event", G_CALLBACK (qmp_event_cb), self);
  g_signal_connect (self->qmp, "closed", G_CALLBACK (qmp_closed_cb), self);
  weak = g_new0 (GWeakRef, 1);
  g_weak_ref_init (weak, self);
  corral_qmp_handshake_async (self->qmp, self->run_cancellable, handshake_cb, weak);
  return TRUE;
}

static void
start_cancelled_cb (GCancellable *cancellable,
                    CorralVm     *self)
{
  if (self->state == CORRAL_VM_STATE_STARTING)
    corral_vm_force_off (self);
}

void
corral_vm_start_async (CorralVm            *self,
                       GCancellable        *cancellable,
                       GAsyncReadyCallback  callback,
                       gpointer             user_data)
{
  g_autoptr(GTask) task = NULL;
  GError *error = NULL;

  g_return_if_fail (CORRAL_IS_VM (self));

  task = g_task_new (self, cancellable, callback, user_data);
  g_task_set_source_tag (task, corral_vm_start_async);

  if (self->state != CORRAL_VM_STATE_STOPPED && self->state != CORRAL_VM_STATE_FAILED)
    {
      g_task_return_new_error (task, CORRAL_VM_ERROR, CORRAL_VM_ERROR_BUSY,
                               _("The virtual machine is already running"));
      return;
    }

  g_string_truncate (self->qemu_stderr, 0);
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_QEMU_STDERR]);
  set_error_message (self, NULL);
  self->stop_requested = FALSE;
  self->ended_outside = FALSE;
  self->run_cancellable = g_cancellable_new ();
  self->start_task = g_steal_pointer (&task);
  set_state (self, CORRAL_VM_STATE_STARTING);

  if (!start_run (self, &error))
    {
      error = translate_error (error);
      fail_start (self, error);
      g_error_free (error);
      return;
    }
  /* Cancelling the start (a window closed while booting) stops QEMU. */
  if (cancellable != NULL)
    self->start_cancel_id = g_cancellable_connect (cancellable, G_CALLBACK (start_cancelled_cb),
                                                   self, NULL);
}

gboolean
corral_vm_start_finish (CorralVm      *self,
                        GAsyncResult  *result,
                        GError       **error)
{
  g_return_val_if_fail (g_task_is_valid (result, self), FALSE);
  return g_task_propagate_boolean (G_TASK (result), error);
}

/* --- operations ------------------------------------------------------------ */

static void
command_cb (GObject      *source,
            GAsyncResult *result,
            gpointer      user_data)
{
  g_autoptr(JsonNode) reply = NULL;
  g_autoptr(GError) error = NULL;

  reply = corral_qmp_execute_finish (CORRAL_QMP (source), result, &error);
  if (reply == NULL && !g_error_matches (error, CORRAL_QMP_ERROR, CORRAL_QMP_ERROR_CLOSED))
    g_message ("QEMU refused %s: %s", (const char *) user_data, error->message);
}

static gboolean
send_command (CorralVm   *self,
              const char *command)
{
  if (self->qmp == NULL || corral_qmp_is_closed (self->qmp))
    return FALSE;
  corral_qmp_execute_async (self->qmp, command, NULL, -1, NULL, command_cb, (gpointer) command);
  return TRUE;
}

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
  set_state (self, CORRAL_VM_STATE_STOPPING);
  /* "quit" lets QEMU close its files; without QMP, SIGTERM does the same
   * (QEMU quits cleanly on it). SIGKILL if it does not go. */
  if (!send_command (self, "quit"))
    g_subprocess_send_signal (self->process, SIGTERM);
  if (self->kill_source == 0)
    self->kill_source = g_timeout_add_seconds (QUIT_GRACE_SECONDS, kill_timeout_cb, self);
}

static gboolean
powerdown_timeout_cb (gpointer user_data)
{
  CorralVm *self = user_data;

  self->powerdown_source = 0;
  g_message ("The guest did not power off within %u s; forcing it off", self->powerdown_timeout);
  corral_vm_force_off (self);
  return G_SOURCE_REMOVE;
}

void
corral_vm_power_down (CorralVm *self)
{
  g_return_if_fail (CORRAL_IS_VM (self));

  if (self->state == CORRAL_VM_STATE_STARTING)
    {
      corral_vm_force_off (self);
      return;
    }
  if (self->state != CORRAL_VM_STATE_RUNNING && self->state != CORRAL_VM_STATE_STOPPING)
    return;
  self->stop_requested = TRUE;
  set_state (self, CORRAL_VM_STATE_STOPPING);
  /* A paused guest cannot see the power button. */
  if (self->paused)
    send_command (self, "cont");
  if (!send_command (self, "system_powerdown"))
    {
      corral_vm_force_off (self);
      return;
    }
  if (self->powerdown_source == 0)
    self->powerdown_source = g_timeout_add (MAX (self->powerdown_timeout, 1) * 1000,
                                            powerdown_timeout_cb, self);
}

void
corral_vm_pause (CorralVm *self)
{
  g_return_if_fail (CORRAL_IS_VM (self));
  if (self->state == CORRAL_VM_STATE_RUNNING)
    send_command (self, "stop");
}

void
corral_vm_resume (CorralVm *self)
{
  g_return_if_fail (CORRAL_IS_VM (self));
  if (self->state == CORRAL_VM_STATE_RUNNING)
    send_command (self, "cont");
}

void
corral_vm_reset (CorralVm *self)
{
  g_return_if_fail (CORRAL_IS_VM (self));
  if (self->state == CORRAL_VM_STATE_RUNNING)
    send_command (self, "system_reset");
}

static gboolean
check_running (CorralVm  *self,
               GTask     *task)
{
  if (self->state == CORRAL_VM_STATE_RUNNING && self->qmp != NULL &&
      corral_qmp_is_closed (self->qmp))
    {
      g_task_return_new_error (task, CORRAL_VM_ERROR, CORRAL_VM_ERROR_QMP,
                               _("Corral lost its control connection to QEMU. The guest still runs; stop and start it again to get the connection back."));
      return FALSE;
    }
  if (self->state == CORRAL_VM_STATE_RUNNING && self->qmp != NULL)
    return TRUE;
  g_task_return_new_error (task, CORRAL_VM_ERROR, CORRAL_VM_ERROR_NOT_RUNNING,
                           _("The virtual machine is not running"));
  return FALSE;
}

static void
screendump_cb (GObject      *source,
               GAsyncResult *result,
               gpointer      user_data)
{
  g_autoptr(GTask) task = user_data;
  g_autoptr(JsonNode) reply = NULL;
  GError *error = NULL;

  reply = corral_qmp_execute_finish (CORRAL_QMP (source), result, &error);
  if (reply == NULL)
    g_task_return_new_error (task, CORRAL_VM_ERROR, CORRAL_VM_ERROR_QMP,
                             _("Could not take a screenshot: %s"), error->message);
  else
    g_task_return_boolean (task, TRUE);
  g_clear_error (&error);
}

void
corral_vm_screendump_async (CorralVm            *self,
                            const char          *png_path,
                            GCancellable        *cancellable,
                            GAsyncReadyCallback  callback,
                            gpointer             user_data)
{
  g_autoptr(GTask) task = NULL;
  g_autoptr(JsonObject) args = NULL;
  g_autofree char *absolute = NULL;

  g_return_if_fail (CORRAL_IS_VM (self));
  g_return_if_fail (png_path != NULL);

  task = g_task_new (self, cancellable, callback, user_data);
  g_task_set_source_tag (task, corral_vm_screendump_async);
  if (!check_running (self, task))
    return;
  /* QEMU (>= 7.1) writes the PNG itself; it resolves relative paths
   * against its own cwd ("/"), so hand it an absolute one. */
  absolute = g_canonicalize_filename (png_path, NULL);
  args = corral_qmp_args ("filename", absolute, "format", "png", NULL);
  corral_qmp_execute_async (self->qmp, "screendump", args, -1, cancellable,
                            screendump_cb, g_steal_pointer (&task));
}

gboolean
corral_vm_screendump_finish (CorralVm      *self,
                             GAsyncResult  *result,
                             GError       **error)
{
  g_return_val_if_fail (g_task_is_valid (result, self), FALSE);
  return g_task_propagate_boolean (G_TASK (result), error);
}

/* --- display ---------------------------------------------------------------- */

typedef struct {
  int   client_fd;   /* ours: returned to the caller */
  char *fdname;
} DisplayData;

static void
display_data_free (DisplayData *data)
{
  if (data->client_fd >= 0)
    close (data->client_fd);
  g_free (data->fdname);
  g_free (data);
}

static void
add_client_cb (GObject      *source,
               GAsyncResult *result,
               gpointer      user_data)
{
  g_autoptr(GTask) task = user_data;
  DisplayData *data = g_task_get_task_data (task);
  g_autoptr(JsonNode) reply = NULL;
  GError *error = NULL;
  int fd;

  reply = corral_qmp_execute_finish (CORRAL_QMP (source), result, &error);
  if (reply == NULL)
    {
      g_task_return_new_error (task, CORRAL_VM_ERROR, CORRAL_VM_ERROR_QMP,
                               _("QEMU did not accept the display connection: %s"), error->message);
      g_error_free (error);
      return;
    }
  fd = data->client_fd;
  data->client_fd = -1;
  g_task_return_int (task, fd);
}

static void
getfd_cb (GObject      *source,
          GAsyncResult *result,
          gpointer      user_data)
{
  g_autoptr(GTask) task = user_data;
  DisplayData *data = g_task_get_task_data (task);
  g_autoptr(JsonNode) reply = NULL;
  g_autoptr(JsonObject) args = NULL;
  GCancellable *cancellable = g_task_get_cancellable (task);
  GError *error = NULL;

  reply = corral_qmp_execute_finish (CORRAL_QMP (source), result, &error);
  if (reply == NULL)
    {
      g_task_return_new_error (task, CORRAL_VM_ERROR, CORRAL_VM_ERROR_QMP,
                               _("Could not hand the display connection to QEMU: %s"), error->message);
      g_error_free (error);
      return;
    }
  /* QEMU's VNC server serves the passed socket as one client; it asks
   * no password: only this process holds the other end. */
  args = corral_qmp_args ("protocol", "vnc", "fdname", data->fdname, NULL);
  json_object_set_boolean_member (args, "skipauth", TRUE);
  corral_qmp_execute_async (CORRAL_QMP (source), "add_client", args, -1,
                            cancellable, add_client_cb, g_steal_pointer (&task));
}

void
corral_vm_open_display_async (CorralVm            *self,
                              GCancellable        *cancellable,
                              GAsyncReadyCallback  callback,
                              gpointer             user_data)
{
  g_autoptr(GTask) task = NULL;
  g_autoptr(JsonObject) args = NULL;
  DisplayData *data;
  int sv[2];

  g_return_if_fail (CORRAL_IS_VM (self));

  task = g_task_new (self, cancellable, callback, user_data);
  g_task_set_source_tag (task, corral_vm_open_display_async);
  if (!check_running (self, task))
    return;
  if (!corral_vm_has_display (self))
    {
      g_task_return_new_error (task, CORRAL_VM_ERROR, CORRAL_VM_ERROR_NOT_RUNNING,
                               _("This guest has no graphical display"));
      return;
    }
  if (socketpair (AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, sv) < 0)
    {
      int errsv = errno;
      g_task_return_new_error (task, G_IO_ERROR, g_io_error_from_errno (errsv),
                               "socketpair: %s", g_strerror (errsv));
      return;
    }
  data = g_new0 (DisplayData, 1);
  data->client_fd = sv[0];
  data->fdname = g_strdup_printf ("corral-display-%u", ++self->display_serial);
  g_task_set_task_data (task, data, (GDestroyNotify) display_data_free);

  args = corral_qmp_args ("fdname", data->fdname, NULL);
  /* The QMP client sends a dup along; QEMU's end must not stay here too,
   * or the client would never see the connection close. */
  corral_qmp_execute_async (self->qmp, "getfd", args, sv[1], cancellable,
                            getfd_cb, g_steal_pointer (&task));
  close (sv[1]);
}

int
corral_vm_open_display_finish (CorralVm      *self,
                               GAsyncResult  *result,
                               GError       **error)
{
  g_return_val_if_fail (g_task_is_valid (result, self), -1);
  return (int) g_task_propagate_int (G_TASK (result), error);
}

/* --- accessors -------------------------------------------------------------- */

CorralVm *
corral_vm_new (CorralProfile    *profile,
               CorralGuest      *guest,
               const CorralHost *host)
{
  CorralVm *self;

  g_return_val_if_fail (CORRAL_IS_PROFILE (profile), NULL);
  g_return_val_if_fail (CORRAL_IS_GUEST (guest), NULL);
  g_return_val_if_fail (host != NULL, NULL);

  self = g_object_new (CORRAL_TYPE_VM, "profile", profile, "guest", guest, NULL);
  self->host = corral_host_copy (host);
  return self;
}

CorralProfile *
corral_vm_get_profile (CorralVm *self)
{
  g_return_val_if_fail (CORRAL_IS_VM (self), NULL);
  return self->profile;
}

CorralGuest *
corral_vm_get_guest (CorralVm *self)
{
  g_return_val_if_fail (CORRAL_IS_VM (self), NULL);
  return self->guest;
}

CorralVmState
corral_vm_get_state (CorralVm *self)
{
  g_return_val_if_fail (CORRAL_IS_VM (self), CORRAL_VM_STATE_STOPPED);
  return self->state;
}

gboolean
corral_vm_get_paused (CorralVm *self)
{
  g_return_val_if_fail (CORRAL_IS_VM (self), FALSE);
  return self->paused;
}

const char *
corral_vm_get_error_message (CorralVm *self)
{
  g_return_val_if_fail (CORRAL_IS_VM (self), NULL);
  return self->error_message;
}

const char *
corral_vm_get_qemu_stderr (CorralVm *self)
{
  g_return_val_if_fail (CORRAL_IS_VM (self), NULL);
  return self->qemu_stderr->str;
}

guint
corral_vm_get_powerdown_timeout (CorralVm *self)
{
  g_return_val_if_fail (CORRAL_IS_VM (self), 0);
  return self->powerdown_timeout;
}

void
corral_vm_set_powerdown_timeout (CorralVm *self,
                                 guint     seconds)
{
  g_return_if_fail (CORRAL_IS_VM (self));
  if (self->powerdown_timeout == seconds)
    return;
  self->powerdown_timeout = seconds;
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_POWERDOWN_TIMEOUT]);
}

const char * const *
corral_vm_get_warnings (CorralVm *self)
{
  static const char * const none[] = { NULL };

  g_return_val_if_fail (CORRAL_IS_VM (self), none);
  return self->warnings ? (const char * const *) self->warnings : none;
}

int
corral_vm_get_qemu_pid (CorralVm *self)
{
  g_return_val_if_fail (CORRAL_IS_VM (self), 0);
  return self->pid;
}

const char *
corral_vm_get_run_dir (CorralVm *self)
{
  g_return_val_if_fail (CORRAL_IS_VM (self), NULL);
  return self->meta_dir ? corral_meta_dir_get_path (self->meta_dir) : NULL;
}

void
corral_vm_set_secret (CorralVm     *self,
                      CorralSecret  which,
                      const char   *value)
{
  char **slot;
  const char *file;

  g_return_if_fail (CORRAL_IS_VM (self));

  slot = which == CORRAL_SECRET_API_KEY ? &self->api_key : &self->gh_token;
  file = which == CORRAL_SECRET_API_KEY ? "apikey" : "gh_token";
  wipe_string (slot);
  *slot = g_strdup (value);

  /* A running guest reads its metadata again at the next login. */
  if (self->meta_dir != NULL && value != NULL &&
      (which == CORRAL_SECRET_API_KEY || corral_profile_get_forward_gh_token (self->profile)))
    {
      g_autoptr(GError) error = NULL;

      if (!corral_meta_dir_write (self->meta_dir, file, value, -1, &error))
        g_message ("Could not update the guest's %s file: %s", file, error->message);
    }
}

int
corral_vm_get_console_fd (CorralVm      *self,
                          CorralConsole  which)
{
  g_return_val_if_fail (CORRAL_IS_VM (self), -1);
  g_return_val_if_fail (which <= CORRAL_CONSOLE_ENTER, -1);

  if (self->state != CORRAL_VM_STATE_STARTING &&
      self->state != CORRAL_VM_STATE_RUNNING &&
      self->state != CORRAL_VM_STATE_STOPPING)
    return -1;
  return self->consoles[which].master;
}

int
corral_vm_get_clipboard_fd (CorralVm *self)
{
  g_return_val_if_fail (CORRAL_IS_VM (self), -1);
  return self->clipboard_fd;
}

gboolean
corral_vm_has_display (CorralVm *self)
{
  g_return_val_if_fail (CORRAL_IS_VM (self), FALSE);
  return self->guest != NULL && corral_guest_get_graphical (self->guest) &&
         g_strcmp0 (corral_guest_get_vga (self->guest), "none") != 0;
}

/* --- GObject ---------------------------------------------------------------- */

static void
corral_vm_dispose (GObject *object)
{
  CorralVm *self = CORRAL_VM (object);

  /* The app is going away: nothing may outlive it, least of all the
   * metadata dir with the secrets. */
  if (self->process != NULL)
    {
      g_subprocess_force_exit (self->process);
      g_clear_object (&self->process);
    }
  release_run (self);
  if (self->start_task != NULL)
    {
      g_autoptr(GTask) task = take_start_task (self);
      g_task_return_new_error (task, G_IO_ERROR, G_IO_ERROR_CANCELLED,
                               _("The virtual machine was closed"));
    }
  g_clear_object (&self->profile);
  g_clear_object (&self->guest);

  G_OBJECT_CLASS (corral_vm_parent_class)->dispose (object);
}

static void
corral_vm_finalize (GObject *object)
{
  CorralVm *self = CORRAL_VM (object);

  wipe_string (&self->api_key);
  wipe_string (&self->gh_token);
  g_clear_pointer (&self->host, corral_host_free);
  g_free (self->error_message);
  g_free (self->handshake_error);
  g_string_free (self->qemu_stderr, TRUE);
  g_strfreev (self->warnings);

  G_OBJECT_CLASS (corral_vm_parent_class)->finalize (object);
}

static void
corral_vm_get_property (GObject    *object,
                        guint       prop_id,
                        GValue     *value,
                        GParamSpec *pspec)
{
  CorralVm *self = CORRAL_VM (object);

  switch (prop_id)
    {
    case PROP_PROFILE:
      g_value_set_object (value, self->profile);
      break;
    case PROP_GUEST:
      g_value_set_object (value, self->guest);
      break;
    case PROP_STATE:
      g_value_set_enum (value, self->state);
      break;
    case PROP_PAUSED:
      g_value_set_boolean (value, self->paused);
      break;
    case PROP_ERROR_MESSAGE:
      g_value_set_string (value, self->error_message);
      break;
    case PROP_QEMU_STDERR:
      g_value_set_string (value, self->qemu_stderr->str);
      break;
    case PROP_POWERDOWN_TIMEOUT:
      g_value_set_uint (value, self->powerdown_timeout);
      break;
    case PROP_WARNINGS:
      g_value_set_boxed (value, corral_vm_get_warnings (self));
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
corral_vm_set_property (GObject      *object,
                        guint         prop_id,
                        const GValue *value,
                        GParamSpec   *pspec)
{
  CorralVm *self = CORRAL_VM (object);

  switch (prop_id)
    {
    case PROP_PROFILE:
      self->profile = g_value_dup_object (value);
      break;
    case PROP_GUEST:
      self->guest = g_value_dup_object (value);
      break;
    case PROP_POWERDOWN_TIMEOUT:
      corral_vm_set_powerdown_timeout (self, g_value_get_uint (value));
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
corral_vm_class_init (CorralVmClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);

  object_class->dispose = corral_vm_dispose;
  object_class->finalize = corral_vm_finalize;
  object_class->get_property = corral_vm_get_property;
  object_class->set_property = corral_vm_set_property;

  properties[PROP_PROFILE] =
    g_param_spec_object ("profile", NULL, NULL, CORRAL_TYPE_PROFILE,
                         G_PARAM_READWRITE | G_PARAM_CONSTRUCT_ONLY | G_PARAM_STATIC_STRINGS);
  properties[PROP_GUEST] =
    g_param_spec_object ("guest", NULL, NULL, CORRAL_TYPE_GUEST,
                         G_PARAM_READWRITE | G_PARAM_CONSTRUCT_ONLY | G_PARAM_STATIC_STRINGS);
  properties[PROP_STATE] =
    g_param_spec_enum ("state", NULL, NULL, CORRAL_TYPE_VM_STATE, CORRAL_VM_STATE_STOPPED,
                       G_PARAM_READABLE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS);
  properties[PROP_PAUSED] =
    g_param_spec_boolean ("paused", NULL, NULL, FALSE,
                          G_PARAM_READABLE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS);
  properties[PROP_ERROR_MESSAGE] =
    g_param_spec_string ("error-message", NULL, NULL, NULL,
                         G_PARAM_READABLE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS);
  properties[PROP_QEMU_STDERR] =
    g_param_spec_string ("qemu-stderr", NULL, NULL, NULL,
                         G_PARAM_READABLE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS);
  properties[PROP_POWERDOWN_TIMEOUT] =
    g_param_spec_uint ("powerdown-timeout", NULL, NULL, 1, 3600, 30,
                       G_PARAM_READWRITE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS);
  properties[PROP_WARNINGS] =
    g_param_spec_boxed ("warnings", NULL, NULL, G_TYPE_STRV,
                        G_PARAM_READABLE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS);
  g_object_class_install_properties (object_class, N_PROPS, properties);

  /* Detailed by the event name: "guest-event::SHUTDOWN". */
  signals[SIGNAL_GUEST_EVENT] =
    g_signal_new ("guest-event", G_TYPE_FROM_CLASS (klass),
                  G_SIGNAL_RUN_LAST | G_SIGNAL_DETAILED, 0, NULL, NULL, NULL,
                  G_TYPE_NONE, 1, G_TYPE_STRING);
  signals[SIGNAL_DISPLAY_CHANGED] =
    g_signal_new ("display-changed", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST,
                  0, NULL, NULL, NULL, G_TYPE_NONE, 0);
}

static void
corral_vm_init (CorralVm *self)
{
  self->state = CORRAL_VM_STATE_STOPPED;
  self->qemu_stderr = g_string_new (NULL);
  self->powerdown_timeout = 30;
  self->clipboard_fd = -1;
  for (guint i = 0; i < G_N_ELEMENTS (self->consoles); i++)
    {
      self->consoles[i].master = -1;
      self->consoles[i].slave = -1;
    }
}
