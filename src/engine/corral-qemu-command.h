/* corral-qemu-command.h: profile + guest + host + runtime paths -> QEMU argv
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#pragma once

#include <glib.h>

#include "corral-guest.h"
#include "corral-host.h"
#include "corral-profile.h"

G_BEGIN_DECLS

/* The name of the agent console's virtio-serial port (AgentConsole=virtio:
 * /dev/virtio-ports/<name> in the guest, where a relay gives the agent a
 * pseudo-terminal). */
#define CORRAL_AGENT_CONSOLE_PORT "io.github.corral.agent.0"

#define CORRAL_QEMU_COMMAND_ERROR (corral_qemu_command_error_quark ())
GQuark corral_qemu_command_error_quark (void);
typedef enum {
  CORRAL_QEMU_COMMAND_ERROR_NO_QEMU,      /* host->qemu_path is NULL */
  CORRAL_QEMU_COMMAND_ERROR_BAD_PATH,     /* a path QEMU cannot take (newline, relative, empty) */
  CORRAL_QEMU_COMMAND_ERROR_BAD_SETTINGS, /* memory above the host's, 0 cores, ... */
} CorralQemuCommandError;

/* The optional shares whose host source may or may not exist. The caller
 * (corral_runtime_probe_shares(), or a test) fills in the sources: the
 * builder itself never looks at the disk. */
typedef enum {
  CORRAL_SHARE_ID_CLAUDE_AUTH,     /* ~/.claude             rw */
  CORRAL_SHARE_ID_GIT_CONFIG,      /* a folder holding a copy of ~/.gitconfig, ro */
  CORRAL_SHARE_ID_GIT_CONFIG_DIR,  /* $XDG_CONFIG_HOME/git   ro */
  CORRAL_SHARE_ID_GH_CONFIG_DIR,   /* $XDG_CONFIG_HOME/gh    ro */
  CORRAL_SHARE_ID_SSH_DIR,         /* ~/.ssh                ro */
  CORRAL_N_SHARE_IDS
} CorralShareId;

/* The guest's network stack when the network is on (off: no device). */
typedef enum {
  CORRAL_NET_BACKEND_NONE,   /* no network device */
  CORRAL_NET_BACKEND_PASST,  /* passt, outside QEMU: -netdev stream on an inherited socket (net_fd) */
  CORRAL_NET_BACKEND_SLIRP,  /* QEMU's own libslirp: only where passt is missing */
} CorralNetBackend;

/* Everything about one run that is not a setting: where the metadata and
 * state live, and how QEMU's consoles and QMP are connected. Strings are
 * borrowed. */
typedef struct {
  const char *meta_dir;      /* shared read-only as claude_meta; NULL = none */
  const char *state_dir;     /* shared read-write as state_dir; NULL = none */
  int         qmp_fd;        /* connected socket QEMU inherits; -1 = no QMP */
  /* chardev backends WITHOUT the id, e.g. "pty", "stdio,signal=off",
   * "serial,path=/dev/pts/3", "socket,fd=7". NULL agent = "null";
   * NULL enter = no second console (its serial port is "null"). Paths in
   * these must already be escaped with corral_qemu_escape(). */
  const char *agent_chardev;
  const char *enter_chardev;
  /* Or the consoles as descriptors QEMU inherits (a jail has no host
   * /dev/pts): "-add-fd fd=N,set=N" and "serial,path=/dev/fdset/N". These
   * win over the strings above; -1 = not used. The agent's is the same
   * whether the guest has it on a serial port or a virtio-serial port. */
  int         agent_fd;
  int         enter_fd;
  /* A guest whose agent console is virtio (corral_guest_get_agent_virtio)
   * keeps its agent serial port for boot messages: this backend or fd
   * (as above); neither = a null backend. Unused for other guests. */
  const char *boot_chardev;
  int         boot_fd;
  /* The network device's backend when the profile has a network (the
   * jail decides: corral_jail_choose()); with PASST, net_fd is the
   * socket to passt QEMU inherits. */
  CorralNetBackend net_backend;
  int         net_fd;
  /* The display's clipboard channel (a virtio-serial port named
   * CORRAL_CLIPBOARD_PORT), e.g. "socket,fd=4"; NULL = none. Only for a
   * guest with a display. */
  const char *clipboard_chardev;
  /* The agent session's channel (a virtio-serial port named
   * CORRAL_SESSION_PORT), e.g. "socket,fd=5"; NULL = none (the guest
   * then powers off when the entrypoint ends, as the seed's does). */
  const char *session_chardev;
  /* Host source of each optional share, NULL when it does not exist (then
   * the share is left out even if the profile has it on). */
  const char *share_sources[CORRAL_N_SHARE_IDS];
  /* The app's environment (as from g_get_environ()); only allowlisted
   * variables are passed on to QEMU. NULL = empty environment. */
  const char * const *parent_env;
} CorralRuntime;

void corral_runtime_init (CorralRuntime *runtime);

typedef struct {
  GStrv argv;      /* argv[0] is the QEMU binary */
  GStrv envp;      /* the complete environment QEMU gets */
  GStrv warnings;  /* for the UI: e.g. "no KVM, emulating" (never NULL) */
  /* The host paths the command names, which a jail must show QEMU (and
   * nothing else): guest files and read-only shares; read-write shares. */
  GStrv ro_paths;
  GStrv rw_paths;
} CorralQemuCommand;

/* Pure: no I/O, no globals. */
CorralQemuCommand *corral_qemu_command_build (CorralProfile       *profile,
                                              CorralGuest         *guest,
                                              const CorralHost    *host,
                                              const CorralRuntime *runtime,
                                              GError             **error);
void               corral_qemu_command_free  (CorralQemuCommand *command);

/* argv as one shell-quoted line (no trailing newline). */
char              *corral_qemu_command_to_shell (const CorralQemuCommand *command);

/* Words joined by spaces, each shell-quoted unless it is plainly safe. */
char              *corral_shell_join (const char * const *words);

/* @value with every ',' doubled, for a QEMU option value. */
char              *corral_qemu_escape (const char *value);

/* Whether @name may be passed from the app's environment to QEMU. */
gboolean           corral_qemu_env_allowed (const char *name);

/* The guest-side tag of an optional share, e.g. "claude_auth". */
const char        *corral_share_id_get_tag (CorralShareId id);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (CorralQemuCommand, corral_qemu_command_free)

G_END_DECLS
