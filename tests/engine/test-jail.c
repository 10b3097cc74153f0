/* test-jail.c: the exact jail for every network mode, share and path */
#include "config.h"

#include <string.h>

#include <signal.h>
#include <sys/prctl.h>
#include <sys/wait.h>
#include <unistd.h>

#include <glib/gstdio.h>

#include "corral-jail.h"

static char *guest_dir;

static CorralGuest *
make_guest (void)
{
  g_autoptr(GError) error = NULL;
  CorralGuest *guest = corral_guest_new_from_data ("[Guest]\nName=T\nKernel=vmlinux\nInitrd=initrd\n"
                                                   "Cmdline=console=ttyS0\nDisk=disk.img\nDiskSnapshot=true\n",
                                                   guest_dir, &error);

  g_assert_no_error (error);
  return guest;
}

static char *usr_links[] = { "bin=usr/bin", "lib=usr/lib", "lib64=usr/lib64", "sbin=usr/sbin", NULL };

static CorralHost
make_host (void)
{
  CorralHost host = {
    .kvm_usable = TRUE,
    .ram_bytes = (guint64) 16 * 1024 * 1024 * 1024,
    .n_cpus = 8,
    .qemu_path = (char *) "/usr/bin/qemu-system-x86_64",
    .uid = 1000, .gid = 1000,
    .home = (char *) "/home/me",
    .seccomp = TRUE,
    .bwrap_path = (char *) "/usr/bin/bwrap",
    .jail_helper = (char *) "/usr/libexec/corral/corral-jail-helper",
    .passt_path = (char *) "/usr/bin/passt",
    .pasta_path = (char *) "/usr/bin/pasta",
    .tun_usable = TRUE,
    .slirp_version = (char *) "4.7.0",
    .usr_links = usr_links,
  };
  return host;
}

#define RUN "/run/user/1000/corral/p-0123456789ab"

static void
make_runtime (CorralRuntime    *rt,
              CorralNetBackend  backend)
{
  corral_runtime_init (rt);
  rt->meta_dir = RUN "/meta";
  rt->state_dir = "/home/me/.local/state/corral/projects/p-0123456789ab";
  rt->qmp_fd = 3;
  rt->agent_fd = 5;
  rt->enter_fd = 6;
  rt->net_backend = backend;
  rt->net_fd = CORRAL_JAIL_NET_FD;
  rt->share_sources[CORRAL_SHARE_ID_CLAUDE_AUTH] = "/home/me/.claude";
  rt->share_sources[CORRAL_SHARE_ID_GIT_CONFIG] = RUN "/gitconfig";
  rt->share_sources[CORRAL_SHARE_ID_GIT_CONFIG_DIR] = "/home/me/.config/git";
  rt->share_sources[CORRAL_SHARE_ID_GH_CONFIG_DIR] = "/home/me/.config/gh";
  rt->share_sources[CORRAL_SHARE_ID_SSH_DIR] = "/home/me/.ssh";
}

static void
make_spec (CorralJailSpec    *spec,
           CorralNetworkMode  network,
           CorralNetBackend   backend)
{
  memset (spec, 0, sizeof *spec);
  spec->confinement = CORRAL_CONFINEMENT_JAIL;
  spec->network = network;
  spec->backend = backend;
  spec->tmp_dir = "/home/me/.cache/corral/tmp/p-0123456789ab";
  spec->proxy_socket = RUN "/proxy.sock";
  spec->lifeline = TRUE;
  spec->log_fd = TRUE;
}

/* The jail for @profile's network in @spec's shape; golden strings name
 * the guest folder @G@. */
static CorralJailCommand *
build (CorralProfile        *profile,
       const CorralHost     *host,
       const CorralJailSpec *spec,
       CorralQemuCommand   **qemu_out)
{
  g_autoptr(CorralGuest) guest = make_guest ();
  g_autoptr(CorralQemuCommand) qemu = NULL;
  g_autoptr(GError) error = NULL;
  CorralJailCommand *jail;
  CorralRuntime rt;

  make_runtime (&rt, spec->backend);
  qemu = corral_qemu_command_build (profile, guest, host, &rt, &error);
  g_assert_no_error (error);
  jail = corral_jail_command_build (spec, host, qemu, &error);
  g_assert_no_error (error);
  g_assert_nonnull (jail);
  if (qemu_out != NULL)
    *qemu_out = g_steal_pointer (&qemu);
  return jail;
}

static char *
join (const char * const *argv)
{
  g_autofree char *line = corral_shell_join (argv);
  GString *s = g_string_new (line);

  g_string_replace (s, guest_dir, "@G@", 0);
  return g_string_free (s, FALSE);
}

static gboolean
has_words (const char * const *argv,
           const char         *a,
           const char         *b,
           const char         *c)
{
  for (guint i = 0; argv[i] != NULL; i++)
    if (g_str_equal (argv[i], a) &&
        (b == NULL || (argv[i + 1] != NULL && g_str_equal (argv[i + 1], b) &&
                       (c == NULL || (argv[i + 2] != NULL && g_str_equal (argv[i + 2], c))))))
      return TRUE;
  return FALSE;
}

