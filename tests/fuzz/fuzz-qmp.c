/* fuzz-qmp.c: what QEMU sends on its control connection, through the
 * real dispatch
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * The input is the byte stream QEMU's end of the QMP socket writes: a
 * greeting, replies, events, in lines. It goes through CorralQmp's read
 * loop (line limit, nesting limit, parsing, replies matched to the
 * commands waiting for them) into a CorralVm's handling of the
 * handshake and of QEMU's events (pause, resume, shutdown), as in a run,
 * only with the socket replaced by memory. Whatever the bytes, nothing
 * may crash, leak or log a critical.
 */
#include "config.h"

#include <stdint.h>

#include "corral-vm-private.h"
#include "fuzz-util.h"

static CorralProfile *profile;
static CorralGuest *guest;
static CorralHost host;

int LLVMFuzzerInitialize (int *argc, char ***argv);
int LLVMFuzzerTestOneInput (const uint8_t *data, size_t size);

int
LLVMFuzzerInitialize (int    *argc,
                      char ***argv)
{
  corral_fuzz_init ();
  corral_fuzz_vm_parts ("[Guest]\nName=fuzz\nKernel=vmlinux\nGraphical=true\nVga=virtio\n",
                        &profile, &guest, &host);
  return 0;
}

static void
reply_cb (GObject      *source,
          GAsyncResult *result,
          gpointer      user_data)
{
  g_autoptr(JsonNode) reply = NULL;
  g_autoptr(GError) error = NULL;

  reply = corral_qmp_execute_finish (CORRAL_QMP (source), result, &error);
  g_assert ((reply == NULL) != (error == NULL));
}

int
LLVMFuzzerTestOneInput (const uint8_t *data,
                        size_t         size)
{
  g_autoptr(GInputStream) in = g_memory_input_stream_new_from_data (data, size, NULL);
  g_autoptr(GOutputStream) out = g_memory_output_stream_new_resizable ();
  g_autoptr(GIOStream) io = g_simple_io_stream_new (in, out);
  g_autoptr(CorralQmp) qmp = corral_qmp_new (io);
  g_autoptr(CorralVm) vm = corral_vm_new (profile, guest, &host);
  g_autoptr(JsonObject) args = corral_qmp_args ("filename", "/nonexistent/shot.ppm", NULL);
  guint spins = 0;

  /* Commands waiting for replies (ids 1 and 2), as a running Vm has
   * them; the handshake's qmp_capabilities is id 3. */
  corral_qmp_execute_async (qmp, "query-status", NULL, -1, NULL, reply_cb, NULL);
  corral_qmp_execute_async (qmp, "screendump", args, -1, NULL, reply_cb, NULL);
  _corral_vm_set_state (vm, CORRAL_VM_STATE_STARTING);
  _corral_vm_qmp_attach (vm, qmp);

  /* Until the stream is used up and the connection ends (or a bound,
   * should a bug keep it open: then the loop below would spin). */
  while (!corral_qmp_is_closed (qmp) && spins++ < 100000)
    g_main_context_iteration (NULL, FALSE);
  g_assert_true (corral_qmp_is_closed (qmp));

  /* As a run ends: timers, the connection, everything the run holds. */
  _corral_vm_release_run (vm);
  while (g_main_context_iteration (NULL, FALSE))
    ;
  return 0;
}
