/* corral-vm.h: one project's QEMU virtual machine, as a state machine
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#pragma once

#include <gio/gio.h>

#include "corral-profile.h"
#include "corral-guest.h"
#include "corral-host.h"
#include "corral-jail.h"
#include "corral-network-log.h"

G_BEGIN_DECLS

typedef enum {
  CORRAL_VM_STATE_STOPPED,
  CORRAL_VM_STATE_STARTING,
  CORRAL_VM_STATE_RUNNING,
  CORRAL_VM_STATE_STOPPING,
  CORRAL_VM_STATE_FAILED,
} CorralVmState;

typedef enum {
  CORRAL_CONSOLE_AGENT,   /* ttyS0: where the entrypoint runs */
  CORRAL_CONSOLE_ENTER,   /* ttyS1: a second login shell (--enter) */
} CorralConsole;

/* What runs on the agent console, as the guest reports it over the
 * session channel (corral-session-protocol.h). */
typedef enum {
  CORRAL_AGENT_STATE_UNKNOWN,   /* no word from the guest (booting, or a guest without the channel) */
  CORRAL_AGENT_STATE_RUNNING,   /* the entrypoint, or a shell, runs */
  CORRAL_AGENT_STATE_STARTING,  /* a restart or a shell was asked for, not confirmed yet */
  CORRAL_AGENT_STATE_ENDED,     /* it ended; the guest waits for the host's choice */
} CorralAgentState;

/* What the guest does when the agent ends. */
typedef enum {
  CORRAL_AGENT_EXIT_POWER_OFF,  /* the seed's: the VM powers off (the default, the terminal run) */
  CORRAL_AGENT_EXIT_WAIT,       /* it keeps running: restart, a shell or shut down, as asked */
} CorralAgentExitAction;

typedef enum {
  CORRAL_SECRET_API_KEY,
  CORRAL_SECRET_GH_TOKEN,
} CorralSecret;

#define CORRAL_TYPE_VM_STATE (corral_vm_state_get_type ())
GType corral_vm_state_get_type (void);
#define CORRAL_TYPE_AGENT_STATE (corral_agent_state_get_type ())
GType corral_agent_state_get_type (void);
#define CORRAL_TYPE_AGENT_EXIT_ACTION (corral_agent_exit_action_get_type ())
GType corral_agent_exit_action_get_type (void);

#define CORRAL_VM_ERROR (corral_vm_error_quark ())
GQuark corral_vm_error_quark (void);
typedef enum {
  CORRAL_VM_ERROR_BUSY,          /* another VM runs this project (lock held) */
  CORRAL_VM_ERROR_NO_QEMU,
  CORRAL_VM_ERROR_BAD_SETTINGS,  /* e.g. memory above the host's */
  CORRAL_VM_ERROR_QEMU_EXITED,   /* message carries QEMU's stderr */
  CORRAL_VM_ERROR_NOT_RUNNING,
  CORRAL_VM_ERROR_QMP,
  CORRAL_VM_ERROR_NO_GUEST,      /* a file the guest manifest names is gone */
  CORRAL_VM_ERROR_NO_SESSION,    /* the agent has not ended, or the guest cannot be asked */
} CorralVmError;

#define CORRAL_TYPE_VM (corral_vm_get_type ())
G_DECLARE_FINAL_TYPE (CorralVm, corral_vm, CORRAL, VM, GObject)

