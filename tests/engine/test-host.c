/* test-host.c: the host probe reports what the machine really has */
#include "config.h"

#include <unistd.h>

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
  g_assert_cmpuint (working->kvm_usable, ==, access ("/dev/kvm", R_OK | W_OK) == 0);
  /* Likewise -sandbox: only when QEMU took it. */
  g_assert_false (failing->seccomp);
  g_assert_true (working->seccomp);
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

int
main (int argc, char **argv)
{
  g_unsetenv ("CORRAL_QEMU");
  g_test_init (&argc, &argv, G_TEST_OPTION_ISOLATE_DIRS, NULL);
  g_test_add_func ("/host/probe", test_probe);
  g_test_add_func ("/host/kvm-needs-qemu", test_kvm_needs_qemu);
  g_test_add_func ("/host/qemu-override", test_qemu_override);
  return g_test_run ();
}
