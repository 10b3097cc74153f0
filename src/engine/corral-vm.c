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
 *
 * This file holds the object, its properties and the state machine; the
 * process, QMP and display live next to it (corral-vm-private.h).
 */
#include "config.h"

#include <string.h>
#include <unistd.h>

#include <glib/gi18n.h>

#include "corral-safe-text.h"
#include "corral-vm-private.h"

G_DEFINE_QUARK (corral-vm-error-quark, corral_vm_error)

G_DEFINE_ENUM_TYPE (CorralVmState, corral_vm_state,
  G_DEFINE_ENUM_VALUE (CORRAL_VM_STATE_STOPPED, "stopped"),
  G_DEFINE_ENUM_VALUE (CORRAL_VM_STATE_STARTING, "starting"),
  G_DEFINE_ENUM_VALUE (CORRAL_VM_STATE_RUNNING, "running"),
  G_DEFINE_ENUM_VALUE (CORRAL_VM_STATE_STOPPING, "stopping"),
  G_DEFINE_ENUM_VALUE (CORRAL_VM_STATE_FAILED, "failed"))

G_DEFINE_ENUM_TYPE (CorralAgentState, corral_agent_state,
  G_DEFINE_ENUM_VALUE (CORRAL_AGENT_STATE_UNKNOWN, "unknown"),
  G_DEFINE_ENUM_VALUE (CORRAL_AGENT_STATE_RUNNING, "running"),
  G_DEFINE_ENUM_VALUE (CORRAL_AGENT_STATE_STARTING, "starting"),
  G_DEFINE_ENUM_VALUE (CORRAL_AGENT_STATE_ENDED, "ended"))

G_DEFINE_ENUM_TYPE (CorralAgentExitAction, corral_agent_exit_action,
  G_DEFINE_ENUM_VALUE (CORRAL_AGENT_EXIT_POWER_OFF, "power-off"),
  G_DEFINE_ENUM_VALUE (CORRAL_AGENT_EXIT_WAIT, "wait"))

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
  PROP_CONTROL_LOST,
  PROP_POWERDOWN_IGNORED,
  PROP_PROJECT_MISSING,
  PROP_CONFINEMENT,
  PROP_SECURITY_WARNINGS,
  PROP_AGENT_STATE,
  PROP_AGENT_EXIT_ACTION,
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
GTask *
_corral_vm_take_start_task (CorralVm *self)
{
  GTask *task = g_steal_pointer (&self->start_task);

  if (task != NULL && self->start_cancel_id != 0)
    g_cancellable_disconnect (g_task_get_cancellable (task), self->start_cancel_id);
  self->start_cancel_id = 0;
  return task;
}

void
_corral_vm_set_state (CorralVm      *self,
                      CorralVmState  state)
{
  gboolean had_display, has_display;

  if (self->state == state)
    return;
  had_display = self->state == CORRAL_VM_STATE_RUNNING;
  self->state = state;
  /* A new run: whatever the last guest did with the power button. */
  if (state == CORRAL_VM_STATE_STARTING && self->powerdown_ignored)
    {
      self->powerdown_ignored = FALSE;
      g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_POWERDOWN_IGNORED]);
    }
  has_display = state == CORRAL_VM_STATE_RUNNING;
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_STATE]);
  if (had_display != has_display && corral_vm_has_display (self))
    g_signal_emit (self, signals[SIGNAL_DISPLAY_CHANGED], 0);
}

void
_corral_vm_set_paused (CorralVm *self,
                       gboolean  paused)
{
  if (self->paused == paused)
    return;
  self->paused = paused;
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_PAUSED]);
}

void
_corral_vm_set_control_lost (CorralVm *self,
                             gboolean  lost)
{
  if (self->control_lost == lost)
    return;
  self->control_lost = lost;
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_CONTROL_LOST]);
}

void
_corral_vm_set_powerdown_ignored (CorralVm *self)
{
  if (self->powerdown_ignored)
    return;
  self->powerdown_ignored = TRUE;
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_POWERDOWN_IGNORED]);
}

void
_corral_vm_set_agent_state (CorralVm         *self,
                            CorralAgentState  state)
{
  if (self->agent_state == state)
    return;
  self->agent_state = state;
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_AGENT_STATE]);
}

void
_corral_vm_set_project_missing (CorralVm *self,
                                gboolean  missing)
{
  if (self->project_missing == missing)
    return;
  self->project_missing = missing;
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_PROJECT_MISSING]);
}

gboolean
corral_vm_get_project_missing (CorralVm *self)
{
  g_return_val_if_fail (CORRAL_IS_VM (self), FALSE);
  return self->project_missing;
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
  g_clear_handle_id (&self->start_timeout_source, g_source_remove);
  g_clear_handle_id (&self->qmp_lost_source, g_source_remove);
}

/* Releases everything the run owns except the process object. Safe to
 * call more than once, and from dispose. */
