/* corral-guest-download.c: downloads a guest from the catalogue into the store
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * The work runs in a thread with blocking I/O: one libsoup session made
 * and used only there, reads of 256 KiB that feed the sha256 and (for
 * ".gz" files) GZlibDecompressor, and writes that skip all-zero blocks so
 * a disk image stays sparse. Everything goes to a hidden folder in the
 * store, renamed into place only when every file is complete and checked:
 * a failed, cancelled or damaged download leaves nothing behind.
 */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>
#include <glib/gi18n.h>
#include <glib/gstdio.h>
#include <libsoup/soup.h>

#include "corral-guest.h"
#include "corral-guest-download.h"

#define CHUNK (256 * 1024)
#define BLOCK 4096
/* Room left for everything else on the disk. */
#define SPACE_MARGIN (64 * 1024 * 1024)

struct _CorralGuestDownload
{
  GObject parent_instance;

  CorralGuestCatalogue *catalogue;
  const CorralGuestOffer *offer;
  char     *store_dir;

  GMutex    lock;
  guint64   received;          /* written by the thread, under lock */
  guint64   received_notified;
  guint     progress_id;
  gboolean  running;
};

enum {
  PROP_0,
  PROP_RECEIVED,
  PROP_RUNNING,
  N_PROPS
};
static GParamSpec *properties[N_PROPS];

G_DEFINE_FINAL_TYPE (CorralGuestDownload, corral_guest_download, G_TYPE_OBJECT)
G_DEFINE_QUARK (corral-guest-download-error-quark, corral_guest_download_error)

static void
corral_guest_download_finalize (GObject *object)
{
  CorralGuestDownload *self = CORRAL_GUEST_DOWNLOAD (object);

  g_clear_handle_id (&self->progress_id, g_source_remove);
  g_clear_object (&self->catalogue);
  g_free (self->store_dir);
  g_mutex_clear (&self->lock);

  G_OBJECT_CLASS (corral_guest_download_parent_class)->finalize (object);
}