static const char *system_part =
  "/usr/bin/bwrap --unshare-user --unshare-pid --unshare-ipc --unshare-uts --unshare-cgroup%s"
  " --die-with-parent --new-session --uid 0 --gid 0"
  " --cap-drop ALL --cap-add CAP_NET_ADMIN --cap-add CAP_SETPCAP --cap-add CAP_SETFCAP"
  " --ro-bind /usr /usr --symlink usr/bin /bin --symlink usr/lib /lib --symlink usr/lib64 /lib64"
  " --symlink usr/sbin /sbin"
  " --ro-bind-try /etc/ld.so.cache /etc/ld.so.cache --ro-bind-try /etc/localtime /etc/localtime";

/* Parents first (shorter paths first, so that one inside another is
 * bound after it), every share of the profile, the guest's files
 * read-only. */
static const char *binds_all_shares =
  " --ro-bind /home/me/.ssh /home/me/.ssh"
  " --bind /home/me/proj /home/me/proj"
  " --bind /home/me/.claude /home/me/.claude"
  " --ro-bind /home/me/.config/gh /home/me/.config/gh"
  " --ro-bind /home/me/.config/git /home/me/.config/git"
  " --ro-bind @G@/initrd @G@/initrd"
  " --ro-bind @G@/vmlinux @G@/vmlinux"
  " --ro-bind @G@/disk.img @G@/disk.img"
  " --ro-bind " RUN "/meta " RUN "/meta"
  " --ro-bind " RUN "/gitconfig " RUN "/gitconfig"
  " --bind " RUN "/proxy.sock " RUN "/proxy.sock"
  " --bind /home/me/.local/state/corral/projects/p-0123456789ab /home/me/.local/state/corral/projects/p-0123456789ab";

static void
test_golden_allowlist (void)
{
  g_autoptr(CorralProfile) profile = corral_profile_new ("/home/me/proj");
  g_autoptr(CorralJailCommand) jail = NULL;
  g_autoptr(CorralQemuCommand) qemu = NULL;
  g_autofree char *line = NULL;
  g_autofree char *expected = NULL;
  g_autofree char *system = g_strdup_printf (system_part, " --unshare-net");
  CorralHost host = make_host ();
  CorralJailSpec spec;
  guint n_jail;

  corral_profile_set_network_mode (profile, CORRAL_NETWORK_ALLOWLIST);
  make_spec (&spec, CORRAL_NETWORK_ALLOWLIST, CORRAL_NET_BACKEND_PASST);
  jail = build (profile, &host, &spec, &qemu);
  line = join ((const char * const *) jail->jail_argv);
  expected = g_strconcat (system,
    " --proc /proc --ro-bind /proc/sys /proc/sys --ro-bind-try /proc/sysrq-trigger /proc/sysrq-trigger --dev /dev --dev-bind /dev/kvm /dev/kvm"
    " --tmpfs /tmp --bind /home/me/.cache/corral/tmp/p-0123456789ab /var/tmp"
    " --ro-bind /usr/libexec/corral/corral-jail-helper /run/corral/jail-helper",
    binds_all_shares,
    " --setenv TMPDIR /var/tmp --chdir / --"
    " /run/corral/jail-helper --uid 1000 --gid 1000 --lifeline 8 --log-fd 9 --bridge"
    " --relay 3128 " RUN "/proxy.sock"
    " --net-fd 7 --passt-argc 13 /usr/bin/passt -f -q -l /dev/null -F 7 -a 10.0.2.15 -n 24 -g 10.0.2.2"
    " --", NULL);
  g_assert_cmpstr (line, ==, expected);

  /* What is spawned: the jail's part, then QEMU's command whole. */
  n_jail = g_strv_length (jail->jail_argv);
  for (guint i = 0; jail->jail_argv[i] != NULL; i++)
    g_assert_cmpstr (jail->argv[i], ==, jail->jail_argv[i]);
  for (guint i = 0; qemu->argv[i] != NULL; i++)
    g_assert_cmpstr (jail->argv[n_jail + i], ==, qemu->argv[i]);
  g_assert_null (jail->argv[n_jail + g_strv_length (qemu->argv)]);

  /* QEMU reaches passt on fd 7, its consoles through fd sets. */
  g_assert_true (has_words ((const char * const *) qemu->argv, "-netdev",
                            "stream,id=net0,server=off,addr.type=fd,addr.str=7", NULL));
  g_assert_true (has_words ((const char * const *) qemu->argv, "-add-fd", "fd=5,set=5", NULL));
  g_assert_true (has_words ((const char * const *) qemu->argv, "-chardev",
                            "serial,path=/dev/fdset/5,id=agent", NULL));
  g_assert_true (has_words ((const char * const *) qemu->argv, "-chardev",
                            "serial,path=/dev/fdset/6,id=enter", NULL));

  g_assert_null (jail->pasta_argv);
  line = (g_free (line), join ((const char * const *) jail->passt_argv));
  g_assert_cmpstr (line, ==, "/usr/bin/passt -f -q -l /dev/null -F 7 -a 10.0.2.15 -n 24 -g 10.0.2.2");
  g_assert_cmpstr (jail->relay, ==, "127.0.0.1:3128 in the VM's network -> " RUN "/proxy.sock");
}

