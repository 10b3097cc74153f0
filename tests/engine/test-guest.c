/* test-guest.c: guest manifests are read right, and each mistake is named */
#include "config.h"

#include <glib/gstdio.h>

#include "corral-guest.h"

static char *
make_guest_dir (void)
{
  g_autofree char *dir = g_build_filename (g_get_user_data_dir (), "guest", NULL);

  g_assert_cmpint (g_mkdir_with_parents (dir, 0700), ==, 0);
  for (guint i = 0; i < 3; i++)
    {
      const char *names[] = { "vmlinux", "initrd.cpio", "disk.img" };
      g_autofree char *file = g_build_filename (dir, names[i], NULL);
      g_assert_true (g_file_set_contents (file, "x", 1, NULL));
    }
  return g_steal_pointer (&dir);
}

static char *
write_manifest (const char *dir, const char *text)
{
  char *path = g_build_filename (dir, "guest.ini", NULL);

  g_assert_true (g_file_set_contents (path, text, -1, NULL));
  return path;
}

static void
test_full (void)
{
  g_autofree char *dir = make_guest_dir ();
  g_autofree char *manifest = write_manifest (dir,
    "[Guest]\nName=Tiny\nKernel=vmlinux\nInitrd=./initrd.cpio\nCmdline=console=ttyS0 quiet\n"
    "Disk=disk.img\nDiskFormat=qcow2\nDiskSnapshot=true\nAgentConsole=virtio\nAgentSerial=1\nEnterSerial=0\n"
    "Graphical=true\nVga=std\nMachine=pc\nMinMemory=256\n");
  g_autoptr(GError) error = NULL;
  g_autoptr(CorralGuest) g = corral_guest_load (manifest, &error);
  g_autofree char *kernel = g_build_filename (dir, "vmlinux", NULL);
  g_autofree char *initrd = g_build_filename (dir, "initrd.cpio", NULL);
  g_autofree char *disk = g_build_filename (dir, "disk.img", NULL);

  g_assert_no_error (error);
  g_assert_cmpstr (corral_guest_get_name (g), ==, "Tiny");
  g_assert_cmpstr (corral_guest_get_manifest_path (g), ==, manifest);
  g_assert_cmpstr (corral_guest_get_kernel (g), ==, kernel);
  g_assert_cmpstr (corral_guest_get_initrd (g), ==, initrd);
  g_assert_cmpstr (corral_guest_get_cmdline (g), ==, "console=ttyS0 quiet");
  g_assert_cmpstr (corral_guest_get_disk (g), ==, disk);
  g_assert_cmpstr (corral_guest_get_disk_format (g), ==, "qcow2");
  g_assert_true (corral_guest_get_disk_snapshot (g));
  g_assert_cmpuint (corral_guest_get_agent_serial (g), ==, 1);
  g_assert_true (corral_guest_get_agent_virtio (g));
  g_assert_cmpuint (corral_guest_get_enter_serial (g), ==, 0);
  g_assert_true (corral_guest_get_graphical (g));
  g_assert_cmpstr (corral_guest_get_vga (g), ==, "std");
  g_assert_cmpstr (corral_guest_get_machine (g), ==, "pc");
  g_assert_cmpuint (corral_guest_get_min_memory_mib (g), ==, 256);
}

static void
test_minimal_defaults (void)
{
  g_autofree char *dir = make_guest_dir ();
  g_autofree char *kernel = g_build_filename (dir, "vmlinux", NULL);
  g_autofree char *text = g_strdup_printf ("[Guest]\nKernel=%s\n", kernel);
  g_autoptr(GError) error = NULL;
  g_autoptr(CorralGuest) g = corral_guest_new_from_data (text, "/nonexistent", &error);

  g_assert_no_error (error);
  g_assert_cmpstr (corral_guest_get_kernel (g), ==, kernel);
  g_assert_null (corral_guest_get_initrd (g));
  g_assert_null (corral_guest_get_disk (g));
  g_assert_cmpstr (corral_guest_get_cmdline (g), ==, "");
  g_assert_cmpstr (corral_guest_get_disk_format (g), ==, "raw");
  g_assert_false (corral_guest_get_disk_snapshot (g));
  g_assert_cmpuint (corral_guest_get_agent_serial (g), ==, 0);
  g_assert_false (corral_guest_get_agent_virtio (g));
  g_assert_cmpuint (corral_guest_get_enter_serial (g), ==, 1);
  g_assert_false (corral_guest_get_graphical (g));
  g_assert_cmpstr (corral_guest_get_vga (g), ==, "none");
  g_assert_cmpstr (corral_guest_get_machine (g), ==, "q35");
  g_assert_null (corral_guest_get_manifest_path (g));
}

typedef struct {
  const char *body;
  int code;
  const char *in_message;
} BadCase;

