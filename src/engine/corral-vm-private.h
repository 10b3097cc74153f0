/* corral-vm-private.h: what the files of CorralVm share, and no one else
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * CorralVm is one object split by concern: corral-vm.c (the object, its
 * properties and the state machine), corral-vm-process.c (spawning QEMU,
 * its exit and stderr, ending it), corral-vm-qmp.c (the control
 * connection: handshake, events, commands), corral-vm-display.c (the
 * display and clipboard channels, screenshots), corral-vm-network.c
 * (the run's network proxy and its log), corral-vm-session.c (the agent
 * session's channel) and corral-vm-project.c (the project folder's
 * watch). Only these files include this header.
 * (The QMP fuzz target in tests/fuzz/ includes it too.)
 */
#pragma once

#include "corral-jail.h"
#include "corral-meta-dir.h"
#include "corral-network-log.h"
#include "corral-proxy.h"
#include "corral-qmp.h"
#include "corral-session-protocol.h"
#include "corral-state-dir.h"
#include "corral-vm-console.h"
#include "corral-vm.h"

G_BEGIN_DECLS

/* QEMU's QMP socket, clipboard and session channels are these fds in
 * QEMU (the builder writes fd=N). */
#define CORRAL_VM_QMP_CHILD_FD        3
#define CORRAL_VM_CLIPBOARD_CHILD_FD  4
/* The consoles' PTYs (QEMU opens them as /dev/fdset/N: a jail has no
 * host /dev/pts); 7-9 are the jail's (corral-jail.h). */
#define CORRAL_VM_AGENT_CHILD_FD      5
#define CORRAL_VM_ENTER_CHILD_FD      6
/* The agent serial port's PTY when the agent console is a virtio-serial
 * port (the boot messages); after the jail's 7-9. */
#define CORRAL_VM_BOOT_CHILD_FD       10
#define CORRAL_VM_SESSION_CHILD_FD    11
/* How long the guest may take to confirm a restart or a shell before the
 * Vm says again that the agent ended (a guest that never answers). */
#define CORRAL_VM_SESSION_CONFIRM_SECONDS 30
/* How long QEMU gets to go after "quit"/SIGTERM, or to exit after its
 * control connection failed to set up. */
#define CORRAL_VM_QUIT_GRACE_SECONDS  5
/* How long a start waits for QEMU's QMP handshake. QEMU greets on QMP
 * before the guest runs at all (0.04-0.09 s here: emulated, load 6 on 2
 * cores); one that has not answered after this is hung, and the start
 * would otherwise never end. */
#define CORRAL_VM_START_TIMEOUT_SECONDS 30

struct _CorralVm
{
  GObject parent_instance;

  CorralProfile *profile;
  CorralGuest   *guest;
  CorralHost    *host;

  CorralVmState  state;
  gboolean       paused;
  gboolean       control_lost;   /* QMP gone while QEMU runs on */
  gboolean       powerdown_ignored;  /* forced off after the power-down timeout */
  char          *error_message;
  GString       *qemu_stderr;    /* raw; shown only through corral_safe_text() */
  char          *qemu_stderr_shown;
  guint          powerdown_timeout;
  GStrv          warnings;

  char          *api_key;
  char          *gh_token;

  /* The current run. */
  CorralStateDir *state_dir;
  CorralMetaDir  *meta_dir;
  CorralPty       consoles[2];
  /* An agent console on a virtio-serial port: the boot messages on the
   * agent's serial port, copied into the agent console's terminal as
   * they come. */
  CorralPty       boot_console;
  int             boot_writer;   /* the agent PTY's slave, ours, non-blocking; -1 */
  guint           boot_source;
  int             clipboard_fd;   /* our end of the clipboard channel, or -1 */
  int             session_fd;     /* our end of the session channel, or -1 */
  guint           session_source; /* reads session_fd */
  guint           session_confirm_source;
  CorralSessionDecoder *session_decoder;
  gboolean        session_hello;  /* the guest's session helper said HELLO */
  int             session_version; /* ...with this version */
  long            agent_rows, agent_columns;  /* the agent terminal's grid; 0: unknown */
  long            sent_rows, sent_columns;    /* the last SIZE this run of the agent got */
  long            second_rows, second_columns;            /* the second console's grid; 0: unknown */
  long            second_sent_rows, second_sent_columns;  /* the last SECOND-SIZE this helper got */
  CorralAgentState agent_state;
  gboolean        agent_was_entrypoint;
  int             agent_exit_status;
  int             agent_exit_signal;
  CorralAgentExitAction agent_exit_action;
  GSubprocess    *process;       /* bwrap (or QEMU itself without a jail) */
  int             pid;           /* its pid */
  int             qemu_pid;      /* QEMU's own pid once found (in a jail: bwrap's grandchild) */
  CorralConfinement confinement; /* of the current (or last) run */
  GStrv           security_warnings;
  int             lifeline_fd;   /* our end: closing it kills the jailed QEMU; -1 */
  GString        *net_log;       /* what passt, pasta and the relay printed (bounded) */
  char           *tmp_dir;       /* the jail's /var/tmp on the host, removed with the run */
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
  guint           start_timeout_source;  /* QEMU has not answered QMP yet */
  guint           qmp_lost_source;   /* QMP closed: is QEMU exiting, or still there? */
  /* The project folder as QEMU got it (corral-vm-project.c). */
  guint           project_source;    /* the slow backstop check */
  GFileMonitor   *project_monitor;   /* its name in its parent folder */
  GObject        *mount_monitor;     /* GUnixMountMonitor */
  gulong          mounts_changed_id;
  gboolean        project_checking;  /* a check is on its way... */
  gboolean        project_recheck;   /* ...and another was asked for meanwhile */
  GCancellable   *project_cancellable;
  guint32         project_dev;
  guint64         project_ino;
  gboolean        project_missing;
  char           *handshake_error;
  guint           display_serial;

