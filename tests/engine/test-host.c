/* test-host.c: the host probe reports what the machine really has */
#include "config.h"

#include <unistd.h>
#include <glib/gstdio.h>

#include "corral-host.h"

static void
test_probe (void)
{
  g_autoptr(CorralHost) host = corral_host_probe (NULL);
  g_autoptr(CorralHost) copy = NULL;

  g_assert_cmpuint (host->ram_bytes, >, 64 * 1024 * 1024);
  g_assert_cmpuint (host->n_cpus, >=, 1);
  g_assert_cmpuint (host->uid, ==, getuid ());
  /* KVM is only usable where /dev/kvm is, and only if QEMU starts on it. */
  if (host->kvm_usable)
    g_assert_cmpint (access ("/dev/kvm", R_OK | W_OK), ==, 0);

  copy = corral_host_copy (host);
  g_assert_cmpstr (copy->home, ==, host->home);
  g_assert_true (copy->home != host->home);
}

/* The probe believes QEMU's verdict, not the mere presence of /dev/kvm
 * (which opens on hosts where QEMU then dies setting up the vCPU). */
static void
test_kvm_needs_qemu (void)
{
  g_autoptr(CorralHost) failing = corral_host_probe ("false");
  g_autoptr(CorralHost) working = corral_host_probe ("true");

  g_assert_false (failing->kvm_usable);
  g_assert_cmpuint (working->kvm_usable, ==, access ("/dev/kvm", R_OK | W_OK) == 0 &&
                                             corral_host_kvm_runs_guests ("/sys/module"));
  /* Likewise -sandbox: only when QEMU took it. */
  g_assert_false (failing->seccomp);
  g_assert_true (working->seccomp);
}

/* A host whose only KVM is PVM's (seen on these build machines: /dev/kvm
 * opens, QEMU builds the machine, the guest's kernel never prints a line)
 * emulates; a hardware KVM, or one built in (no module listed), runs. */
static void
test_kvm_pvm (void)
{
  g_autofree char *dir = g_dir_make_tmp ("test-host-XXXXXX", NULL);
  const char *mods[] = { "kvm", "kvm_pvm", "kvm_intel" };

  g_assert_nonnull (dir);
  g_assert_true (corral_host_kvm_runs_guests (dir));
  for (guint i = 0; i < G_N_ELEMENTS (mods); i++)
    {
      g_autofree char *sub = g_build_filename (dir, mods[i], NULL);

      g_assert_no_errno (g_mkdir (sub, 0700));
      /* kvm alone, kvm and kvm_pvm, then kvm_intel besides */
      g_assert_cmpuint (corral_host_kvm_runs_guests (dir), ==, i != 1);
    }
  for (guint i = 0; i < G_N_ELEMENTS (mods); i++)
    {
      g_autofree char *sub = g_build_filename (dir, mods[i], NULL);

      g_assert_no_errno (g_rmdir (sub));
    }
  {
    g_autofree char *pvm = g_build_filename (dir, "kvm_pvm", NULL);
    g_autofree char *amd = g_build_filename (dir, "kvm_amd", NULL);

    g_assert_no_errno (g_mkdir (pvm, 0700));
    g_assert_no_errno (g_mkdir (amd, 0700));
    g_assert_true (corral_host_kvm_runs_guests (dir));
    g_assert_no_errno (g_rmdir (pvm));
    g_assert_no_errno (g_rmdir (amd));
  }
  g_assert_no_errno (g_rmdir (dir));
}

static void
test_qemu_override (void)
{
  g_autoptr(CorralHost) missing = corral_host_probe ("/nonexistent/qemu");
  g_autoptr(CorralHost) sh = corral_host_probe ("sh");

  g_assert_null (missing->qemu_path);
  g_assert_nonnull (sh->qemu_path);
  g_assert_true (g_path_is_absolute (sh->qemu_path));
}

static void
assert_dirs (const char *resolved,
             const char *expected)
{
  g_auto(GStrv) dirs = corral_host_program_dirs (resolved, "/home/me/");
  g_autofree char *joined = g_strjoinv (" ", dirs);

  g_assert_cmpstr (joined, ==, expected);
}

/* A program outside /usr brings the folders it loads from into the jail,
 * never the home folder: a QEMU in ~/bin brought all of it (read-only,
 * ~/.ssh included) before. */
static void
test_program_dirs (void)
{
  assert_dirs ("/opt/qemu/bin/qemu-system-x86_64",
               "/opt/qemu/bin /opt/qemu/lib /opt/qemu/lib64 /opt/qemu/libexec /opt/qemu/share/qemu");
  assert_dirs ("/nix/store/abc-qemu-8.2/bin/qemu-system-x86_64", "/nix/store");
  assert_dirs ("/home/me/bin/qemu-system-x86_64",
               "/home/me/bin /home/me/lib /home/me/lib64 /home/me/libexec /home/me/share/qemu");
  assert_dirs ("/home/me/src/qemu/build/qemu-system-x86_64",
               "/home/me/src/qemu/build /home/me/src/qemu/lib /home/me/src/qemu/lib64 "
               "/home/me/src/qemu/libexec /home/me/src/qemu/share/qemu");
  assert_dirs ("/home/me/qemu-system-x86_64",
               "/home/lib /home/lib64 /home/libexec /home/share/qemu");
  assert_dirs ("/qemu-system-x86_64", "");
}

/* The same through the probe, with a QEMU in ~/bin. */
static void
test_program_in_home (void)
{
  g_autofree char *bin = g_build_filename (g_get_home_dir (), "bin", NULL);
  g_autofree char *qemu = g_build_filename (bin, "qemu-system-x86_64", NULL);
  g_autoptr(CorralHost) host = NULL;

  g_assert_cmpint (g_mkdir_with_parents (bin, 0700), ==, 0);
  g_assert_true (g_file_set_contents (qemu, "#!/bin/sh\nexit 0\n", -1, NULL));
  g_assert_cmpint (g_chmod (qemu, 0755), ==, 0);
  host = corral_host_probe (qemu);
  g_assert_cmpstr (host->qemu_path, ==, qemu);
  g_assert_true (g_strv_contains ((const char * const *) host->system_dirs, bin));
  for (guint i = 0; host->system_dirs[i] != NULL; i++)
    g_assert_false (g_str_has_prefix (host->home, host->system_dirs[i]));
}

int
main (int argc, char **argv)
{
  g_unsetenv ("CORRAL_QEMU");
  g_test_init (&argc, &argv, G_TEST_OPTION_ISOLATE_DIRS, NULL);
  g_test_add_func ("/host/probe", test_probe);
  g_test_add_func ("/host/kvm-needs-qemu", test_kvm_needs_qemu);
  g_test_add_func ("/host/kvm-pvm", test_kvm_pvm);
  g_test_add_func ("/host/qemu-override", test_qemu_override);
  g_test_add_func ("/host/program-dirs", test_program_dirs);
  g_test_add_func ("/host/program-in-home", test_program_in_home);
  return g_test_run ();
}
