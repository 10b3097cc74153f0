/* test-qmp.c: CorralQmp against a scripted QMP peer on a socketpair
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * The peer is a thread that plays QEMU's side with blocking reads and
 * writes, so each test states exactly what QEMU sends and in which order.
 */
#include "config.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "corral-qmp.h"

typedef struct {
  int        peer_fd;
  GBytes    *payload;   /* what a hostile peer sends after the handshake */
  CorralQmp *qmp;
  GThread   *thread;
  GPtrArray *events;    /* names, in arrival order */
  GPtrArray *log;       /* "event:NAME" / "reply:CMD", in arrival order */
  gboolean   closed;
  GError    *closed_error;
} Fixture;

/* --- the peer's side -------------------------------------------------------- */

static char *
peer_read_line (int fd)
{
  GString *line = g_string_new (NULL);
  char c;

  for (;;)
    {
      ssize_t n = read (fd, &c, 1);
      if (n <= 0)
        return g_string_free (line, line->len == 0);
      if (c == '\n')
        break;
      g_string_append_c (line, c);
    }
  return g_string_free (line, FALSE);
}

/* Reads one command; returns its "execute" and stores its id. */
static char *
peer_read_command (int     fd,
                   gint64 *id)
{
  g_autofree char *line = peer_read_line (fd);
  g_autoptr(JsonParser) parser = json_parser_new ();
  JsonObject *object;

  g_assert_nonnull (line);
  g_assert_true (json_parser_load_from_data (parser, line, -1, NULL));
  object = json_node_get_object (json_parser_get_root (parser));
  *id = json_object_get_int_member (object, "id");
  return g_strdup (json_object_get_string_member (object, "execute"));
}

static void
peer_write (int         fd,
            const char *format,
            ...) G_GNUC_PRINTF (2, 3);

static void
peer_write (int         fd,
            const char *format,
            ...)
{
  g_autofree char *text = NULL;
  va_list ap;

  va_start (ap, format);
  text = g_strdup_vprintf (format, ap);
  va_end (ap);
  g_assert_cmpint (write (fd, text, strlen (text)), ==, (gssize) strlen (text));
}

#define GREETING "{\"QMP\": {\"version\": {\"qemu\": {\"micro\": 0, \"minor\": 2, \"major\": 7}}, \"capabilities\": [\"oob\"]}}\r\n"

static void
peer_handshake (int fd)
{
  g_autofree char *cmd = NULL;
  gint64 id;

  peer_write (fd, GREETING);
  cmd = peer_read_command (fd, &id);
  g_assert_cmpstr (cmd, ==, "qmp_capabilities");
  peer_write (fd, "{\"return\": {}, \"id\": %" G_GINT64_FORMAT "}\r\n", id);
}

/* --- the client's side -------------------------------------------------------- */

static void
on_event (CorralQmp  *qmp,
          const char *name,
          JsonObject *data,
          Fixture    *f)
{
  g_ptr_array_add (f->events, g_strdup (name));
  g_ptr_array_add (f->log, g_strdup_printf ("event:%s", name));
}

static void
on_closed (CorralQmp    *qmp,
           const GError *error,
           Fixture      *f)
{
  f->closed = TRUE;
  g_clear_error (&f->closed_error);
  if (error != NULL)
    f->closed_error = g_error_copy (error);
}

static void
fixture_setup (Fixture       *f,
               gconstpointer  data)
{
  g_autoptr(GSocket) socket = NULL;
  g_autoptr(GSocketConnection) connection = NULL;
  int sv[2];

  g_assert_cmpint (socketpair (AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, sv), ==, 0);
  f->peer_fd = sv[1];
  socket = g_socket_new_from_fd (sv[0], NULL);
  g_assert_nonnull (socket);
  connection = g_socket_connection_factory_create_connection (socket);
  f->qmp = corral_qmp_new (G_IO_STREAM (connection));
  f->events = g_ptr_array_new_with_free_func (g_free);
  f->log = g_ptr_array_new_with_free_func (g_free);
  g_signal_connect (f->qmp, "event", G_CALLBACK (on_event), f);
  g_signal_connect (f->qmp, "closed", G_CALLBACK (on_closed), f);
}

