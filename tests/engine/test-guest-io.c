/* test-guest-io.c: a guest or QEMU that floods a channel costs CPU, not
 * the app's drawing
 *
 * GLib runs only the most urgent of the sources that are ready. Each case
 * floods one channel from a thread, as fast as it is read, and counts a
 * timer at GTK's drawing priority (G_PRIORITY_HIGH_IDLE + 20, the frame
 * clock's): it must keep running while the channel is never empty. When
 * the channels were read at G_PRIORITY_DEFAULT it ran a few times in the
 * flood's 2 s, or never.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "config.h"

#include <sys/socket.h>
#include <unistd.h>

#include <glib/gstdio.h>

#include "corral-qmp.h"
#include "corral-test-util.h"
#include "corral-vm-private.h"

/* GDK_PRIORITY_REDRAW, without GTK in the engine's tests. */
#define DRAW_PRIORITY (G_PRIORITY_HIGH_IDLE + 20)

static gboolean
tick_cb (gpointer data)
{
  (*(guint *) data)++;
  return G_SOURCE_CONTINUE;
}

/* The drawing-priority timer's runs in 2 s as it is, then while a
 * thread floods @fd with @unit (after @first); both must be many. */
static void
check_flood (int         fd,
             const char *first,
             const char *unit)
{
  guint ticks = 0, quiet, flooded;
  guint source = g_timeout_add_full (DRAW_PRIORITY, 16, tick_cb, &ticks, NULL);
  CorralTestFlood *flood;
  gsize sent;

  corral_test_iterate (2000);
  quiet = ticks;
  flood = corral_test_flood_start (fd, first, unit);
  corral_test_iterate (100);
  ticks = 0;
  corral_test_iterate (2000);
  flooded = ticks;
  sent = corral_test_flood_stop (flood);
  g_source_remove (source);
  g_test_message ("drawing-priority runs in 2 s: %u quiet, %u under a flood of %" G_GSIZE_FORMAT " bytes",
                  quiet, flooded, sent);
  /* It was a flood: the channel was read on and on. */
  g_assert_cmpuint (sent, >, 256 * 1024);
  g_assert_cmpuint (quiet, >, 20);
  g_assert_cmpuint (flooded * 3, >=, quiet);
}

/* The agent session channel: lines that are not the protocol's. */
static void
test_session_flood (void)
{
  g_autoptr(GError) error = NULL;
  g_autofree char *dir = g_dir_make_tmp ("corral-guest-io-XXXXXX", &error);
  g_autofree char *kernel = g_build_filename (dir, "vmlinux", NULL);
  g_autoptr(CorralProfile) profile = corral_profile_new ("/nonexistent/flooded-project");
  g_autoptr(CorralGuest) guest = NULL;
  g_autoptr(CorralVm) vm = NULL;
  CorralHost host = { 0 };
  int guest_end;

  g_assert_no_error (error);
  g_assert_true (g_file_set_contents (kernel, "", 0, NULL));
  guest = corral_guest_new_from_data ("[Guest]\nName=flood\nKernel=vmlinux\n", dir, &error);
  g_assert_no_error (error);
  host.qemu_path = (char *) "/nonexistent/qemu";
  vm = corral_vm_new (profile, guest, &host);
  _corral_vm_set_state (vm, CORRAL_VM_STATE_RUNNING);
  guest_end = _corral_vm_open_session (vm);
  g_assert_cmpint (guest_end, >=, 0);

  check_flood (guest_end, NULL, "GARBAGE THAT IS NOT A MESSAGE\n");

  close (guest_end);
  _corral_vm_close_session (vm);
  _corral_vm_release_run (vm);
  g_unlink (kernel);
  g_rmdir (dir);
}

/* QMP: events, after the greeting, from a QEMU the guest has taken. */
static void
test_qmp_flood (void)
{
  g_autoptr(GSocket) socket = NULL;
  g_autoptr(GSocketConnection) connection = NULL;
  g_autoptr(CorralQmp) qmp = NULL;
  int sv[2];

  g_assert_no_errno (socketpair (AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, sv));
  socket = g_socket_new_from_fd (sv[0], NULL);
  g_assert_nonnull (socket);
  connection = g_socket_connection_factory_create_connection (socket);
  qmp = corral_qmp_new (G_IO_STREAM (connection));
  /* Reading starts with the handshake; the flood never answers it. */
  corral_qmp_handshake_async (qmp, NULL, NULL, NULL);

  check_flood (sv[1],
               "{\"QMP\": {\"version\": {\"qemu\": {\"micro\": 0, \"minor\": 2, \"major\": 7}}, "
               "\"capabilities\": []}}\r\n",
               "{\"event\": \"FLOOD\", \"data\": {}, "
               "\"timestamp\": {\"seconds\": 1, \"microseconds\": 2}}\r\n");

  g_io_stream_close (G_IO_STREAM (connection), NULL, NULL);
  close (sv[1]);
  corral_test_iterate (100);
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, G_TEST_OPTION_ISOLATE_DIRS, NULL);
  g_test_add_func ("/guest-io/session-flood", test_session_flood);
  g_test_add_func ("/guest-io/qmp-flood", test_qmp_flood);
  return g_test_run ();
}
