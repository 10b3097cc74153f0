/* corral-vm-qmp.c: CorralVm's control connection to QEMU
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * QMP on a socketpair QEMU inherits: the handshake that makes a start
 * RUNNING, QEMU's events (pause, resume, shutdown) and the commands
 * behind power-down, pause, resume and reset.
 */
#include "config.h"

#include <glib/gi18n.h>

#include "corral-safe-text.h"
#include "corral-vm-private.h"

/* How long after QMP closes QEMU's exit must have been seen for the
 * close to count as part of it (both come from the same exit; the exit
 * only needs the child watch to run). */
#define QMP_LOST_DELAY_MS 1000

/* --- events and handshake ----------------------------------------------- */

static void
qmp_event_cb (CorralQmp  *qmp,
              const char *name,
              JsonObject *data,
              CorralVm   *self)
{
  if (g_str_equal (name, "STOP"))
    _corral_vm_set_paused (self, TRUE);
  else if (g_str_equal (name, "RESUME"))
    _corral_vm_set_paused (self, FALSE);
  else if (g_str_equal (name, "RESET"))
    _corral_vm_session_reset (self);  /* the guest reboots: its session is gone */
  else if (g_str_equal (name, "SHUTDOWN"))
    {
      /* Typed: whatever QEMU sends as the reason, never a crash. */
      const char *reason = corral_qmp_get_string (data, "reason");

      /* The guest powered off (or QEMU was told to quit): QEMU exits next.
       * A signal we did not send (someone's kill, a session ending) is
       * not a stop the user asked for: say so when QEMU is gone. */
      if (g_strcmp0 (reason, "host-signal") == 0 && !self->stop_requested)
        self->ended_outside = TRUE;
      else
        self->stop_requested = TRUE;
      if (self->state == CORRAL_VM_STATE_RUNNING)
        _corral_vm_set_state (self, CORRAL_VM_STATE_STOPPING);
    }
  _corral_vm_emit_guest_event (self, name);
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
  _corral_vm_fail_start (self, error);
  return G_SOURCE_REMOVE;
}

/* QMP closed and QEMU's exit has not followed: QEMU runs on without it. */
static gboolean
qmp_lost_cb (gpointer user_data)
{
  CorralVm *self = user_data;

  self->qmp_lost_source = 0;
  if (self->state != CORRAL_VM_STATE_RUNNING || self->stop_requested ||
      self->process == NULL || self->process_exited || self->stderr_done)
    return G_SOURCE_REMOVE;
  g_message ("Lost the control connection to QEMU (pid %d); the guest runs on", self->pid);
  _corral_vm_set_control_lost (self, TRUE);
  return G_SOURCE_REMOVE;
}

/* QEMU closes QMP only as it exits; anything else (the peer shut down)
 * leaves a guest we can no longer drive: it keeps running (the agent's
 * session is worth keeping), operations that need QMP say so, Stop ends
 * QEMU by signal, and control-lost tells the window. A QEMU that dies
 * closes QMP a moment before its exit is seen: the check waits a little
 * so that a crash is reported as one, not as a lost connection first. */
static void
qmp_closed_cb (CorralQmp    *qmp,
               const GError *error,
               CorralVm     *self)
{
  if (self->state == CORRAL_VM_STATE_RUNNING && !self->stop_requested)
    {
      g_debug ("The control connection to QEMU closed%s%s",
               error ? ": " : "", error ? error->message : "");
      if (self->qmp_lost_source == 0)
        self->qmp_lost_source = g_timeout_add (QMP_LOST_DELAY_MS, qmp_lost_cb, self);
    }
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
          self->handshake_source = g_timeout_add_seconds (CORRAL_VM_QUIT_GRACE_SECONDS,
                                                          handshake_grace_cb, self);
        }
      return;
    }
  if (self == NULL || self->state != CORRAL_VM_STATE_STARTING || self->qmp != CORRAL_QMP (source))
    return;
  g_clear_handle_id (&self->start_timeout_source, g_source_remove);
  _corral_vm_set_state (self, CORRAL_VM_STATE_RUNNING);
  task = _corral_vm_take_start_task (self);
  if (task != NULL)
    g_task_return_boolean (task, TRUE);
}