static void
fixture_teardown (Fixture       *f,
                  gconstpointer  data)
{
  if (f->thread != NULL)
    g_thread_join (f->thread);
  g_signal_handlers_disconnect_by_data (f->qmp, f);
  g_clear_object (&f->qmp);
  /* Let the cancelled read finish while its stream still exists. */
  while (g_main_context_iteration (NULL, FALSE))
    ;
  if (f->peer_fd >= 0)
    close (f->peer_fd);
  g_ptr_array_unref (f->events);
  g_ptr_array_unref (f->log);
  g_clear_error (&f->closed_error);
  g_clear_pointer (&f->payload, g_bytes_unref);
}

static void
run_peer (Fixture *f,
          GThreadFunc func)
{
  f->thread = g_thread_new ("qmp-peer", func, f);
}

static void
handshake_cb (GObject      *source,
              GAsyncResult *result,
              gpointer      user_data)
{
  gboolean *done = user_data;
  g_autoptr(GError) error = NULL;

  g_assert_true (corral_qmp_handshake_finish (CORRAL_QMP (source), result, &error));
  g_assert_no_error (error);
  *done = TRUE;
}

static void
client_handshake (Fixture *f)
{
  gboolean done = FALSE;

  corral_qmp_handshake_async (f->qmp, NULL, handshake_cb, &done);
  while (!done)
    g_main_context_iteration (NULL, TRUE);
}

typedef struct {
  Fixture  *f;
  char     *command;
  JsonNode *reply;
  GError   *error;
  gboolean  done;
} Call;

static void
call_cb (GObject      *source,
         GAsyncResult *result,
         gpointer      user_data)
{
  Call *call = user_data;

  call->reply = corral_qmp_execute_finish (CORRAL_QMP (source), result, &call->error);
  call->done = TRUE;
  g_ptr_array_add (call->f->log, g_strdup_printf ("reply:%s", call->command));
}

static Call *
call_start (Fixture    *f,
            const char *command,
            JsonObject *args,
            int         fd)
{
  Call *call = g_new0 (Call, 1);

  call->f = f;
  call->command = g_strdup (command);
  corral_qmp_execute_async (f->qmp, command, args, fd, NULL, call_cb, call);
  return call;
}

static void
call_wait (Call *call)
{
  while (!call->done)
    g_main_context_iteration (NULL, TRUE);
}

static void
call_free (Call *call)
{
  g_free (call->command);
  g_clear_pointer (&call->reply, json_node_unref);
  g_clear_error (&call->error);
  g_free (call);
}

/* --- tests ---------------------------------------------------------------- */

static gpointer
peer_event_before_reply (gpointer data)
{
  Fixture *f = data;
  g_autofree char *cmd = NULL;
  gint64 id;

  peer_handshake (f->peer_fd);
  cmd = peer_read_command (f->peer_fd, &id);
  g_assert_cmpstr (cmd, ==, "stop");
  /* As QEMU does: the event the command causes, then its reply. */
  peer_write (f->peer_fd, "{\"timestamp\": {\"seconds\": 1, \"microseconds\": 2}, \"event\": \"STOP\"}\r\n");
  peer_write (f->peer_fd, "{\"return\": {}, \"id\": %" G_GINT64_FORMAT "}\r\n", id);
  g_free (cmd);
  cmd = peer_read_command (f->peer_fd, &id);
  g_assert_cmpstr (cmd, ==, "query-status");
  peer_write (f->peer_fd, "{\"return\": {\"status\": \"paused\", \"singlestep\": false, \"running\": false}, \"id\": %" G_GINT64_FORMAT "}\r\n", id);
  return NULL;
}