static void
test_golden_full (void)
{
  g_autoptr(CorralProfile) profile = corral_profile_new ("/home/me/proj");
  g_autoptr(CorralJailCommand) jail = NULL;
  g_autofree char *line = NULL;
  g_autofree char *expected = NULL;
  g_autofree char *system = g_strdup_printf (system_part, "");
  CorralHost host = make_host ();
  CorralJailSpec spec;
  const char *pasta =
    "/usr/bin/pasta -q --config-net -a 169.254.2.2 -n 24 -g 169.254.2.1 --no-map-gw"
    " -t none -u none -T none -U none --dns-forward 169.254.0.53";

  host.kvm_usable = FALSE;
  corral_profile_set_network_mode (profile, CORRAL_NETWORK_FULL);
  corral_profile_set_shares (profile, CORRAL_SHARE_NONE);
  make_spec (&spec, CORRAL_NETWORK_FULL, CORRAL_NET_BACKEND_PASST);
  spec.tmp_dir = NULL;
  jail = build (profile, &host, &spec, NULL);
  line = join ((const char * const *) jail->jail_argv);
  /* The host's network namespace (pasta makes the real connections), its
   * resolver and /dev/net/tun; no KVM here. */
  expected = g_strconcat (system,
    " --ro-bind-try /etc/resolv.conf /etc/resolv.conf"
    " --proc /proc --ro-bind /proc/sys /proc/sys --ro-bind-try /proc/sysrq-trigger /proc/sysrq-trigger --dev /dev --dev-bind /dev/net/tun /dev/net/tun"
    " --tmpfs /tmp --tmpfs /var/tmp"
    " --ro-bind /usr/libexec/corral/corral-jail-helper /run/corral/jail-helper"
    " --bind /home/me/proj /home/me/proj"
    " --ro-bind @G@/initrd @G@/initrd"
    " --ro-bind @G@/vmlinux @G@/vmlinux"
    " --ro-bind @G@/disk.img @G@/disk.img"
    " --ro-bind " RUN "/meta " RUN "/meta"
    " --bind " RUN "/proxy.sock " RUN "/proxy.sock"
    " --bind /home/me/.local/state/corral/projects/p-0123456789ab /home/me/.local/state/corral/projects/p-0123456789ab"
    " --setenv TMPDIR /var/tmp --chdir / --"
    " /run/corral/jail-helper --uid 1000 --gid 1000 --lifeline 8 --log-fd 9"
    " --pasta-argc 20 ", pasta,
    " --relay 3128 " RUN "/proxy.sock"
    " --net-fd 7 --passt-argc 15 /usr/bin/passt -f -q -l /dev/null -F 7 -a 10.0.2.15 -n 24 -g 10.0.2.2"
    " -D 169.254.0.53 --", NULL);
  g_assert_cmpstr (line, ==, expected);
  line = (g_free (line), join ((const char * const *) jail->pasta_argv));
  g_assert_cmpstr (line, ==, pasta);
}

/* Network off: no N, no device, no relay even with a proxy socket. */
static void
test_network_off (void)
{
  g_autoptr(CorralProfile) profile = corral_profile_new ("/home/me/proj");
  g_autoptr(CorralJailCommand) jail = NULL;
  g_autoptr(CorralQemuCommand) qemu = NULL;
  g_autofree char *line = NULL;
  CorralHost host = make_host ();
  CorralJailSpec spec;

  corral_profile_set_network_mode (profile, CORRAL_NETWORK_OFF);
  make_spec (&spec, CORRAL_NETWORK_OFF, CORRAL_NET_BACKEND_NONE);
  jail = build (profile, &host, &spec, &qemu);
  line = join ((const char * const *) jail->jail_argv);
  g_assert_true (g_str_has_suffix (line, " -- /run/corral/jail-helper --uid 1000 --gid 1000 --lifeline 8 --"));
  g_assert_true (has_words ((const char * const *) jail->jail_argv, "--unshare-net", NULL, NULL));
  g_assert_null (strstr (line, "proxy.sock"));
  g_assert_null (jail->passt_argv);
  g_assert_null (jail->relay);
  g_assert_true (has_words ((const char * const *) qemu->argv, "-nic", "none", NULL));
}

/* Without passt: slirp in QEMU. Allowlist keeps QEMU in N (slirp's
 * 10.0.2.2 is then N's loopback: the relay); full needs the host's
 * network, so there is no N and no relay. */