static void
corral_guest_download_get_property (GObject    *object,
                                    guint       prop_id,
                                    GValue     *value,
                                    GParamSpec *pspec)
{
  CorralGuestDownload *self = CORRAL_GUEST_DOWNLOAD (object);

  switch (prop_id)
    {
    case PROP_RECEIVED:
      g_value_set_uint64 (value, corral_guest_download_get_received (self));
      break;
    case PROP_RUNNING:
      g_value_set_boolean (value, self->running);
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
corral_guest_download_class_init (CorralGuestDownloadClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);

  object_class->finalize = corral_guest_download_finalize;
  object_class->get_property = corral_guest_download_get_property;

  properties[PROP_RECEIVED] =
    g_param_spec_uint64 ("received", NULL, NULL, 0, G_MAXUINT64, 0,
                         G_PARAM_READABLE | G_PARAM_STATIC_STRINGS | G_PARAM_EXPLICIT_NOTIFY);
  properties[PROP_RUNNING] =
    g_param_spec_boolean ("running", NULL, NULL, FALSE,
                          G_PARAM_READABLE | G_PARAM_STATIC_STRINGS | G_PARAM_EXPLICIT_NOTIFY);
  g_object_class_install_properties (object_class, N_PROPS, properties);
}

static void
corral_guest_download_init (CorralGuestDownload *self)
{
  g_mutex_init (&self->lock);
}

CorralGuestDownload *
corral_guest_download_new (CorralGuestCatalogue *catalogue,
                           const char           *id,
                           const char           *store_dir)
{
  CorralGuestDownload *self;
  const CorralGuestOffer *offer;

  g_return_val_if_fail (CORRAL_IS_GUEST_CATALOGUE (catalogue), NULL);
  g_return_val_if_fail (store_dir != NULL, NULL);

  offer = corral_guest_catalogue_lookup (catalogue, id);
  g_return_val_if_fail (offer != NULL, NULL);

  self = g_object_new (CORRAL_TYPE_GUEST_DOWNLOAD, NULL);
  self->catalogue = g_object_ref (catalogue);
  self->offer = offer;
  self->store_dir = g_strdup (store_dir);
  return self;
}

const CorralGuestOffer *
corral_guest_download_get_offer (CorralGuestDownload *self)
{
  g_return_val_if_fail (CORRAL_IS_GUEST_DOWNLOAD (self), NULL);
  return self->offer;
}

guint64
corral_guest_download_get_received (CorralGuestDownload *self)
{
  guint64 received;

  g_return_val_if_fail (CORRAL_IS_GUEST_DOWNLOAD (self), 0);
  g_mutex_lock (&self->lock);
  received = self->received;
  g_mutex_unlock (&self->lock);
  return received;
}

gboolean
corral_guest_download_get_running (CorralGuestDownload *self)
{
  g_return_val_if_fail (CORRAL_IS_GUEST_DOWNLOAD (self), FALSE);
  return self->running;
}

static void
add_received (CorralGuestDownload *self,
              gsize                n)
{
  g_mutex_lock (&self->lock);
  self->received += n;
  g_mutex_unlock (&self->lock);
}

/* The worker */

/* Removes the (flat) work folder and what is in it. */
static void
remove_work_dir (const char *dir)
{
  g_autoptr(GDir) listing = g_dir_open (dir, 0, NULL);
  const char *name;

  while (listing != NULL && (name = g_dir_read_name (listing)) != NULL)
    {
      g_autofree char *path = g_build_filename (dir, name, NULL);
      g_unlink (path);
    }
  g_rmdir (dir);
}

static gboolean
set_write_error (GError             **error,
                 int                  saved_errno,
                 const char          *path,
                 CorralGuestDownload *self)
{
  if (saved_errno == ENOSPC || saved_errno == EDQUOT)
    {
      g_autofree char *need = g_format_size (self->offer->installed_size);
      g_set_error (error, CORRAL_GUEST_DOWNLOAD_ERROR, CORRAL_GUEST_DOWNLOAD_ERROR_NO_SPACE,
                   _("The disk is full: the guest needs %s in %s."), need, self->store_dir);
    }
  else
    g_set_error (error, CORRAL_GUEST_DOWNLOAD_ERROR, CORRAL_GUEST_DOWNLOAD_ERROR_WRITE,
                 _("Could not write “%s”: %s"), path, g_strerror (saved_errno));
  return FALSE;
}

/* One file being written: all-zero blocks are skipped (left as holes), so
 * a sparse disk image is sparse again. */
typedef struct {
  int          fd;
  const char  *path;
  goffset      pos;
} Output;

static gboolean
output_write (Output               *out,
              const guint8         *data,
              gsize                 len,
              CorralGuestDownload  *self,
              GError              **error)
{
  static const guint8 zeros[BLOCK];

  while (len > 0)
    {
      gsize n = MIN (len, BLOCK - (gsize) (out->pos % BLOCK));

      if (memcmp (data, zeros, n) != 0)
        {
          gsize done = 0;
          while (done < n)
            {
              ssize_t w = pwrite (out->fd, data + done, n - done, out->pos + done);
              if (w < 0 && errno == EINTR)
                continue;
              if (w < 0)
                return set_write_error (error, errno, out->path, self);
              done += w;
            }
        }
      out->pos += n;
      data += n;
      len -= n;
    }
  return TRUE;
}

static gboolean
output_close (Output               *out,
              CorralGuestDownload  *self,
              GError              **error)
{
  int fd = out->fd;

  out->fd = -1;
  /* The file's length, holes included; on disk before the rename. */
  if (ftruncate (fd, out->pos) != 0 || fsync (fd) != 0)
    {
      int saved = errno;
      close (fd);
      return set_write_error (error, saved, out->path, self);
    }
  if (close (fd) != 0)
    return set_write_error (error, errno, out->path, self);
  return TRUE;
}

/* Feeds @len bytes (and, with @at_end, the end of the stream) through
 * @converter into @out. */
static gboolean
unpack (GConverter           *converter,
        GByteArray           *carry,
        const guint8         *data,
        gsize                 len,
        gboolean              at_end,
        gboolean             *finished,
        Output               *out,
        CorralGuestDownload  *self,
        GError              **error)
{
  g_autofree guint8 *buf = g_malloc (CHUNK);
  const guint8 *in;
  gsize in_left;

  /* Input the decompressor could not take yet comes first. */
  if (carry->len > 0)
    {
      g_byte_array_append (carry, data, len);
      data = carry->data;
      len = carry->len;
    }
  in = data;
  in_left = len;

  while (!*finished && (in_left > 0 || at_end))
    {
      gsize read = 0, written = 0;
      g_autoptr(GError) local = NULL;
      GConverterResult res = g_converter_convert (converter, in, in_left, buf, CHUNK,
                                                  at_end ? G_CONVERTER_INPUT_AT_END : G_CONVERTER_NO_FLAGS,
                                                  &read, &written, &local);

      if (res == G_CONVERTER_ERROR)
        {
          if (!at_end && g_error_matches (local, G_IO_ERROR, G_IO_ERROR_PARTIAL_INPUT))
            break;
          g_set_error (error, CORRAL_GUEST_DOWNLOAD_ERROR, CORRAL_GUEST_DOWNLOAD_ERROR_CORRUPT,
                       _("“%s” is not a valid gzip file: %s"), out->path, local->message);
          return FALSE;
        }
      if (!output_write (out, buf, written, self, error))
        return FALSE;
      in += read;
      in_left -= read;
      if (res == G_CONVERTER_FINISHED)
        *finished = TRUE;
    }

  if (*finished && in_left > 0)
    {
      g_set_error (error, CORRAL_GUEST_DOWNLOAD_ERROR, CORRAL_GUEST_DOWNLOAD_ERROR_CORRUPT,
                   _("“%s” has data after the end of its gzip stream"), out->path);
      return FALSE;
    }
  {
    g_autoptr(GByteArray) rest = g_byte_array_new ();
    g_byte_array_append (rest, in, in_left);
    g_byte_array_set_size (carry, 0);
    g_byte_array_append (carry, rest->data, rest->len);
  }
  return TRUE;
}

static GInputStream *
open_source (SoupSession   *session,
             const char    *uri,
             GCancellable  *cancellable,
             GError       **error)
{
  g_autofree char *scheme = g_uri_parse_scheme (uri);
  g_autoptr(SoupMessage) msg = NULL;
  g_autoptr(GError) local = NULL;
  GInputStream *stream;
  guint status;

  if (g_strcmp0 (scheme, "file") == 0)
    {
      g_autoptr(GFile) file = g_file_new_for_uri (uri);

      stream = G_INPUT_STREAM (g_file_read (file, cancellable, &local));
      if (stream == NULL && !g_error_matches (local, G_IO_ERROR, G_IO_ERROR_CANCELLED))
        g_set_error (error, CORRAL_GUEST_DOWNLOAD_ERROR, CORRAL_GUEST_DOWNLOAD_ERROR_NETWORK,
                     _("Could not read %s: %s"), uri, local->message);
      else if (stream == NULL)
        g_propagate_error (error, g_steal_pointer (&local));
      return stream;
    }

  msg = soup_message_new (SOUP_METHOD_GET, uri);
  if (msg == NULL)
    {
      g_set_error (error, CORRAL_GUEST_DOWNLOAD_ERROR, CORRAL_GUEST_DOWNLOAD_ERROR_NETWORK,
                   _("“%s” is not a URL that can be downloaded"), uri);
      return NULL;
    }
  stream = soup_session_send (session, msg, cancellable, &local);
  if (stream == NULL)
    {
      if (g_error_matches (local, G_IO_ERROR, G_IO_ERROR_CANCELLED))
        g_propagate_error (error, g_steal_pointer (&local));
      else
        g_set_error (error, CORRAL_GUEST_DOWNLOAD_ERROR, CORRAL_GUEST_DOWNLOAD_ERROR_NETWORK,
                     _("Could not connect to download %s: %s"), uri, local->message);
      return NULL;
    }
  status = soup_message_get_status (msg);
  if (status != SOUP_STATUS_OK)
    {
      const char *reason = soup_message_get_reason_phrase (msg);

      g_object_unref (stream);
      g_set_error (error, CORRAL_GUEST_DOWNLOAD_ERROR, CORRAL_GUEST_DOWNLOAD_ERROR_HTTP,
                   /* Translators: the server answered "404 Not Found" for https://… */
                   _("The server answered “%u %s” for %s"), status, reason != NULL ? reason : "", uri);
      return NULL;
    }
  return stream;
}

static gboolean
fetch_file (CorralGuestDownload   *self,
            SoupSession           *session,
            const CorralGuestFile *file,
            const char            *work_dir,
            GCancellable          *cancellable,
            GError               **error)
{
  g_autofree char *uri = g_strconcat (self->offer->url, file->name, NULL);
  g_autofree char *target = corral_guest_file_installed_name (file);
  g_autofree char *path = g_build_filename (work_dir, target, NULL);
  g_autofree guint8 *buf = g_malloc (CHUNK);
  g_autoptr(GChecksum) sha = g_checksum_new (G_CHECKSUM_SHA256);
  g_autoptr(GInputStream) in = NULL;
  g_autoptr(GConverter) gunzip = NULL;
  g_autoptr(GByteArray) carry = g_byte_array_new ();
  g_autoptr(GError) unpack_error = NULL;
  g_autofree char *have = NULL, *want = NULL;
  gboolean finished = FALSE;
  guint64 count = 0;
  Output out = { -1, path, 0 };

  in = open_source (session, uri, cancellable, error);
  if (in == NULL)
    return FALSE;

  out.fd = open (path, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0644);
  if (out.fd < 0)
    return set_write_error (error, errno, path, self);
  if (file->gzip)
    gunzip = G_CONVERTER (g_zlib_decompressor_new (G_ZLIB_COMPRESSOR_FORMAT_GZIP));

  for (;;)
    {
      g_autoptr(GError) local = NULL;
      gssize n = g_input_stream_read (in, buf, CHUNK, cancellable, &local);

      if (n < 0)
        {
          g_autofree char *got = g_format_size (count);
          g_autofree char *of = g_format_size (file->size);

          close (out.fd);
          if (g_error_matches (local, G_IO_ERROR, G_IO_ERROR_CANCELLED))
            g_propagate_error (error, g_steal_pointer (&local));
          else
            g_set_error (error, CORRAL_GUEST_DOWNLOAD_ERROR, CORRAL_GUEST_DOWNLOAD_ERROR_NETWORK,
                         _("The connection broke while downloading %s (%s of %s received): %s"),
                         uri, got, of, local->message);
          return FALSE;
        }
      if (n == 0)
        break;
      count += n;
      add_received (self, n);
      if (count > file->size)
        {
          close (out.fd);
          g_set_error (error, CORRAL_GUEST_DOWNLOAD_ERROR, CORRAL_GUEST_DOWNLOAD_ERROR_CHECKSUM,
                       _("%s is larger than the catalogue says: it is not the file Corral expects"), uri);
          return FALSE;
        }
      g_checksum_update (sha, buf, n);
      /* After a bad gzip stream the rest is still hashed: a checksum
       * mismatch says more (damaged or replaced) than "not gzip". */
      if (unpack_error != NULL)
        continue;
      if (gunzip != NULL)
        unpack (gunzip, carry, buf, n, FALSE, &finished, &out, self, &unpack_error);
      else if (!output_write (&out, buf, n, self, error))
        {
          close (out.fd);
          return FALSE;
        }
      if (unpack_error != NULL && !g_error_matches (unpack_error, CORRAL_GUEST_DOWNLOAD_ERROR,
                                                     CORRAL_GUEST_DOWNLOAD_ERROR_CORRUPT))
        {
          close (out.fd);
          g_propagate_error (error, g_steal_pointer (&unpack_error));
          return FALSE;
        }
    }

  if (count < file->size)
    {
      g_autofree char *got = g_format_size (count);
      g_autofree char *of = g_format_size (file->size);

      close (out.fd);
      g_set_error (error, CORRAL_GUEST_DOWNLOAD_ERROR, CORRAL_GUEST_DOWNLOAD_ERROR_NETWORK,
                   _("The download of %s ended early (%s of %s received)"), uri, got, of);
      return FALSE;
    }
  have = g_strdup (g_checksum_get_string (sha));
  want = g_ascii_strdown (file->sha256, -1);
  if (!g_str_equal (have, want))
    {
      close (out.fd);
      g_set_error (error, CORRAL_GUEST_DOWNLOAD_ERROR, CORRAL_GUEST_DOWNLOAD_ERROR_CHECKSUM,
                   _("%s does not match its checksum (sha256 %s, expected %s): the download is damaged or not the published file"),
                   uri, have, want);
      return FALSE;
    }
  if (gunzip != NULL && unpack_error == NULL)
    unpack (gunzip, carry, NULL, 0, TRUE, &finished, &out, self, &unpack_error);
  if (unpack_error != NULL)
    {
      close (out.fd);
      g_propagate_error (error, g_steal_pointer (&unpack_error));
      return FALSE;
    }
  return output_close (&out, self, error);
}

/* Work folders of downloads whose process is gone (killed, or the
 * machine went down) are removed: they may hold gigabytes. Their names
 * carry the process id: .download-ID-PID-XXXXXX, .old-ID-PID. */
static void
sweep_stale (const char *store_dir)
{
  g_autoptr(GDir) listing = g_dir_open (store_dir, 0, NULL);
  const char *name;

  while (listing != NULL && (name = g_dir_read_name (listing)) != NULL)
    {
      g_auto(GStrv) parts = NULL;
      guint n;
      guint64 pid;

      if (!g_str_has_prefix (name, ".download-") && !g_str_has_prefix (name, ".old-"))
        continue;
      parts = g_strsplit (name, "-", -1);
      n = g_strv_length (parts);
      /* The pid is the last field of .old-…, the one before the random
       * suffix of .download-…. */
      if (n < 3 || !g_ascii_string_to_unsigned (parts[g_str_has_prefix (name, ".old-") ? n - 1 : n - 2],
                                                10, 1, G_MAXINT, &pid, NULL))
        continue;
      if (kill ((pid_t) pid, 0) != 0 && errno == ESRCH)
        {
          g_autofree char *path = g_build_filename (store_dir, name, NULL);
          remove_work_dir (path);
        }
    }
}

static gboolean
check_space (CorralGuestDownload  *self,
             GError              **error)
{
  g_autoptr(GFile) dir = g_file_new_for_path (self->store_dir);
  g_autoptr(GFileInfo) info = g_file_query_filesystem_info (dir, G_FILE_ATTRIBUTE_FILESYSTEM_FREE, NULL, NULL);
  guint64 free_bytes;

  if (info == NULL || !g_file_info_has_attribute (info, G_FILE_ATTRIBUTE_FILESYSTEM_FREE))
    return TRUE;  /* unknown: the writes will tell */
  free_bytes = g_file_info_get_attribute_uint64 (info, G_FILE_ATTRIBUTE_FILESYSTEM_FREE);
  if (free_bytes < self->offer->installed_size + SPACE_MARGIN)
    {
      g_autofree char *need = g_format_size (self->offer->installed_size);
      g_autofree char *have = g_format_size (free_bytes);

      g_set_error (error, CORRAL_GUEST_DOWNLOAD_ERROR, CORRAL_GUEST_DOWNLOAD_ERROR_NO_SPACE,
                   _("Not enough disk space: the guest needs %s in %s, and %s is free."),
                   need, self->store_dir, have);
      return FALSE;
    }
  return TRUE;
}

/* Moves @work_dir to @dest in one step, replacing an older @dest. */
static gboolean
install (const char  *work_dir,
         const char  *dest,
         const char  *store_dir,
         const char  *id,
         GError     **error)
{
  g_autofree char *old = NULL;

  if (rename (work_dir, dest) == 0)
    return TRUE;
  if (errno != EEXIST && errno != ENOTEMPTY)
    goto failed;

  /* An older guest is there: swap, so there is always a whole guest. */
  if (renameat2 (AT_FDCWD, work_dir, AT_FDCWD, dest, RENAME_EXCHANGE) == 0)
    {
      remove_work_dir (work_dir);  /* now the old guest */
      return TRUE;
    }
  old = g_strdup_printf ("%s/.old-%s-%d", store_dir, id, (int) getpid ());
  if (rename (dest, old) != 0)
    goto failed;
  if (rename (work_dir, dest) != 0)
    {
      int saved = errno;
      rename (old, dest);
      errno = saved;
      goto failed;
    }
  remove_work_dir (old);
  return TRUE;

failed:
  {
    int saved = errno;
    g_set_error (error, CORRAL_GUEST_DOWNLOAD_ERROR, CORRAL_GUEST_DOWNLOAD_ERROR_WRITE,
                 _("Could not install the guest in “%s”: %s"), dest, g_strerror (saved));
  }
  return FALSE;
}

static void
download_thread (GTask        *task,
                 gpointer      source_object,
                 gpointer      task_data,
                 GCancellable *cancellable)
{
  CorralGuestDownload *self = source_object;
  g_autoptr(SoupSession) session = NULL;
  g_autoptr(GError) error = NULL;
  g_autoptr(CorralGuest) guest = NULL;
  g_autofree char *template = NULL;
  g_autofree char *dest = NULL;
  g_autofree char *manifest = NULL;
  char *work_dir;

  if (g_mkdir_with_parents (self->store_dir, 0755) != 0)
    {
      int saved = errno;
      g_task_return_new_error (task, CORRAL_GUEST_DOWNLOAD_ERROR, CORRAL_GUEST_DOWNLOAD_ERROR_WRITE,
                               _("Could not create “%s”: %s"), self->store_dir, g_strerror (saved));
      return;
    }
  sweep_stale (self->store_dir);
  if (!check_space (self, &error))
    {
      g_task_return_error (task, g_steal_pointer (&error));
      return;
    }

  /* Hidden: the store never offers a guest that is still arriving. */
  template = g_strdup_printf ("%s/.download-%s-%d-XXXXXX", self->store_dir, self->offer->id, (int) getpid ());
  work_dir = g_mkdtemp_full (template, 0755);
  if (work_dir == NULL)
    {
      int saved = errno;
      g_task_return_new_error (task, CORRAL_GUEST_DOWNLOAD_ERROR, CORRAL_GUEST_DOWNLOAD_ERROR_WRITE,
                               _("Could not create “%s”: %s"), template, g_strerror (saved));
      return;
    }

  session = soup_session_new_with_options ("user-agent", PACKAGE_NAME "/" PACKAGE_VERSION,
                                           "timeout", 60,
                                           NULL);
  for (guint i = 0; i < self->offer->files->len; i++)
    if (!fetch_file (self, session, self->offer->files->pdata[i], work_dir, cancellable, &error))
      goto failed;

  /* Whole and checked; the manifest must also describe a bootable guest. */
  manifest = g_build_filename (work_dir, "guest.ini", NULL);
  guest = corral_guest_load (manifest, &error);
  if (guest == NULL)
    {
      g_autoptr(GError) inner = g_steal_pointer (&error);
      g_set_error (&error, CORRAL_GUEST_DOWNLOAD_ERROR, CORRAL_GUEST_DOWNLOAD_ERROR_CORRUPT,
                   _("The downloaded guest is not usable: %s"), inner->message);
      goto failed;
    }
  if (g_cancellable_set_error_if_cancelled (cancellable, &error))
    goto failed;

  dest = g_build_filename (self->store_dir, self->offer->id, NULL);
  if (!install (work_dir, dest, self->store_dir, self->offer->id, &error))
    goto failed;
  g_task_return_pointer (task, g_build_filename (dest, "guest.ini", NULL), g_free);
  return;

failed:
  remove_work_dir (work_dir);
  if (g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
    g_task_return_new_error (task, G_IO_ERROR, G_IO_ERROR_CANCELLED, _("The download was cancelled."));
  else
    g_task_return_error (task, g_steal_pointer (&error));
}

/* In the owner's thread */

static gboolean
progress_cb (gpointer data)
{
  CorralGuestDownload *self = data;
  guint64 received = corral_guest_download_get_received (self);

  if (received != self->received_notified)
    {
      self->received_notified = received;
      g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_RECEIVED]);
    }
  return G_SOURCE_CONTINUE;
}

