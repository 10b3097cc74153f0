/* corral-jail.c: the jail a VM's QEMU runs in, as command lines
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * See corral-jail.h for the arrangement; the helper that does the inside
 * is src/jail/corral-jail-helper.c.
 */
#include "config.h"

#include <signal.h>
#include <string.h>
#include <sys/prctl.h>
#include <unistd.h>

#include <glib/gi18n.h>
#include <glib-object.h>

#include "corral-jail.h"

G_DEFINE_QUARK (corral-jail-error-quark, corral_jail_error)

G_DEFINE_ENUM_TYPE (CorralConfinement, corral_confinement,
  G_DEFINE_ENUM_VALUE (CORRAL_CONFINEMENT_JAIL, "jail"),
  G_DEFINE_ENUM_VALUE (CORRAL_CONFINEMENT_FLATPAK, "flatpak"),
  G_DEFINE_ENUM_VALUE (CORRAL_CONFINEMENT_NONE, "none"))

/* The guest's side of passt (fixed, so that the proxy's address is one
 * constant in the guest contract): 10.0.2.15/24, gateway 10.0.2.2. */
#define GUEST_ADDRESS "10.0.2.15"
#define GUEST_PREFIX  "24"
/* N's own addresses in full mode (as the helper's bridge in allowlist
 * mode): a link-local net, so that the host's address is not N's own and
 * the guest reaches it through pasta. */
#define N_ADDRESS "169.254.2.2"
#define N_PREFIX  "24"
#define N_GATEWAY "169.254.2.1"

/* libslirp 4.9.2 fixed CVE-2026-9539. */
#define SLIRP_FIXED_MAJOR 4
#define SLIRP_FIXED_MINOR 9
#define SLIRP_FIXED_MICRO 2

gboolean
corral_slirp_is_vulnerable (const char *version)
{
  guint64 v[3] = { 0, 0, 0 };
  g_auto(GStrv) parts = NULL;

  if (version == NULL)
    return TRUE;
  parts = g_strsplit (version, ".", 4);
  for (guint i = 0; i < 3 && parts[i] != NULL; i++)
    if (!g_ascii_string_to_unsigned (parts[i], 10, 0, G_MAXUINT32, &v[i], NULL))
      return TRUE;
  if (v[0] != SLIRP_FIXED_MAJOR)
    return v[0] < SLIRP_FIXED_MAJOR;
  if (v[1] != SLIRP_FIXED_MINOR)
    return v[1] < SLIRP_FIXED_MINOR;
  return v[2] < SLIRP_FIXED_MICRO;
}

const char *
corral_confinement_describe (CorralConfinement confinement)
{
  switch (confinement)
    {
    case CORRAL_CONFINEMENT_JAIL:
      return _("Each virtual machine runs in a jail of its own (bubblewrap): QEMU sees only the guest, the project and the shares you turned on, and has no capabilities and no network of its own.");
    case CORRAL_CONFINEMENT_FLATPAK:
      return _("QEMU runs in Corral’s Flatpak sandbox, which sees only what Corral was granted; a jail of its own per virtual machine cannot be made inside a Flatpak.");
    case CORRAL_CONFINEMENT_NONE:
    default:
      return _("QEMU runs without confinement: a bug in QEMU would give the guest everything your user account can reach.");
    }
}

char *
corral_jail_describe_host (const CorralHost *host)
{
  g_autoptr(GError) error = NULL;
  CorralConfinement confinement;
  CorralNetBackend backend;

  if (!corral_jail_choose (host, CORRAL_NETWORK_ALLOWLIST, FALSE, &confinement, &backend, NULL, &error))
    return g_strdup (error->message);
  return g_strdup_printf ("%s %s", corral_confinement_describe (confinement),
                          backend == CORRAL_NET_BACKEND_PASST
                          ? _("The guest’s network runs in passt, outside QEMU, and cannot reach this computer’s own services (127.0.0.1).")
                          : _("passt is not available here: the guest’s network runs in QEMU’s own libslirp."));
}

void
corral_jail_child_setup (gpointer parent_pid)
{
  /* SIGTERM: QEMU without a jail quits cleanly on it; bwrap dies and
   * takes its jail along (--die-with-parent). */
  prctl (PR_SET_PDEATHSIG, SIGTERM);
  if (getppid () != GPOINTER_TO_INT (parent_pid))
    _exit (127);
  /* A process group of its own, which Corral kills whole: bwrap's child
   * arms its own death signal only after bwrap cloned it, and when bwrap
   * was killed in between it waited for bwrap for ever (_corral_vm_kill). */
  setpgid (0, 0);
}