static void
test_slirp_fallback (void)
{
  CorralHost host = make_host ();

  host.passt_path = host.pasta_path = NULL;
  {
    g_autoptr(CorralProfile) profile = corral_profile_new ("/home/me/proj");
    g_autoptr(CorralJailCommand) jail = NULL;
    g_autoptr(CorralQemuCommand) qemu = NULL;
    g_autofree char *line = NULL;
    CorralJailSpec spec;

    make_spec (&spec, CORRAL_NETWORK_ALLOWLIST, CORRAL_NET_BACKEND_SLIRP);
    jail = build (profile, &host, &spec, &qemu);
    line = join ((const char * const *) jail->jail_argv);
    g_assert_true (has_words ((const char * const *) jail->jail_argv, "--unshare-net", NULL, NULL));
    g_assert_true (g_str_has_suffix (line, " --bridge --relay 3128 " RUN "/proxy.sock --keep-net --"));
    g_assert_true (has_words ((const char * const *) qemu->argv, "-nic", "user,model=virtio-net-pci", NULL));
  }
  {
    g_autoptr(CorralProfile) profile = corral_profile_new ("/home/me/proj");
    g_autoptr(CorralJailCommand) jail = NULL;
    g_autofree char *line = NULL;
    CorralJailSpec spec;

    corral_profile_set_network_mode (profile, CORRAL_NETWORK_FULL);
    make_spec (&spec, CORRAL_NETWORK_FULL, CORRAL_NET_BACKEND_SLIRP);
    jail = build (profile, &host, &spec, NULL);
    line = join ((const char * const *) jail->jail_argv);
    g_assert_false (has_words ((const char * const *) jail->jail_argv, "--unshare-net", NULL, NULL));
    g_assert_true (g_str_has_suffix (line, " --lifeline 8 --keep-net --"));
    g_assert_null (jail->relay);
  }
}

/* Each optional share is bound exactly when QEMU gets it, read-only
 * exactly when QEMU's share is; nothing of $HOME otherwise. */
static void
test_shares (void)
{
  static const struct { CorralShares flag; const char *path; gboolean readonly; } table[] = {
    { CORRAL_SHARE_CLAUDE, "/home/me/.claude", FALSE },
    { CORRAL_SHARE_GIT_CONFIG, "/home/me/.config/git", TRUE },
    { CORRAL_SHARE_GIT_CONFIG, RUN "/gitconfig", TRUE },
    { CORRAL_SHARE_GH_CONFIG, "/home/me/.config/gh", TRUE },
    { CORRAL_SHARE_SSH, "/home/me/.ssh", TRUE },
  };
  CorralHost host = make_host ();

  for (guint flags = 0; flags < 16; flags++)
    {
      g_autoptr(CorralProfile) profile = corral_profile_new ("/home/me/proj");
      g_autoptr(CorralJailCommand) jail = NULL;
      CorralJailSpec spec;
      const char * const *argv;

      corral_profile_set_shares (profile, flags);
      make_spec (&spec, CORRAL_NETWORK_ALLOWLIST, CORRAL_NET_BACKEND_PASST);
      jail = build (profile, &host, &spec, NULL);
      argv = (const char * const *) jail->jail_argv;
      for (guint i = 0; i < G_N_ELEMENTS (table); i++)
        {
          gboolean on = (flags & table[i].flag) != 0;

          g_assert_cmpint (has_words (argv, "--ro-bind", table[i].path, table[i].path), ==,
                           on && table[i].readonly);
          g_assert_cmpint (has_words (argv, "--bind", table[i].path, table[i].path), ==,
                           on && !table[i].readonly);
        }
      /* $HOME itself never, nor anything under it that was not asked for. */
      for (guint i = 0; argv[i] != NULL; i++)
        {
          g_assert_cmpstr (argv[i], !=, "/home/me");
          if (g_str_has_prefix (argv[i], "/home/me/") &&
              !g_str_has_prefix (argv[i], "/home/me/proj") &&
              !g_str_has_prefix (argv[i], "/home/me/.local/state/corral/") &&
              !g_str_has_prefix (argv[i], "/home/me/.cache/corral/tmp/"))
            {
              gboolean asked = FALSE;

              for (guint k = 0; k < G_N_ELEMENTS (table); k++)
                asked |= (flags & table[k].flag) && g_str_equal (argv[i], table[k].path);
              g_assert_true (asked);
            }
        }
    }
}

/* Paths go to bwrap as they are (one argument each: no quoting, no
 * escaping); QEMU's options double their commas; a line break is refused
 * before anything is built. */
