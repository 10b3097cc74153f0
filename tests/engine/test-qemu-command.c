/* test-qemu-command.c: the exact QEMU command for every setting */
#include "config.h"

#include <glib/gstdio.h>

#include "corral-qemu-command.h"

static char *guest_dir;

/* A guest whose files exist (the manifest parser checks), in guest_dir. */
static CorralGuest *
make_guest (const char *extra)
{
  g_autofree char *text = g_strdup_printf ("[Guest]\nName=T\nKernel=vmlinux\nInitrd=initrd\n"
                                           "Cmdline=console=ttyS0 quiet\n%s", extra);
  g_autoptr(GError) error = NULL;
  CorralGuest *guest = corral_guest_new_from_data (text, guest_dir, &error);

  g_assert_no_error (error);
  return guest;
}

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
  };
  return host;
}

static void
make_runtime (CorralRuntime *rt)
{
  corral_runtime_init (rt);
  rt->meta_dir = "/run/user/1000/corral/p-0123456789ab/meta";
  rt->state_dir = "/home/me/.local/state/corral/projects/p-0123456789ab";
  rt->qmp_fd = 7;
  rt->agent_chardev = "serial,path=/dev/pts/3";
  rt->enter_chardev = "serial,path=/dev/pts/4";
  rt->share_sources[CORRAL_SHARE_ID_CLAUDE_AUTH] = "/home/me/.claude";
  rt->share_sources[CORRAL_SHARE_ID_GIT_CONFIG] = "/run/user/1000/corral/p-0123456789ab/gitconfig";
  rt->share_sources[CORRAL_SHARE_ID_GIT_CONFIG_DIR] = "/home/me/.config/git";
  rt->share_sources[CORRAL_SHARE_ID_GH_CONFIG_DIR] = "/home/me/.config/gh";
  rt->share_sources[CORRAL_SHARE_ID_SSH_DIR] = "/home/me/.ssh";
}

static char *
build_line (CorralProfile *profile, CorralGuest *guest, const CorralHost *host, const CorralRuntime *rt)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(CorralQemuCommand) cmd = corral_qemu_command_build (profile, guest, host, rt, &error);
  g_autofree char *line = NULL;
  GString *s;

  g_assert_no_error (error);
  line = corral_qemu_command_to_shell (cmd);
  /* Golden strings name the guest folder @G@. */
  s = g_string_new (line);
  g_string_replace (s, guest_dir, "@G@", 0);
  return g_string_free (s, FALSE);
}

static const char *share_args =
  " -fsdev local,id=fs_project_share,path=/home/me/proj,security_model=none"
  " -device virtio-9p-pci,fsdev=fs_project_share,mount_tag=project_share"
  " -fsdev local,id=fs_claude_auth,path=/home/me/.claude,security_model=none"
  " -device virtio-9p-pci,fsdev=fs_claude_auth,mount_tag=claude_auth"
  " -fsdev local,id=fs_git_config,path=/run/user/1000/corral/p-0123456789ab/gitconfig,security_model=none,readonly=on"
  " -device virtio-9p-pci,fsdev=fs_git_config,mount_tag=git_config"
  " -fsdev local,id=fs_git_config_dir,path=/home/me/.config/git,security_model=none,readonly=on"
  " -device virtio-9p-pci,fsdev=fs_git_config_dir,mount_tag=git_config_dir"
  " -fsdev local,id=fs_gh_config_dir,path=/home/me/.config/gh,security_model=none,readonly=on"
  " -device virtio-9p-pci,fsdev=fs_gh_config_dir,mount_tag=gh_config_dir"
  " -fsdev local,id=fs_ssh_dir,path=/home/me/.ssh,security_model=none,readonly=on"
  " -device virtio-9p-pci,fsdev=fs_ssh_dir,mount_tag=ssh_dir"
  " -fsdev local,id=fs_claude_meta,path=/run/user/1000/corral/p-0123456789ab/meta,security_model=none,readonly=on"
  " -device virtio-9p-pci,fsdev=fs_claude_meta,mount_tag=claude_meta"
  " -fsdev local,id=fs_state_dir,path=/home/me/.local/state/corral/projects/p-0123456789ab,security_model=none"
  " -device virtio-9p-pci,fsdev=fs_state_dir,mount_tag=state_dir";

