/* corral-qmp.c: an asynchronous client of QEMU's control protocol (QMP)
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * QEMU writes one JSON object per line: a greeting, then replies (matched
 * to their command by "id") and events, in any order: an event caused by a
 * command can come before that command's reply. Writes go out one at a
 * time from a queue so a message with an fd attached is never interleaved
 * with another.
 *
 * Everything QEMU sends is hostile input (a guest that escaped into QEMU
 * speaks for it): a line longer than CORRAL_QMP_MAX_LINE, nested deeper
 * than CORRAL_QMP_MAX_DEPTH, not UTF-8, not JSON or not shaped as QMP
 * ends the connection as a protocol error, before it can cost the app its
 * memory or its stack; members are read by type, never trusted to have
 * the one QMP gives them.
 */
#include "config.h"

#include <errno.h>
#include <string.h>
#include <unistd.h>

#include <gio/gunixfdmessage.h>
#include <glib/gi18n.h>

#include "corral-guest-io.h"
#include "corral-qmp.h"

G_DEFINE_QUARK (corral-qmp-error-quark, corral_qmp_error)

typedef struct {
  CorralQmp *owner; /* a reference while it is being written */
  char  *data;
  gsize  len;
  int    fd;      /* owned dup, or -1 */
  gint64 id;      /* for failing the command when the write fails */
} Outgoing;

struct _CorralQmp
{
  GObject parent_instance;

  GIOStream        *stream;
  GInputStream     *input;        /* the stream's */
  GByteArray       *inbuf;        /* read, not yet handled (a partial line) */
  gsize             scanned;      /* bytes of inbuf known to hold no newline */
  GCancellable     *cancellable;  /* for the read loop and writes */

  GQueue      outgoing;
  gboolean    writing;
  gboolean    reading;
  gboolean    closed;

  gboolean    greeted;
  GTask      *handshake;   /* waits for the greeting + capabilities */
  gint64      next_id;
  GHashTable *pending;     /* id (gint64 *) -> GTask */
};

G_DEFINE_FINAL_TYPE (CorralQmp, corral_qmp, G_TYPE_OBJECT)

enum { SIGNAL_EVENT, SIGNAL_CLOSED, N_SIGNALS };
static guint signals[N_SIGNALS];

/* What one read may bring, and so the lines handled in one dispatch: a
 * QEMU that floods events gets a few dozen parsed between two frames of
 * the window, not a thousand (64 KiB took 400 ms under ASan). QMP's own
 * traffic is small; a long line still gathers over several reads. */
#define READ_CHUNK (4 * 1024)

static void read_next (CorralQmp *self);
static void write_next (CorralQmp *self);

static void
outgoing_free (Outgoing *out)
{
  g_free (out->data);
  if (out->fd >= 0)
    close (out->fd);
  g_free (out);
}

static void
fail_pending (CorralQmp    *self,
              const GError *error)
{
  g_autoptr(GList) tasks = g_hash_table_get_values (self->pending);

  g_list_foreach (tasks, (GFunc) (void (*) (void)) g_object_ref, NULL);
  g_hash_table_remove_all (self->pending);
  for (GList *l = tasks; l != NULL; l = l->next)
    {
      g_autoptr(GTask) task = l->data;
      g_task_return_error (task, g_error_copy (error));
    }
  if (self->handshake != NULL)
    {
      g_autoptr(GTask) task = g_steal_pointer (&self->handshake);
      g_task_return_error (task, g_error_copy (error));
    }
}

/* The end of the connection, for whatever reason; @error NULL when clean. */
static void
shut (CorralQmp    *self,
      const GError *error)
{
  g_autoptr(GError) closed = NULL;

  if (self->closed)
    return;
  self->closed = TRUE;
  g_cancellable_cancel (self->cancellable);
  g_queue_clear_full (&self->outgoing, (GDestroyNotify) outgoing_free);

  closed = g_error_new (CORRAL_QMP_ERROR, CORRAL_QMP_ERROR_CLOSED,
                        _("The connection to QEMU was closed%s%s"),
                        error ? ": " : "", error ? error->message : "");
  g_object_ref (self);
  fail_pending (self, closed);
  g_io_stream_close (self->stream, NULL, NULL);
  g_signal_emit (self, signals[SIGNAL_CLOSED], 0, error);
  g_object_unref (self);
}

