/* test-session-protocol.c: the agent session's lines, whole or split, and
 * whatever else a guest sends costing only itself
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "config.h"

#include <string.h>

#include "corral-session-protocol.h"

static GArray *
feed (CorralSessionDecoder *dec,
      const char           *text,
      gssize                length)
{
  return corral_session_decoder_feed (dec, (const guint8 *) text,
                                      length < 0 ? strlen (text) : (gsize) length);
}

static void
test_commands (void)
{
  g_assert_cmpstr (corral_session_command_line (CORRAL_SESSION_COMMAND_RESTART), ==, "RESTART\n");
  g_assert_cmpstr (corral_session_command_line (CORRAL_SESSION_COMMAND_SHELL), ==, "SHELL\n");
  g_assert_cmpstr (corral_session_command_line (CORRAL_SESSION_COMMAND_POWEROFF), ==, "POWEROFF\n");
}

/* The guest's relay applies what it is told to the agent's terminal: a
 * size outside what a terminal can be never goes out. */
static void
test_size_line (void)
{
  static const struct { CorralSessionTerminal terminal; long rows, cols; const char *line; } cases[] = {
    { CORRAL_SESSION_TERMINAL_AGENT, 24, 80, "SIZE 24 80\n" },
    { CORRAL_SESSION_TERMINAL_AGENT, 1, 1, "SIZE 1 1\n" },
    { CORRAL_SESSION_TERMINAL_AGENT, 0, -5, "SIZE 1 1\n" },
    { CORRAL_SESSION_TERMINAL_AGENT, 9999, 12000, "SIZE 9999 9999\n" },
    { CORRAL_SESSION_TERMINAL_AGENT, G_MAXLONG, G_MINLONG, "SIZE 9999 1\n" },
    { CORRAL_SESSION_TERMINAL_SECOND, 24, 80, "SECOND-SIZE 24 80\n" },
    { CORRAL_SESSION_TERMINAL_SECOND, G_MAXLONG, G_MINLONG, "SECOND-SIZE 9999 1\n" },
  };

  for (guint i = 0; i < G_N_ELEMENTS (cases); i++)
    {
      g_autofree char *line = corral_session_size_line (cases[i].terminal, cases[i].rows, cases[i].cols);

      g_assert_cmpstr (line, ==, cases[i].line);
      g_assert_cmpuint (strlen (line), <=, CORRAL_SESSION_MAX_LINE);
    }
}

static void
test_valid_lines (void)
{
  static const struct {
    const char *line;
    CorralSessionMessageKind kind;
    CorralSessionRun run;
    int value;
  } cases[] = {
    { "HELLO 1", CORRAL_SESSION_MESSAGE_HELLO, 0, 1 },
    { "HELLO 2", CORRAL_SESSION_MESSAGE_HELLO, 0, 2 },
    { "STARTED entrypoint", CORRAL_SESSION_MESSAGE_STARTED, CORRAL_SESSION_RUN_ENTRYPOINT, 0 },
    { "STARTED shell", CORRAL_SESSION_MESSAGE_STARTED, CORRAL_SESSION_RUN_SHELL, 0 },
    { "EXIT 0", CORRAL_SESSION_MESSAGE_EXIT, 0, 0 },
    { "EXIT 3", CORRAL_SESSION_MESSAGE_EXIT, 0, 3 },
    { "EXIT 255", CORRAL_SESSION_MESSAGE_EXIT, 0, 255 },
    { "SIGNAL 9", CORRAL_SESSION_MESSAGE_SIGNAL, 0, 9 },
    { "SIGNAL 64", CORRAL_SESSION_MESSAGE_SIGNAL, 0, 64 },
    { "EXIT 7\r", CORRAL_SESSION_MESSAGE_EXIT, 0, 7 },  /* a CR LF line */
  };

  for (guint i = 0; i < G_N_ELEMENTS (cases); i++)
    {
      CorralSessionMessage m;

      g_test_message ("%s", cases[i].line);
      g_assert_true (corral_session_parse_line (cases[i].line, strlen (cases[i].line), &m));
      g_assert_cmpint (m.kind, ==, cases[i].kind);
      if (m.kind == CORRAL_SESSION_MESSAGE_STARTED)
        g_assert_cmpint (m.run, ==, cases[i].run);
      else
        g_assert_cmpint (m.value, ==, cases[i].value);
    }
}