static void
test_event_before_reply (Fixture       *f,
                         gconstpointer  data)
{
  Call *stop, *status;
  JsonObject *object;

  run_peer (f, peer_event_before_reply);
  client_handshake (f);

  stop = call_start (f, "stop", NULL, -1);
  call_wait (stop);
  g_assert_no_error (stop->error);
  g_assert_cmpuint (f->log->len, ==, 2);
  g_assert_cmpstr (f->log->pdata[0], ==, "event:STOP");
  g_assert_cmpstr (f->log->pdata[1], ==, "reply:stop");

  status = call_start (f, "query-status", NULL, -1);
  call_wait (status);
  g_assert_no_error (status->error);
  object = json_node_get_object (status->reply);
  g_assert_cmpstr (json_object_get_string_member (object, "status"), ==, "paused");
  g_assert_false (json_object_get_boolean_member (object, "running"));

  call_free (stop);
  call_free (status);
}

static gpointer
peer_out_of_order (gpointer data)
{
  Fixture *f = data;
  g_autofree char *a = NULL, *b = NULL;
  gint64 id_a, id_b;

  peer_handshake (f->peer_fd);
  a = peer_read_command (f->peer_fd, &id_a);
  b = peer_read_command (f->peer_fd, &id_b);
  g_assert_cmpint (id_a, !=, id_b);
  peer_write (f->peer_fd, "{\"return\": \"second\", \"id\": %" G_GINT64_FORMAT "}\r\n", id_b);
  peer_write (f->peer_fd, "{\"error\": {\"class\": \"CommandNotFound\", \"desc\": \"The command %s has not been found\"}, \"id\": %" G_GINT64_FORMAT "}\r\n", a, id_a);
  return NULL;
}

static void
test_replies_matched_by_id (Fixture       *f,
                            gconstpointer  data)
{
  Call *a, *b;

  run_peer (f, peer_out_of_order);
  client_handshake (f);
  a = call_start (f, "no-such-command", NULL, -1);
  b = call_start (f, "query-name", NULL, -1);
  call_wait (a);
  call_wait (b);

  g_assert_cmpstr (f->log->pdata[0], ==, "reply:query-name");
  g_assert_no_error (b->error);
  g_assert_cmpstr (json_node_get_string (b->reply), ==, "second");
  g_assert_error (a->error, CORRAL_QMP_ERROR, CORRAL_QMP_ERROR_COMMAND);
  g_assert_nonnull (strstr (a->error->message, "The command no-such-command has not been found"));
  g_assert_null (a->reply);
  call_free (a);
  call_free (b);
}

static gpointer
peer_getfd (gpointer data)
{
  Fixture *f = data;
  char buf[4096];
  char control[CMSG_SPACE (sizeof (int))];
  struct iovec iov = { buf, sizeof buf - 1 };
  struct msghdr msg = { 0 };
  struct cmsghdr *cmsg;
  g_autoptr(JsonParser) parser = json_parser_new ();
  JsonObject *object, *args;
  ssize_t n;
  int fd = -1;

  peer_handshake (f->peer_fd);
  msg.msg_iov = &iov;
  msg.msg_iovlen = 1;
  msg.msg_control = control;
  msg.msg_controllen = sizeof control;
  n = recvmsg (f->peer_fd, &msg, 0);
  g_assert_cmpint (n, >, 0);
  buf[n] = '\0';
  for (cmsg = CMSG_FIRSTHDR (&msg); cmsg != NULL; cmsg = CMSG_NXTHDR (&msg, cmsg))
    if (cmsg->cmsg_level == SOL_SOCKET && cmsg->cmsg_type == SCM_RIGHTS)
      memcpy (&fd, CMSG_DATA (cmsg), sizeof fd);
  g_assert_cmpint (fd, >=, 0);

  g_assert_true (json_parser_load_from_data (parser, buf, -1, NULL));
  object = json_node_get_object (json_parser_get_root (parser));
  g_assert_cmpstr (json_object_get_string_member (object, "execute"), ==, "getfd");
  args = json_object_get_object_member (object, "arguments");
  g_assert_cmpstr (json_object_get_string_member (args, "fdname"), ==, "display0");

  /* Prove it is the client's pipe: write through it. */
  g_assert_cmpint (write (fd, "through the fd", 14), ==, 14);
  close (fd);
  peer_write (f->peer_fd, "{\"return\": {}, \"id\": %" G_GINT64_FORMAT "}\r\n",
              json_object_get_int_member (object, "id"));
  return NULL;
}

