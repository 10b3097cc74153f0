/* test-fd-flow.c: a console relayed to a pty nobody reads stalls only
 * itself: the main loop runs on, the flow holds at most one read, the
 * rest waits at its source, and once someone reads, every byte arrives
 * in order (corral --terminal's second console, before anyone opens it)
 */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <termios.h>
#include <unistd.h>

#include <glib-unix.h>

#include "corral-fd-flow.h"

#define TOTAL (300 * 1024)

typedef struct {
  int from[2];        /* pipe: the test writes [1], the flow reads [0] */
  int master, slave;  /* the flow writes the master; the test reads the slave */
} Fixture;

static void
fixture_open (Fixture *f)
{
  struct termios tio;

  g_assert_no_errno (pipe (f->from));
  g_assert_true (g_unix_set_fd_nonblocking (f->from[1], TRUE, NULL));
  f->master = posix_openpt (O_RDWR | O_NOCTTY | O_CLOEXEC);
  g_assert_cmpint (f->master, >=, 0);
  g_assert_no_errno (grantpt (f->master));
  g_assert_no_errno (unlockpt (f->master));
  f->slave = open (ptsname (f->master), O_RDWR | O_NOCTTY | O_CLOEXEC);
  g_assert_cmpint (f->slave, >=, 0);
  g_assert_no_errno (tcgetattr (f->slave, &tio));
  cfmakeraw (&tio);
  g_assert_no_errno (tcsetattr (f->slave, TCSANOW, &tio));
  g_assert_true (g_unix_set_fd_nonblocking (f->master, TRUE, NULL));
  g_assert_true (g_unix_set_fd_nonblocking (f->slave, TRUE, NULL));
}

static void
fixture_close (Fixture *f)
{
  close (f->from[0]);
  if (f->from[1] >= 0)
    close (f->from[1]);
  close (f->master);
  close (f->slave);
}

static guint8
pattern (gsize i)
{
  return 'a' + (i * 7 + i / 251) % 26;
}

/* Writes into the pipe what it takes, from byte *@sent on. */
static void
feed (Fixture *f, gsize *sent)
{
  while (*sent < TOTAL)
    {
      guint8 chunk[4096];
      gsize len = MIN (sizeof chunk, TOTAL - *sent);
      ssize_t n;

      for (gsize i = 0; i < len; i++)
        chunk[i] = pattern (*sent + i);
      n = write (f->from[1], chunk, len);
      if (n <= 0)
        break;
      *sent += n;
    }
}

static gboolean
tick_cb (gpointer data)
{
  guint *ticks = data;

  (*ticks)++;
  return G_SOURCE_CONTINUE;
}

static void
test_stalled_reader (void)
{
  Fixture f;
  g_autoptr(CorralFdFlow) flow = NULL;
  g_autoptr(GByteArray) got = g_byte_array_new ();
  gsize sent = 0;
  guint ticks = 0, tick;
  int queued = 0;
  gint64 end;

  fixture_open (&f);
  flow = corral_fd_flow_new (f.from[0], f.master, NULL, G_PRIORITY_DEFAULT);
  tick = g_timeout_add (5, tick_cb, &ticks);

  /* Nobody reads the slave: the pty fills, the flow keeps the read it
   * could not hand on, and stops reading. */
  end = g_get_monotonic_time () + 10 * G_USEC_PER_SEC;
  while (corral_fd_flow_get_pending (flow) == 0 && g_get_monotonic_time () < end)
    {
      feed (&f, &sent);
      g_main_context_iteration (NULL, FALSE);
      g_usleep (1000);
    }
  g_assert_cmpuint (corral_fd_flow_get_pending (flow), >, 0);
  feed (&f, &sent);

  /* It stays so, and the loop runs on meanwhile. */
  ticks = 0;
  end = g_get_monotonic_time () + G_USEC_PER_SEC / 5;
  while (g_get_monotonic_time () < end)
    g_main_context_iteration (NULL, FALSE);
  g_assert_cmpuint (ticks, >=, 5);
  g_assert_cmpuint (corral_fd_flow_get_pending (flow), >, 0);
  g_assert_cmpuint (corral_fd_flow_get_pending (flow), <=, 8192);
  g_assert_no_errno (ioctl (f.from[0], FIONREAD, &queued));
  g_assert_cmpint (queued, >, 0);  /* the rest waits at the source */
  g_assert_cmpuint (sent, <, TOTAL);

  /* Someone reads: everything arrives, in order. */
  end = g_get_monotonic_time () + 20 * G_USEC_PER_SEC;
  while (got->len < TOTAL && g_get_monotonic_time () < end)
    {
      guint8 buf[8192];
      ssize_t n;

      feed (&f, &sent);
      g_main_context_iteration (NULL, FALSE);
      while ((n = read (f.slave, buf, sizeof buf)) > 0)
        g_byte_array_append (got, buf, n);
    }
  g_assert_cmpuint (got->len, ==, TOTAL);
  for (gsize i = 0; i < got->len; i++)
    if (got->data[i] != pattern (i))
      g_error ("byte %" G_GSIZE_FORMAT ": %c, not %c", i, got->data[i], pattern (i));
  g_assert_cmpuint (corral_fd_flow_get_pending (flow), ==, 0);
  g_assert_true (corral_fd_flow_is_reading (flow));

  g_source_remove (tick);
  g_clear_pointer (&flow, corral_fd_flow_free);
  fixture_close (&f);
}