static const char *console_args =
  " -chardev serial,path=/dev/pts/3,id=agent -chardev serial,path=/dev/pts/4,id=enter"
  " -serial chardev:agent -serial chardev:enter"
  " -chardev socket,id=qmp,fd=7 -mon chardev=qmp,mode=control";

static void
test_golden_full (void)
{
  g_autoptr(CorralProfile) profile = corral_profile_new ("/home/me/proj");
  g_autoptr(CorralGuest) guest = make_guest ("Graphical=true\nVga=virtio\n");
  CorralHost host = make_host ();
  CorralRuntime rt;
  g_autofree char *line = NULL;
  g_autofree char *expected = NULL;

  make_runtime (&rt);
  line = build_line (profile, guest, &host, &rt);
  expected = g_strconcat (
    "/usr/bin/qemu-system-x86_64 -nodefaults -no-user-config -machine q35"
    " -sandbox on,obsolete=deny,elevateprivileges=deny,spawn=deny,resourcecontrol=deny"
    " -accel kvm -cpu host -m 4096 -smp 4"
    " -display none -vnc none -device virtio-vga -device qemu-xhci -device usb-tablet"
    " -kernel @G@/vmlinux -initrd @G@/initrd -append 'console=ttyS0 quiet'"
    " -nic user,model=virtio-net-pci",
    share_args, console_args, NULL);
  g_assert_cmpstr (line, ==, expected);
}

static gboolean argv_has (CorralQemuCommand *cmd, const char *needle);