static void
test_pass_fd (Fixture       *f,
              gconstpointer  data)
{
  g_autoptr(JsonObject) args = corral_qmp_args ("fdname", "display0", NULL);
  Call *call;
  char buf[32] = { 0 };
  int pipefd[2];

  g_assert_cmpint (pipe (pipefd), ==, 0);
  run_peer (f, peer_getfd);
  client_handshake (f);
  call = call_start (f, "getfd", args, pipefd[1]);
  close (pipefd[1]);  /* the client keeps no copy beyond the call */
  call_wait (call);
  g_assert_no_error (call->error);
  g_thread_join (g_steal_pointer (&f->thread));
  g_assert_cmpint (read (pipefd[0], buf, sizeof buf - 1), ==, 14);
  g_assert_cmpstr (buf, ==, "through the fd");
  /* Every copy of the write end is closed: the client did not leak one. */
  g_assert_cmpint (read (pipefd[0], buf, sizeof buf), ==, 0);
  close (pipefd[0]);
  call_free (call);
}

static gpointer
peer_hangs_up (gpointer data)
{
  Fixture *f = data;
  g_autofree char *cmd = NULL;
  gint64 id;

  peer_handshake (f->peer_fd);
  cmd = peer_read_command (f->peer_fd, &id);
  peer_write (f->peer_fd, "{\"timestamp\": {\"seconds\": 1, \"microseconds\": 2}, \"event\": \"SHUTDOWN\", \"data\": {\"guest\": true, \"reason\": \"guest-shutdown\"}}\r\n");
  close (f->peer_fd);
  f->peer_fd = -1;
  return NULL;
}

static void
test_peer_hangs_up (Fixture       *f,
                    gconstpointer  data)
{
  Call *call;

  run_peer (f, peer_hangs_up);
  client_handshake (f);
  call = call_start (f, "system_powerdown", NULL, -1);
  call_wait (call);
  g_assert_error (call->error, CORRAL_QMP_ERROR, CORRAL_QMP_ERROR_CLOSED);
  g_assert_true (f->closed);
  g_assert_no_error (f->closed_error);  /* a clean end of stream */
  g_assert_true (corral_qmp_is_closed (f->qmp));
  g_assert_cmpuint (f->events->len, ==, 1);
  g_assert_cmpstr (f->events->pdata[0], ==, "SHUTDOWN");

  /* A command after the end fails at once instead of hanging. */
  call_free (call);
  call = call_start (f, "cont", NULL, -1);
  call_wait (call);
  g_assert_error (call->error, CORRAL_QMP_ERROR, CORRAL_QMP_ERROR_CLOSED);
  call_free (call);
}

static gpointer
peer_garbage (gpointer data)
{
  Fixture *f = data;

  peer_write (f->peer_fd, "this is not QMP\r\n");
  return NULL;
}

static void
handshake_fails_cb (GObject      *source,
                    GAsyncResult *result,
                    gpointer      user_data)
{
  GError **error = user_data;

  g_assert_false (corral_qmp_handshake_finish (CORRAL_QMP (source), result, error));
  g_assert_nonnull (*error);
}

static void
test_garbage (Fixture       *f,
              gconstpointer  data)
{
  g_autoptr(GError) error = NULL;

  run_peer (f, peer_garbage);
  corral_qmp_handshake_async (f->qmp, NULL, handshake_fails_cb, &error);
  while (error == NULL)
    g_main_context_iteration (NULL, TRUE);
  g_assert_error (error, CORRAL_QMP_ERROR, CORRAL_QMP_ERROR_CLOSED);
  g_assert_true (f->closed);
  g_assert_error (f->closed_error, CORRAL_QMP_ERROR, CORRAL_QMP_ERROR_PROTOCOL);
}