/*
 * Properties:
 *   profile        CorralProfile, construct-only
 *   guest          CorralGuest, construct-only
 *   state          CorralVmState, read-only, notifies
 *   paused         bool, read-only, notifies (QMP STOP/RESUME)
 *   error-message  string, read-only: why the VM is FAILED, readable by a person
 *   qemu-stderr    string, read-only: what QEMU printed on stderr so far
 *   powerdown-timeout  uint seconds before power-down falls back to force-off
 *   warnings       GStrv, read-only, notifies: the builder's warnings
 *   control-lost   bool, read-only, notifies: the QMP connection went away
 *                  while QEMU runs on; the guest still runs but cannot be
 *                  paused, reset or powered down gently, and Stop ends
 *                  QEMU at once. FALSE again when the run ends.
 *   project-missing  bool, read-only, notifies: the project folder was
 *                  deleted, moved or unmounted while the VM runs (the guest
 *                  works on a folder nobody will see); FALSE again when
 *                  the run ends
 *   confinement    CorralConfinement, read-only, notifies: how the current
 *                  (or last) run is confined; NONE is the project's "Run
 *                  without confinement", which the window shows for the
 *                  whole run
 *   security-warnings  GStrv, read-only, notifies: what weakens this run's
 *                  containment, for a person (no confinement; the guest's
 *                  network in QEMU's libslirp, with its CVE; the host's
 *                  loopback within the guest's reach). Set at each start.
 *   agent-state    CorralAgentState, read-only, notifies: what the guest
 *                  reports about its agent console (UNKNOWN again at every
 *                  start and guest reset)
 *   agent-exit-action  CorralAgentExitAction: what happens when the agent
 *                  ends (POWER_OFF, the seed's, by default); may change
 *                  while the VM runs
 *
 * Signals:
 *   guest-event (const char *name)  every QMP event, detailed by name
 *                                   ("guest-event::SHUTDOWN"): SHUTDOWN,
 *                                   POWERDOWN, STOP, RESUME, RESET, ...
 *   display-changed ()              a display became available (RUNNING)
 *                                   or went away (left RUNNING); only for
 *                                   guests with a display
 *
 * Failures: error-message says why in words for a person (QEMU's stderr
 * included when it exits at once; "QEMU stopped unexpectedly: it was
 * killed by signal 9 (Killed)"). If /dev/kvm opens but QEMU cannot use
 * it, the start is retried once with emulation and warnings says so.
 */

CorralVm      *corral_vm_new              (CorralProfile   *profile,
                                           CorralGuest     *guest,
                                           const CorralHost *host);

CorralProfile *corral_vm_get_profile      (CorralVm *self);
CorralGuest   *corral_vm_get_guest        (CorralVm *self);
CorralVmState  corral_vm_get_state        (CorralVm *self);
gboolean       corral_vm_get_paused       (CorralVm *self);
const char    *corral_vm_get_error_message (CorralVm *self);
/* What QEMU wrote on stderr, safe to show (escape sequences replaced);
 * valid until the next call. */
const char    *corral_vm_get_qemu_stderr  (CorralVm *self);
gboolean       corral_vm_get_control_lost (CorralVm *self);
/* The guest did not power off within the power-down timeout and was
 * forced off (this run; FALSE again at the next start). */
gboolean       corral_vm_get_powerdown_ignored (CorralVm *self);
gboolean       corral_vm_get_project_missing (CorralVm *self);

/* Secrets never reach argv, QEMU's environment or a log. The API key
 * stays in Corral's memory (the network proxy adds it to the agent's
 * requests; the guest's metadata holds a placeholder); the GitHub token
 * goes to a 0600 file of the metadata dir when the profile forwards it. */
void           corral_vm_set_secret       (CorralVm *self,
                                           CorralSecret which,
                                           const char *value);

/* STOPPED/FAILED -> STARTING -> RUNNING once QEMU runs and QMP answers. */
void           corral_vm_start_async      (CorralVm            *self,
                                           GCancellable        *cancellable,
                                           GAsyncReadyCallback  callback,
                                           gpointer             user_data);
gboolean       corral_vm_start_finish     (CorralVm      *self,
                                           GAsyncResult  *result,
                                           GError       **error);

/* ACPI power button; force-off after powerdown-timeout seconds. */
void           corral_vm_power_down       (CorralVm *self);
void           corral_vm_force_off        (CorralVm *self);
void           corral_vm_pause            (CorralVm *self);
void           corral_vm_resume           (CorralVm *self);
void           corral_vm_reset            (CorralVm *self);

void           corral_vm_screendump_async (CorralVm            *self,
                                           const char          *png_path,
                                           GCancellable        *cancellable,
                                           GAsyncReadyCallback  callback,
                                           gpointer             user_data);
gboolean       corral_vm_screendump_finish (CorralVm     *self,
                                            GAsyncResult *result,
                                            GError      **error);

/* Master side of the console's PTY (owned by the Vm; dup() it to keep it),
 * from the moment start is called (boot messages included) until the VM
 * stopped or failed; -1 otherwise. A VteTerminal attaches to a dup (VTE
 * takes ownership of the fd it gets). The PTY is raw; a dup reads EIO
 * once QEMU has exited and the Vm let go: the end of the console. The
 * guest learns the terminal size by asking the terminal (CSI 6n) at login,
 * which VTE answers by itself. */