/* --- choosing ---------------------------------------------------------- */

gboolean
corral_jail_choose (const CorralHost   *host,
                    CorralNetworkMode   network,
                    gboolean            unconfined,
                    CorralConfinement  *confinement,
                    CorralNetBackend   *backend,
                    GPtrArray          *warnings,
                    GError            **error)
{
  g_return_val_if_fail (host != NULL, FALSE);

  if (unconfined)
    *confinement = CORRAL_CONFINEMENT_NONE;
  else if (host->in_flatpak)
    *confinement = CORRAL_CONFINEMENT_FLATPAK;
  else if (host->bwrap_path == NULL)
    {
      g_set_error (error, CORRAL_JAIL_ERROR, CORRAL_JAIL_ERROR_NO_BWRAP,
                   _("Corral runs each virtual machine in a jail made with bubblewrap, which is not installed. Install it (on Debian or Ubuntu: sudo apt install bubblewrap), or choose “Run without confinement” in the project’s settings."));
      return FALSE;
    }
  else if (host->jail_helper == NULL)
    {
      g_set_error (error, CORRAL_JAIL_ERROR, CORRAL_JAIL_ERROR_NO_HELPER,
                   _("Corral’s jail helper (corral-jail-helper) is missing: reinstall Corral, or choose “Run without confinement” in the project’s settings."));
      return FALSE;
    }
  else if (host->jail_problem != NULL)
    {
      g_set_error (error, CORRAL_JAIL_ERROR, CORRAL_JAIL_ERROR_UNUSABLE,
                   _("Corral cannot make a jail for the virtual machine on this computer: %s. Unprivileged user namespaces must be allowed (on Debian: sudo sysctl -w kernel.unprivileged_userns_clone=1; where AppArmor restricts them, as on Ubuntu 24.04, bwrap needs a profile that allows them). Or choose “Run without confinement” in the project’s settings."),
                   host->jail_problem);
      return FALSE;
    }
  else
    *confinement = CORRAL_CONFINEMENT_JAIL;

  if (network == CORRAL_NETWORK_OFF)
    *backend = CORRAL_NET_BACKEND_NONE;
  /* passt needs the jail's network namespaces; pasta (full) a tap. */
  else if (*confinement == CORRAL_CONFINEMENT_JAIL && host->passt_path != NULL &&
           (network != CORRAL_NETWORK_FULL || host->pasta_path != NULL))
    {
      if (network == CORRAL_NETWORK_FULL && !host->tun_usable)
        {
          g_set_error (error, CORRAL_JAIL_ERROR, CORRAL_JAIL_ERROR_NO_TUN,
                       _("Full network needs /dev/net/tun, which your user cannot open (usually it is open to everyone: sudo chmod 0666 /dev/net/tun). Or choose the allowlist network in the project’s settings."));
          return FALSE;
        }
      *backend = CORRAL_NET_BACKEND_PASST;
    }
  else
    *backend = CORRAL_NET_BACKEND_SLIRP;

  if (warnings == NULL)
    return TRUE;
  if (*confinement == CORRAL_CONFINEMENT_NONE)
    g_ptr_array_add (warnings, g_strdup (_("This project runs without confinement: QEMU can read and change everything your user account can, and a bug in QEMU hands that to the guest.")));
  if (*backend == CORRAL_NET_BACKEND_SLIRP)
    {
      if (corral_slirp_is_vulnerable (host->slirp_version))
        g_ptr_array_add (warnings,
                         g_strdup_printf (_("The guest’s network runs inside QEMU (libslirp %s, passt is not available here). This libslirp has CVE-2026-9539: a guest can use it to attack QEMU. Install passt (on Debian: sudo apt install passt)."),
                                          host->slirp_version ? host->slirp_version : _("of unknown version")));
      else
        g_ptr_array_add (warnings, g_strdup (_("The guest’s network runs inside QEMU (libslirp; passt is not available here). Install passt to keep it out of QEMU.")));
      /* Only a network namespace of its own hides the host's loopback,
       * and slirp in full mode must share the host's. */
      if (network == CORRAL_NETWORK_FULL || *confinement != CORRAL_CONFINEMENT_JAIL)
        g_ptr_array_add (warnings, g_strdup (_("The guest can reach services that listen only on this computer (127.0.0.1), such as databases and development servers.")));
    }
  return TRUE;
}