static gpointer
peer_handshake_thread (gpointer data)
{
  Fixture *f = data;

  peer_handshake (f->peer_fd);
  return NULL;
}

static void
test_close_fails_pending (Fixture       *f,
                          gconstpointer  data)
{
  Call *call;

  run_peer (f, peer_handshake_thread);
  client_handshake (f);
  call = call_start (f, "query-status", NULL, -1);
  corral_qmp_close (f->qmp);
  call_wait (call);
  g_assert_error (call->error, CORRAL_QMP_ERROR, CORRAL_QMP_ERROR_CLOSED);
  g_assert_true (f->closed);
  g_assert_no_error (f->closed_error);
  call_free (call);
}

/* --- hostile peers ---------------------------------------------------------- */

/* Writes all of @data, whatever the client does (it may close first). */
static void
peer_send_all (int           fd,
               gconstpointer data,
               gsize         len)
{
  const char *p = data;

  while (len > 0)
    {
      ssize_t n = send (fd, p, len, MSG_NOSIGNAL);
      if (n <= 0)
        return;
      p += n;
      len -= n;
    }
}

/* Waits until the client closes its end (reads until EOF). */
static void
peer_wait_closed (int fd)
{
  char buf[4096];

  while (read (fd, buf, sizeof buf) > 0)
    ;
}

/* Handshake, then the payload, then the connection stays open: only the
 * client may end it. */
static gpointer
peer_hostile (gpointer data)
{
  Fixture *f = data;
  gsize len;
  gconstpointer bytes = g_bytes_get_data (f->payload, &len);

  peer_handshake (f->peer_fd);
  peer_send_all (f->peer_fd, bytes, len);
  peer_wait_closed (f->peer_fd);
  return NULL;
}

static gboolean
closed_flag (gpointer data)
{
  return ((Fixture *) data)->closed;
}

/* The client ends the connection as a protocol error, in time, and
 * nothing of the payload reached a listener. */
static void
assert_protocol_error (Fixture *f)
{
  gint64 end = g_get_monotonic_time () + 30 * G_USEC_PER_SEC;

  while (!closed_flag (f) && g_get_monotonic_time () < end)
    g_main_context_iteration (NULL, FALSE) || (g_usleep (1000), TRUE);
  g_assert_true (f->closed);
  g_assert_error (f->closed_error, CORRAL_QMP_ERROR, CORRAL_QMP_ERROR_PROTOCOL);
  g_test_message ("closed: %s", f->closed_error->message);
  g_assert_cmpuint (f->events->len, ==, 0);
  g_assert_true (corral_qmp_is_closed (f->qmp));
}

static void
test_hostile_payload (Fixture    *f,
                      GBytes     *payload)
{
  f->payload = payload;
  run_peer (f, peer_hostile);
  client_handshake (f);
  assert_protocol_error (f);
}

/* {"event": 42}: an event name that is not a string (a NULL name reached
 * the Vm's g_str_equal and crashed the app). */
static void
test_event_name_not_string (Fixture       *f,
                            gconstpointer  data)
{
  static const char payload[] = "{\"event\": 42, \"timestamp\": {\"seconds\": 1, \"microseconds\": 2}}\r\n";

  test_hostile_payload (f, g_bytes_new_static (payload, sizeof payload - 1));
}

/* Data that is not an object, and names that are no names. */
static void
test_event_malformed (Fixture       *f,
                      gconstpointer  data)
{
  static const char *payloads[] = {
    "{\"event\": \"STOP\", \"data\": [1, 2]}\r\n",
    "{\"event\": \"\"}\r\n",
    "{\"event\": [\"STOP\"]}\r\n",
    "{\"event\": null}\r\n",
  };
  const char *which = data;
  guint i = atoi (which);

  test_hostile_payload (f, g_bytes_new_static (payloads[i], strlen (payloads[i])));
}