static void
test_hostile_paths (void)
{
  static const char * const projects[] = {
    "/home/me/a,b",              /* QEMU's option separator */
    "/home/me/--bind / ",        /* looks like an option, with spaces */
    "/home/me/caf\xe9",          /* not UTF-8 (Latin-1 e-acute) */
    "/home/me/$(touch x);'\"",   /* shell syntax */
  };
  CorralHost host = make_host ();

  for (guint i = 0; i < G_N_ELEMENTS (projects); i++)
    {
      g_autoptr(CorralProfile) profile = corral_profile_new (projects[i]);
      g_autoptr(CorralJailCommand) jail = NULL;
      g_autoptr(CorralQemuCommand) qemu = NULL;
      g_autofree char *escaped = corral_qemu_escape (projects[i]);
      g_autofree char *fsdev = g_strdup_printf ("local,id=fs_project_share,path=%s,security_model=none", escaped);
      g_auto(GStrv) parsed = NULL;
      g_autofree char *line = NULL;
      CorralJailSpec spec;

      corral_profile_set_shares (profile, CORRAL_SHARE_NONE);
      make_spec (&spec, CORRAL_NETWORK_ALLOWLIST, CORRAL_NET_BACKEND_PASST);
      jail = build (profile, &host, &spec, &qemu);
      g_assert_true (has_words ((const char * const *) jail->argv, "--bind", projects[i], projects[i]));
      g_assert_true (has_words ((const char * const *) jail->argv, "-fsdev", fsdev, NULL));
      /* The dry run's line reads back as the same words. */
      line = corral_shell_join ((const char * const *) jail->argv);
      g_assert_true (g_shell_parse_argv (line, NULL, &parsed, NULL));
      g_assert_cmpuint (g_strv_length (parsed), ==, g_strv_length (jail->argv));
      for (guint k = 0; parsed[k] != NULL; k++)
        g_assert_cmpstr (parsed[k], ==, jail->argv[k]);
    }

  /* A line break: refused with a message, nothing built. */
  {
    g_autoptr(CorralProfile) profile = corral_profile_new ("/home/me/two\nlines");
    g_autoptr(CorralGuest) guest = make_guest ();
    g_autoptr(CorralQemuCommand) qemu = NULL;
    g_autoptr(GError) error = NULL;
    CorralRuntime rt;

    make_runtime (&rt, CORRAL_NET_BACKEND_PASST);
    qemu = corral_qemu_command_build (profile, guest, &host, &rt, &error);
    g_assert_null (qemu);
    g_assert_error (error, CORRAL_QEMU_COMMAND_ERROR, CORRAL_QEMU_COMMAND_ERROR_BAD_PATH);
  }
}

/* A bind inside another comes after it (else the outer one would hide it). */
static void
test_bind_order (void)
{
  g_autoptr(CorralProfile) profile = corral_profile_new ("/home/me");
  g_autoptr(CorralJailCommand) jail = NULL;
  CorralHost host = make_host ();
  CorralJailSpec spec;
  int project = -1, ssh = -1, var_tmp = -1, tmp = -1;

  make_spec (&spec, CORRAL_NETWORK_ALLOWLIST, CORRAL_NET_BACKEND_PASST);
  jail = build (profile, &host, &spec, NULL);
  for (int i = 0; jail->jail_argv[i] != NULL; i++)
    {
      if (g_str_equal (jail->jail_argv[i], "/home/me") && project < 0)
        project = i;
      if (g_str_equal (jail->jail_argv[i], "/home/me/.ssh") && ssh < 0)
        ssh = i;
      if (g_str_equal (jail->jail_argv[i], "/tmp") && tmp < 0)
        tmp = i;
      if (g_str_equal (jail->jail_argv[i], "/var/tmp") && var_tmp < 0)
        var_tmp = i;
    }
  g_assert_cmpint (project, >, 0);
  g_assert_cmpint (ssh, >, project);
  /* The tmpfs go first: a project under /tmp stays visible. */
  g_assert_cmpint (tmp, <, project);
  g_assert_cmpint (var_tmp, <, project);
}

/* The index of the first "@op @path" in @argv, or -1. */
static int
find_op (char       **argv,
         const char  *op,
         const char  *path)
{
  for (int i = 0; argv[i] != NULL && argv[i + 1] != NULL; i++)
    if (g_str_equal (argv[i], op) && g_str_equal (argv[i + 1], path))
      return i;
  return -1;
}

/* A QEMU and a passt installed under /tmp and /var/tmp: their prefixes
 * (system dirs) are bound after the jail's tmpfs, which would hide them. */