/* QEMU is there but silent: hung before its greeting (stopped, stuck in
 * a device's set-up, starved) or greeted and never answered. Nothing
 * would ever end the start, so end it: kill QEMU (SIGKILL, which a
 * stopped process gets too) and release the run like any failed start. */
static gboolean
start_timeout_cb (gpointer user_data)
{
  CorralVm *self = user_data;
  g_autoptr(GError) error = NULL;
  g_autofree char *err = NULL;

  self->start_timeout_source = 0;
  if (self->state != CORRAL_VM_STATE_STARTING || self->process == NULL)
    return G_SOURCE_REMOVE;
  err = g_strstrip (corral_safe_text (self->qemu_stderr->str, self->qemu_stderr->len));
  g_message ("QEMU (pid %d) did not answer QMP within %d s; ending it",
             self->pid, CORRAL_VM_START_TIMEOUT_SECONDS);
  error = g_error_new (CORRAL_VM_ERROR, CORRAL_VM_ERROR_QMP,
                       _("QEMU did not answer on its control connection within %d seconds, so Corral ended it. Try starting again; if it happens again, QEMU may be stuck or the computer overloaded.%s%s"),
                       CORRAL_VM_START_TIMEOUT_SECONDS, *err ? "\n" : "", err);
  _corral_vm_fail_start (self, error);
  return G_SOURCE_REMOVE;
}

void
_corral_vm_qmp_attach (CorralVm  *self,
                       CorralQmp *qmp)
{
  GWeakRef *weak;

  self->qmp = g_object_ref (qmp);
  g_signal_connect (self->qmp, "event", G_CALLBACK (qmp_event_cb), self);
  g_signal_connect (self->qmp, "closed", G_CALLBACK (qmp_closed_cb), self);
  weak = g_new0 (GWeakRef, 1);
  g_weak_ref_init (weak, self);
  corral_qmp_handshake_async (self->qmp, self->run_cancellable, handshake_cb, weak);
}

void
_corral_vm_qmp_connect (CorralVm *self,
                        GSocket  *socket)
{
  g_autoptr(GSocketConnection) connection = NULL;
  g_autoptr(CorralQmp) qmp = NULL;

  connection = g_socket_connection_factory_create_connection (socket);
  qmp = corral_qmp_new (G_IO_STREAM (connection));
  _corral_vm_qmp_attach (self, qmp);
  /* From the spawn: a retry (KVM refused) starts the clock again. */
  g_clear_handle_id (&self->start_timeout_source, g_source_remove);
  self->start_timeout_source = g_timeout_add_seconds (CORRAL_VM_START_TIMEOUT_SECONDS,
                                                      start_timeout_cb, self);
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

gboolean
_corral_vm_qmp_send (CorralVm   *self,
                     const char *command)
{
  if (self->qmp == NULL || corral_qmp_is_closed (self->qmp))
    return FALSE;
  corral_qmp_execute_async (self->qmp, command, NULL, -1, NULL, command_cb, (gpointer) command);
  return TRUE;
}

static gboolean
powerdown_timeout_cb (gpointer user_data)
{
  CorralVm *self = user_data;

  self->powerdown_source = 0;
  g_debug ("The guest did not power off within %u s; forcing it off", self->powerdown_timeout);
  /* Said before QEMU goes, so that the terminal can say it first. */
  _corral_vm_set_powerdown_ignored (self);
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
  _corral_vm_set_state (self, CORRAL_VM_STATE_STOPPING);
  /* A paused guest cannot see the power button. */
  if (self->paused)
    _corral_vm_qmp_send (self, "cont");
  if (!_corral_vm_qmp_send (self, "system_powerdown"))
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
    _corral_vm_qmp_send (self, "stop");
}

void
corral_vm_resume (CorralVm *self)
{
  g_return_if_fail (CORRAL_IS_VM (self));
  if (self->state == CORRAL_VM_STATE_RUNNING)
    _corral_vm_qmp_send (self, "cont");
}

void
corral_vm_reset (CorralVm *self)
{
  g_return_if_fail (CORRAL_IS_VM (self));
  if (self->state == CORRAL_VM_STATE_RUNNING)
    _corral_vm_qmp_send (self, "system_reset");
}

/* Fails @task in words unless QMP commands can reach a running guest. */
gboolean
_corral_vm_check_running (CorralVm  *self,
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