gboolean
corral_jail_check_project (const char  *project,
                           GError     **error)
{
  g_auto(GStrv) parts = g_strsplit (project, "/", 6);
  gboolean portal;

  /* /run/user/UID/doc/ID/…, or /run/flatpak/doc/ID/… inside a Flatpak */
  portal = (g_strv_length (parts) >= 5 && g_str_equal (parts[1], "run") &&
            g_str_equal (parts[2], "user") && g_str_equal (parts[4], "doc")) ||
           (g_strv_length (parts) >= 4 && g_str_equal (parts[1], "run") &&
            g_str_equal (parts[2], "flatpak") && g_str_equal (parts[3], "doc"));
  if (!portal)
    return TRUE;
  g_set_error (error, CORRAL_JAIL_ERROR, CORRAL_JAIL_ERROR_PORTAL,
               _("This folder reached Corral through the document portal, whose files the virtual machine’s file sharing (9p) cannot open. Give Corral the folder itself, from a terminal: flatpak override --user --filesystem=/path/to/the/folder io.github.corral.Corral — then open it again."));
  return FALSE;
}

/* --- building ----------------------------------------------------------- */

static void
add (GPtrArray  *argv,
     const char *arg)
{
  g_ptr_array_add (argv, g_strdup (arg));
}

static void
add2 (GPtrArray  *argv,
      const char *a,
      const char *b)
{
  add (argv, a);
  add (argv, b);
}

static void
add3 (GPtrArray  *argv,
      const char *a,
      const char *b,
      const char *c)
{
  add (argv, a);
  add (argv, b);
  add (argv, c);
}

static GStrv
steal_strv (GPtrArray *array)
{
  g_ptr_array_add (array, NULL);
  return (GStrv) g_ptr_array_free (array, FALSE);
}

static GStrv
pasta_argv (const CorralHost *host)
{
  GPtrArray *argv = g_ptr_array_new ();

  add (argv, host->pasta_path);
  add (argv, "-q");
  add (argv, "--config-net");
  add2 (argv, "-a", N_ADDRESS);
  add2 (argv, "-n", N_PREFIX);
  add2 (argv, "-g", N_GATEWAY);
  /* N's gateway is not the host's loopback ... */
  add (argv, "--no-map-gw");
  /* ... and no port is forwarded either way: pasta's default (-T auto)
   * would bring every port bound on the host's loopback into N's. */
  add2 (argv, "-t", "none");
  add2 (argv, "-u", "none");
  add2 (argv, "-T", "none");
  add2 (argv, "-U", "none");
  add2 (argv, "--dns-forward", CORRAL_JAIL_DNS);
  return steal_strv (argv);
}

static GStrv
passt_argv (const CorralHost *host,
            CorralNetworkMode network)
{
  GPtrArray *argv = g_ptr_array_new ();
  g_autofree char *fd = g_strdup_printf ("%d", CORRAL_JAIL_NET_FD);

  add (argv, host->passt_path);
  add (argv, "-f");
  add (argv, "-q");
  /* A log file instead of syslog, which the jail does not have. */
  add2 (argv, "-l", "/dev/null");
  add2 (argv, "-F", fd);
  add2 (argv, "-a", GUEST_ADDRESS);
  add2 (argv, "-n", GUEST_PREFIX);
  /* Mapped to N's loopback (no --no-map-gw here): the relay, nothing else. */
  add2 (argv, "-g", CORRAL_PROXY_GUEST_ADDRESS);
  if (network == CORRAL_NETWORK_FULL)
    add2 (argv, "-D", CORRAL_JAIL_DNS);
  return steal_strv (argv);
}

static void
add_embedded (GPtrArray          *argv,
              const char         *option,
              const char * const *words)
{
  g_ptr_array_add (argv, g_strdup (option));
  g_ptr_array_add (argv, g_strdup_printf ("%u", g_strv_length ((GStrv) words)));
  for (guint i = 0; words[i] != NULL; i++)
    add (argv, words[i]);
}

typedef struct {
  const char *path;
  gboolean    readonly;
} Bind;

/* Parents before what is inside them: a later bind covers an earlier one. */
static int
compare_binds (gconstpointer a,
               gconstpointer b)
{
  const Bind *x = a, *y = b;
  gsize lx = strlen (x->path), ly = strlen (y->path);

  if (lx != ly)
    return lx < ly ? -1 : 1;
  return strcmp (x->path, y->path);
}

/* The system part of every jail: /usr, the top-level links into it, the
 * two files of /etc every program reads. add_system_dirs() adds the rest. */