static void
test_programs_under_tmp (void)
{
  g_autoptr(CorralProfile) profile = corral_profile_new ("/home/me/proj");
  g_autoptr(CorralJailCommand) jail = NULL;
  char *dirs[] = { "/tmp/qemu", "/var/tmp/passt", NULL };
  CorralHost host = make_host ();
  CorralJailSpec spec;
  int tmp, var_tmp, qemu_dir, passt_dir;

  host.qemu_path = (char *) "/tmp/qemu/bin/qemu-system-x86_64";
  host.passt_path = (char *) "/var/tmp/passt/passt";
  host.system_dirs = dirs;
  corral_profile_set_network_mode (profile, CORRAL_NETWORK_ALLOWLIST);
  make_spec (&spec, CORRAL_NETWORK_ALLOWLIST, CORRAL_NET_BACKEND_PASST);
  jail = build (profile, &host, &spec, NULL);
  g_assert_cmpstr (jail->argv[g_strv_length (jail->jail_argv)], ==, host.qemu_path);

  tmp = find_op (jail->jail_argv, "--tmpfs", "/tmp");
  var_tmp = find_op (jail->jail_argv, "--bind", spec.tmp_dir);
  qemu_dir = find_op (jail->jail_argv, "--ro-bind", "/tmp/qemu");
  passt_dir = find_op (jail->jail_argv, "--ro-bind", "/var/tmp/passt");
  g_assert_cmpint (tmp, >, 0);
  g_assert_cmpint (var_tmp, >, 0);
  g_assert_cmpint (qemu_dir, >, tmp);
  g_assert_cmpint (passt_dir, >, var_tmp);
  /* Still bound read-only once each, never read-write. */
  g_assert_cmpint (find_op (jail->jail_argv, "--bind", "/tmp/qemu"), ==, -1);
  g_assert_cmpint (find_op (jail->jail_argv + qemu_dir + 1, "--ro-bind", "/tmp/qemu"), ==, -1);

  /* The probe has no tmpfs: its system dirs are there all the same. */
  {
    g_auto(GStrv) probe = corral_jail_probe_argv (&host);

    g_assert_cmpint (find_op (probe, "--ro-bind", "/tmp/qemu"), >, 0);
    g_assert_cmpint (find_op (probe, "--ro-bind", "/var/tmp/passt"), >, 0);
  }
}

static void
test_unconfined_and_flatpak (void)
{
  CorralHost host = make_host ();
  g_autoptr(CorralProfile) profile = corral_profile_new ("/home/me/proj");

  {
    g_autoptr(CorralJailCommand) jail = NULL;
    g_autoptr(CorralQemuCommand) qemu = NULL;
    CorralJailSpec spec;

    make_spec (&spec, CORRAL_NETWORK_ALLOWLIST, CORRAL_NET_BACKEND_SLIRP);
    spec.confinement = CORRAL_CONFINEMENT_NONE;
    jail = build (profile, &host, &spec, &qemu);
    g_assert_null (jail->jail_argv);
    g_assert_cmpuint (g_strv_length (jail->argv), ==, g_strv_length (qemu->argv));
    g_assert_cmpstr (jail->argv[0], ==, "/usr/bin/qemu-system-x86_64");
  }
  {
    g_autoptr(CorralJailCommand) jail = NULL;
    g_autofree char *line = NULL;
    CorralJailSpec spec;

    make_spec (&spec, CORRAL_NETWORK_ALLOWLIST, CORRAL_NET_BACKEND_SLIRP);
    spec.confinement = CORRAL_CONFINEMENT_FLATPAK;
    jail = build (profile, &host, &spec, NULL);
    line = join ((const char * const *) jail->jail_argv);
    g_assert_cmpstr (line, ==, "/usr/libexec/corral/corral-jail-helper --no-namespaces --lifeline 8 --");
    g_assert_null (jail->relay);
  }
}

static gboolean
warnings_have (GPtrArray  *warnings,
               const char *needle)
{
  for (guint i = 0; i < warnings->len; i++)
    if (strstr (warnings->pdata[i], needle) != NULL)
      return TRUE;
  return FALSE;
}

