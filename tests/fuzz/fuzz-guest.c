/* fuzz-guest.c: a guest manifest, and the QEMU command built from it
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * A manifest comes with a guest: built here, downloaded, or installed by
 * a distribution. Whatever it holds: parsing never crashes, and a guest
 * that parses gives a command (or a readable error) from the pure
 * command builder, whose every argument is a string QEMU can take (no
 * line break in the guest's paths, which would break the metadata).
 */
#include "config.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <glib/gstdio.h>

#include "corral-guest.h"
#include "corral-qemu-command.h"
#include "fuzz-util.h"

static char *guest_dir;
static const char *files[] = { "vmlinux", "initrd", "disk.img", "a", "b" };

int LLVMFuzzerInitialize (int *argc, char ***argv);
int LLVMFuzzerTestOneInput (const uint8_t *data, size_t size);

/* libFuzzer has no teardown but ends with exit(): one folder a run
 * stayed in /tmp otherwise. */
static void
remove_guest_dir (void)
{
  for (guint i = 0; i < G_N_ELEMENTS (files); i++)
    {
      g_autofree char *path = g_build_filename (guest_dir, files[i], NULL);
      g_unlink (path);
    }
  g_rmdir (guest_dir);
  g_clear_pointer (&guest_dir, g_free);
}

int
LLVMFuzzerInitialize (int    *argc,
                      char ***argv)
{
  g_autoptr(GError) error = NULL;

  corral_fuzz_init ();
  /* Files a manifest may name (the parser checks they exist). */
  guest_dir = g_dir_make_tmp ("corral-fuzz-guest-XXXXXX", &error);
  g_assert_no_error (error);
  atexit (remove_guest_dir);
  for (guint i = 0; i < G_N_ELEMENTS (files); i++)
    {
      g_autofree char *path = g_build_filename (guest_dir, files[i], NULL);
      g_assert_true (g_file_set_contents (path, "", 0, NULL));
    }
  return 0;
}

int
LLVMFuzzerTestOneInput (const uint8_t *data,
                        size_t         size)
{
  g_autofree char *text = g_strndup ((const char *) data, size);
  g_autoptr(CorralGuest) guest = NULL;
  g_autoptr(CorralProfile) profile = NULL;
  g_autoptr(CorralQemuCommand) command = NULL;
  g_autoptr(GError) error = NULL;
  CorralHost host = {
    .kvm_usable = FALSE, .ram_bytes = (guint64) 8 << 30, .n_cpus = 2,
    .qemu_path = (char *) "/usr/bin/qemu-system-x86_64",
    .uid = 1000, .gid = 1000, .home = (char *) "/home/me", .seccomp = TRUE,
  };
  CorralRuntime runtime;

  guest = corral_guest_new_from_data (text, guest_dir, &error);
  if (guest == NULL)
    {
      g_assert_nonnull (error);
      return 0;
    }
  g_assert_nonnull (corral_guest_get_name (guest));
  g_assert_true (g_utf8_validate (corral_guest_get_name (guest), -1, NULL));
  g_assert_nonnull (corral_guest_get_kernel (guest));
  g_assert_true (g_path_is_absolute (corral_guest_get_kernel (guest)));
  g_assert_nonnull (corral_guest_get_cmdline (guest));
  g_assert_nonnull (corral_guest_get_machine (guest));

  corral_runtime_init (&runtime);
  runtime.meta_dir = "/run/user/1000/corral/p/meta";
  runtime.state_dir = "/home/me/.local/state/corral/projects/p";
  runtime.qmp_fd = 3;
  runtime.agent_chardev = "serial,path=/dev/pts/AGENT";
  runtime.enter_chardev = "serial,path=/dev/pts/ENTER";
  runtime.clipboard_chardev = "socket,fd=4";
  profile = corral_profile_new ("/home/me/project");
  corral_profile_set_memory_mib (profile, 1024);
  command = corral_qemu_command_build (profile, guest, &host, &runtime, &error);
  if (command == NULL)
    {
      g_assert_nonnull (error);
      return 0;
    }
  g_assert_cmpstr (command->argv[0], ==, host.qemu_path);
  for (guint i = 0; command->argv[i] != NULL; i++)
    g_assert_null (strpbrk (command->argv[i], "\n\r"));
  return 0;
}