/* Reads @f's slave until @want bytes or 10 s. */
static GByteArray *
drain (Fixture *f, gsize want)
{
  GByteArray *got = g_byte_array_new ();
  gint64 end = g_get_monotonic_time () + 10 * G_USEC_PER_SEC;

  while (got->len < want && g_get_monotonic_time () < end)
    {
      guint8 buf[4096];
      ssize_t n;

      g_main_context_iteration (NULL, FALSE);
      while ((n = read (f->slave, buf, sizeof buf)) > 0)
        g_byte_array_append (got, buf, n);
      g_usleep (1000);
    }
  return got;
}

static void
count_read_cb (CorralFdFlow *flow, gpointer data)
{
  guint *reads = data;

  (*reads)++;
}

static void
test_filter_and_end (void)
{
  static const char input[] = "before\033]52;c;ZWNobyBwd25lZA==\007after\033]0;title\007";
  static const char expected[] = "beforeafter\033]0;title\007";
  g_autoptr(CorralTerminalFilter) filter = corral_terminal_filter_new ();
  g_autoptr(CorralFdFlow) flow = NULL;
  g_autoptr(GByteArray) got = NULL;
  guint reads = 0;
  gint64 end;
  Fixture f;

  fixture_open (&f);
  flow = corral_fd_flow_new (f.from[0], f.master, filter, G_PRIORITY_DEFAULT);
  corral_fd_flow_set_read_func (flow, count_read_cb, &reads);
  g_assert_cmpint (write (f.from[1], input, strlen (input)), ==, strlen (input));
  close (f.from[1]);
  f.from[1] = -1;

  got = drain (&f, strlen (expected));
  g_assert_cmpmem (got->data, got->len, expected, strlen (expected));
  g_assert_cmpuint (reads, >=, 1);

  /* The source's end ends the reading, nothing else. */
  end = g_get_monotonic_time () + 5 * G_USEC_PER_SEC;
  while (corral_fd_flow_is_reading (flow) && g_get_monotonic_time () < end)
    g_main_context_iteration (NULL, FALSE);
  g_assert_false (corral_fd_flow_is_reading (flow));

  g_clear_pointer (&flow, corral_fd_flow_free);
  fixture_close (&f);
}

/* A destination that is gone (EPIPE here, EIO for a pty) takes nothing:
 * what was for it is dropped and the source is still read, so a guest
 * writing to a console nobody will ever read is not held up either. */
static void
test_destination_gone (void)
{
  g_autoptr(CorralFdFlow) flow = NULL;
  int from[2], to[2];
  char chunk[1000];
  int queued = 1;
  gint64 end;

  memset (chunk, 'x', sizeof chunk);
  g_assert_no_errno (pipe (from));
  g_assert_no_errno (pipe (to));
  g_assert_true (g_unix_set_fd_nonblocking (to[1], TRUE, NULL));
  close (to[0]);
  flow = corral_fd_flow_new (from[0], to[1], NULL, G_PRIORITY_DEFAULT);
  for (int i = 0; i < 50; i++)
    g_assert_cmpint (write (from[1], chunk, sizeof chunk), ==, sizeof chunk);

  end = g_get_monotonic_time () + 5 * G_USEC_PER_SEC;
  while (queued > 0 && g_get_monotonic_time () < end)
    {
      g_main_context_iteration (NULL, FALSE);
      g_assert_no_errno (ioctl (from[0], FIONREAD, &queued));
    }
  g_assert_cmpint (queued, ==, 0);
  g_assert_cmpuint (corral_fd_flow_get_pending (flow), ==, 0);
  g_assert_true (corral_fd_flow_is_reading (flow));

  g_clear_pointer (&flow, corral_fd_flow_free);
  close (from[0]);
  close (from[1]);
  close (to[1]);
}

int
main (int argc, char **argv)
{
  /* As in the app, where GIO (GSocket) ignores SIGPIPE: a write to a
   * closed pipe is an error, not a signal. */
  signal (SIGPIPE, SIG_IGN);
  g_test_init (&argc, &argv, NULL);
  g_test_add_func ("/fd-flow/stalled-reader", test_stalled_reader);
  g_test_add_func ("/fd-flow/filter-and-end", test_filter_and_end);
  g_test_add_func ("/fd-flow/destination-gone", test_destination_gone);
  return g_test_run ();
}