static void
test_invalid_lines (void)
{
  static const char * const cases[] = {
    "", "EXIT", "EXIT ", "EXIT 256", "EXIT -1", "EXIT +3", "EXIT 3 ", " EXIT 3",
    "EXIT  3", "EXIT 1000", "EXIT 0x3", "exit 3", "SIGNAL 0", "SIGNAL 65",
    "SIGNAL KILL", "STARTED", "STARTED agent", "STARTED shell ", "STARTED entrypoint!",
    "HELLO 0", "HELLO", "RESTART", "POWEROFF", "EXIT\t3", "EXIT 3\r\r",
    ("EXIT \xc3\xa9" "3"), "EXITS 3", "EXI 3", "SIGNAL 9\n",
  };

  for (guint i = 0; i < G_N_ELEMENTS (cases); i++)
    {
      CorralSessionMessage m;

      g_test_message ("%s", cases[i]);
      g_assert_false (corral_session_parse_line (cases[i], strlen (cases[i]), &m));
    }
  /* A NUL inside the line is not the line's end. */
  {
    CorralSessionMessage m;
    g_assert_false (corral_session_parse_line ("EXIT 3\0" "0", 8, &m));
  }
}

/* The same messages come out however the bytes are split. */
static void
test_split_anywhere (void)
{
  const char *stream = "HELLO 1\nSTARTED entrypoint\nEXIT 3\nSTARTED shell\nSIGNAL 15\n";
  gsize total = strlen (stream);

  for (gsize chunk = 1; chunk <= total; chunk++)
    {
      g_autoptr(CorralSessionDecoder) dec = corral_session_decoder_new ();
      g_autoptr(GArray) all = g_array_new (FALSE, FALSE, sizeof (CorralSessionMessage));

      for (gsize off = 0; off < total; off += chunk)
        {
          g_autoptr(GArray) got = feed (dec, stream + off, MIN (chunk, total - off));

          if (got != NULL)
            g_array_append_vals (all, got->data, got->len);
        }
      g_assert_cmpuint (all->len, ==, 5);
      g_assert_cmpint (g_array_index (all, CorralSessionMessage, 0).kind, ==, CORRAL_SESSION_MESSAGE_HELLO);
      g_assert_cmpint (g_array_index (all, CorralSessionMessage, 1).run, ==, CORRAL_SESSION_RUN_ENTRYPOINT);
      g_assert_cmpint (g_array_index (all, CorralSessionMessage, 2).value, ==, 3);
      g_assert_cmpint (g_array_index (all, CorralSessionMessage, 3).run, ==, CORRAL_SESSION_RUN_SHELL);
      g_assert_cmpint (g_array_index (all, CorralSessionMessage, 4).kind, ==, CORRAL_SESSION_MESSAGE_SIGNAL);
      g_assert_cmpint (g_array_index (all, CorralSessionMessage, 4).value, ==, 15);
      g_assert_cmpuint (corral_session_decoder_get_dropped (dec), ==, 0);
    }
}

/* A line too long is skipped to its end, whatever its length, and the
 * next line is read; nothing of it is kept. */
static void
test_long_line_skipped (void)
{
  g_autoptr(CorralSessionDecoder) dec = corral_session_decoder_new ();
  g_autofree char *exactly = g_strnfill (CORRAL_SESSION_MAX_LINE, 'x');
  g_autofree char *huge = g_strnfill (1024 * 1024, 'E');
  g_autoptr(GArray) got = NULL;

  /* EXIT 3 padded with a payload that would parse if it were kept. */
  g_assert_null (feed (dec, huge, -1));
  g_assert_null (feed (dec, "XIT 3", -1));
  got = feed (dec, "\nEXIT 4\n", -1);
  g_assert_nonnull (got);
  g_assert_cmpuint (got->len, ==, 1);
  g_assert_cmpint (g_array_index (got, CorralSessionMessage, 0).value, ==, 4);
  g_assert_cmpuint (corral_session_decoder_get_dropped (dec), ==, 1);

  /* The longest line allowed is read (and dropped as not a message). */
  g_assert_null (feed (dec, exactly, -1));
  g_assert_null (feed (dec, "\n", -1));
  g_assert_cmpuint (corral_session_decoder_get_dropped (dec), ==, 2);
}