  /* The network: the run's proxy (none when off) and mode, and the log
   * of what the guest tried to reach, kept across runs. */
  CorralProxy       *proxy;
  CorralNetworkMode  network_mode;
  CorralNetworkLog  *network_log;
};

/* corral-vm.c: the state machine */
GTask    *_corral_vm_take_start_task   (CorralVm      *self);
void      _corral_vm_set_state         (CorralVm      *self,
                                        CorralVmState  state);
void      _corral_vm_set_paused        (CorralVm      *self,
                                        gboolean       paused);
void      _corral_vm_set_control_lost  (CorralVm      *self,
                                        gboolean       lost);
void      _corral_vm_set_powerdown_ignored (CorralVm  *self);
void      _corral_vm_release_run       (CorralVm      *self);
void      _corral_vm_end_run           (CorralVm      *self,
                                        const char    *message);
void      _corral_vm_fail_start        (CorralVm      *self,
                                        const GError  *error);
void      _corral_vm_notify_qemu_stderr (CorralVm     *self);
void      _corral_vm_notify_warnings   (CorralVm      *self);
void      _corral_vm_set_confinement   (CorralVm      *self,
                                        CorralConfinement confinement,
                                        GStrv          security_warnings);
void      _corral_vm_emit_guest_event  (CorralVm      *self,
                                        const char    *name);
void      _corral_vm_set_agent_state   (CorralVm      *self,
                                        CorralAgentState state);

/* corral-vm-process.c: QEMU's process */
void      _corral_vm_release_boot_console (CorralVm   *self);
gboolean  _corral_vm_spawn             (CorralVm      *self,
                                        GError       **error);
GError   *_corral_vm_translate_error   (GError        *error);
/* QEMU's own pid (in a jail, found among bwrap's descendants), 0 when
 * not (yet) known. */
int       _corral_vm_find_qemu_pid     (CorralVm      *self);
/* SIGKILL to the spawned process and its process group. */
void      _corral_vm_kill              (CorralVm      *self);
/* Removes the jail's temporary folder and lets go of the lifeline. */
void      _corral_vm_release_jail      (CorralVm      *self);

/* corral-vm-project.c: the project folder's watch while a run lasts */
gboolean  _corral_vm_watch_project     (CorralVm      *self,
                                        GError       **error);
void      _corral_vm_unwatch_project   (CorralVm      *self);
void      _corral_vm_set_project_missing (CorralVm    *self,
                                        gboolean       missing);

/* corral-vm-qmp.c: the control connection */
void      _corral_vm_qmp_connect       (CorralVm      *self,
                                        GSocket       *socket);
/* The connection's handshake and events on any @qmp: _connect's insides,
 * and how the QMP fuzz target (tests/fuzz/) plays QEMU from memory. */
void      _corral_vm_qmp_attach        (CorralVm      *self,
                                        CorralQmp     *qmp);
gboolean  _corral_vm_qmp_send          (CorralVm      *self,
                                        const char    *command);
gboolean  _corral_vm_check_running     (CorralVm      *self,
                                        GTask         *task);

/* corral-vm-network.c: the run's proxy */
gboolean  _corral_vm_network_start     (CorralVm      *self,
                                        const char    *api_key,
                                        GError       **error);
void      _corral_vm_network_stop      (CorralVm      *self);
void      _corral_vm_network_set_api_key (CorralVm    *self,
                                        const char    *api_key);

/* corral-vm-display.c: the display's channels */
int       _corral_vm_open_clipboard    (CorralVm      *self);

/* corral-vm-session.c: the agent session's channel. _open returns QEMU's
 * end (for the launcher), or -1; _close forgets the session. */
int       _corral_vm_open_session      (CorralVm      *self);
void      _corral_vm_close_session     (CorralVm      *self);
/* The guest reset: what ran on its console is gone. */
void      _corral_vm_session_reset     (CorralVm      *self);

G_END_DECLS
