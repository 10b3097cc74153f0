/* test-vnc-readahead.c: gvnc's socket read in big pieces, same bytes
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "config.h"

#include <dlfcn.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <unistd.h>

#include <gio/gio.h>

#include "corral-vnc-readahead.h"

typedef struct {
  int writer;
  GSocket *reader;
} Pair;

static void
pair_open (Pair *pair, gboolean watch)
{
  int sv[2];
  g_autoptr(GError) error = NULL;

  g_assert_cmpint (socketpair (AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, sv), ==, 0);
  pair->writer = sv[0];
  if (watch)
    corral_vnc_readahead_watch (sv[1]);
  pair->reader = g_socket_new_from_fd (sv[1], &error);
  g_assert_no_error (error);
  g_socket_set_blocking (pair->reader, FALSE);
}

static void
pair_close (Pair *pair)
{
  if (pair->writer >= 0)
    close (pair->writer);
  g_object_unref (pair->reader);
}

static int
queued (Pair *pair)
{
  int n = -1;

  g_assert_cmpint (ioctl (g_socket_get_fd (pair->reader), FIONREAD, &n), ==, 0);
  return n;
}

static void
write_all (int fd, const guint8 *data, gsize len)
{
  while (len > 0)
    {
      ssize_t n = write (fd, data, len);

      g_assert_cmpint (n, >, 0);
      data += n;
      len -= n;
    }
}

static guint8 *
pattern (gsize len, guint seed)
{
  guint8 *data = g_malloc (len);
  GRand *rand = g_rand_new_with_seed (seed);

  for (gsize i = 0; i < len; i++)
    data[i] = g_rand_int (rand);
  g_rand_free (rand);
  return data;
}

/* gvnc reaches Corral's g_socket_receive(), not GIO's: the executable
 * exports it (the corral binary is linked as this test is; checked on the
 * binary itself too where the suite knows it). */
static void
test_interposed (void)
{
  const char *bin = g_getenv ("CORRAL_BIN");

  g_assert_true (dlsym (RTLD_DEFAULT, "g_socket_receive") == (gpointer) g_socket_receive);
  g_assert_true (dlsym (RTLD_NEXT, "g_socket_receive") != (gpointer) g_socket_receive);

  if (bin != NULL)
    {
      g_autofree char *out = NULL;
      g_autofree char *quoted = g_shell_quote (bin);
      g_autofree char *cmd = g_strdup_printf ("nm -D --defined-only %s", quoted);
      g_autoptr(GError) error = NULL;
      int status;

      g_assert_true (g_spawn_command_line_sync (cmd, &out, NULL, &status, &error));
      g_assert_no_error (error);
      g_assert_cmpint (status, ==, 0);
      g_assert_nonnull (strstr (out, " T g_socket_receive\n"));
    }
}

/* One read takes what the kernel holds; gvnc's 4 KiB pieces come out of
 * it in order, then "would block" once it is empty, then the end. */
static void
test_reads_ahead (void)
{
  g_autofree guint8 *data = pattern (64 * 1024, 1);
  g_autofree guint8 *got = g_malloc (64 * 1024);
  g_autoptr(GError) error = NULL;
  char buf[4096];
  Pair pair;
  gsize have = 0;

  pair_open (&pair, TRUE);
  write_all (pair.writer, data, 64 * 1024);
  g_assert_cmpint (g_socket_receive (pair.reader, buf, sizeof buf, NULL, &error), ==, 4096);
  g_assert_no_error (error);
  memcpy (got, buf, 4096);
  have = 4096;
  g_assert_cmpint (queued (&pair), ==, 0);

  while (have < 64 * 1024)
    {
      gssize n = g_socket_receive (pair.reader, buf, sizeof buf, NULL, &error);

      g_assert_no_error (error);
      g_assert_cmpint (n, >, 0);
      memcpy (got + have, buf, n);
      have += n;
    }
  g_assert_cmpmem (got, have, data, 64 * 1024);

  g_assert_cmpint (g_socket_receive (pair.reader, buf, sizeof buf, NULL, &error), ==, -1);
  g_assert_error (error, G_IO_ERROR, G_IO_ERROR_WOULD_BLOCK);
  g_clear_error (&error);

  write_all (pair.writer, (const guint8 *) "0123456789", 10);
  g_assert_cmpint (g_socket_receive (pair.reader, buf, 4, NULL, &error), ==, 4);
  g_assert_cmpint (g_socket_receive (pair.reader, buf + 4, sizeof buf, NULL, &error), ==, 6);
  g_assert_cmpmem (buf, 10, "0123456789", 10);

  close (pair.writer);
  pair.writer = -1;
  g_assert_cmpint (g_socket_receive (pair.reader, buf, sizeof buf, NULL, &error), ==, 0);
  g_assert_no_error (error);
  pair_close (&pair);
}