static void
test_errors (void)
{
  g_autofree char *dir = make_guest_dir ();
  const BadCase cases[] = {
    { "not a key file [", CORRAL_GUEST_ERROR_PARSE, NULL },
    { "[Other]\nKernel=vmlinux\n", CORRAL_GUEST_ERROR_MISSING, "[Guest]" },
    { "[Guest]\nName=x\n", CORRAL_GUEST_ERROR_MISSING, "Kernel" },
    { "[Guest]\nKernel=\n", CORRAL_GUEST_ERROR_MISSING, "Kernel" },
    { "[Guest]\nKernel=nope\n", CORRAL_GUEST_ERROR_NOT_FOUND, "Kernel" },
    { "[Guest]\nKernel=vmlinux\nInitrd=gone.cpio\n", CORRAL_GUEST_ERROR_NOT_FOUND, "Initrd" },
    { "[Guest]\nKernel=vmlinux\nDisk=gone.img\n", CORRAL_GUEST_ERROR_NOT_FOUND, "Disk" },
    { "[Guest]\nKernel=vmlinux\nGraphical=sometimes\n", CORRAL_GUEST_ERROR_PARSE, "Graphical" },
    { "[Guest]\nKernel=vmlinux\nAgentSerial=ttyS0\n", CORRAL_GUEST_ERROR_PARSE, "AgentSerial" },
    { "[Guest]\nKernel=vmlinux\nAgentConsole=hvc0\n", CORRAL_GUEST_ERROR_PARSE, "AgentConsole" },
    { "[Guest]\nKernel=vmlinux\nAgentSerial=9\n", CORRAL_GUEST_ERROR_PARSE, "AgentSerial" },
    { "[Guest]\nKernel=vmlinux\nEnterSerial=0\n", CORRAL_GUEST_ERROR_PARSE, "EnterSerial" },
    { "[Guest]\nKernel=vmlinux\nVga=cirrus\n", CORRAL_GUEST_ERROR_PARSE, "Vga" },
    { "[Guest]\nKernel=vmlinux\nMachine=q35,accel=kvm\n", CORRAL_GUEST_ERROR_PARSE, "Machine" },
    { "[Guest]\nKernel=vmlinux\nMachine=microvm\n", CORRAL_GUEST_ERROR_PARSE, "Machine" },
    { "[Guest]\nKernel=vmlinux\nDiskFormat=vmdk\n", CORRAL_GUEST_ERROR_PARSE, "DiskFormat" },
    { "[Guest]\nKernel=vmlinux\nMinMemory=-5\n", CORRAL_GUEST_ERROR_PARSE, "MinMemory" },
    /* Found by fuzzing: a control character reached QEMU's command line
     * and --dry-run's output; a bad escape before a lone backslash made
     * GLib warn (an abort under fatal warnings). */
    { "[Guest]\nKernel=vmlinux\nCmdline=console=ttyS0\\rhidden\n", CORRAL_GUEST_ERROR_PARSE, "control character" },
    { "[Guest]\nKernel=vmlinux\nName=\x1b[2J\n", CORRAL_GUEST_ERROR_PARSE, "Name" },
    { "[Guest]\nKernel=vmlinux\nName=a\\3b\\\n", CORRAL_GUEST_ERROR_PARSE, "lone backslash" },
  };

  for (guint i = 0; i < G_N_ELEMENTS (cases); i++)
    {
      g_autofree char *manifest = write_manifest (dir, cases[i].body);
      g_autoptr(GError) error = NULL;
      g_autoptr(CorralGuest) g = corral_guest_load (manifest, &error);

      g_test_message ("case %u: %s", i, error ? error->message : "(no error)");
      g_assert_null (g);
      g_assert_error (error, CORRAL_GUEST_ERROR, cases[i].code);
      /* The message names the manifest and the key to fix. */
      g_assert_nonnull (strstr (error->message, manifest));
      if (cases[i].in_message)
        g_assert_nonnull (strstr (error->message, cases[i].in_message));
    }
}

static void
test_missing_manifest (void)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(CorralGuest) g = corral_guest_load ("/nonexistent/guest.ini", &error);

  g_assert_null (g);
  g_assert_error (error, CORRAL_GUEST_ERROR, CORRAL_GUEST_ERROR_NOT_FOUND);
  g_assert_nonnull (strstr (error->message, "/nonexistent/guest.ini"));
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, G_TEST_OPTION_ISOLATE_DIRS, NULL);
  g_test_add_func ("/guest/full", test_full);
  g_test_add_func ("/guest/minimal-defaults", test_minimal_defaults);
  g_test_add_func ("/guest/errors", test_errors);
  g_test_add_func ("/guest/missing-manifest", test_missing_manifest);
  return g_test_run ();
}
