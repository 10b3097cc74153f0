/* corral-jail.h: the jail a VM's QEMU runs in, as command lines
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * One bubblewrap per VM holds the whole arrangement (README, Security):
 *
 *   bwrap: new user, pid, ipc, uts, cgroup namespaces (and network, unless
 *          full network needs the host's for pasta), no capabilities but
 *          the three the helper needs, the environment QEMU gets, a
 *          filesystem of the system dirs read-only plus exactly the files
 *          and folders QEMU's command names (CorralQemuCommand's paths)
 *   └ corral-jail-helper (src/jail/): the VM's network namespace N, the
 *          relay and passt in it; QEMU in a user + network namespace of
 *          its own (only `lo`), no capabilities, no_new_privs, the filter
 *          refusing setuid/setgid files, device nodes, io_uring, new user
 *          namespaces and Unix sockets of its own; /proc/sys read-only
 *      └ QEMU
 *
 * The network (for the proxy, issue 10): in every mode with a network the
 * guest is 10.0.2.15/24 and its gateway 10.0.2.2 is N's loopback, where
 * only the relay listens (127.0.0.1:3128 -> Corral's proxy socket). The
 * host's loopback is never reachable: N's loopback is not the host's.
 *   allowlist: N has a port-less bridge and `unreachable` routes: no way out.
 *   full:      pasta, started in the host's network namespace, gives N a
 *              route out (--no-map-gw; no port forwarding either way;
 *              DNS through 169.254.0.53, forwarded to the host's resolver).
 *   off:       no N, no device.
 * passt reaches QEMU over a socketpair (fd CORRAL_JAIL_NET_FD in both):
 * no socket file anywhere.
 *
 * Pure: everything comes in as arguments (corral_host_probe() looked at
 * the system), so `corral --dry-run` and the tests see exactly what runs.
 */
#pragma once

#include <glib.h>

#include "corral-host.h"
#include "corral-network-policy.h"
#include "corral-qemu-command.h"

G_BEGIN_DECLS

#define CORRAL_JAIL_ERROR (corral_jail_error_quark ())
GQuark corral_jail_error_quark (void);
typedef enum {
  CORRAL_JAIL_ERROR_NO_BWRAP,      /* bubblewrap is not installed */
  CORRAL_JAIL_ERROR_NO_HELPER,     /* corral-jail-helper is missing */
  CORRAL_JAIL_ERROR_UNUSABLE,      /* user namespaces off, or bwrap refused (host->jail_problem) */
  CORRAL_JAIL_ERROR_NO_TUN,        /* full network needs /dev/net/tun */
  CORRAL_JAIL_ERROR_PORTAL,        /* a project from the document portal: 9p cannot serve it */
} CorralJailError;

typedef enum {
  CORRAL_CONFINEMENT_JAIL,     /* bubblewrap + the helper */
  CORRAL_CONFINEMENT_FLATPAK,  /* inside Flatpak's sandbox: bwrap cannot nest; the helper's filter only */
  CORRAL_CONFINEMENT_NONE,     /* the project's "Run without confinement" */
} CorralConfinement;

#define CORRAL_TYPE_CONFINEMENT (corral_confinement_get_type ())
GType corral_confinement_get_type (void);

/* Descriptors in the jail (QMP is 3, the clipboard 4, the consoles 5 and
 * 6, the agent session 11: corral-vm-private.h). */
#define CORRAL_JAIL_NET_FD       7   /* passt <-> QEMU socketpair, made by the helper */
#define CORRAL_JAIL_LIFELINE_FD  8   /* EOF when Corral is gone: QEMU is killed */
#define CORRAL_JAIL_LOG_FD       9   /* stderr of passt, pasta and the relay */

/* Where the helper is inside the jail. */
#define CORRAL_JAIL_HELPER_PATH  "/run/corral/jail-helper"
/* The relay, in N: where passt's gateway mapping lands. */
#define CORRAL_JAIL_RELAY_PORT   CORRAL_PROXY_GUEST_PORT
/* Asked by the guest in full mode; pasta forwards it to the host's resolver. */
#define CORRAL_JAIL_DNS          "169.254.0.53"