/* Random bytes: no crash, nothing but valid messages, and the decoder
 * still reads a good line afterwards. */
static void
test_garbage (void)
{
  g_autoptr(CorralSessionDecoder) dec = corral_session_decoder_new ();
  g_autoptr(GRand) rand = g_rand_new_with_seed (15);
  guint8 buf[4096];

  for (guint round = 0; round < 2000; round++)
    {
      gsize n = g_rand_int_range (rand, 1, sizeof buf);
      g_autoptr(GArray) got = NULL;

      for (gsize i = 0; i < n; i++)
        {
          /* Mostly printable with newlines, so lines of every length come by. */
          guint32 r = g_rand_int (rand);
          buf[i] = (r % 17 == 0) ? '\n' : (r % 5 == 0) ? (guint8) (r >> 8) : "EXITSGNAL 0123456789"[r % 20];
        }
      got = feed (dec, (const char *) buf, n);
      for (guint i = 0; got != NULL && i < got->len; i++)
        {
          CorralSessionMessage *m = &g_array_index (got, CorralSessionMessage, i);

          if (m->kind == CORRAL_SESSION_MESSAGE_EXIT)
            g_assert_cmpint (m->value, <=, 255);
          if (m->kind == CORRAL_SESSION_MESSAGE_SIGNAL)
            g_assert_true (m->value >= 1 && m->value <= 64);
        }
    }
  {
    g_autoptr(GArray) got = feed (dec, "\nEXIT 42\n", -1);

    g_assert_nonnull (got);
    g_assert_cmpint (g_array_index (got, CorralSessionMessage, got->len - 1).value, ==, 42);
  }
}

static void
test_signal_names (void)
{
  g_assert_cmpstr (corral_session_signal_name (9), ==, "SIGKILL");
  g_assert_cmpstr (corral_session_signal_name (15), ==, "SIGTERM");
  g_assert_cmpstr (corral_session_signal_name (11), ==, "SIGSEGV");
  g_assert_cmpstr (corral_session_signal_name (31), ==, "SIGSYS");
  g_assert_null (corral_session_signal_name (0));
  g_assert_null (corral_session_signal_name (34));
  g_assert_null (corral_session_signal_name (-1));
}

/* The words a person reads in the banner (English here: LANGUAGE=C). */
static void
test_describe_end (void)
{
  static const struct {
    CorralSessionWho who;
    int status, signal;
    const char *words;
  } cases[] = {
    { CORRAL_SESSION_WHO_AGENT, 3, 0, "The agent exited with status 3." },
    { CORRAL_SESSION_WHO_AGENT, 0, 0, "The agent exited normally (status 0)." },
    { CORRAL_SESSION_WHO_AGENT, -1, 9, "The agent was killed by signal 9 (SIGKILL)." },
    { CORRAL_SESSION_WHO_SHELL, 130, 0, "The shell exited with status 130." },
    { CORRAL_SESSION_WHO_SHELL, -1, 15, "The shell was killed by signal 15 (SIGTERM)." },
    { CORRAL_SESSION_WHO_COMMAND, 1, 0, "The command exited with status 1." },
    { CORRAL_SESSION_WHO_COMMAND, -1, 40, "The command was killed by signal 40 (SIG40)." },
  };

  for (guint i = 0; i < G_N_ELEMENTS (cases); i++)
    {
      g_autofree char *words = corral_session_describe_end (cases[i].who, cases[i].status, cases[i].signal);

      g_assert_cmpstr (words, ==, cases[i].words);
    }
}

int
main (int argc, char **argv)
{
  g_setenv ("LANGUAGE", "C", TRUE);
  g_test_init (&argc, &argv, NULL);
  g_test_add_func ("/session-protocol/describe-end", test_describe_end);
  g_test_add_func ("/session-protocol/commands", test_commands);
  g_test_add_func ("/session-protocol/size-line", test_size_line);
  g_test_add_func ("/session-protocol/valid", test_valid_lines);
  g_test_add_func ("/session-protocol/invalid", test_invalid_lines);
  g_test_add_func ("/session-protocol/split-anywhere", test_split_anywhere);
  g_test_add_func ("/session-protocol/long-line", test_long_line_skipped);
  g_test_add_func ("/session-protocol/garbage", test_garbage);
  g_test_add_func ("/session-protocol/signal-names", test_signal_names);
  return g_test_run ();
}