/* How a host runs each network, and the words when it cannot. */
static void
test_choose (void)
{
  CorralConfinement confinement;
  CorralNetBackend backend;

  {
    CorralHost host = make_host ();
    g_autoptr(GPtrArray) w = g_ptr_array_new_with_free_func (g_free);

    g_assert_true (corral_jail_choose (&host, CORRAL_NETWORK_ALLOWLIST, FALSE, &confinement, &backend, w, NULL));
    g_assert_cmpint (confinement, ==, CORRAL_CONFINEMENT_JAIL);
    g_assert_cmpint (backend, ==, CORRAL_NET_BACKEND_PASST);
    g_assert_cmpuint (w->len, ==, 0);
    g_assert_true (corral_jail_choose (&host, CORRAL_NETWORK_OFF, FALSE, &confinement, &backend, w, NULL));
    g_assert_cmpint (backend, ==, CORRAL_NET_BACKEND_NONE);
    g_assert_true (corral_jail_choose (&host, CORRAL_NETWORK_FULL, FALSE, &confinement, &backend, w, NULL));
    g_assert_cmpint (backend, ==, CORRAL_NET_BACKEND_PASST);
    g_assert_cmpuint (w->len, ==, 0);
  }
  /* No bwrap, no helper, no user namespaces: the fix is named. */
  {
    CorralHost host = make_host ();
    g_autoptr(GError) error = NULL;

    host.bwrap_path = NULL;
    g_assert_false (corral_jail_choose (&host, CORRAL_NETWORK_OFF, FALSE, &confinement, &backend, NULL, &error));
    g_assert_error (error, CORRAL_JAIL_ERROR, CORRAL_JAIL_ERROR_NO_BWRAP);
    g_assert_nonnull (strstr (error->message, "apt install bubblewrap"));
    g_assert_nonnull (strstr (error->message, "Run without confinement"));
  }
  {
    CorralHost host = make_host ();
    g_autoptr(GError) error = NULL;

    host.jail_problem = (char *) "bwrap: setting up uid map: Permission denied";
    g_assert_false (corral_jail_choose (&host, CORRAL_NETWORK_OFF, FALSE, &confinement, &backend, NULL, &error));
    g_assert_error (error, CORRAL_JAIL_ERROR, CORRAL_JAIL_ERROR_UNUSABLE);
    g_assert_nonnull (strstr (error->message, "setting up uid map: Permission denied"));
    g_assert_nonnull (strstr (error->message, "kernel.unprivileged_userns_clone=1"));
  }
  /* ... unless the project runs without confinement, which is said. */
  {
    CorralHost host = make_host ();
    g_autoptr(GPtrArray) w = g_ptr_array_new_with_free_func (g_free);

    host.bwrap_path = NULL;
    g_assert_true (corral_jail_choose (&host, CORRAL_NETWORK_FULL, TRUE, &confinement, &backend, w, NULL));
    g_assert_cmpint (confinement, ==, CORRAL_CONFINEMENT_NONE);
    g_assert_cmpint (backend, ==, CORRAL_NET_BACKEND_SLIRP);
    g_assert_true (warnings_have (w, "without confinement"));
    g_assert_true (warnings_have (w, "CVE-2026-9539"));
    g_assert_true (warnings_have (w, "127.0.0.1"));
  }
  /* Full network without /dev/net/tun. */
  {
    CorralHost host = make_host ();
    g_autoptr(GError) error = NULL;

    host.tun_usable = FALSE;
    g_assert_false (corral_jail_choose (&host, CORRAL_NETWORK_FULL, FALSE, &confinement, &backend, NULL, &error));
    g_assert_error (error, CORRAL_JAIL_ERROR, CORRAL_JAIL_ERROR_NO_TUN);
    g_assert_true (corral_jail_choose (&host, CORRAL_NETWORK_ALLOWLIST, FALSE, &confinement, &backend, NULL, NULL));
  }
  /* passt missing: slirp with the CVE named while libslirp < 4.9.2; the
   * host's loopback is out of reach in allowlist mode (QEMU in N), not in
   * full mode. */
  {
    CorralHost host = make_host ();
    g_autoptr(GPtrArray) allow = g_ptr_array_new_with_free_func (g_free);
    g_autoptr(GPtrArray) full = g_ptr_array_new_with_free_func (g_free);
    g_autoptr(GPtrArray) fixed = g_ptr_array_new_with_free_func (g_free);

    host.passt_path = host.pasta_path = NULL;
    g_assert_true (corral_jail_choose (&host, CORRAL_NETWORK_ALLOWLIST, FALSE, &confinement, &backend, allow, NULL));
    g_assert_cmpint (backend, ==, CORRAL_NET_BACKEND_SLIRP);
    g_assert_true (warnings_have (allow, "CVE-2026-9539"));
    g_assert_true (warnings_have (allow, "4.7.0"));
    g_assert_false (warnings_have (allow, "127.0.0.1"));
    g_assert_true (corral_jail_choose (&host, CORRAL_NETWORK_FULL, FALSE, &confinement, &backend, full, NULL));
    g_assert_true (warnings_have (full, "127.0.0.1"));
    host.slirp_version = (char *) "4.9.2";
    g_assert_true (corral_jail_choose (&host, CORRAL_NETWORK_ALLOWLIST, FALSE, &confinement, &backend, fixed, NULL));
    g_assert_false (warnings_have (fixed, "CVE"));
    g_assert_true (warnings_have (fixed, "passt"));
  }
  /* In a Flatpak: its sandbox, slirp, and the warnings. */
  {
    CorralHost host = make_host ();
    g_autoptr(GPtrArray) w = g_ptr_array_new_with_free_func (g_free);

    host.in_flatpak = TRUE;
    host.bwrap_path = NULL;
    g_assert_true (corral_jail_choose (&host, CORRAL_NETWORK_ALLOWLIST, FALSE, &confinement, &backend, w, NULL));
    g_assert_cmpint (confinement, ==, CORRAL_CONFINEMENT_FLATPAK);
    g_assert_cmpint (backend, ==, CORRAL_NET_BACKEND_SLIRP);
    g_assert_true (warnings_have (w, "127.0.0.1"));
  }
}

