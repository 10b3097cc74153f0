/* test-qemu-accepts.c: the real QEMU accepts every command variant the
 * builder makes (built paused, then asked to quit; nothing boots) */
#include "config.h"

#include <sys/socket.h>
#include <unistd.h>
#include <glib/gstdio.h>
#include <gio/gio.h>

#include "corral-meta-dir.h"
#include "corral-qemu-command.h"

static char *base;

static char *
make_dir (const char *name)
{
  char *path = g_build_filename (base, name, NULL);

  g_assert_cmpint (g_mkdir_with_parents (path, 0700), ==, 0);
  return path;
}

static void
make_file (const char *dir, const char *name, gsize size)
{
  g_autofree char *path = g_build_filename (dir, name, NULL);
  g_autofree char *zeros = g_malloc0 (size + 1);

  g_assert_true (g_file_set_contents (path, zeros, size, NULL));
}

/* Runs @cmd with QMP on a socket, asks it to quit; returns QEMU's stderr
 * when it did not exit 0 by itself. */
static char *
qemu_refuses (CorralQemuCommand *cmd)
{
  g_autoptr(GSubprocessLauncher) launcher = NULL;
  g_autoptr(GSubprocess) qemu = NULL;
  g_autoptr(GError) error = NULL;
  g_autoptr(GPtrArray) argv = g_ptr_array_new ();
  g_autofree char *err = NULL;
  static const char quit[] = "{\"execute\":\"qmp_capabilities\"}\n{\"execute\":\"quit\"}\n";
  int sv[2];

  for (guint i = 0; cmd->argv[i] != NULL; i++)
    g_ptr_array_add (argv, cmd->argv[i]);
  g_ptr_array_add (argv, (gpointer) "-S");
  g_ptr_array_add (argv, NULL);

  g_assert_cmpint (socketpair (AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, sv), ==, 0);
  launcher = g_subprocess_launcher_new (G_SUBPROCESS_FLAGS_STDOUT_SILENCE | G_SUBPROCESS_FLAGS_STDERR_PIPE);
  g_subprocess_launcher_set_environ (launcher, cmd->envp);
  g_subprocess_launcher_take_fd (launcher, sv[1], 3);
  qemu = g_subprocess_launcher_spawnv (launcher, (const char * const *) argv->pdata, &error);
  g_assert_no_error (error);
  g_clear_object (&launcher);
  if (send (sv[0], quit, sizeof quit - 1, MSG_NOSIGNAL) < 0)
    { /* died already: stderr says why */ }
  g_assert_true (g_subprocess_communicate_utf8 (qemu, NULL, NULL, NULL, &err, &error));
  g_assert_no_error (error);
  close (sv[0]);
  if (g_subprocess_get_if_exited (qemu) && g_subprocess_get_exit_status (qemu) == 0)
    return NULL;
  return g_steal_pointer (&err);
}

typedef struct {
  const char *name;
  const char *manifest;
  gboolean network;
  gboolean hostile;
  gboolean clipboard;  /* the display's clipboard port (as the Vm adds it) */
} Variant;

