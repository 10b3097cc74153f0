/* test-clipboard-protocol.c: clipboard frames survive any split, and bad
 * input costs only itself
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "config.h"

#include <string.h>

#include "corral-clipboard-protocol.h"

static void
test_encode (void)
{
  g_autoptr(GBytes) frame = corral_clipboard_encode ("héllo\n", -1);
  gsize n;
  const char *data = g_bytes_get_data (frame, &n);

  /* é is two bytes: the length counts bytes */
  g_assert_cmpmem (data, n, "TEXT 7\nhéllo\n", strlen ("TEXT 7\nhéllo\n"));
}

static void
test_split_anywhere (void)
{
  g_autoptr(GBytes) a = corral_clipboard_encode ("first", -1);
  g_autoptr(GBytes) b = corral_clipboard_encode ("", 0);
  g_autoptr(GBytes) c = corral_clipboard_encode ("line 1\nline 2\n", -1);
  g_autoptr(GByteArray) all = g_byte_array_new ();
  gsize n;
  const guint8 *d;

  d = g_bytes_get_data (a, &n); g_byte_array_append (all, d, n);
  d = g_bytes_get_data (b, &n); g_byte_array_append (all, d, n);
  d = g_bytes_get_data (c, &n); g_byte_array_append (all, d, n);

  /* Every chunk size: the same three texts come out, in order. */
  for (gsize chunk = 1; chunk <= all->len; chunk++)
    {
      g_autoptr(CorralClipboardDecoder) dec = corral_clipboard_decoder_new ();
      g_autoptr(GPtrArray) got = g_ptr_array_new_with_free_func (g_free);

      for (gsize off = 0; off < all->len; off += chunk)
        {
          GPtrArray *texts = corral_clipboard_decoder_feed (dec, all->data + off,
                                                            MIN (chunk, all->len - off));
          for (guint i = 0; texts && i < texts->len; i++)
            g_ptr_array_add (got, g_strdup (texts->pdata[i]));
          if (texts)
            g_ptr_array_unref (texts);
        }
      g_assert_cmpuint (got->len, ==, 3);
      g_assert_cmpstr (got->pdata[0], ==, "first");
      g_assert_cmpstr (got->pdata[1], ==, "");
      g_assert_cmpstr (got->pdata[2], ==, "line 1\nline 2\n");
    }
}

static GPtrArray *
feed_str (CorralClipboardDecoder *dec, const char *s, gsize n)
{
  return corral_clipboard_decoder_feed (dec, (const guint8 *) s, n);
}

static void
test_bad_input (void)
{
  g_autoptr(CorralClipboardDecoder) dec = corral_clipboard_decoder_new ();
  g_autoptr(GPtrArray) texts = NULL;
  /* garbage line, unknown kind skipped by length, invalid UTF-8 dropped,
   * negative length refused, then a good frame */
  const char input[] = "hello there\nIMAGE 3\nabcTEXT 2\n\xff\xfeTEXT -1\nTEXT 2\nok";

  texts = feed_str (dec, input, sizeof input - 1);
  g_assert_nonnull (texts);
  g_assert_cmpuint (texts->len, ==, 1);
  g_assert_cmpstr (texts->pdata[0], ==, "ok");
  g_clear_pointer (&texts, g_ptr_array_unref);

  /* A frame too big to keep is skipped without being buffered. */
  {
    g_autofree char *header = g_strdup_printf ("TEXT %d\n", CORRAL_CLIPBOARD_MAX + 1);
    g_autofree char *junk = g_malloc0 (65536);
    gsize left = CORRAL_CLIPBOARD_MAX + 1;

    g_assert_null (feed_str (dec, header, strlen (header)));
    while (left > 0)
      {
        gsize n = MIN (left, 65536);
        g_assert_null (feed_str (dec, junk, n));
        left -= n;
      }
    texts = feed_str (dec, "TEXT 3\nyes", 10);
    g_assert_nonnull (texts);
    g_assert_cmpstr (texts->pdata[0], ==, "yes");
    g_clear_pointer (&texts, g_ptr_array_unref);
  }

  /* A header that never ends does not grow without bound. */
  for (int i = 0; i < 1000; i++)
    g_assert_null (feed_str (dec, "xxxxxxxxxx", 10));
  texts = feed_str (dec, "\nTEXT 1\nz", 9);
  g_assert_nonnull (texts);
  g_assert_cmpstr (texts->pdata[0], ==, "z");
}

/* A guest may send a flood of tiny frames, many in each read: each costs
 * the host about the same, whatever comes before it in the read. Four
 * MiB of them in one feed take tens of milliseconds (more under ASan);
 * when each frame moved the rest of the buffer they took about a minute.
 * The bound is that difference, not a speed goal. */
static void
test_many_frames_linear (void)
{
  g_autoptr(CorralClipboardDecoder) dec = corral_clipboard_decoder_new ();
  g_autoptr(GByteArray) flood = g_byte_array_new ();
  g_autoptr(GPtrArray) texts = NULL;
  gint64 start;

  while (flood->len < 4 * 1024 * 1024)
    g_byte_array_append (flood, (const guint8 *) "X 0\nY 1\n.", 9);
  g_byte_array_append (flood, (const guint8 *) "TEXT 4\nlast", 11);

  start = g_get_monotonic_time ();
  texts = corral_clipboard_decoder_feed (dec, flood->data, flood->len);
  g_assert_cmpint (g_get_monotonic_time () - start, <, 10 * G_USEC_PER_SEC);
  g_assert_nonnull (texts);
  g_assert_cmpuint (texts->len, ==, 1);
  g_assert_cmpstr (texts->pdata[0], ==, "last");
}

/* A header line too long to be one is garbage up to its newline, however
 * it arrives: a byte at a time, its tail is no header either. */
static void
test_long_garbage_split (void)
{
  g_autoptr(CorralClipboardDecoder) dec = corral_clipboard_decoder_new ();
  g_autoptr(GString) input = g_string_new (NULL);

  for (int i = 0; i < 70; i++)
    g_string_append_c (input, 'A');
  g_string_append (input, "TEXT 1\nzTEXT 1\ny");
  /* "z" is the body of no frame: "zTEXT 1" is the next header line, a
   * kind Corral skips with its one byte. */
  for (gsize i = 0; i < input->len; i++)
    g_assert_null (feed_str (dec, input->str + i, 1));
}

/* A NUL inside a header makes it garbage, not a shorter header. */
static void
test_nul_in_header (void)
{
  g_autoptr(CorralClipboardDecoder) dec = corral_clipboard_decoder_new ();
  g_autoptr(GPtrArray) texts = NULL;
  const char input[] = "TEXT 2\0junk\nTEXT 2\nok";

  texts = feed_str (dec, input, sizeof input - 1);
  g_assert_nonnull (texts);
  g_assert_cmpuint (texts->len, ==, 1);
  g_assert_cmpstr (texts->pdata[0], ==, "ok");
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, G_TEST_OPTION_ISOLATE_DIRS, NULL);
  g_test_add_func ("/clipboard-protocol/encode", test_encode);
  g_test_add_func ("/clipboard-protocol/split-anywhere", test_split_anywhere);
  g_test_add_func ("/clipboard-protocol/bad-input", test_bad_input);
  g_test_add_func ("/clipboard-protocol/many-frames-linear", test_many_frames_linear);
  g_test_add_func ("/clipboard-protocol/nul-in-header", test_nul_in_header);
  g_test_add_func ("/clipboard-protocol/long-garbage-split", test_long_garbage_split);
  return g_test_run ();
}