static void
test_golden_minimal (void)
{
  g_autoptr(CorralProfile) profile = corral_profile_new ("/home/me/proj");
  g_autoptr(CorralGuest) guest = make_guest ("Disk=disk.img\nDiskSnapshot=true\n");
  CorralHost host = make_host ();
  CorralRuntime rt;
  g_autofree char *line = NULL;
  g_autoptr(GError) error = NULL;
  g_autoptr(CorralQemuCommand) cmd = NULL;

  /* No KVM, no network, no optional share, no QMP, no second console,
   * not graphical: the smallest command. */
  host.kvm_usable = FALSE;
  host.seccomp = FALSE;
  corral_runtime_init (&rt);
  corral_profile_set_network (profile, FALSE);
  corral_profile_set_memory_mib (profile, 1024);
  corral_profile_set_cores (profile, 2);
  line = build_line (profile, guest, &host, &rt);
  g_assert_cmpstr (line, ==,
    "/usr/bin/qemu-system-x86_64 -nodefaults -no-user-config -machine q35"
    " -accel tcg,tb-size=256 -cpu max -m 1024 -smp 2 -display none"
    " -kernel @G@/vmlinux -initrd @G@/initrd -append 'console=ttyS0 quiet'"
    " -drive file=@G@/disk.img,format=raw,if=virtio,cache=writeback,snapshot=on"
    " -nic none"
    " -fsdev local,id=fs_project_share,path=/home/me/proj,security_model=none"
    " -device virtio-9p-pci,fsdev=fs_project_share,mount_tag=project_share"
    " -chardev null,id=agent -serial chardev:agent");

  /* Without KVM, and without QEMU's seccomp filter, the UI gets a
   * warning to show for each: a run without the filter is never silent. */
  cmd = corral_qemu_command_build (profile, guest, &host, &rt, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (g_strv_length (cmd->warnings), ==, 2);
  g_assert_nonnull (strstr (cmd->warnings[0], "system-call filter"));
  g_assert_nonnull (strstr (cmd->warnings[0], "-sandbox"));
  g_assert_nonnull (strstr (cmd->warnings[1], "KVM"));
  g_clear_pointer (&cmd, corral_qemu_command_free);

  /* With the filter: no such warning. */
  host.seccomp = TRUE;
  cmd = corral_qemu_command_build (profile, guest, &host, &rt, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (g_strv_length (cmd->warnings), ==, 1);
  g_assert_true (argv_has (cmd, CORRAL_QEMU_SANDBOX));
}

static gboolean
argv_has (CorralQemuCommand *cmd, const char *needle)
{
  for (guint i = 0; cmd->argv[i] != NULL; i++)
    if (strstr (cmd->argv[i], needle) != NULL)
      return TRUE;
  return FALSE;
}

static guint
argv_count_suffix (CorralQemuCommand *cmd, const char *suffix)
{
  guint n = 0;

  for (guint i = 0; cmd->argv[i] != NULL; i++)
    if (g_str_has_suffix (cmd->argv[i], suffix))
      n++;
  return n;
}

/* Every combination of profile flag x source present: a share appears
 * exactly when both hold. */
static void
test_optional_shares (void)
{
  g_autoptr(CorralGuest) guest = make_guest ("");
  CorralHost host = make_host ();
  static const struct { CorralShareId id; CorralShares flag; } table[] = {
    { CORRAL_SHARE_ID_CLAUDE_AUTH, CORRAL_SHARE_CLAUDE },
    { CORRAL_SHARE_ID_GIT_CONFIG, CORRAL_SHARE_GIT_CONFIG },
    { CORRAL_SHARE_ID_GIT_CONFIG_DIR, CORRAL_SHARE_GIT_CONFIG },
    { CORRAL_SHARE_ID_GH_CONFIG_DIR, CORRAL_SHARE_GH_CONFIG },
    { CORRAL_SHARE_ID_SSH_DIR, CORRAL_SHARE_SSH },
  };

  for (guint flags = 0; flags < 16; flags++)
    for (guint present = 0; present < 32; present++)
      {
        g_autoptr(CorralProfile) profile = corral_profile_new ("/p");
        g_autoptr(CorralQemuCommand) cmd = NULL;
        g_autoptr(GError) error = NULL;
        CorralRuntime rt;

        make_runtime (&rt);
        for (guint i = 0; i < CORRAL_N_SHARE_IDS; i++)
          if ((present & (1u << i)) == 0)
            rt.share_sources[i] = NULL;
        corral_profile_set_shares (profile, flags);
        cmd = corral_qemu_command_build (profile, guest, &host, &rt, &error);
        g_assert_no_error (error);

        for (guint i = 0; i < G_N_ELEMENTS (table); i++)
          {
            g_autofree char *tag = g_strdup_printf (",mount_tag=%s", corral_share_id_get_tag (table[i].id));
            gboolean expect = (flags & table[i].flag) && (present & (1u << table[i].id));

            g_assert_cmpuint (argv_count_suffix (cmd, tag), ==, expect ? 1 : 0);
          }
        /* The fixed shares are always there. */
        g_assert_true (argv_has (cmd, "mount_tag=project_share"));
        g_assert_true (argv_has (cmd, "mount_tag=claude_meta"));
        g_assert_true (argv_has (cmd, "mount_tag=state_dir"));
      }
}

static void
test_read_only_modes (void)
{
  g_autoptr(CorralProfile) profile = corral_profile_new ("/home/me/proj");
  g_autoptr(CorralGuest) guest = make_guest ("");
  CorralHost host = make_host ();
  CorralRuntime rt;
  g_autoptr(CorralQemuCommand) cmd = NULL;
  static const struct { const char *id; gboolean ro; } modes[] = {
    { "fs_project_share", FALSE }, { "fs_claude_auth", FALSE },
    { "fs_git_config", TRUE }, { "fs_git_config_dir", TRUE },
    { "fs_gh_config_dir", TRUE }, { "fs_ssh_dir", TRUE },
    { "fs_claude_meta", TRUE }, { "fs_state_dir", FALSE },
  };

  make_runtime (&rt);
  cmd = corral_qemu_command_build (profile, guest, &host, &rt, NULL);
  for (guint m = 0; m < G_N_ELEMENTS (modes); m++)
    {
      g_autofree char *prefix = g_strdup_printf ("local,id=%s,", modes[m].id);
      gboolean found = FALSE;

      for (guint i = 0; cmd->argv[i] != NULL; i++)
        if (g_str_has_prefix (cmd->argv[i], prefix))
          {
            g_assert_cmpint (g_str_has_suffix (cmd->argv[i], ",readonly=on"), ==, modes[m].ro);
            found = TRUE;
          }
      g_assert_true (found);
    }
}

/* QEMU's option syntax: key=value pairs split at single commas, ",," is a
 * literal comma; the first item may be a bare value (the driver). */
static GHashTable *
parse_qemu_opts (const char *text)
{
  GHashTable *opts = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, g_free);
  GString *item = g_string_new (NULL);
  gboolean first = TRUE;

  for (const char *p = text; ; p++)
    {
      if (*p == ',' && p[1] == ',')
        {
          g_string_append_c (item, ',');
          p++;
          continue;
        }
      if (*p == ',' || *p == '\0')
        {
          char *eq = strchr (item->str, '=');
          if (eq == NULL && first)
            g_hash_table_insert (opts, g_strdup ("driver"), g_strdup (item->str));
          else
            {
              g_assert_nonnull (eq);
              g_assert_false (g_hash_table_contains (opts, item->str));
              g_hash_table_insert (opts, g_strndup (item->str, eq - item->str), g_strdup (eq + 1));
            }
          first = FALSE;
          g_string_truncate (item, 0);
          if (*p == '\0')
            break;
          continue;
        }
      g_string_append_c (item, *p);
    }
  g_string_free (item, TRUE);
  return opts;
}

static void
test_hostile_paths (void)
{
  g_autoptr(CorralGuest) guest = make_guest ("");
  CorralHost host = make_host ();
  static const struct { const char *path; const char *escaped; } ok[] = {
    { "/home/me/a,b", "path=/home/me/a,,b," },
    { "/home/me/a,,b,", "path=/home/me/a,,,,b,,," },
    { "/home/me/my project", "path=/home/me/my project," },
    { "/home/me/it's \"quoted\"", "path=/home/me/it's \"quoted\"," },
    { "/home/me/$(rm -rf ~);`x`", "path=/home/me/$(rm -rf ~);`x`," },
    { "/home/me/caf\xe9", "path=/home/me/caf\xe9," },   /* Latin-1: bytes kept */
    { "/home/me/x=y,id=evil", "path=/home/me/x=y,,id=evil," },
  };

  for (guint i = 0; i < G_N_ELEMENTS (ok); i++)
    {
      g_autoptr(CorralProfile) profile = corral_profile_new (ok[i].path);
      g_autoptr(CorralQemuCommand) cmd = NULL;
      g_autoptr(GError) error = NULL;
      g_autofree char *line = NULL;
      g_auto(GStrv) parsed = NULL;
      CorralRuntime rt;

      make_runtime (&rt);
      rt.share_sources[CORRAL_SHARE_ID_SSH_DIR] = ok[i].path;
      cmd = corral_qemu_command_build (profile, guest, &host, &rt, &error);
      g_assert_no_error (error);
      g_assert_true (argv_has (cmd, ok[i].escaped));
      /* Read back the way QEMU reads options: the path comes back whole,
       * and nothing was smuggled in as another option. */
      for (guint a = 0; cmd->argv[a] != NULL; a++)
        if (g_str_has_prefix (cmd->argv[a], "local,id=fs_ssh_dir,") ||
            g_str_has_prefix (cmd->argv[a], "local,id=fs_project_share,"))
          {
            g_autoptr(GHashTable) opts = parse_qemu_opts (cmd->argv[a]);
            g_assert_cmpstr (g_hash_table_lookup (opts, "path"), ==, ok[i].path);
            g_assert_cmpuint (g_hash_table_size (opts), ==, g_str_has_prefix (cmd->argv[a], "local,id=fs_ssh") ? 5 : 4);
            g_assert_true (g_str_has_prefix (g_hash_table_lookup (opts, "id"), "fs_"));
          }

      /* The printed line parses back to the very same argv. */
      line = corral_qemu_command_to_shell (cmd);
      g_assert_null (strchr (line, '\n'));
      g_assert_true (g_shell_parse_argv (line, NULL, &parsed, NULL));
      g_assert_true (g_strv_equal ((const char * const *) parsed, (const char * const *) cmd->argv));
    }
}

static void
test_refused_paths (void)
{
  g_autoptr(CorralGuest) guest = make_guest ("");
  CorralHost host = make_host ();
  const char *bad_project[] = { "/home/me/two\nlines", "relative/proj", "" , "/home/me/cr\rhere" };

  for (guint i = 0; i < G_N_ELEMENTS (bad_project); i++)
    {
      g_autoptr(CorralProfile) profile = corral_profile_new (bad_project[i]);
      g_autoptr(GError) error = NULL;
      CorralQemuCommand *cmd;
      CorralRuntime rt;

      make_runtime (&rt);
      cmd = corral_qemu_command_build (profile, guest, &host, &rt, &error);
      g_assert_null (cmd);
      g_assert_error (error, CORRAL_QEMU_COMMAND_ERROR, CORRAL_QEMU_COMMAND_ERROR_BAD_PATH);
      g_assert_nonnull (strstr (error->message, "project"));
      /* The message is one readable line. */
      g_assert_null (strchr (error->message, '\n'));
    }

  /* An optional share with a newline is refused too, not silently left out. */
  {
    g_autoptr(CorralProfile) profile = corral_profile_new ("/home/me/proj");
    g_autoptr(GError) error = NULL;
    CorralRuntime rt;

    make_runtime (&rt);
    rt.share_sources[CORRAL_SHARE_ID_SSH_DIR] = "/home/me/.s\nsh";
    g_assert_null (corral_qemu_command_build (profile, guest, &host, &rt, &error));
    g_assert_error (error, CORRAL_QEMU_COMMAND_ERROR, CORRAL_QEMU_COMMAND_ERROR_BAD_PATH);
    g_assert_nonnull (strstr (error->message, "ssh_dir"));
  }
}

static void
test_settings_refused (void)
{
  g_autoptr(CorralGuest) guest = make_guest ("MinMemory=512\n");
  CorralHost host = make_host ();
  CorralRuntime rt;

  make_runtime (&rt);
  {
    g_autoptr(CorralProfile) profile = corral_profile_new ("/p");
    g_autoptr(GError) error = NULL;
    corral_profile_set_memory_mib (profile, 16 * 1024 + 1);
    g_assert_null (corral_qemu_command_build (profile, guest, &host, &rt, &error));
    g_assert_error (error, CORRAL_QEMU_COMMAND_ERROR, CORRAL_QEMU_COMMAND_ERROR_BAD_SETTINGS);
    g_assert_nonnull (strstr (error->message, "16385 MiB"));
    g_assert_nonnull (strstr (error->message, "16384 MiB"));
  }
  {
    g_autoptr(CorralProfile) profile = corral_profile_new ("/p");
    g_autoptr(GError) error = NULL;
    g_autoptr(CorralQemuCommand) cmd = NULL;
    corral_profile_set_memory_mib (profile, 16 * 1024);  /* all of it: allowed */
    cmd = corral_qemu_command_build (profile, guest, &host, &rt, &error);
    g_assert_no_error (error);
  }
  {
    g_autoptr(CorralProfile) profile = corral_profile_new ("/p");
    g_autoptr(GError) error = NULL;
    corral_profile_set_memory_mib (profile, 256);
    g_assert_null (corral_qemu_command_build (profile, guest, &host, &rt, &error));
    g_assert_error (error, CORRAL_QEMU_COMMAND_ERROR, CORRAL_QEMU_COMMAND_ERROR_BAD_SETTINGS);
  }
  {
    g_autoptr(CorralProfile) profile = corral_profile_new ("/p");
    g_autoptr(GError) error = NULL;
    CorralHost no_qemu = make_host ();
    no_qemu.qemu_path = NULL;
    g_assert_null (corral_qemu_command_build (profile, guest, &no_qemu, &rt, &error));
    g_assert_error (error, CORRAL_QEMU_COMMAND_ERROR, CORRAL_QEMU_COMMAND_ERROR_NO_QEMU);
  }
  {
    /* More cores than the host has: clamped, and said. */
    g_autoptr(CorralProfile) profile = corral_profile_new ("/p");
    g_autoptr(CorralQemuCommand) cmd = NULL;
    CorralHost small = make_host ();
    small.n_cpus = 2;
    cmd = corral_qemu_command_build (profile, guest, &small, &rt, NULL);
    g_assert_true (argv_has (cmd, "-smp"));
    for (guint i = 0; cmd->argv[i]; i++)
      if (g_str_equal (cmd->argv[i], "-smp"))
        g_assert_cmpstr (cmd->argv[i + 1], ==, "2");
    g_assert_cmpuint (g_strv_length (cmd->warnings), ==, 1);
  }
}

static void
test_env_allowlist (void)
{
  g_autoptr(CorralProfile) profile = corral_profile_new ("/p");
  g_autoptr(CorralGuest) guest = make_guest ("");
  CorralHost host = make_host ();
  CorralRuntime rt;
  g_autoptr(CorralQemuCommand) cmd = NULL;
  const char *env[] = {
    "PATH=/usr/bin", "HOME=/home/me", "LANG=de_DE.UTF-8", "LC_TIME=C",
    "XDG_RUNTIME_DIR=/run/user/1000",
    "ANTHROPIC_API_KEY=sk-ant-SECRET", "GH_TOKEN=ghp_SECRET", "GITHUB_TOKEN=SECRET",
    "SSH_AUTH_SOCK=/run/ssh-SECRET", "AWS_SECRET_ACCESS_KEY=SECRET",
    "LD_PRELOAD=/tmp/SECRET.so", "PATHX=SECRET", "noequals", NULL
  };
  const char *expected[] = {
    "PATH=/usr/bin", "HOME=/home/me", "LANG=de_DE.UTF-8", "LC_TIME=C",
    "XDG_RUNTIME_DIR=/run/user/1000", NULL
  };

  make_runtime (&rt);
  rt.parent_env = env;
  cmd = corral_qemu_command_build (profile, guest, &host, &rt, NULL);
  g_assert_true (g_strv_equal ((const char * const *) cmd->envp, expected));
  for (guint i = 0; cmd->argv[i] != NULL; i++)
    g_assert_null (strstr (cmd->argv[i], "SECRET"));

  /* No parent environment: QEMU gets an empty one, not the app's. */
  rt.parent_env = NULL;
  g_clear_pointer (&cmd, corral_qemu_command_free);
  cmd = corral_qemu_command_build (profile, guest, &host, &rt, NULL);
  g_assert_cmpuint (g_strv_length (cmd->envp), ==, 0);
}

static void
test_serial_order (void)
{
  g_autoptr(CorralProfile) profile = corral_profile_new ("/p");
  g_autoptr(CorralGuest) swapped = make_guest ("AgentSerial=1\nEnterSerial=0\n");
  g_autoptr(CorralGuest) gap = make_guest ("AgentSerial=2\nEnterSerial=0\n");
  CorralHost host = make_host ();
  CorralRuntime rt;
  g_autofree char *a = NULL;
  g_autofree char *b = NULL;
  g_autofree char *c = NULL;

  make_runtime (&rt);
  a = build_line (profile, swapped, &host, &rt);
  g_assert_nonnull (strstr (a, "-serial chardev:enter -serial chardev:agent "));
  b = build_line (profile, gap, &host, &rt);
  g_assert_nonnull (strstr (b, "-serial chardev:enter -serial null -serial chardev:agent "));
  /* No second console: its port gets nothing, the agent keeps its index. */
  rt.enter_chardev = NULL;
  c = build_line (profile, swapped, &host, &rt);
  g_assert_nonnull (strstr (c, "-serial null -serial chardev:agent "));
  g_assert_null (strstr (c, "id=enter"));
}

/* AgentConsole=virtio: the agent on a virtio-serial port (a
 * virtserialport, which QEMU throttles, never a virtconsole, which drops
 * output), on the same PTY a serial agent console gets; its serial port
 * kept for the boot messages; as fds, the way the Vm passes them. */
static void
test_virtio_console (void)
{
  g_autoptr(CorralProfile) profile = corral_profile_new ("/p");
  g_autoptr(CorralGuest) guest = make_guest ("AgentConsole=virtio\nAgentSerial=0\nEnterSerial=1\n");
  g_autoptr(CorralGuest) serial = make_guest ("AgentConsole=serial\n");
  g_autoptr(CorralGuest) graphical = make_guest ("AgentConsole=virtio\nGraphical=true\nVga=virtio\n");
  CorralHost host = make_host ();
  CorralRuntime rt;
  g_autofree char *fds = NULL;
  g_autofree char *strings = NULL;
  g_autofree char *no_boot = NULL;
  g_autofree char *plain = NULL;
  g_autofree char *shared = NULL;

  make_runtime (&rt);
  rt.agent_fd = 5;
  rt.enter_fd = 6;
  rt.boot_fd = 10;
  fds = build_line (profile, guest, &host, &rt);
  g_assert_nonnull (strstr (fds,
    " -add-fd fd=5,set=5 -chardev serial,path=/dev/fdset/5,id=agent"
    " -add-fd fd=6,set=6 -chardev serial,path=/dev/fdset/6,id=enter"
    " -device virtio-serial-pci,id=corral-serial"
    " -device virtserialport,bus=corral-serial.0,chardev=agent,name=io.github.corral.agent.0"
    " -add-fd fd=10,set=10 -chardev serial,path=/dev/fdset/10,id=boot"
    " -serial chardev:boot -serial chardev:enter "));
  g_assert_null (strstr (fds, "virtconsole"));

  rt.agent_fd = rt.enter_fd = rt.boot_fd = -1;
  rt.boot_chardev = "serial,path=/dev/pts/5";
  strings = build_line (profile, guest, &host, &rt);
  g_assert_nonnull (strstr (strings,
    " -chardev serial,path=/dev/pts/3,id=agent -chardev serial,path=/dev/pts/4,id=enter"
    " -device virtio-serial-pci,id=corral-serial"
    " -device virtserialport,bus=corral-serial.0,chardev=agent,name=io.github.corral.agent.0"
    " -chardev serial,path=/dev/pts/5,id=boot -serial chardev:boot -serial chardev:enter "));

  /* Nowhere for the boot messages: the port stays, on a null backend. */
  rt.boot_chardev = NULL;
  no_boot = build_line (profile, guest, &host, &rt);
  g_assert_nonnull (strstr (no_boot, " -serial null -serial chardev:enter "));
  g_assert_null (strstr (no_boot, "id=boot"));

  /* With the display's clipboard port: one controller for both. */
  rt.clipboard_chardev = "socket,fd=4";
  shared = build_line (profile, graphical, &host, &rt);
  g_assert_nonnull (strstr (shared,
    " -device virtio-serial-pci,id=corral-serial -chardev socket,fd=4,id=clipboard"
    " -device virtserialport,bus=corral-serial.0,chardev=clipboard,name=io.github.corral.clipboard.0 "));
  g_assert_nonnull (strstr (shared,
    " -device virtserialport,bus=corral-serial.0,chardev=agent,name=io.github.corral.agent.0 "));
  g_assert_null (strstr (strstr (shared, "id=clipboard"), "virtio-serial-pci"));
  rt.clipboard_chardev = NULL;

  /* serial (the default): as before, no port, no boot chardev. */
  rt.boot_fd = 10;
  plain = build_line (profile, serial, &host, &rt);
  g_assert_nonnull (strstr (plain, " -serial chardev:agent -serial chardev:enter "));
  g_assert_null (strstr (plain, "virtserialport"));
  g_assert_null (strstr (plain, "fdset/10"));
}

static void
test_display_variants (void)
{
  g_autoptr(CorralProfile) profile = corral_profile_new ("/p");
  CorralHost host = make_host ();
  CorralRuntime rt;
  struct { const char *manifest; const char *has; const char *lacks; } cases[] = {
    { "Graphical=true\nVga=std\n", " -vnc none -vga std -device qemu-xhci -device usb-tablet ", "virtio-vga" },
    { "Graphical=true\n", " -vnc none -device virtio-vga -device qemu-xhci -device usb-tablet ", " -vga " },
    { "Graphical=false\n", " -display none -kernel ", "vnc" },
    { "Graphical=true\nVga=none\n", " -display none -kernel ", "usb-tablet" },
    { "Machine=pc\n", " -machine pc ", "q35" },
  };

  make_runtime (&rt);
  for (guint i = 0; i < G_N_ELEMENTS (cases); i++)
    {
      g_autoptr(CorralGuest) guest = make_guest (cases[i].manifest);
      g_autofree char *line = build_line (profile, guest, &host, &rt);

      g_assert_nonnull (strstr (line, cases[i].has));
      g_assert_null (strstr (line, cases[i].lacks));
      /* Never a TCP port, never a window. */
      g_assert_null (strstr (line, "tcp"));
      g_assert_null (strstr (line, "hostfwd"));
      g_assert_null (strstr (line, "-display gtk"));
    }
}

static void
test_clipboard_channel (void)
{
  g_autoptr(CorralProfile) profile = corral_profile_new ("/p");
  g_autoptr(CorralGuest) graphical = make_guest ("Graphical=true\n");
  g_autoptr(CorralGuest) headless = make_guest ("Graphical=false\n");
  CorralHost host = make_host ();
  CorralRuntime rt;
  g_autofree char *none = NULL, *with = NULL, *text_only = NULL;

  make_runtime (&rt);
  none = build_line (profile, graphical, &host, &rt);
  g_assert_null (strstr (none, "virtio-serial"));

  rt.clipboard_chardev = "socket,fd=4";
  with = build_line (profile, graphical, &host, &rt);
  g_assert_nonnull (strstr (with, " -device virtio-serial-pci,id=corral-serial"
                                  " -chardev socket,fd=4,id=clipboard"
                                  " -device virtserialport,bus=corral-serial.0,chardev=clipboard,"
                                  "name=io.github.corral.clipboard.0 "));
  /* No display, no clipboard. */
  text_only = build_line (profile, headless, &host, &rt);
  g_assert_null (strstr (text_only, "clipboard"));
}

/* The agent session's port is on every guest, headless too, and shares
 * the one virtio-serial controller with the clipboard's. */
static void
test_session_channel (void)
{
  g_autoptr(CorralProfile) profile = corral_profile_new ("/p");
  g_autoptr(CorralGuest) graphical = make_guest ("Graphical=true\n");
  g_autoptr(CorralGuest) headless = make_guest ("Graphical=false\n");
  CorralHost host = make_host ();
  CorralRuntime rt;
  g_autofree char *none = NULL, *alone = NULL, *both = NULL;
  const char *second;

  make_runtime (&rt);
  none = build_line (profile, headless, &host, &rt);
  g_assert_null (strstr (none, "id=session"));

  rt.session_chardev = "socket,fd=5";
  alone = build_line (profile, headless, &host, &rt);
  g_assert_nonnull (strstr (alone, " -device virtio-serial-pci,id=corral-serial"
                                   " -chardev socket,fd=5,id=session"
                                   " -device virtserialport,bus=corral-serial.0,chardev=session,"
                                   "name=io.github.corral.session.0 "));

  rt.clipboard_chardev = "socket,fd=4";
  both = build_line (profile, graphical, &host, &rt);
  g_assert_nonnull (strstr (both, "chardev=clipboard,name=io.github.corral.clipboard.0 "));
  g_assert_nonnull (strstr (both, "chardev=session,name=io.github.corral.session.0 "));
  second = strstr (strstr (both, "virtio-serial-pci") + 1, "virtio-serial-pci");
  g_assert_null (second);
}

static void
test_escape (void)
{
  g_autofree char *a = corral_qemu_escape ("a,b,,c");
  g_autofree char *b = corral_qemu_escape ("");
  const char *words[] = { "plain", "two words", "it's", "", NULL };
  g_autofree char *joined = corral_shell_join (words);

  g_assert_cmpstr (a, ==, "a,,b,,,,c");
  g_assert_cmpstr (b, ==, "");
  g_assert_cmpstr (joined, ==, "plain 'two words' 'it'\\''s' ''");
  g_assert_true (corral_qemu_env_allowed ("LC_ALL"));
  g_assert_false (corral_qemu_env_allowed ("ANTHROPIC_API_KEY"));
}

int
main (int argc, char **argv)
{
  const char *files[] = { "vmlinux", "initrd", "disk.img" };
  int status;

  g_test_init (&argc, &argv, G_TEST_OPTION_ISOLATE_DIRS, NULL);

  guest_dir = g_dir_make_tmp ("corral-qemu-cmd-XXXXXX", NULL);
  for (guint i = 0; i < G_N_ELEMENTS (files); i++)
    {
      g_autofree char *f = g_build_filename (guest_dir, files[i], NULL);
      g_assert_true (g_file_set_contents (f, "", 0, NULL));
    }

  g_test_add_func ("/qemu-command/golden-full", test_golden_full);
  g_test_add_func ("/qemu-command/golden-minimal", test_golden_minimal);
  g_test_add_func ("/qemu-command/optional-shares", test_optional_shares);
  g_test_add_func ("/qemu-command/read-only-modes", test_read_only_modes);
  g_test_add_func ("/qemu-command/hostile-paths", test_hostile_paths);
  g_test_add_func ("/qemu-command/refused-paths", test_refused_paths);
  g_test_add_func ("/qemu-command/settings-refused", test_settings_refused);
  g_test_add_func ("/qemu-command/env-allowlist", test_env_allowlist);
  g_test_add_func ("/qemu-command/serial-order", test_serial_order);
  g_test_add_func ("/qemu-command/virtio-console", test_virtio_console);
  g_test_add_func ("/qemu-command/display-variants", test_display_variants);
  g_test_add_func ("/qemu-command/escape", test_escape);
  g_test_add_func ("/qemu-command/clipboard-channel", test_clipboard_channel);
  g_test_add_func ("/qemu-command/session-channel", test_session_channel);
  status = g_test_run ();

  for (guint i = 0; i < G_N_ELEMENTS (files); i++)
    {
      g_autofree char *f = g_build_filename (guest_dir, files[i], NULL);
      g_unlink (f);
    }
  g_rmdir (guest_dir);
  return status;
}
