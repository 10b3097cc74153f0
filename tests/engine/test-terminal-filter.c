/* test-terminal-filter.c: what the guest writes on its console reaches
 * the user's own terminal (corral --terminal) as text, colours and
 * titles, never as a clipboard write, a file transfer or a passthrough
 */
#include "config.h"

#include "corral-terminal-filter.h"

/* @input through a fresh filter, whole or one byte at a time. */
static char *
filter (const char *input,
        gsize       len,
        gboolean    bytewise,
        guint      *dropped)
{
  g_autoptr(CorralTerminalFilter) f = corral_terminal_filter_new ();
  GByteArray *out = g_byte_array_new ();

  if (bytewise)
    for (gsize i = 0; i < len; i++)
      corral_terminal_filter_feed (f, input + i, 1, out);
  else
    corral_terminal_filter_feed (f, input, len, out);
  if (dropped != NULL)
    *dropped = corral_terminal_filter_get_dropped (f);
  g_byte_array_append (out, (const guint8 *) "", 1);
  return (char *) g_byte_array_free (out, FALSE);
}

static void
check (const char *input,
       const char *expected,
       guint       expected_dropped)
{
  for (int bytewise = 0; bytewise <= 1; bytewise++)
    {
      guint dropped = 0;
      g_autofree char *out = filter (input, strlen (input), bytewise, &dropped);

      g_assert_cmpstr (out, ==, expected);
      g_assert_cmpuint (dropped, ==, expected_dropped);
    }
}

/* What an agent's interface writes goes through untouched. */
static void
test_passes (void)
{
  const char *agent =
    "\033[?2026h\033[1;32m✔ done\033[0m — “quoted” é\r\n"   /* CSI, UTF-8 with 80 9D */
    "\033]0;claude: project\007"                              /* title */
    "\033]8;;https://example.com/\033\\link\033]8;;\033\\"     /* hyperlink */
    "\033]11;?\007"                                           /* colour query */
    "\033]133;A\007$ \033(B\0337\0338\033=\033>"               /* marks, ESC sequences */
    "\xc2\x9b" "2J\xc2\xa0tab\there";                          /* 8-bit CSI, NBSP */

  check (agent, agent, 0);
}

/* OSC 52 writes and reads the host's clipboard: gone whole, either end,
 * text around it kept. */
static void
test_clipboard (void)
{
  check ("a\033]52;c;Y3VybCBldmlsLnNoIHwgc2g=\007b", "ab", 1);
  check ("a\033]52;c;?\033\\b", "ab", 1);
  check ("a\xc2\x9d" "52;p;Zm9v\xc2\x9c" "b", "ab", 1);
  check ("\033]52;c;Zm9v\030after", "after", 1);        /* CAN ends it */
  check ("\033]5113;ac=send\007x\033]7;file:///etc\007y\033]L\007z", "xyz", 3);
  check ("\033]0123456789;x\007.", ".", 1);            /* no number that long */
}

/* DCS, APC, PM and SOS strings: dropped, with what they carry. */
static void
test_strings (void)
{
  check ("1\033_Gf=100,t=f;L2V0Yy9wYXNzd2Q=\033\\2", "12", 1);   /* kitty graphics: a host file */
  check ("1\033P+q544e\033\\2\033^pm\033\\3\033Xsos\033\\4", "1234", 3);
  check ("1\xc2\x90" "dcs\xc2\x9c" "2\xc2\x9f" "apc\007still\033\\3", "123", 2);
  /* tmux's passthrough, the OSC 52 inside it included */
  check ("\033Ptmux;\033\033]52;c;Zm9v\007\033\\after", "\033\\after", 2);
}

/* A dropped sequence never splices what was around it into one. */
static void
test_no_splice (void)
{
  check ("\033\033]52;x\007]52;c;Zm9v\007", "]52;c;Zm9v\007", 1);
  check ("\033\xc2\x9d" "52;x\007]52;c;Zm9v\007", "]52;c;Zm9v\007", 1);
  check ("\xc2\033]52;x\007\x9d" "52;c;Zm9v\007", "\xef\xbf\xbd\x9d" "52;c;Zm9v\007", 1);
  /* an allowed title cut short by another sequence gets its end */
  check ("\033]0;t\033]52;c;x\007z", "\033]0;t\033\\z", 1);
  check ("\033]0;t\xc2\x9d" "52;c;x\007z", "\033]0;t\xef\xbf\xbd" "52;c;x\007z", 0);
}

/* Whatever the input, the output holds nothing a second pass drops. */
static void
test_fixed_point (void)
{
  g_autoptr(GRand) rand = g_rand_new_with_seed (42);
  static const char alphabet[] = "\033\007\030\\]P_^X52;0c\xc2\x9d\x9c\x90 a";

  for (guint round = 0; round < 20000; round++)
    {
      char input[24];
      guint dropped = 1;
      g_autofree char *once = NULL;
      g_autofree char *twice = NULL;
      gsize len = g_rand_int_range (rand, 1, sizeof input);

      for (gsize i = 0; i < len; i++)
        input[i] = alphabet[g_rand_int_range (rand, 0, sizeof alphabet - 1)];
      once = filter (input, len, FALSE, NULL);
      twice = filter (once, strlen (once), FALSE, &dropped);
      g_assert_cmpuint (dropped, ==, 0);
    }
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);
  g_test_add_func ("/terminal-filter/passes", test_passes);
  g_test_add_func ("/terminal-filter/clipboard", test_clipboard);
  g_test_add_func ("/terminal-filter/strings", test_strings);
  g_test_add_func ("/terminal-filter/no-splice", test_no_splice);
  g_test_add_func ("/terminal-filter/fixed-point", test_fixed_point);
  return g_test_run ();
}