/* 100 000 "[": json-glib's recursive parser would overflow the stack. */
static void
test_nesting_too_deep (Fixture       *f,
                       gconstpointer  data)
{
  gsize n = 100000;
  char *deep = g_malloc (n + 2);

  memset (deep, '[', n);
  deep[n] = '\r';
  deep[n + 1] = '\n';
  test_hostile_payload (f, g_bytes_new_take (deep, n + 2));
}

/* Nesting QEMU could send (a few levels) still works. */
static gpointer
peer_nested_event (gpointer data)
{
  Fixture *f = data;

  peer_handshake (f->peer_fd);
  peer_write (f->peer_fd, "{\"event\": \"NESTED\", \"data\": {\"a\": [[[{\"b\": [\"[[[[\"]}]]]}}\r\n");
  peer_wait_closed (f->peer_fd);
  return NULL;
}

static gboolean
has_event (gpointer data)
{
  return ((Fixture *) data)->events->len > 0;
}

static void
test_nesting_shallow_ok (Fixture       *f,
                         gconstpointer  data)
{
  gint64 end;

  run_peer (f, peer_nested_event);
  client_handshake (f);
  end = g_get_monotonic_time () + 30 * G_USEC_PER_SEC;
  while (!has_event (f) && !f->closed && g_get_monotonic_time () < end)
    g_main_context_iteration (NULL, TRUE);
  g_assert_false (f->closed);
  g_assert_cmpuint (f->events->len, ==, 1);
  g_assert_cmpstr (f->events->pdata[0], ==, "NESTED");
  corral_qmp_close (f->qmp);
}

/* A line without end (here 8 MiB, no newline; 512 MB took the app to
 * 1 GB resident): the client gives up at CORRAL_QMP_MAX_LINE, while the
 * peer still holds the connection open. */
static void
test_line_too_long (Fixture       *f,
                    gconstpointer  data)
{
  gsize n = 8 * 1024 * 1024;
  char *line = g_malloc (n);

  memset (line, ' ', n);
  memcpy (line, "{\"event\": \"", 11);
  test_hostile_payload (f, g_bytes_new_take (line, n));
  g_assert_nonnull (strstr (f->closed_error->message, "longer than"));
}

/* {"error": 5, "id": N}: an error that is not an object (a Json-CRITICAL,
 * an abort under fatal criticals). The command fails, in words. */
static gpointer
peer_error_not_object (gpointer data)
{
  Fixture *f = data;
  g_autofree char *cmd = NULL;
  gint64 id;

  peer_handshake (f->peer_fd);
  cmd = peer_read_command (f->peer_fd, &id);
  peer_write (f->peer_fd, "{\"error\": 5, \"id\": %" G_GINT64_FORMAT "}\r\n", id);
  peer_wait_closed (f->peer_fd);
  return NULL;
}

static void
test_error_not_object (Fixture       *f,
                       gconstpointer  data)
{
  Call *call;

  run_peer (f, peer_error_not_object);
  client_handshake (f);
  call = call_start (f, "stop", NULL, -1);
  call_wait (call);
  g_assert_null (call->reply);
  g_assert_error (call->error, CORRAL_QMP_ERROR, CORRAL_QMP_ERROR_CLOSED);
  assert_protocol_error (f);
  call_free (call);
}

/* An error whose members have the wrong types is still an error. */
static gpointer
peer_error_odd_members (gpointer data)
{
  Fixture *f = data;
  g_autofree char *cmd = NULL;
  gint64 id;

  peer_handshake (f->peer_fd);
  cmd = peer_read_command (f->peer_fd, &id);
  peer_write (f->peer_fd, "{\"error\": {\"desc\": 7, \"class\": [\"x\"]}, \"id\": %" G_GINT64_FORMAT "}\r\n", id);
  peer_wait_closed (f->peer_fd);
  return NULL;
}