void
_corral_vm_release_run (CorralVm *self)
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
  _corral_vm_network_stop (self);
  if (self->meta_dir != NULL)
    {
      corral_meta_dir_destroy (self->meta_dir);
      g_clear_object (&self->meta_dir);
    }
  _corral_vm_release_boot_console (self);
  for (guint i = 0; i < G_N_ELEMENTS (self->consoles); i++)
    corral_pty_close (&self->consoles[i]);
  if (self->clipboard_fd >= 0)
    {
      close (self->clipboard_fd);
      self->clipboard_fd = -1;
    }
  _corral_vm_release_jail (self);
  _corral_vm_close_session (self);
  if (self->state_dir != NULL)
    {
      corral_state_dir_release (self->state_dir);
      g_clear_object (&self->state_dir);
    }
  _corral_vm_set_paused (self, FALSE);
  _corral_vm_set_control_lost (self, FALSE);
  _corral_vm_unwatch_project (self);
}

/* The run is over: @message NULL means a clean stop. */
void
_corral_vm_end_run (CorralVm   *self,
                    const char *message)
{
  g_autoptr(GTask) start_task = _corral_vm_take_start_task (self);

  g_object_ref (self);
  _corral_vm_release_run (self);
  g_clear_object (&self->process);
  self->pid = 0;
  self->qemu_pid = 0;

  if (message != NULL)
    {
      set_error_message (self, message);
      _corral_vm_set_state (self, CORRAL_VM_STATE_FAILED);
    }
  else
    {
      _corral_vm_set_state (self, CORRAL_VM_STATE_STOPPED);
    }

  if (start_task != NULL)
    g_task_return_new_error (start_task, CORRAL_VM_ERROR, CORRAL_VM_ERROR_QEMU_EXITED,
                             "%s", message ? message : _("The virtual machine stopped while starting"));
  g_object_unref (self);
}

void
_corral_vm_fail_start (CorralVm     *self,
                       const GError *error)
{
  g_autoptr(GTask) task = _corral_vm_take_start_task (self);

  _corral_vm_kill (self);
  _corral_vm_release_run (self);
  g_clear_object (&self->process);
  self->pid = 0;
  self->qemu_pid = 0;
  set_error_message (self, error->message);
  _corral_vm_set_state (self, CORRAL_VM_STATE_FAILED);
  if (task != NULL)
    g_task_return_error (task, g_error_copy (error));
}

/* For the other files of the Vm: properties and signals live here. */
void
_corral_vm_notify_qemu_stderr (CorralVm *self)
{
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_QEMU_STDERR]);
}

void
_corral_vm_notify_warnings (CorralVm *self)
{
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_WARNINGS]);
}

void
_corral_vm_set_confinement (CorralVm          *self,
                            CorralConfinement  confinement,
                            GStrv              security_warnings)
{
  if (self->confinement != confinement)
    {
      self->confinement = confinement;
      g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_CONFINEMENT]);
    }
  g_strfreev (self->security_warnings);
  self->security_warnings = g_strdupv (security_warnings);
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_SECURITY_WARNINGS]);
}

void
_corral_vm_emit_guest_event (CorralVm   *self,
                             const char *name)
{
  /* try_string: see corral-qmp.c (QEMU names the events). */
  g_signal_emit (self, signals[SIGNAL_GUEST_EVENT], g_quark_try_string (name), name);
}

/* --- start ---------------------------------------------------------------- */

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
  _corral_vm_set_state (self, CORRAL_VM_STATE_STARTING);

  if (!_corral_vm_spawn (self, &error))
    {
      error = _corral_vm_translate_error (error);
      _corral_vm_fail_start (self, error);
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

/* Safe to show (no escape sequences: after a QEMU bug these are the
 * guest's words); valid until the next call. */
const char *
corral_vm_get_qemu_stderr (CorralVm *self)
{
  g_return_val_if_fail (CORRAL_IS_VM (self), NULL);
  g_free (self->qemu_stderr_shown);
  self->qemu_stderr_shown = corral_safe_text (self->qemu_stderr->str, self->qemu_stderr->len);
  return self->qemu_stderr_shown;
}

gboolean
corral_vm_get_control_lost (CorralVm *self)
{
  g_return_val_if_fail (CORRAL_IS_VM (self), FALSE);
  return self->control_lost;
}

gboolean
corral_vm_get_powerdown_ignored (CorralVm *self)
{
  g_return_val_if_fail (CORRAL_IS_VM (self), FALSE);
  return self->powerdown_ignored;
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

CorralAgentExitAction
corral_vm_get_agent_exit_action (CorralVm *self)
{
  g_return_val_if_fail (CORRAL_IS_VM (self), CORRAL_AGENT_EXIT_POWER_OFF);
  return self->agent_exit_action;
}

/* Applies to the agent's next end, not to one the guest already reported. */
void
corral_vm_set_agent_exit_action (CorralVm              *self,
                                 CorralAgentExitAction  action)
{
  g_return_if_fail (CORRAL_IS_VM (self));
  if (self->agent_exit_action == action)
    return;
  self->agent_exit_action = action;
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_AGENT_EXIT_ACTION]);
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
  return _corral_vm_find_qemu_pid (self);
}

CorralConfinement
corral_vm_get_confinement (CorralVm *self)
{
  g_return_val_if_fail (CORRAL_IS_VM (self), CORRAL_CONFINEMENT_NONE);
  return self->confinement;
}