static void
done_cb (GObject      *object,
         GAsyncResult *result,
         gpointer      data)
{
  CorralGuestDownload *self = CORRAL_GUEST_DOWNLOAD (object);
  GTask *outer = data;

  g_clear_handle_id (&self->progress_id, g_source_remove);
  progress_cb (self);
  self->running = FALSE;
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_RUNNING]);
  {
    g_autoptr(GError) error = NULL;
    char *manifest = g_task_propagate_pointer (G_TASK (result), &error);

    if (manifest != NULL)
      g_task_return_pointer (outer, manifest, g_free);
    else
      g_task_return_error (outer, g_steal_pointer (&error));
  }
  g_object_unref (outer);
}

void
corral_guest_download_start (CorralGuestDownload *self,
                             GCancellable        *cancellable,
                             GAsyncReadyCallback  callback,
                             gpointer             user_data)
{
  g_autoptr(GTask) inner = NULL;
  GTask *outer;

  g_return_if_fail (CORRAL_IS_GUEST_DOWNLOAD (self));
  g_return_if_fail (!self->running);

  outer = g_task_new (self, cancellable, callback, user_data);
  g_task_set_source_tag (outer, corral_guest_download_start);
  /* The thread's own error says what happened, cancelled or not. */
  g_task_set_check_cancellable (outer, FALSE);

  g_mutex_lock (&self->lock);
  self->received = 0;
  g_mutex_unlock (&self->lock);
  self->received_notified = 0;
  self->running = TRUE;
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_RUNNING]);
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_RECEIVED]);
  self->progress_id = g_timeout_add (200, progress_cb, self);

  /* The inner task runs the thread; the outer one reports to the caller
   * after the progress source is gone. */
  inner = g_task_new (self, cancellable, done_cb, outer);
  g_task_set_return_on_cancel (inner, FALSE);
  g_task_set_check_cancellable (inner, FALSE);
  g_task_run_in_thread (inner, download_thread);
}

char *
corral_guest_download_finish (CorralGuestDownload  *self,
                              GAsyncResult         *result,
                              GError              **error)
{
  g_return_val_if_fail (g_task_is_valid (result, self), NULL);
  return g_task_propagate_pointer (G_TASK (result), error);
}