static void
add_system (GPtrArray        *argv,
            const CorralHost *host)
{
  add3 (argv, "--ro-bind", "/usr", "/usr");
  for (guint i = 0; host->usr_links != NULL && host->usr_links[i] != NULL; i++)
    {
      const char *eq = strchr (host->usr_links[i], '=');
      g_autofree char *name = NULL;

      if (eq == NULL)
        continue;
      name = g_strdup_printf ("/%.*s", (int) (eq - host->usr_links[i]), host->usr_links[i]);
      add3 (argv, "--symlink", eq + 1, name);
    }
  add3 (argv, "--ro-bind-try", "/etc/ld.so.cache", "/etc/ld.so.cache");
  add3 (argv, "--ro-bind-try", "/etc/localtime", "/etc/localtime");
}

/* The real folders of a host without merged /usr, and the installation
 * prefix of a QEMU or passt from elsewhere. Added after the jail's tmpfs
 * on /tmp and /var/tmp: a prefix under either would be hidden by them. */
static void
add_system_dirs (GPtrArray        *argv,
                 const CorralHost *host)
{
  for (guint i = 0; host->system_dirs != NULL && host->system_dirs[i] != NULL; i++)
    add3 (argv, "--ro-bind", host->system_dirs[i], host->system_dirs[i]);
}

/* Whether @path is inside what add_system() and add_system_dirs() show. */
static gboolean
in_system (const CorralHost *host,
           const char       *path)
{
  if (g_str_has_prefix (path, "/usr/"))
    return TRUE;
  for (guint i = 0; host->system_dirs != NULL && host->system_dirs[i] != NULL; i++)
    {
      gsize n = strlen (host->system_dirs[i]);

      if (strncmp (path, host->system_dirs[i], n) == 0 && path[n] == '/')
        return TRUE;
    }
  return FALSE;
}

static void
add_namespaces (GPtrArray *argv,
                gboolean   share_net)
{
  add (argv, "--unshare-user");
  add (argv, "--unshare-pid");
  add (argv, "--unshare-ipc");
  add (argv, "--unshare-uts");
  add (argv, "--unshare-cgroup");
  if (!share_net)
    add (argv, "--unshare-net");
  add (argv, "--die-with-parent");
  /* A new session: nothing in the jail can push input into Corral's
   * terminal (TIOCSTI) or get its signals. */
  add (argv, "--new-session");
  /* uid 0 of the jail's user namespace (the host user outside), so that
   * the helper's capabilities cover the network namespace; the helper
   * gives QEMU the host user's ids in a namespace of its own. */
  add2 (argv, "--uid", "0");
  add2 (argv, "--gid", "0");
  add2 (argv, "--cap-drop", "ALL");
  add2 (argv, "--cap-add", "CAP_NET_ADMIN");  /* N's bridge, routes, lo */
  add2 (argv, "--cap-add", "CAP_SETPCAP");    /* to empty the bounding sets */
  add2 (argv, "--cap-add", "CAP_SETFCAP");    /* to map uid 0 in N and Q */
}

