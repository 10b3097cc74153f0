/* corral-clipboard-sync.c: the host clipboard and the guest's, in step
 *
 * Either side sends its clipboard text when it changes; what arrives from
 * the guest becomes the host clipboard. Text that came from the other
 * side is not sent back, so the two never ping-pong. Both ways only where
 * the user is at the display (corral-clipboard-sync.h).
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "config.h"

#include <string.h>
#include <unistd.h>

#include "corral-clipboard-protocol.h"
#include "corral-guest-io.h"
#include "corral-clipboard-sync.h"

struct _CorralClipboardSync
{
  GObject parent_instance;

  GdkClipboard *clipboard;
  gulong changed_handler;

  GIOStream *stream;
  GCancellable *cancellable;
  CorralClipboardDecoder *decoder;
  GQueue pending;        /* the GBytes frame waiting to be written (one at most) */
  gboolean writing;

  char *last_text;       /* last text either side had: never echoed */
  gboolean present;      /* the user is at the display */
  gint64 last_input;     /* the user's last key or click there (monotonic µs) */
};

G_DEFINE_FINAL_TYPE (CorralClipboardSync, corral_clipboard_sync, G_TYPE_OBJECT)

static void write_next (CorralClipboardSync *self);

static void
write_cb (GObject *source, GAsyncResult *result, gpointer data)
{
  CorralClipboardSync *self = data;
  g_autoptr(GError) error = NULL;

  if (!g_output_stream_write_all_finish (G_OUTPUT_STREAM (source), result, NULL, &error))
    {
      if (!g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
        g_debug ("Clipboard channel: %s", error->message);
      g_object_unref (self);
      return;
    }
  self->writing = FALSE;
  write_next (self);
  g_object_unref (self);
}

static void
write_next (CorralClipboardSync *self)
{
  g_autoptr(GBytes) frame = NULL;

  if (self->writing || self->stream == NULL || g_queue_is_empty (&self->pending))
    return;
  frame = g_queue_pop_head (&self->pending);
  self->writing = TRUE;
  g_output_stream_write_all_async (g_io_stream_get_output_stream (self->stream),
                                   g_bytes_get_data (frame, NULL), g_bytes_get_size (frame),
                                   G_PRIORITY_DEFAULT, self->cancellable,
                                   write_cb, g_object_ref (self));
  /* The stream reads the buffer until the write ends. */
  g_object_set_data_full (G_OBJECT (self), "corral-writing", g_steal_pointer (&frame),
                          (GDestroyNotify) g_bytes_unref);
}

static void
send_text (CorralClipboardSync *self, const char *text)
{
  if (text == NULL || g_strcmp0 (text, self->last_text) == 0)
    return;
  if (strlen (text) > CORRAL_CLIPBOARD_MAX)
    return;
  g_free (self->last_text);
  self->last_text = g_strdup (text);
  if (self->stream == NULL)
    return;
  /* Only the latest text is the clipboard: one not yet sent is dropped,
   * so a guest that stops reading holds back one frame, not every copy
   * (up to CORRAL_CLIPBOARD_MAX each) made meanwhile. */
  g_queue_clear_full (&self->pending, (GDestroyNotify) g_bytes_unref);
  g_queue_push_tail (&self->pending, corral_clipboard_encode (text, -1));
  write_next (self);
}

static void
read_text_cb (GObject *source, GAsyncResult *result, gpointer data)
{
  CorralClipboardSync *self = data;
  g_autofree char *text = gdk_clipboard_read_text_finish (GDK_CLIPBOARD (source), result, NULL);

  send_text (self, text);
  g_object_unref (self);
}

static void
on_clipboard_changed (GdkClipboard *clipboard, CorralClipboardSync *self)
{
  GdkContentFormats *formats = gdk_clipboard_get_formats (clipboard);

  /* Copied while the user works elsewhere: read when they come back. */
  if (!self->present)
    return;
  if (self->stream == NULL || !gdk_content_formats_contain_gtype (formats, G_TYPE_STRING))
    return;
  gdk_clipboard_read_text_async (clipboard, self->cancellable, read_text_cb, g_object_ref (self));
}

static void read_more (CorralClipboardSync *self);

/* The guest sets the host's clipboard only right after the user's key
 * or click on the display: a guest that answers a host copy with its own
 * text would otherwise choose what the user pastes next, anywhere. */
static gboolean
guest_may_set (CorralClipboardSync *self)
{
  return self->present && self->last_input != 0 &&
         g_get_monotonic_time () - self->last_input <= CORRAL_CLIPBOARD_SYNC_COPY_SECONDS * G_USEC_PER_SEC;
}

static void
read_cb (GObject *source, GAsyncResult *result, gpointer data)
{
  CorralClipboardSync *self = data;
  g_autoptr(GError) error = NULL;
  g_autoptr(GBytes) bytes = g_input_stream_read_bytes_finish (G_INPUT_STREAM (source), result, &error);
  g_autoptr(GPtrArray) texts = NULL;

  if (bytes == NULL || g_bytes_get_size (bytes) == 0)
    {
      if (error && !g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
        g_debug ("Clipboard channel: %s", error->message);
      g_object_unref (self);
      return;
    }
  texts = corral_clipboard_decoder_feed (self->decoder, g_bytes_get_data (bytes, NULL),
                                         g_bytes_get_size (bytes));
  if (texts != NULL && texts->len > 0 && !guest_may_set (self))
    g_debug ("Clipboard channel: the guest's text dropped (no key or click on the display "
             "in the last %d s)", CORRAL_CLIPBOARD_SYNC_COPY_SECONDS);
  else if (texts != NULL && texts->len > 0)
    {
      const char *text = g_ptr_array_index (texts, texts->len - 1);

      /* Remember it first: setting the clipboard reports a change. */
      g_free (self->last_text);
      self->last_text = g_strdup (text);
      gdk_clipboard_set_text (self->clipboard, text);
    }
  read_more (self);
  g_object_unref (self);
}

static void
read_more (CorralClipboardSync *self)
{
  if (self->stream == NULL)
    return;
  g_input_stream_read_bytes_async (g_io_stream_get_input_stream (self->stream), 65536,
                                   CORRAL_GUEST_IO_PRIORITY, self->cancellable,
                                   read_cb, g_object_ref (self));
}

static void
stop (CorralClipboardSync *self)
{
  if (self->cancellable)
    g_cancellable_cancel (self->cancellable);
  g_clear_object (&self->cancellable);
  g_clear_object (&self->stream);
  g_clear_pointer (&self->decoder, corral_clipboard_decoder_free);
  g_queue_clear_full (&self->pending, (GDestroyNotify) g_bytes_unref);
  self->writing = FALSE;
}

void
corral_clipboard_sync_set_fd (CorralClipboardSync *self, int fd)
{
  g_autoptr(GSocket) socket = NULL;
  int copy;

  g_return_if_fail (CORRAL_IS_CLIPBOARD_SYNC (self));

  stop (self);
  if (fd < 0)
    return;
  copy = dup (fd);
  if (copy < 0)
    return;
  socket = g_socket_new_from_fd (copy, NULL);
  if (socket == NULL)
    {
      close (copy);
      return;
    }
  self->stream = G_IO_STREAM (g_socket_connection_factory_create_connection (socket));
  self->cancellable = g_cancellable_new ();
  self->decoder = corral_clipboard_decoder_new ();
  read_more (self);

  /* What the host has now is what the guest should paste. */
  g_clear_pointer (&self->last_text, g_free);
  on_clipboard_changed (self->clipboard, self);
}

static void
corral_clipboard_sync_dispose (GObject *object)
{
  CorralClipboardSync *self = CORRAL_CLIPBOARD_SYNC (object);

  stop (self);
  if (self->clipboard)
    g_clear_signal_handler (&self->changed_handler, self->clipboard);
  g_clear_object (&self->clipboard);
  g_clear_pointer (&self->last_text, g_free);
  G_OBJECT_CLASS (corral_clipboard_sync_parent_class)->dispose (object);
}

static void
corral_clipboard_sync_class_init (CorralClipboardSyncClass *klass)
{
  G_OBJECT_CLASS (klass)->dispose = corral_clipboard_sync_dispose;
}

static void
corral_clipboard_sync_init (CorralClipboardSync *self)
{
  g_queue_init (&self->pending);
}

void
corral_clipboard_sync_set_present (CorralClipboardSync *self,
                                   gboolean             present)
{
  g_return_if_fail (CORRAL_IS_CLIPBOARD_SYNC (self));

  present = !!present;
  if (present == self->present)
    return;
  self->present = present;
  if (present)
    on_clipboard_changed (self->clipboard, self);
}

void
corral_clipboard_sync_user_input (CorralClipboardSync *self)
{
  g_return_if_fail (CORRAL_IS_CLIPBOARD_SYNC (self));

  self->last_input = g_get_monotonic_time ();
}

CorralClipboardSync *
corral_clipboard_sync_new (GdkClipboard *clipboard)
{
  CorralClipboardSync *self = g_object_new (CORRAL_TYPE_CLIPBOARD_SYNC, NULL);

  self->clipboard = g_object_ref (clipboard);
  self->changed_handler = g_signal_connect (clipboard, "changed",
                                            G_CALLBACK (on_clipboard_changed), self);
  return self;
}