static void
protocol_error (CorralQmp  *self,
                const char *what)
{
  g_autoptr(GError) error = g_error_new (CORRAL_QMP_ERROR, CORRAL_QMP_ERROR_PROTOCOL,
                                         _("QEMU sent something unexpected: %s"), what);
  shut (self, error);
}

/* --- writing -------------------------------------------------------------- */

static void
write_done (Outgoing *out,
            GError   *error)
{
  CorralQmp *self = out->owner;

  self->writing = FALSE;
  if (error != NULL)
    {
      if (!g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
        shut (self, error);
      outgoing_free (out);
      g_error_free (error);
      g_object_unref (self);
      return;
    }
  outgoing_free (out);
  write_next (self);
  g_object_unref (self);
}

static void
write_all_cb (GObject      *source,
              GAsyncResult *result,
              gpointer      user_data)
{
  Outgoing *out = user_data;
  GError *error = NULL;

  g_output_stream_write_all_finish (G_OUTPUT_STREAM (source), result, NULL, &error);
  write_done (out, error);
}

/* Sends what is left of @out after @sent bytes through the stream. */
static void
write_rest (CorralQmp *self,
            Outgoing  *out,
            gsize      sent)
{
  GOutputStream *os = g_io_stream_get_output_stream (self->stream);

  if (sent >= out->len)
    {
      write_done (out, NULL);
      return;
    }
  g_output_stream_write_all_async (os, out->data + sent, out->len - sent,
                                   G_PRIORITY_DEFAULT, self->cancellable,
                                   write_all_cb, out);
}

static gboolean
send_with_fd (CorralQmp *self,
              Outgoing  *out);

static gboolean
socket_writable_cb (GSocket      *socket,
                    GIOCondition  condition,
                    gpointer      user_data)
{
  Outgoing *out = user_data;

  send_with_fd (out->owner, out);
  return G_SOURCE_REMOVE;
}

/* The fd travels as SCM_RIGHTS with the first bytes of the message. */
static gboolean
send_with_fd (CorralQmp *self,
              Outgoing  *out)
{
  GSocket *socket = g_socket_connection_get_socket (G_SOCKET_CONNECTION (self->stream));
  g_autoptr(GSocketControlMessage) message = g_unix_fd_message_new ();
  GSocketControlMessage *messages[1];
  GOutputVector vector = { out->data, out->len };
  GError *error = NULL;
  gssize sent;

  if (!g_unix_fd_message_append_fd (G_UNIX_FD_MESSAGE (message), out->fd, &error))
    {
      write_done (out, error);
      return FALSE;
    }
  messages[0] = message;
  sent = g_socket_send_message (socket, NULL, &vector, 1, messages, 1,
                                G_SOCKET_MSG_NONE, NULL, &error);
  if (sent < 0 && g_error_matches (error, G_IO_ERROR, G_IO_ERROR_WOULD_BLOCK))
    {
      g_autoptr(GSource) source = g_socket_create_source (socket, G_IO_OUT, self->cancellable);

      g_clear_error (&error);
      g_source_set_callback (source, G_SOURCE_FUNC (socket_writable_cb), out, NULL);
      g_source_attach (source, g_main_context_get_thread_default ());
      return FALSE;
    }
  if (sent < 0)
    {
      write_done (out, error);
      return FALSE;
    }
  close (out->fd);
  out->fd = -1;
  write_rest (self, out, sent);
  return TRUE;
}

static void
write_next (CorralQmp *self)
{
  Outgoing *out;

  if (self->writing || self->closed)
    return;
  out = g_queue_pop_head (&self->outgoing);
  if (out == NULL)
    return;
  self->writing = TRUE;
  out->owner = g_object_ref (self);   /* released in write_done() */
  if (out->fd >= 0)
    send_with_fd (self, out);
  else
    write_rest (self, out, 0);
}

static void
queue_message (CorralQmp  *self,
               JsonObject *message,
               int         fd,
               gint64      id)
{
  g_autoptr(JsonNode) node = json_node_new (JSON_NODE_OBJECT);
  g_autoptr(JsonGenerator) generator = json_generator_new ();
  Outgoing *out = g_new0 (Outgoing, 1);
  char *text;

  json_node_set_object (node, message);
  json_generator_set_root (generator, node);
  text = json_generator_to_data (generator, NULL);
  out->data = g_strconcat (text, "\r\n", NULL);
  out->len = strlen (out->data);
  out->fd = fd;
  out->id = id;
  g_free (text);

  g_queue_push_tail (&self->outgoing, out);
  write_next (self);
}

/* --- reading -------------------------------------------------------------- */

static void
capabilities_cb (GObject      *source,
                 GAsyncResult *result,
                 gpointer      user_data)
{
  CorralQmp *self = CORRAL_QMP (source);
  g_autoptr(JsonNode) reply = NULL;
  g_autoptr(GError) error = NULL;
  g_autoptr(GTask) task = NULL;

  reply = corral_qmp_execute_finish (self, result, &error);
  task = g_steal_pointer (&self->handshake);
  if (task == NULL)
    return;  /* already failed by shut() */
  if (reply == NULL)
    g_task_return_error (task, g_steal_pointer (&error));
  else
    g_task_return_boolean (task, TRUE);
}

static void
handle_reply (CorralQmp  *self,
              JsonObject *object)
{
  JsonNode *id_node = json_object_get_member (object, "id");
  g_autoptr(GTask) task = NULL;
  gpointer key = NULL;
  JsonObject *error = NULL;
  gint64 id;

  if (id_node == NULL || json_node_get_value_type (id_node) != G_TYPE_INT64)
    {
      /* QEMU answers input it could not parse without an id. */
      g_debug ("QMP reply without a usable id ignored");
      return;
    }
  if (!json_object_has_member (object, "return"))
    {
      error = corral_qmp_get_object (object, "error");
      if (error == NULL)
        {
          protocol_error (self, _("an error reply whose error is not an object"));
          return;
        }
    }
  id = json_node_get_int (id_node);
  if (!g_hash_table_steal_extended (self->pending, &id, &key, (gpointer *) &task))
    {
      g_debug ("QMP reply to unknown id %" G_GINT64_FORMAT, id);
      return;
    }
  g_free (key);

  if (error == NULL)
    {
      g_task_return_pointer (task, json_node_copy (json_object_get_member (object, "return")),
                             (GDestroyNotify) json_node_unref);
    }
  else
    {
      const char *desc = corral_qmp_get_string (error, "desc");
      const char *class = corral_qmp_get_string (error, "class");

      g_task_return_new_error (task, CORRAL_QMP_ERROR, CORRAL_QMP_ERROR_COMMAND,
                               "%s%s%s", desc ? desc : _("QEMU refused the command"),
                               class ? " — " : "", class ? class : "");
    }
}

/* Whether @line is one JSON object (by its brackets) nested at most
 * CORRAL_QMP_MAX_DEPTH deep. json-glib's parser recurses once per
 * level, so 100 000 "[" would overflow the stack before it could say the
 * input is bad; and json-glib 1.6 takes "{…}{…}" or "8{…}" as valid,
 * leaking all but the last value. */
static gboolean
shape_ok (const char *line,
          gsize       len)
{
  gboolean in_string = FALSE, escaped = FALSE;
  guint depth = 0;
  gsize i = 0;

  while (i < len && g_ascii_isspace (line[i]))
    i++;
  if (i == len || line[i] != '{')
    return FALSE;
  for (; i < len; i++)
    {
      char c = line[i];

      if (in_string)
        {
          if (escaped)
            escaped = FALSE;
          else if (c == '\\')
            escaped = TRUE;
          else if (c == '"')
            in_string = FALSE;
        }
      else if (c == '"')
        in_string = TRUE;
      else if (c == '[' || c == '{')
        {
          if (++depth > CORRAL_QMP_MAX_DEPTH)
            return FALSE;
        }
      else if (c == ']' || c == '}')
        {
          if (depth == 0 || --depth == 0)
            break;
        }
    }
  /* After the object's end, nothing but space. */
  for (i++; i < len; i++)
    if (!g_ascii_isspace (line[i]))
      return FALSE;
  return TRUE;
}

static void
handle_message (CorralQmp  *self,
                const char *line,
                gsize       len)
{
  g_autoptr(JsonParser) parser = NULL;
  g_autoptr(GError) error = NULL;
  JsonNode *root;
  JsonObject *object;

  if (!g_utf8_validate_len (line, len, NULL))
    {
      protocol_error (self, _("a message that is not UTF-8 text"));
      return;
    }
  if (!shape_ok (line, len))
    {
      protocol_error (self, _("a message that is not one JSON object, or is nested too deeply"));
      return;
    }
  parser = json_parser_new ();
  if (!json_parser_load_from_data (parser, line, len, &error))
    {
      protocol_error (self, error->message);
      return;
    }
  root = json_parser_get_root (parser);
  if (root == NULL || !JSON_NODE_HOLDS_OBJECT (root))
    {
      protocol_error (self, _("not a JSON object"));
      return;
    }
  object = json_node_get_object (root);

  if (json_object_has_member (object, "QMP"))
    {
      if (!self->greeted && self->handshake != NULL)
        corral_qmp_execute_async (self, "qmp_capabilities", NULL, -1, NULL,
                                  capabilities_cb, NULL);
      self->greeted = TRUE;
    }
  else if (json_object_has_member (object, "event"))
    {
      const char *name = corral_qmp_get_string (object, "event");
      JsonObject *data = corral_qmp_get_object (object, "data");

      if (name == NULL || *name == '\0')
        {
          protocol_error (self, _("an event without a name"));
          return;
        }
      if (data == NULL && json_object_has_member (object, "data"))
        {
          protocol_error (self, _("an event whose data is not an object"));
          return;
        }
      /* try_string: the names someone listens for are interned already
       * (by connecting to "event::NAME"); interning every name QEMU
       * makes up would grow the quark table without bound. */
      g_signal_emit (self, signals[SIGNAL_EVENT], g_quark_try_string (name), name, data);
    }
  else if (json_object_has_member (object, "return") ||
           json_object_has_member (object, "error"))
    {
      handle_reply (self, object);
    }
  else
    {
      protocol_error (self, _("a message that is neither a greeting, an event nor a reply"));
    }
}

/* Handles every complete line in inbuf; FALSE when that ended the
 * connection. What is left is the start of the next line. */
static gboolean
handle_lines (CorralQmp *self)
{
  gsize start = 0;

  for (;;)
    {
      guint8 *data = self->inbuf->data;
      guint8 *newline = memchr (data + MAX (start, self->scanned), '\n',
                                self->inbuf->len - MAX (start, self->scanned));
      gsize len;

      if (newline == NULL)
        break;
      len = newline - (data + start);
      if (len > CORRAL_QMP_MAX_LINE)
        break;
      *newline = '\0';
      if (len > 0 && data[start + len - 1] == '\r')
        data[start + --len] = '\0';
      if (len > 0)
        handle_message (self, (const char *) data + start, len);
      start = newline + 1 - data;
      if (self->closed)
        return FALSE;
    }
  g_byte_array_remove_range (self->inbuf, 0, start);
  self->scanned = self->inbuf->len;
  if (self->inbuf->len > CORRAL_QMP_MAX_LINE)
    {
      g_autofree char *what = g_strdup_printf (_("a message longer than %u bytes"),
                                               (guint) CORRAL_QMP_MAX_LINE);
      protocol_error (self, what);
      return FALSE;
    }
  return TRUE;
}

/* The read loop holds no reference: dispose cancels it, and a cancelled
 * read returns without touching the (maybe finalized) object. */
static void
read_cb (GObject      *source,
         GAsyncResult *result,
         gpointer      user_data)
{
  CorralQmp *self = user_data;
  g_autoptr(GError) error = NULL;
  g_autoptr(GBytes) bytes = NULL;

  bytes = g_input_stream_read_bytes_finish (G_INPUT_STREAM (source), result, &error);
  if (g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
    return;
  self->reading = FALSE;
  if (self->closed)
    return;
  g_object_ref (self);   /* handlers may drop the last reference */
  if (error != NULL)
    shut (self, error);
  else if (g_bytes_get_size (bytes) == 0)
    shut (self, NULL);   /* end of stream: QEMU is gone */
  else
    {
      gsize size;
      gconstpointer data = g_bytes_get_data (bytes, &size);

      g_byte_array_append (self->inbuf, data, size);
      if (handle_lines (self))
        read_next (self);
    }
  g_object_unref (self);
}

static void
read_next (CorralQmp *self)
{
  if (self->reading || self->closed)
    return;
  self->reading = TRUE;
  g_input_stream_read_bytes_async (self->input, READ_CHUNK, CORRAL_GUEST_IO_PRIORITY,
                                   self->cancellable, read_cb, self);
}

/* --- public --------------------------------------------------------------- */

CorralQmp *
corral_qmp_new (GIOStream *stream)
{
  CorralQmp *self;

  g_return_val_if_fail (G_IS_IO_STREAM (stream), NULL);

  self = g_object_new (CORRAL_TYPE_QMP, NULL);
  self->stream = g_object_ref (stream);
  self->input = g_object_ref (g_io_stream_get_input_stream (stream));
  return self;
}

void
corral_qmp_handshake_async (CorralQmp           *self,
                            GCancellable        *cancellable,
                            GAsyncReadyCallback  callback,
                            gpointer             user_data)
{
  g_autoptr(GTask) task = NULL;

  g_return_if_fail (CORRAL_IS_QMP (self));

  task = g_task_new (self, cancellable, callback, user_data);
  g_task_set_source_tag (task, corral_qmp_handshake_async);
  if (self->closed || self->handshake != NULL || self->greeted)
    {
      g_task_return_new_error (task, CORRAL_QMP_ERROR, CORRAL_QMP_ERROR_PROTOCOL,
                               _("The QMP connection is closed or already set up"));
      return;
    }
  self->handshake = g_steal_pointer (&task);
  read_next (self);
}

gboolean
corral_qmp_handshake_finish (CorralQmp     *self,
                             GAsyncResult  *result,
                             GError       **error)
{
  g_return_val_if_fail (g_task_is_valid (result, self), FALSE);
  return g_task_propagate_boolean (G_TASK (result), error);
}

void
corral_qmp_execute_async (CorralQmp           *self,
                          const char          *command,
                          JsonObject          *arguments,
                          int                  fd_to_pass,
                          GCancellable        *cancellable,
                          GAsyncReadyCallback  callback,
                          gpointer             user_data)
{
  g_autoptr(GTask) task = NULL;
  g_autoptr(JsonObject) message = NULL;
  gint64 *key;
  int fd = -1;

  g_return_if_fail (CORRAL_IS_QMP (self));
  g_return_if_fail (command != NULL);

  task = g_task_new (self, cancellable, callback, user_data);
  g_task_set_source_tag (task, corral_qmp_execute_async);
  g_task_set_task_data (task, g_strdup (command), g_free);

  if (self->closed)
    {
      g_task_return_new_error (task, CORRAL_QMP_ERROR, CORRAL_QMP_ERROR_CLOSED,
                               _("The connection to QEMU is closed"));
      return;
    }
  if (fd_to_pass >= 0)
    {
      if (!G_IS_SOCKET_CONNECTION (self->stream))
        {
          g_task_return_new_error (task, G_IO_ERROR, G_IO_ERROR_NOT_SUPPORTED,
                                   "Passing a file descriptor needs a socket connection");
          return;
        }
      fd = dup (fd_to_pass);
      if (fd < 0)
        {
          int errsv = errno;
          g_task_return_new_error (task, G_IO_ERROR, g_io_error_from_errno (errsv),
                                   "dup: %s", g_strerror (errsv));
          return;
        }
    }

  message = json_object_new ();
  json_object_set_string_member (message, "execute", command);
  if (arguments != NULL)
    json_object_set_object_member (message, "arguments", json_object_ref (arguments));
  json_object_set_int_member (message, "id", self->next_id);

  key = g_new (gint64, 1);
  *key = self->next_id++;
  g_hash_table_insert (self->pending, key, g_steal_pointer (&task));
  queue_message (self, message, fd, *key);
  read_next (self);
}

JsonNode *
corral_qmp_execute_finish (CorralQmp     *self,
                           GAsyncResult  *result,
                           GError       **error)
{
  g_return_val_if_fail (g_task_is_valid (result, self), NULL);
  return g_task_propagate_pointer (G_TASK (result), error);
}

gboolean
corral_qmp_is_closed (CorralQmp *self)
{
  g_return_val_if_fail (CORRAL_IS_QMP (self), TRUE);
  return self->closed;
}

void
corral_qmp_close (CorralQmp *self)
{
  g_return_if_fail (CORRAL_IS_QMP (self));
  shut (self, NULL);
}

const char *
corral_qmp_get_string (JsonObject *object,
                       const char *member)
{
  JsonNode *node = object != NULL ? json_object_get_member (object, member) : NULL;

  if (node == NULL || json_node_get_value_type (node) != G_TYPE_STRING)
    return NULL;
  return json_node_get_string (node);
}

JsonObject *
corral_qmp_get_object (JsonObject *object,
                       const char *member)
{
  JsonNode *node = object != NULL ? json_object_get_member (object, member) : NULL;

  if (node == NULL || !JSON_NODE_HOLDS_OBJECT (node))
    return NULL;
  return json_node_get_object (node);
}

JsonObject *
corral_qmp_args (const char *first_key,
                 ...)
{
  JsonObject *object = json_object_new ();
  va_list ap;

  va_start (ap, first_key);
  for (const char *key = first_key; key != NULL; key = va_arg (ap, const char *))
    json_object_set_string_member (object, key, va_arg (ap, const char *));
  va_end (ap);
  return object;
}

/* --- GObject ---------------------------------------------------------------- */

static void
corral_qmp_dispose (GObject *object)
{
  CorralQmp *self = CORRAL_QMP (object);

  if (self->stream != NULL && !self->closed)
    {
      /* No signal from dispose: nobody is listening any more. */
      g_autoptr(GError) closed = g_error_new (CORRAL_QMP_ERROR, CORRAL_QMP_ERROR_CLOSED,
                                              _("The connection to QEMU was closed"));
      self->closed = TRUE;
      g_cancellable_cancel (self->cancellable);
      fail_pending (self, closed);
      g_io_stream_close (self->stream, NULL, NULL);
    }
  g_queue_clear_full (&self->outgoing, (GDestroyNotify) outgoing_free);
  g_clear_object (&self->input);
  g_clear_object (&self->stream);

  G_OBJECT_CLASS (corral_qmp_parent_class)->dispose (object);
}

static void
corral_qmp_finalize (GObject *object)
{
  CorralQmp *self = CORRAL_QMP (object);

  g_hash_table_unref (self->pending);
  g_byte_array_unref (self->inbuf);
  g_clear_object (&self->cancellable);

  G_OBJECT_CLASS (corral_qmp_parent_class)->finalize (object);
}

static void
corral_qmp_class_init (CorralQmpClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);

  object_class->dispose = corral_qmp_dispose;
  object_class->finalize = corral_qmp_finalize;

  /* Detailed by the event name: "event::SHUTDOWN". */
  signals[SIGNAL_EVENT] =
    g_signal_new ("event", G_TYPE_FROM_CLASS (klass),
                  G_SIGNAL_RUN_LAST | G_SIGNAL_DETAILED, 0, NULL, NULL, NULL,
                  G_TYPE_NONE, 2, G_TYPE_STRING, JSON_TYPE_OBJECT);
  signals[SIGNAL_CLOSED] =
    g_signal_new ("closed", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST,
                  0, NULL, NULL, NULL, G_TYPE_NONE, 1, G_TYPE_ERROR);
}

static void
corral_qmp_init (CorralQmp *self)
{
  self->cancellable = g_cancellable_new ();
  self->pending = g_hash_table_new_full (g_int64_hash, g_int64_equal, g_free, g_object_unref);
  self->inbuf = g_byte_array_new ();
  g_queue_init (&self->outgoing);
  self->next_id = 1;
}