/* Any other socket, and one forgotten before gvnc read it, reads as GIO
 * reads it: no more than asked from the kernel. */
static void
test_other_sockets (void)
{
  g_autofree guint8 *data = pattern (64 * 1024, 2);
  g_autoptr(GError) error = NULL;
  char buf[4096];

  for (guint forgotten = 0; forgotten < 2; forgotten++)
    {
      Pair pair;

      pair_open (&pair, forgotten);
      if (forgotten)
        corral_vnc_readahead_forget (g_socket_get_fd (pair.reader));
      write_all (pair.writer, data, 64 * 1024);
      g_assert_cmpint (g_socket_receive (pair.reader, buf, sizeof buf, NULL, &error), ==, 4096);
      g_assert_no_error (error);
      g_assert_cmpmem (buf, 4096, data, 4096);
      g_assert_cmpint (queued (&pair), ==, 64 * 1024 - 4096);
      pair_close (&pair);
    }
}

typedef struct {
  int fd;
  const guint8 *data;
  gsize len;
} Writer;

static gpointer
writer_thread (gpointer user_data)
{
  Writer *w = user_data;
  GRand *rand = g_rand_new_with_seed (4);

  /* Uneven pieces, so reads meet every kind of boundary. */
  for (gsize off = 0; off < w->len;)
    {
      gsize n = MIN (w->len - off, (gsize) g_rand_int_range (rand, 1, 300000));

      write_all (w->fd, w->data + off, n);
      off += n;
    }
  g_rand_free (rand);
  close (w->fd);
  return NULL;
}

/* 8 MiB (about one raw full-HD frame) through a blocking read loop of
 * random sizes, a writer in uneven pieces on the other side: the same
 * bytes in the same order, and the end seen once. */
static void
test_stream (void)
{
  const gsize len = 8 * 1024 * 1024;
  g_autofree guint8 *data = pattern (len, 3);
  g_autofree guint8 *got = g_malloc (len);
  g_autoptr(GError) error = NULL;
  GRand *rand = g_rand_new_with_seed (5);
  Writer w;
  GThread *thread;
  Pair pair;
  gsize have = 0;

  pair_open (&pair, TRUE);
  g_socket_set_blocking (pair.reader, TRUE);
  w = (Writer) { pair.writer, data, len };
  pair.writer = -1;
  thread = g_thread_new ("writer", writer_thread, &w);
  for (;;)
    {
      /* gvnc's sizes mostly (up to a row of pixels), now and then more
       * than the buffer holds */
      gsize want = MIN (len + 1 - have, (gsize) (g_rand_int_range (rand, 0, 50) == 0
                                                  ? g_rand_int_range (rand, 1, 600000)
                                                  : g_rand_int_range (rand, 1, 10000)));
      gssize n = g_socket_receive (pair.reader, (char *) got + have, want, NULL, &error);

      g_assert_no_error (error);
      if (n == 0)
        break;
      g_assert_cmpint (n, <=, want);
      have += n;
      g_assert_cmpuint (have, <=, len);
    }
  g_thread_join (thread);
  g_assert_cmpuint (have, ==, len);
  g_assert_true (memcmp (got, data, len) == 0);
  g_rand_free (rand);
  pair_close (&pair);
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);
  g_test_add_func ("/vnc-readahead/interposed", test_interposed);
  g_test_add_func ("/vnc-readahead/reads-ahead", test_reads_ahead);
  g_test_add_func ("/vnc-readahead/other-sockets", test_other_sockets);
  g_test_add_func ("/vnc-readahead/stream", test_stream);
  return g_test_run ();
}