int            corral_vm_get_console_fd   (CorralVm *self, CorralConsole which);

/* Seconds power-down waits for the guest before forcing it off (default 30). */
guint          corral_vm_get_powerdown_timeout (CorralVm *self);
void           corral_vm_set_powerdown_timeout (CorralVm *self, guint seconds);

/* What the command builder warned about for the current run (e.g. no KVM:
 * emulated and slow), for the UI to show. Never NULL. */
const char * const *corral_vm_get_warnings (CorralVm *self);

/* The QEMU process id, 0 when no QEMU runs (tests, diagnostics). In a
 * jail QEMU is bwrap's grandchild: right after the start this waits (up
 * to 5 s, blocking) until bwrap has started it. */
int            corral_vm_get_qemu_pid     (CorralVm *self);
CorralConfinement corral_vm_get_confinement (CorralVm *self);
const char * const *corral_vm_get_security_warnings (CorralVm *self);
/* The metadata (run) dir of the current run, NULL when none exists. */
const char    *corral_vm_get_run_dir      (CorralVm *self);

/* What the guest tried to reach, allowed and refused, since the Vm was
 * made (kept across runs; never NULL). */
CorralNetworkLog *corral_vm_get_network_log (CorralVm *self);
/* The current run's network mode, else the profile's. */
CorralNetworkMode corral_vm_get_network_mode (CorralVm *self);

/* Our end of the display's clipboard channel (corral-clipboard-protocol.h),
 * owned by the Vm (dup() it to keep it), or -1 when not running or the
 * guest has no display. */
int            corral_vm_get_clipboard_fd (CorralVm *self);

/* The agent session (corral-vm-session.c). When the entrypoint ends the
 * guest reports it (agent-state ENDED) and, unless agent-exit-action is
 * POWER_OFF, waits: these ask it to run the entrypoint again, with the
 * same arguments, or a login shell instead, on the agent console. Both
 * need agent-state ENDED (CORRAL_VM_ERROR_NO_SESSION otherwise); the
 * state is STARTING until the guest confirms. */
gboolean       corral_vm_restart_agent    (CorralVm  *self,
                                           GError   **error);
gboolean       corral_vm_open_agent_shell (CorralVm  *self,
                                           GError   **error);
CorralAgentState corral_vm_get_agent_state (CorralVm *self);
/* Whether the last thing that ran was the entrypoint (FALSE: a shell the
 * host asked for). */
gboolean       corral_vm_get_agent_was_entrypoint (CorralVm *self);
/* How it ended (agent-state ENDED): the exit status, or -1 when a signal
 * ended it; the signal's number, or 0. */
int            corral_vm_get_agent_exit_status (CorralVm *self);
int            corral_vm_get_agent_exit_signal (CorralVm *self);
CorralAgentExitAction corral_vm_get_agent_exit_action (CorralVm *self);
void           corral_vm_set_agent_exit_action (CorralVm              *self,
                                                CorralAgentExitAction  action);
/* The agent console's terminal size, in character cells. The guest is told
 * over the session channel while something runs on the agent console
 * (when it takes it: HELLO 2 or later), so it need not ask the terminal. */
void           corral_vm_set_agent_console_size (CorralVm *self,
                                                 long      rows,
                                                 long      columns);
/* The second console's terminal size, in character cells: a guest that
 * takes it (HELLO 3 or later) sets it on the second console's serial
 * line, so the shell there need not ask the terminal. */
void           corral_vm_set_second_console_size (CorralVm *self,
                                                  long      rows,
                                                  long      columns);
/* Our end of the session channel (the Vm reads it), -1 when none. */
int            corral_vm_get_session_fd   (CorralVm *self);

/* Whether the guest has a graphical display (guest manifest). */
gboolean       corral_vm_has_display      (CorralVm *self);

/* A new connected VNC client socket for the guest's display: a socketpair
 * whose other end is handed to QEMU (QMP getfd + add_client). The caller
 * owns the returned fd. */
void           corral_vm_open_display_async  (CorralVm            *self,
                                              GCancellable        *cancellable,
                                              GAsyncReadyCallback  callback,
                                              gpointer             user_data);
int            corral_vm_open_display_finish (CorralVm      *self,
                                              GAsyncResult  *result,
                                              GError       **error);

G_END_DECLS
