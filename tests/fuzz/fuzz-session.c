/* fuzz-session.c: what the guest's session helper sends on the agent
 * session channel, through the decoder and a Vm's handling of it
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * Input: the channel's bytes; the first byte picks where reads split
 * them. The decoder must give the same messages however the bytes are
 * split, each within the protocol's ranges. The bytes then reach a
 * running CorralVm over a real socketpair, as QEMU's end would write
 * them: whatever they say (HELLO, a restart confirmed, an exit, a power
 * off asked of a Vm with no QEMU), nothing may crash, leak or log a
 * critical, and the Vm lets the channel go when the guest's end closes.
 */
#include "config.h"

#include <stdint.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

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
  corral_fuzz_vm_parts ("[Guest]\nName=fuzz\nKernel=vmlinux\n", &profile, &guest, &host);
  return 0;
}

static void
check_message (const CorralSessionMessage *m)
{
  switch (m->kind)
    {
    case CORRAL_SESSION_MESSAGE_HELLO:
      g_assert (m->value >= 1 && m->value <= 999);
      break;
    case CORRAL_SESSION_MESSAGE_STARTED:
      g_assert (m->run == CORRAL_SESSION_RUN_ENTRYPOINT || m->run == CORRAL_SESSION_RUN_SHELL);
      break;
    case CORRAL_SESSION_MESSAGE_EXIT:
      g_assert (m->value >= 0 && m->value <= 255);
      break;
    case CORRAL_SESSION_MESSAGE_SIGNAL:
      g_assert (m->value >= 1 && m->value <= 64);
      {
        g_autofree char *words = corral_session_describe_end (CORRAL_SESSION_WHO_AGENT, 0, m->value);
        g_assert (words != NULL && g_utf8_validate (words, -1, NULL));
      }
      break;
    default:
      g_assert_not_reached ();
    }
}

/* The decoder alone: split or whole, the same messages. */
static void
decode (const uint8_t *data,
        size_t         size,
        gsize          chunk)
{
  g_autoptr(CorralSessionDecoder) whole = corral_session_decoder_new ();
  g_autoptr(CorralSessionDecoder) split = corral_session_decoder_new ();
  g_autoptr(GArray) once = corral_session_decoder_feed (whole, data, size);
  g_autoptr(GArray) pieces = g_array_new (FALSE, FALSE, sizeof (CorralSessionMessage));

  for (gsize i = 0; i < size; i += chunk)
    {
      g_autoptr(GArray) got = corral_session_decoder_feed (split, data + i, MIN (chunk, size - i));

      if (got != NULL)
        g_array_append_vals (pieces, got->data, got->len);
    }
  g_assert (corral_session_decoder_get_dropped (whole) == corral_session_decoder_get_dropped (split));
  g_assert ((once ? once->len : 0) == pieces->len);
  for (guint i = 0; i < pieces->len; i++)
    {
      check_message (&g_array_index (pieces, CorralSessionMessage, i));
      g_assert (memcmp (&g_array_index (pieces, CorralSessionMessage, i),
                        &g_array_index (once, CorralSessionMessage, i),
                        sizeof (CorralSessionMessage)) == 0);
    }
}

int
LLVMFuzzerTestOneInput (const uint8_t *data,
                        size_t         size)
{
  g_autoptr(CorralVm) vm = NULL;
  gsize chunk, written = 0;
  gboolean power_off;
  guint spins = 0;
  int guest_end;

  if (size == 0)
    return 0;
  chunk = 1 + data[0] % 16;
  power_off = (data[0] & 0x10) != 0;
  data++;
  size--;
  decode (data, size, chunk);

  /* A running Vm whose guest says this; its answers are read and
   * dropped, as a guest that ignores them would. */
  vm = corral_vm_new (profile, guest, &host);
  corral_vm_set_agent_exit_action (vm, power_off ? CORRAL_AGENT_EXIT_POWER_OFF
                                                 : CORRAL_AGENT_EXIT_WAIT);
  corral_vm_set_agent_console_size (vm, 24, 80);
  corral_vm_set_second_console_size (vm, 30, 100);
  _corral_vm_set_state (vm, CORRAL_VM_STATE_RUNNING);
  guest_end = _corral_vm_open_session (vm);
  g_assert (guest_end >= 0);
  while (written < size && spins++ < 100000)
    {
      ssize_t n = send (guest_end, data + written, MIN (chunk * 64, size - written),
                        MSG_NOSIGNAL | MSG_DONTWAIT);
      char answers[256];

      if (n > 0)
        written += n;
      while (recv (guest_end, answers, sizeof answers, MSG_DONTWAIT) > 0)
        ;
      g_main_context_iteration (NULL, FALSE);
    }
  g_assert (written == size);
  /* QEMU's end closes (it quit): the Vm stops reading. */
  close (guest_end);
  spins = 0;
  while (vm->session_source != 0 && spins++ < 100000)
    g_main_context_iteration (NULL, FALSE);
  g_assert (vm->session_source == 0);

  _corral_vm_close_session (vm);
  _corral_vm_release_run (vm);
  while (g_main_context_iteration (NULL, FALSE))
    ;
  return 0;
}