/* What a run needs besides the host's facts. Strings are borrowed. */
typedef struct {
  CorralConfinement confinement;
  CorralNetworkMode network;
  CorralNetBackend  backend;
  const char       *tmp_dir;       /* the jail's /var/tmp (QEMU's snapshot files); NULL: a tmpfs */
  const char       *proxy_socket;  /* Corral's proxy: bound in, the relay's target; NULL: no relay */
  gboolean          lifeline;      /* the helper watches CORRAL_JAIL_LIFELINE_FD */
  gboolean          log_fd;        /* passt/pasta/relay write to CORRAL_JAIL_LOG_FD */
} CorralJailSpec;

typedef struct {
  CorralConfinement confinement;
  GStrv argv;        /* what is spawned: bwrap … -- helper … -- QEMU …, or helper -- QEMU, or QEMU */
  GStrv jail_argv;   /* for a person: bwrap's part and the helper's options, the
                      * network commands left out (they are below); NULL: no jail */
  GStrv pasta_argv;  /* full network: pasta (the helper appends N's pid); else NULL */
  GStrv passt_argv;  /* the guest's network stack; NULL without passt */
  char *relay;       /* "127.0.0.1:3128 in the VM's network -> SOCKET", NULL: none */
} CorralJailCommand;

/* How this host runs a VM of @network: the confinement (@unconfined: the
 * project's "Run without confinement") and the guest's network stack.
 * FALSE with an error naming the fix when the jail cannot be made (no
 * bwrap, user namespaces off, full network without /dev/net/tun). Appends
 * what a person must know to @warnings (slirp and its CVE, the host's
 * loopback within reach, no confinement). */
gboolean           corral_jail_choose        (const CorralHost   *host,
                                              CorralNetworkMode   network,
                                              gboolean            unconfined,
                                              CorralConfinement  *confinement,
                                              CorralNetBackend   *backend,
                                              GPtrArray          *warnings,
                                              GError            **error);

/* FALSE, naming the grant that works, when @project is a document-portal
 * path (a Flatpak's file chooser or drag and drop): QEMU's 9p opens every
 * file with O_NOFOLLOW, which the portal's FUSE refuses (ELOOP). */
gboolean           corral_jail_check_project (const char  *project,
                                              GError     **error);

/* The command that runs @qemu (built for @spec->backend) in the jail. */
CorralJailCommand *corral_jail_command_build (const CorralJailSpec    *spec,
                                              const CorralHost        *host,
                                              const CorralQemuCommand *qemu,
                                              GError                 **error);
void               corral_jail_command_free  (CorralJailCommand *command);

/* A jail that only checks the namespaces can be made (the helper's
 * --probe): what corral_host_probe() runs once. */
GStrv              corral_jail_probe_argv    (const CorralHost *host);

/* A GSpawnChildSetupFunc for what must not outlive the app (bwrap, or
 * QEMU without a jail), given the app's pid: PR_SET_PDEATHSIG, and exit at
 * once if the app is already gone (it may die between the fork and the
 * prctl, and then no signal ever comes); a process group of its own. */
void               corral_jail_child_setup   (gpointer parent_pid);

/* Whether libslirp @version ("4.7.0") has CVE-2026-9539 (before 4.9.2).
 * NULL (unknown) counts as affected. */
gboolean           corral_slirp_is_vulnerable (const char *version);

/* Which confinement @confinement is, for a person. */
const char        *corral_confinement_describe (CorralConfinement confinement);
/* For Preferences: which confinement this host gives a VM (a project may
 * still choose none), and the guest's network stack; or why no jail can
 * be made here. */
char              *corral_jail_describe_host   (const CorralHost *host);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (CorralJailCommand, corral_jail_command_free)

G_END_DECLS