static void
test_error_odd_members (Fixture       *f,
                        gconstpointer  data)
{
  Call *call;

  run_peer (f, peer_error_odd_members);
  client_handshake (f);
  call = call_start (f, "stop", NULL, -1);
  call_wait (call);
  g_assert_error (call->error, CORRAL_QMP_ERROR, CORRAL_QMP_ERROR_COMMAND);
  g_assert_cmpstr (call->error->message, ==, "QEMU refused the command");
  g_assert_false (f->closed);
  corral_qmp_close (f->qmp);
  call_free (call);
}

/* Two values on one line, or a value before the object: json-glib 1.6
 * takes the last and leaks the others. */
static void
test_two_values (Fixture       *f,
                 gconstpointer  data)
{
  static const char payload[] = "{\"event\": \"STOP\"}{\"event\": \"RESUME\"}\r\n";

  test_hostile_payload (f, g_bytes_new_static (payload, sizeof payload - 1));
}

/* Bytes that are not UTF-8 inside a string. */
static void
test_not_utf8 (Fixture       *f,
               gconstpointer  data)
{
  static const char payload[] = "{\"event\": \"ST\xff\xfeOP\"}\r\n";

  test_hostile_payload (f, g_bytes_new_static (payload, sizeof payload - 1));
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, G_TEST_OPTION_ISOLATE_DIRS, NULL);

  g_test_add ("/qmp/event-before-reply", Fixture, NULL, fixture_setup,
              test_event_before_reply, fixture_teardown);
  g_test_add ("/qmp/replies-matched-by-id", Fixture, NULL, fixture_setup,
              test_replies_matched_by_id, fixture_teardown);
  g_test_add ("/qmp/pass-fd", Fixture, NULL, fixture_setup,
              test_pass_fd, fixture_teardown);
  g_test_add ("/qmp/peer-hangs-up", Fixture, NULL, fixture_setup,
              test_peer_hangs_up, fixture_teardown);
  g_test_add ("/qmp/garbage", Fixture, NULL, fixture_setup,
              test_garbage, fixture_teardown);
  g_test_add ("/qmp/close-fails-pending", Fixture, NULL, fixture_setup,
              test_close_fails_pending, fixture_teardown);
  g_test_add ("/qmp/hostile/event-name-not-string", Fixture, NULL, fixture_setup,
              test_event_name_not_string, fixture_teardown);
  g_test_add ("/qmp/hostile/event-data-not-object", Fixture, "0", fixture_setup,
              test_event_malformed, fixture_teardown);
  g_test_add ("/qmp/hostile/event-name-empty", Fixture, "1", fixture_setup,
              test_event_malformed, fixture_teardown);
  g_test_add ("/qmp/hostile/event-name-array", Fixture, "2", fixture_setup,
              test_event_malformed, fixture_teardown);
  g_test_add ("/qmp/hostile/event-name-null", Fixture, "3", fixture_setup,
              test_event_malformed, fixture_teardown);
  g_test_add ("/qmp/hostile/nesting-too-deep", Fixture, NULL, fixture_setup,
              test_nesting_too_deep, fixture_teardown);
  g_test_add ("/qmp/hostile/nesting-shallow-ok", Fixture, NULL, fixture_setup,
              test_nesting_shallow_ok, fixture_teardown);
  g_test_add ("/qmp/hostile/line-too-long", Fixture, NULL, fixture_setup,
              test_line_too_long, fixture_teardown);
  g_test_add ("/qmp/hostile/error-not-object", Fixture, NULL, fixture_setup,
              test_error_not_object, fixture_teardown);
  g_test_add ("/qmp/hostile/error-odd-members", Fixture, NULL, fixture_setup,
              test_error_odd_members, fixture_teardown);
  g_test_add ("/qmp/hostile/two-values", Fixture, NULL, fixture_setup,
              test_two_values, fixture_teardown);
  g_test_add ("/qmp/hostile/not-utf8", Fixture, NULL, fixture_setup,
              test_not_utf8, fixture_teardown);
  return g_test_run ();
}