const char * const *
corral_vm_get_security_warnings (CorralVm *self)
{
  static const char * const none[] = { NULL };

  g_return_val_if_fail (CORRAL_IS_VM (self), none);
  return self->security_warnings ? (const char * const *) self->security_warnings : none;
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
  /* The key goes to the running proxy; the guest only ever gets the
   * placeholder. */
  if (which == CORRAL_SECRET_API_KEY)
    _corral_vm_network_set_api_key (self, value);

  /* A running guest reads its metadata again at the next login. */
  if (self->meta_dir != NULL && value != NULL &&
      (which == CORRAL_SECRET_API_KEY || corral_profile_get_forward_gh_token (self->profile)))
    {
      g_autoptr(GError) error = NULL;
      const char *contents = which == CORRAL_SECRET_API_KEY ? CORRAL_PROXY_PLACEHOLDER_KEY : value;

      if (!corral_meta_dir_write (self->meta_dir, file, contents, -1, &error))
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

/* --- GObject ---------------------------------------------------------------- */

static void
corral_vm_dispose (GObject *object)
{
  CorralVm *self = CORRAL_VM (object);

  /* The app is going away: nothing may outlive it, least of all the
   * metadata dir with the secrets. */
  if (self->process != NULL)
    {
      _corral_vm_kill (self);
      g_clear_object (&self->process);
    }
  _corral_vm_release_run (self);
  if (self->start_task != NULL)
    {
      g_autoptr(GTask) task = _corral_vm_take_start_task (self);
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
  g_clear_object (&self->network_log);
  g_clear_pointer (&self->host, corral_host_free);
  g_free (self->error_message);
  g_free (self->handshake_error);
  g_string_free (self->qemu_stderr, TRUE);
  g_free (self->qemu_stderr_shown);
  g_string_free (self->net_log, TRUE);
  g_strfreev (self->warnings);
  g_strfreev (self->security_warnings);

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
    case PROP_CONTROL_LOST:
      g_value_set_boolean (value, self->control_lost);
      break;
    case PROP_POWERDOWN_IGNORED:
      g_value_set_boolean (value, self->powerdown_ignored);
      break;
    case PROP_PROJECT_MISSING:
      g_value_set_boolean (value, self->project_missing);
      break;
    case PROP_CONFINEMENT:
      g_value_set_enum (value, self->confinement);
      break;
    case PROP_SECURITY_WARNINGS:
      g_value_set_boxed (value, corral_vm_get_security_warnings (self));
      break;
    case PROP_AGENT_STATE:
      g_value_set_enum (value, self->agent_state);
      break;
    case PROP_AGENT_EXIT_ACTION:
      g_value_set_enum (value, self->agent_exit_action);
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
    case PROP_AGENT_EXIT_ACTION:
      corral_vm_set_agent_exit_action (self, g_value_get_enum (value));
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
  properties[PROP_CONTROL_LOST] =
    g_param_spec_boolean ("control-lost", NULL, NULL, FALSE,
                          G_PARAM_READABLE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS);
  properties[PROP_POWERDOWN_IGNORED] =
    g_param_spec_boolean ("powerdown-ignored", NULL, NULL, FALSE,
                          G_PARAM_READABLE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS);
  properties[PROP_PROJECT_MISSING] =
    g_param_spec_boolean ("project-missing", NULL, NULL, FALSE,
                          G_PARAM_READABLE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS);
  properties[PROP_CONFINEMENT] =
    g_param_spec_enum ("confinement", NULL, NULL, CORRAL_TYPE_CONFINEMENT, CORRAL_CONFINEMENT_JAIL,
                       G_PARAM_READABLE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS);
  properties[PROP_SECURITY_WARNINGS] =
    g_param_spec_boxed ("security-warnings", NULL, NULL, G_TYPE_STRV,
                        G_PARAM_READABLE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS);
  properties[PROP_AGENT_STATE] =
    g_param_spec_enum ("agent-state", NULL, NULL, CORRAL_TYPE_AGENT_STATE, CORRAL_AGENT_STATE_UNKNOWN,
                       G_PARAM_READABLE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS);
  properties[PROP_AGENT_EXIT_ACTION] =
    g_param_spec_enum ("agent-exit-action", NULL, NULL, CORRAL_TYPE_AGENT_EXIT_ACTION,
                       CORRAL_AGENT_EXIT_POWER_OFF,
                       G_PARAM_READWRITE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS);
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
  self->net_log = g_string_new (NULL);
  self->powerdown_timeout = 30;
  self->clipboard_fd = -1;
  self->lifeline_fd = -1;
  self->confinement = CORRAL_CONFINEMENT_JAIL;
  self->network_log = corral_network_log_new ();
  self->session_fd = -1;
  self->agent_was_entrypoint = TRUE;
  self->agent_exit_status = -1;
  for (guint i = 0; i < G_N_ELEMENTS (self->consoles); i++)
    {
      self->consoles[i].master = -1;
      self->consoles[i].slave = -1;
    }
  self->boot_console.master = self->boot_console.slave = -1;
  self->boot_writer = -1;
}