static void
test_variants (void)
{
  g_autoptr(CorralHost) host = corral_host_probe (NULL);
  g_autofree char *guest_dir = make_dir ("gu,est dir");
  g_autofree char *meta = make_dir ("run/meta");
  g_autofree char *gitconfig = make_dir ("run/gitconfig");
  g_autofree char *state = make_dir ("state");
  g_autofree char *claude = make_dir ("home/.claude");
  g_autofree char *git = make_dir ("home/.config/git");
  g_autofree char *gh = make_dir ("home/.config/gh");
  g_autofree char *ssh = make_dir ("home/.ssh");
  g_autofree char *plain = make_dir ("project");
  g_autofree char *hostile = make_dir ("pro,ject ,,it's \"odd\" caf\xe9=x");
  g_auto(GStrv) env = g_get_environ ();
  const Variant variants[] = {
    { "graphical virtio, network", "Graphical=true\nVga=virtio\n", TRUE, FALSE },
    { "graphical std, no network", "Graphical=true\nVga=std\n", FALSE, FALSE },
    { "serial only, raw disk snapshot", "Disk=disk.img\nDiskSnapshot=true\n", TRUE, FALSE },
    { "hostile paths, swapped serials", "AgentSerial=1\nEnterSerial=0\nDisk=disk.img\n", FALSE, TRUE },
    { "agent on a virtio-serial port beside the clipboard's",
      "AgentConsole=virtio\nGraphical=true\nVga=virtio\n", FALSE, FALSE, TRUE },
  };

  if (host->qemu_path == NULL)
    {
      g_test_skip ("no QEMU");
      return;
    }
  /* QEMU reads the kernel while building the machine: a real one (the
   * tiny test guest's, copied to a hostile path for the last variant). */
  {
    g_autofree char *tiny_dir = g_path_get_dirname (g_getenv ("CORRAL_TEST_GUEST"));
    const char *names[] = { "vmlinux", "initrd" };
    const char *sources[] = { "vmlinux", "initrd.cpio" };

    for (guint i = 0; i < 2; i++)
      {
        g_autofree char *from = g_build_filename (tiny_dir, sources[i], NULL);
        g_autofree char *to = g_build_filename (guest_dir, names[i], NULL);
        g_autoptr(GFile) f = g_file_new_for_path (from);
        g_autoptr(GFile) t = g_file_new_for_path (to);
        g_autoptr(GError) error = NULL;

        g_file_copy (f, t, G_FILE_COPY_NONE, NULL, NULL, NULL, &error);
        g_assert_no_error (error);
      }
  }
  make_file (guest_dir, "disk.img", 1024 * 1024);

  for (guint i = 0; i < G_N_ELEMENTS (variants); i++)
    {
      g_autofree char *text = g_strdup_printf ("[Guest]\nKernel=vmlinux\nInitrd=initrd\nCmdline=console=ttyS0\n%s",
                                               variants[i].manifest);
      g_autoptr(CorralGuest) guest = corral_guest_new_from_data (text, guest_dir, NULL);
      g_autoptr(CorralProfile) profile = corral_profile_new (variants[i].hostile ? hostile : plain);
      g_autoptr(CorralQemuCommand) cmd = NULL;
      g_autoptr(GError) error = NULL;
      g_autofree char *refused = NULL;
      CorralRuntime rt;

      g_assert_nonnull (guest);
      corral_profile_set_memory_mib (profile, 128);
      corral_profile_set_cores (profile, 1);
      corral_profile_set_network (profile, variants[i].network);
      corral_runtime_init (&rt);
      rt.meta_dir = meta;
      rt.state_dir = state;
      rt.qmp_fd = 3;
      rt.agent_chardev = "null";
      rt.enter_chardev = "null";
      rt.boot_chardev = "null";
      rt.clipboard_chardev = variants[i].clipboard ? "null" : NULL;
      rt.parent_env = (const char * const *) env;
      rt.share_sources[CORRAL_SHARE_ID_CLAUDE_AUTH] = claude;
      rt.share_sources[CORRAL_SHARE_ID_GIT_CONFIG] = variants[i].hostile ? hostile : gitconfig;
      rt.share_sources[CORRAL_SHARE_ID_GIT_CONFIG_DIR] = git;
      rt.share_sources[CORRAL_SHARE_ID_GH_CONFIG_DIR] = gh;
      rt.share_sources[CORRAL_SHARE_ID_SSH_DIR] = ssh;

      cmd = corral_qemu_command_build (profile, guest, host, &rt, &error);
      g_assert_no_error (error);
      refused = qemu_refuses (cmd);
      if (refused != NULL)
        {
          g_autofree char *line = corral_qemu_command_to_shell (cmd);
          g_test_message ("%s: %s\n%s", variants[i].name, line, refused);
        }
      g_assert_null (refused);
    }
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, G_TEST_OPTION_ISOLATE_DIRS, NULL);
  g_unsetenv ("CORRAL_QEMU");
  if (g_getenv ("CORRAL_TEST_GUEST") == NULL)
    {
      g_printerr ("CORRAL_TEST_GUEST must name the tiny guest's manifest\n");
      return 1;
    }
  base = g_dir_make_tmp ("corral-qemu-accepts-XXXXXX", NULL);
  g_test_add_func ("/qemu-accepts/variants", test_variants);
  {
    int status = g_test_run ();
    corral_remove_tree (base, NULL);
    return status;
  }
}