CorralJailCommand *
corral_jail_command_build (const CorralJailSpec    *spec,
                           const CorralHost        *host,
                           const CorralQemuCommand *qemu,
                           GError                 **error)
{
  g_autoptr(GPtrArray) argv = g_ptr_array_new_with_free_func (g_free);
  g_autoptr(GArray) binds = g_array_new (FALSE, FALSE, sizeof (Bind));
  g_auto(GStrv) pasta = NULL;
  g_auto(GStrv) passt = NULL;
  CorralJailCommand *command;
  gboolean network = spec->network != CORRAL_NETWORK_OFF && spec->backend != CORRAL_NET_BACKEND_NONE;
  gboolean use_passt = network && spec->backend == CORRAL_NET_BACKEND_PASST;
  gboolean use_pasta = use_passt && spec->network == CORRAL_NETWORK_FULL;
  /* slirp in full mode makes QEMU's own connections: the host's network. */
  gboolean slirp_full = network && spec->backend == CORRAL_NET_BACKEND_SLIRP &&
                        spec->network == CORRAL_NETWORK_FULL;
  gboolean relay = network && spec->proxy_socket != NULL && !slirp_full;
  gboolean bridge = network && spec->network == CORRAL_NETWORK_ALLOWLIST;
  g_autofree char *uid = g_strdup_printf ("%u", host->uid);
  g_autofree char *gid = g_strdup_printf ("%u", host->gid);
  g_autofree char *relay_port = g_strdup_printf ("%d", CORRAL_JAIL_RELAY_PORT);
  g_autofree char *net_fd = g_strdup_printf ("%d", CORRAL_JAIL_NET_FD);
  g_autofree char *lifeline_fd = g_strdup_printf ("%d", CORRAL_JAIL_LIFELINE_FD);
  g_autofree char *log_fd = g_strdup_printf ("%d", CORRAL_JAIL_LOG_FD);

  g_return_val_if_fail (spec != NULL && host != NULL && qemu != NULL, NULL);

  if (use_passt && (host->passt_path == NULL || (use_pasta && host->pasta_path == NULL)))
    {
      g_set_error (error, CORRAL_JAIL_ERROR, CORRAL_JAIL_ERROR_UNUSABLE,
                   _("passt is not installed"));
      return NULL;
    }

  command = g_new0 (CorralJailCommand, 1);
  command->confinement = spec->confinement;
  if (use_pasta)
    pasta = pasta_argv (host);
  if (use_passt)
    passt = passt_argv (host, spec->network);
  if (relay)
    command->relay = g_strdup_printf ("127.0.0.1:%d in the VM's network -> %s",
                                      CORRAL_JAIL_RELAY_PORT, spec->proxy_socket);

  if (spec->confinement == CORRAL_CONFINEMENT_NONE)
    {
      g_clear_pointer (&command->relay, g_free);
      command->argv = g_strdupv (qemu->argv);
      return command;
    }

  if (spec->confinement == CORRAL_CONFINEMENT_JAIL)
    {
      if (host->bwrap_path == NULL || host->jail_helper == NULL)
        {
          g_set_error (error, CORRAL_JAIL_ERROR,
                       host->bwrap_path == NULL ? CORRAL_JAIL_ERROR_NO_BWRAP : CORRAL_JAIL_ERROR_NO_HELPER,
                       _("The jail cannot be made: %s is missing"),
                       host->bwrap_path == NULL ? "bwrap" : "corral-jail-helper");
          corral_jail_command_free (command);
          return NULL;
        }
      add (argv, host->bwrap_path);
      add_namespaces (argv, use_pasta || slirp_full);
      add_system (argv, host);
      if (use_pasta)
        /* pasta reads the host's resolver, for its DNS forwarding. */
        add3 (argv, "--ro-bind-try", "/etc/resolv.conf", "/etc/resolv.conf");
      add2 (argv, "--proc", "/proc");
      /* The kernel's settings read-only: writing one needs no capability,
       * only the host's uid 0 — which QEMU has when Corral runs as root
       * (kernel.core_pattern runs a program as the host's root). bwrap
       * covers /proc/sys only when it can tell the folder is writable,
       * which it cannot. */
      add3 (argv, "--ro-bind", "/proc/sys", "/proc/sys");
      add3 (argv, "--ro-bind-try", "/proc/sysrq-trigger", "/proc/sysrq-trigger");
      add2 (argv, "--dev", "/dev");
      /* (Device binds after --dev, which would hide them.) */
      if (host->kvm_usable)
        add3 (argv, "--dev-bind", "/dev/kvm", "/dev/kvm");
      if (use_pasta)
        add3 (argv, "--dev-bind", "/dev/net/tun", "/dev/net/tun");
      add2 (argv, "--tmpfs", "/tmp");
      if (spec->tmp_dir != NULL)
        add3 (argv, "--bind", spec->tmp_dir, "/var/tmp");
      else
        add2 (argv, "--tmpfs", "/var/tmp");
      add_system_dirs (argv, host);
      add3 (argv, "--ro-bind", host->jail_helper, CORRAL_JAIL_HELPER_PATH);
      /* Programs from elsewhere than the system's folders (a QEMU built
       * by hand; the probe adds an installation prefix it recognises). */
      {
        const char *programs[] = { qemu->argv[0], use_passt ? host->passt_path : NULL,
                                   use_pasta ? host->pasta_path : NULL };

        for (guint i = 0; i < G_N_ELEMENTS (programs); i++)
          if (programs[i] != NULL && g_path_is_absolute (programs[i]) && !in_system (host, programs[i]))
            g_array_append_val (binds, ((Bind) { programs[i], TRUE }));
      }

      /* Exactly the paths QEMU's command names, after the tmpfs they may be
       * under, parents first. */
      for (guint i = 0; qemu->rw_paths != NULL && qemu->rw_paths[i] != NULL; i++)
        g_array_append_val (binds, ((Bind) { qemu->rw_paths[i], FALSE }));
      for (guint i = 0; qemu->ro_paths != NULL && qemu->ro_paths[i] != NULL; i++)
        g_array_append_val (binds, ((Bind) { qemu->ro_paths[i], TRUE }));
      /* The relay connects to the proxy's socket: a socket file is bound
       * like any other (read-write: connecting is writing). */
      if (relay)
        g_array_append_val (binds, ((Bind) { spec->proxy_socket, FALSE }));
      g_array_sort (binds, compare_binds);
      for (guint i = 0; i < binds->len; i++)
        {
          const Bind *b = &g_array_index (binds, Bind, i);

          add3 (argv, b->readonly ? "--ro-bind" : "--bind", b->path, b->path);
        }

      /* QEMU's snapshot files, whatever TMPDIR the app had. */
      add3 (argv, "--setenv", "TMPDIR", "/var/tmp");
      add2 (argv, "--chdir", "/");
      add (argv, "--");
      add (argv, CORRAL_JAIL_HELPER_PATH);
      add2 (argv, "--uid", uid);
      add2 (argv, "--gid", gid);
    }
  else /* FLATPAK: no namespaces can be made; the filter still can */
    {
      if (host->jail_helper == NULL)
        {
          g_set_error (error, CORRAL_JAIL_ERROR, CORRAL_JAIL_ERROR_NO_HELPER,
                       _("The jail cannot be made: %s is missing"), "corral-jail-helper");
          corral_jail_command_free (command);
          return NULL;
        }
      add (argv, host->jail_helper);
      add (argv, "--no-namespaces");
      g_clear_pointer (&command->relay, g_free);
      relay = bridge = FALSE;
    }

  if (spec->lifeline)
    add2 (argv, "--lifeline", lifeline_fd);
  if (spec->log_fd && (use_passt || relay))
    add2 (argv, "--log-fd", log_fd);
  if (spec->confinement == CORRAL_CONFINEMENT_JAIL)
    {
      if (bridge)
        add (argv, "--bridge");
      if (pasta != NULL)
        add_embedded (argv, "--pasta-argc", (const char * const *) pasta);
      if (relay)
        add3 (argv, "--relay", relay_port, spec->proxy_socket);
      if (passt != NULL)
        {
          add2 (argv, "--net-fd", net_fd);
          add_embedded (argv, "--passt-argc", (const char * const *) passt);
        }
      /* slirp lives in QEMU: QEMU stays in N (allowlist: its 10.0.2.2 is
       * then N's loopback, the relay) or the host's network (full). */
      if (network && spec->backend == CORRAL_NET_BACKEND_SLIRP)
        add (argv, "--keep-net");
    }
  add (argv, "--");

  /* For a person: everything before QEMU's own command. */
  g_ptr_array_add (argv, NULL);
  command->jail_argv = g_strdupv ((GStrv) argv->pdata);
  g_ptr_array_remove_index (argv, argv->len - 1);
  for (guint i = 0; qemu->argv[i] != NULL; i++)
    add (argv, qemu->argv[i]);
  g_ptr_array_add (argv, NULL);
  command->argv = (GStrv) g_ptr_array_steal (argv, NULL);
  command->pasta_argv = g_steal_pointer (&pasta);
  command->passt_argv = g_steal_pointer (&passt);
  return command;
}

void
corral_jail_command_free (CorralJailCommand *command)
{
  if (command == NULL)
    return;
  g_strfreev (command->argv);
  g_strfreev (command->jail_argv);
  g_strfreev (command->pasta_argv);
  g_strfreev (command->passt_argv);
  g_free (command->relay);
  g_free (command);
}

GStrv
corral_jail_probe_argv (const CorralHost *host)
{
  GPtrArray *argv = g_ptr_array_new ();

  if (host->bwrap_path == NULL || host->jail_helper == NULL)
    {
      g_ptr_array_unref (argv);
      return NULL;
    }
  add (argv, host->bwrap_path);
  add_namespaces (argv, FALSE);
  add_system (argv, host);
  add_system_dirs (argv, host);
  add2 (argv, "--proc", "/proc");
  add2 (argv, "--dev", "/dev");
  add3 (argv, "--ro-bind", host->jail_helper, CORRAL_JAIL_HELPER_PATH);
  add2 (argv, "--chdir", "/");
  add (argv, "--");
  add (argv, CORRAL_JAIL_HELPER_PATH);
  add (argv, "--probe");
  add (argv, "--bridge");
  add (argv, "--");
  add (argv, "/probe");
  return steal_strv (argv);
}
