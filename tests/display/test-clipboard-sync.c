/* test-clipboard-sync.c: the host clipboard reaches the guest's channel,
 * and a guest that stops reading that channel costs the app one text,
 * not every text copied meanwhile: what it reads when it reads again is
 * the one in flight and the latest, never the stale ones between
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "config.h"

#include <poll.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include <glib-unix.h>
#include <gtk/gtk.h>

#include "corral-clipboard-protocol.h"
#include "corral-clipboard-sync.h"

static void
spin (guint ms)
{
  gint64 end = g_get_monotonic_time () + ms * 1000;

  while (g_get_monotonic_time () < end)
    g_main_context_iteration (NULL, FALSE);
}

static gboolean
readable (int fd)
{
  struct pollfd p = { fd, POLLIN, 0 };

  return poll (&p, 1, 0) == 1;
}

/* Everything the guest's end gets until nothing more comes for 2 s. */
static GPtrArray *
read_texts (int fd)
{
  g_autoptr(CorralClipboardDecoder) decoder = corral_clipboard_decoder_new ();
  GPtrArray *texts = g_ptr_array_new_with_free_func (g_free);
  gint64 quiet_until = g_get_monotonic_time () + 2 * G_USEC_PER_SEC;

  while (g_get_monotonic_time () < quiet_until)
    {
      guint8 buf[65536];
      ssize_t n;

      g_main_context_iteration (NULL, FALSE);
      if (!readable (fd))
        continue;
      n = read (fd, buf, sizeof buf);
      g_assert_cmpint (n, >, 0);
      {
        g_autoptr(GPtrArray) got = corral_clipboard_decoder_feed (decoder, buf, n);

        for (guint i = 0; got != NULL && i < got->len; i++)
          g_ptr_array_add (texts, g_strdup (g_ptr_array_index (got, i)));
      }
      quiet_until = g_get_monotonic_time () + 2 * G_USEC_PER_SEC;
    }
  return texts;
}

static void
test_latest_only (void)
{
  GdkClipboard *clipboard = gdk_display_get_clipboard (gdk_display_get_default ());
  g_autoptr(CorralClipboardSync) sync = corral_clipboard_sync_new (clipboard);
  g_autoptr(GPtrArray) texts = NULL;
  g_autofree char *big = g_malloc (2 * 1024 * 1024 + 1);
  int fds[2], small = 4096;

  memset (big, 'a', 2 * 1024 * 1024);
  big[2 * 1024 * 1024] = '\0';
  g_assert_no_errno (socketpair (AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, fds));
  g_assert_no_errno (setsockopt (fds[0], SOL_SOCKET, SO_SNDBUF, &small, sizeof small));
  g_assert_no_errno (setsockopt (fds[1], SOL_SOCKET, SO_RCVBUF, &small, sizeof small));
  corral_clipboard_sync_set_fd (sync, fds[0]);

  /* A big text: its write starts and stalls, the guest not reading. */
  gdk_clipboard_set_text (clipboard, big);
  for (int i = 0; i < 500 && !readable (fds[1]); i++)
    spin (10);
  g_assert_true (readable (fds[1]));

  /* Three more copies while the guest still does not read. */
  gdk_clipboard_set_text (clipboard, "second");
  spin (200);
  gdk_clipboard_set_text (clipboard, "third");
  spin (200);
  gdk_clipboard_set_text (clipboard, "fourth");
  spin (200);

  texts = read_texts (fds[1]);
  g_assert_cmpuint (texts->len, ==, 2);
  g_assert_cmpstr (g_ptr_array_index (texts, 0), ==, big);
  g_assert_cmpstr (g_ptr_array_index (texts, 1), ==, "fourth");

  /* And the channel still carries the next copy at once. */
  g_clear_pointer (&texts, g_ptr_array_unref);
  gdk_clipboard_set_text (clipboard, "fifth");
  texts = read_texts (fds[1]);
  g_assert_cmpuint (texts->len, ==, 1);
  g_assert_cmpstr (g_ptr_array_index (texts, 0), ==, "fifth");

  corral_clipboard_sync_set_fd (sync, -1);
  close (fds[0]);
  close (fds[1]);
}

int
main (int argc, char **argv)
{
  gtk_init ();
  g_test_init (&argc, &argv, G_TEST_OPTION_ISOLATE_DIRS, NULL);
  g_test_add_func ("/clipboard-sync/latest-only", test_latest_only);
  return g_test_run ();
}