static void
test_slirp_versions (void)
{
  g_assert_true (corral_slirp_is_vulnerable ("4.7.0"));
  g_assert_true (corral_slirp_is_vulnerable ("4.9.1"));
  g_assert_false (corral_slirp_is_vulnerable ("4.9.2"));
  g_assert_false (corral_slirp_is_vulnerable ("4.10.0"));
  g_assert_false (corral_slirp_is_vulnerable ("5.0"));
  g_assert_true (corral_slirp_is_vulnerable ("3.99.99"));
  g_assert_true (corral_slirp_is_vulnerable (NULL));
  g_assert_true (corral_slirp_is_vulnerable ("four"));
}

static void
test_probe_argv (void)
{
  CorralHost host = make_host ();
  g_auto(GStrv) argv = corral_jail_probe_argv (&host);
  g_autofree char *line = join ((const char * const *) argv);

  g_assert_true (g_str_has_prefix (line, "/usr/bin/bwrap --unshare-user "));
  g_assert_true (g_str_has_suffix (line, " -- /run/corral/jail-helper --probe --bridge -- /probe"));
  host.bwrap_path = NULL;
  g_assert_null (corral_jail_probe_argv (&host));
}

/* A document-portal folder (a Flatpak's file chooser): said, with the
 * grant that works, before anything starts. */
static void
test_portal_project (void)
{
  static const char * const portal[] = {
    "/run/user/1000/doc/5f2a1b3c/proj", "/run/flatpak/doc/5f2a1b3c/proj",
  };
  static const char * const plain[] = {
    "/home/me/proj", "/run/user/1000/proj", "/run/user/doc/x", "/srv/run/user/1000/doc/a/b",
  };

  for (guint i = 0; i < G_N_ELEMENTS (portal); i++)
    {
      g_autoptr(GError) error = NULL;

      g_assert_false (corral_jail_check_project (portal[i], &error));
      g_assert_error (error, CORRAL_JAIL_ERROR, CORRAL_JAIL_ERROR_PORTAL);
      g_assert_nonnull (strstr (error->message, "flatpak override --user --filesystem="));
    }
  for (guint i = 0; i < G_N_ELEMENTS (plain); i++)
    g_assert_true (corral_jail_check_project (plain[i], NULL));
}

/* Finding 15: a child whose parent is already gone when it sets
 * PR_SET_PDEATHSIG would never get the signal: it must end itself. */
static void
test_child_setup (void)
{
  for (guint i = 0; i < 2; i++)
    {
      pid_t me = getpid ();
      pid_t child = fork ();
      int status;

      g_assert_cmpint (child, >=, 0);
      if (child == 0)
        {
          int sig = 0;

          /* i == 0: the parent we were forked by; i == 1: one that is gone. */
          corral_jail_child_setup (GINT_TO_POINTER (i == 0 ? me : me + 100000));
          prctl (PR_GET_PDEATHSIG, &sig);
          _exit (sig == SIGTERM ? 0 : 1);
        }
      g_assert_cmpint (waitpid (child, &status, 0), ==, child);
      g_assert_true (WIFEXITED (status));
      g_assert_cmpint (WEXITSTATUS (status), ==, i == 0 ? 0 : 127);
    }
}

int
main (int argc, char **argv)
{
  int status;

  g_test_init (&argc, &argv, NULL);
  guest_dir = g_dir_make_tmp ("corral-jail-XXXXXX", NULL);
  for (guint i = 0; i < 3; i++)
    {
      const char *names[] = { "vmlinux", "initrd", "disk.img" };
      g_autofree char *path = g_build_filename (guest_dir, names[i], NULL);
      g_assert_true (g_file_set_contents (path, "", 0, NULL));
    }

  g_test_add_func ("/jail/golden-allowlist", test_golden_allowlist);
  g_test_add_func ("/jail/golden-full", test_golden_full);
  g_test_add_func ("/jail/network-off", test_network_off);
  g_test_add_func ("/jail/slirp-fallback", test_slirp_fallback);
  g_test_add_func ("/jail/shares", test_shares);
  g_test_add_func ("/jail/hostile-paths", test_hostile_paths);
  g_test_add_func ("/jail/bind-order", test_bind_order);
  g_test_add_func ("/jail/programs-under-tmp", test_programs_under_tmp);
  g_test_add_func ("/jail/unconfined-and-flatpak", test_unconfined_and_flatpak);
  g_test_add_func ("/jail/choose", test_choose);
  g_test_add_func ("/jail/slirp-versions", test_slirp_versions);
  g_test_add_func ("/jail/probe-argv", test_probe_argv);
  g_test_add_func ("/jail/child-setup", test_child_setup);
  g_test_add_func ("/jail/portal-project", test_portal_project);
  status = g_test_run ();
  for (guint i = 0; i < 3; i++)
    {
      const char *names[] = { "vmlinux", "initrd", "disk.img" };
      g_autofree char *path = g_build_filename (guest_dir, names[i], NULL);
      g_unlink (path);
    }
  g_rmdir (guest_dir);
  return status;
}
