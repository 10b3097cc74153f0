/* corral-guest-catalogue.c: the guests Corral can download (a GKeyFile)
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * One group per guest and one per file (build-aux/build-guest --bundle
 * writes both):
 *
 *   [debian]
 *   Name=Debian 12 (Corral)
 *   Version=20261128-0123456789ab
 *   URL=https://example.org/guests/debian-20261128/
 *   InstalledSize=2790000000
 *   Files=guest.ini;vmlinuz;initrd.img.gz;rootfs.img.gz
 *
 *   [debian/rootfs.img.gz]
 *   SHA256=<64 hex digits>
 *   Size=1100000000
 *
 * The sha256 values are pinned in the app: whoever serves the files cannot
 * change what gets installed.
 */
#include "config.h"

#include <glib/gi18n.h>
#include <string.h>

#include "corral-engine-resources.h"
#include "corral-guest-catalogue.h"
#include "corral-key-file.h"
#include "corral-text.h"

struct _CorralGuestCatalogue
{
  GObject    parent_instance;

  GPtrArray *offers;  /* of CorralGuestOffer */
};

G_DEFINE_FINAL_TYPE (CorralGuestCatalogue, corral_guest_catalogue, G_TYPE_OBJECT)
G_DEFINE_QUARK (corral-guest-catalogue-error-quark, corral_guest_catalogue_error)

static void
file_free (gpointer data)
{
  CorralGuestFile *file = data;

  g_free (file->name);
  g_free (file->sha256);
  g_free (file);
}

static void
offer_free (gpointer data)
{
  CorralGuestOffer *offer = data;

  g_free (offer->id);
  g_free (offer->title);
  g_free (offer->version);
  g_free (offer->url);
  g_clear_pointer (&offer->files, g_ptr_array_unref);
  g_free (offer);
}

static void
corral_guest_catalogue_finalize (GObject *object)
{
  CorralGuestCatalogue *self = CORRAL_GUEST_CATALOGUE (object);

  g_clear_pointer (&self->offers, g_ptr_array_unref);

  G_OBJECT_CLASS (corral_guest_catalogue_parent_class)->finalize (object);
}

static void
corral_guest_catalogue_class_init (CorralGuestCatalogueClass *klass)
{
  G_OBJECT_CLASS (klass)->finalize = corral_guest_catalogue_finalize;
}

static void
corral_guest_catalogue_init (CorralGuestCatalogue *self)
{
  self->offers = g_ptr_array_new_with_free_func (offer_free);
}

/* A name that stays inside the folder it is written to. */
static gboolean
plain_name (const char *name)
{
  return name != NULL && name[0] != '\0' && name[0] != '.' && strchr (name, '/') == NULL;
}

static gboolean
is_sha256 (const char *text)
{
  if (text == NULL || strlen (text) != 64)
    return FALSE;
  for (const char *p = text; *p != '\0'; p++)
    if (!g_ascii_isdigit (*p) && !(*p >= 'a' && *p <= 'f'))
      return FALSE;
  return TRUE;
}

static gboolean G_GNUC_PRINTF (4, 5)
invalid (GError    **error,
         const char *source,
         const char *group,
         const char *format,
         ...)
{
  va_list ap;
  g_autofree char *detail = NULL;

  va_start (ap, format);
  detail = g_strdup_vprintf (format, ap);
  va_end (ap);
  g_set_error (error, CORRAL_GUEST_CATALOGUE_ERROR, CORRAL_GUEST_CATALOGUE_ERROR_INVALID,
               /* Translators: guest catalogue “file”, [group]: what is wrong */
               _("Guest catalogue “%s”, [%s]: %s"), source, group, detail);
  return FALSE;
}

static gboolean
get_size (GKeyFile   *kf,
          const char *group,
          const char *key,
          const char *source,
          guint64    *out,
          GError    **error)
{
  g_autofree char *text = g_key_file_get_string (kf, group, key, NULL);

  if (text == NULL || !g_ascii_string_to_unsigned (g_strstrip (text), 10, 0, G_MAXINT64, out, NULL))
    return invalid (error, source, group, _("%s is missing or not a number of bytes"), key);
  return TRUE;
}

char *
corral_guest_file_installed_name (const CorralGuestFile *file)
{
  if (file->gzip)
    return g_strndup (file->name, strlen (file->name) - strlen (".gz"));
  return g_strdup (file->name);
}

static CorralGuestOffer *
parse_offer (GKeyFile    *kf,
             const char  *group,
             const char  *source,
             GError     **error)
{
  g_autoptr(GPtrArray) files = g_ptr_array_new_with_free_func (file_free);
  g_autoptr(GHashTable) installed = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, NULL);
  g_auto(GStrv) names = NULL;
  g_autofree char *url = NULL;
  g_autofree char *scheme = NULL;
  CorralGuestOffer *offer;
  guint64 installed_size;
  guint64 total = 0;

  if (!plain_name (group))
    {
      invalid (error, source, group, _("not a usable guest name"));
      return NULL;
    }
  url = g_key_file_get_string (kf, group, "URL", NULL);
  scheme = url != NULL ? g_uri_parse_scheme (url) : NULL;
  if (scheme == NULL ||
      (g_ascii_strcasecmp (scheme, "https") != 0 && g_ascii_strcasecmp (scheme, "http") != 0 &&
       g_ascii_strcasecmp (scheme, "file") != 0))
    {
      invalid (error, source, group, _("URL is missing or not an http, https or file URL"));
      return NULL;
    }
  if (!get_size (kf, group, "InstalledSize", source, &installed_size, error))
    return NULL;
  names = g_key_file_get_string_list (kf, group, "Files", NULL, NULL);
  for (guint i = 0; names != NULL && names[i] != NULL; i++)
    {
      g_autofree char *file_group = g_strconcat (group, "/", names[i], NULL);
      g_autofree char *sha = NULL;
      CorralGuestFile *file;
      char *target;

      if (!plain_name (names[i]) || g_str_equal (names[i], ".gz"))
        {
          invalid (error, source, group, _("“%s” is not a usable file name"), names[i]);
          return NULL;
        }
      sha = g_key_file_get_string (kf, file_group, "SHA256", NULL);
      if (sha != NULL)
        g_strstrip (sha);
      if (!is_sha256 (sha))
        {
          invalid (error, source, file_group, _("SHA256 is missing or not 64 lower-case hex digits"));
          return NULL;
        }
      file = g_new0 (CorralGuestFile, 1);
      file->name = g_strdup (names[i]);
      file->sha256 = g_steal_pointer (&sha);
      file->gzip = g_str_has_suffix (names[i], ".gz");
      g_ptr_array_add (files, file);
      if (!get_size (kf, file_group, "Size", source, &file->size, error))
        return NULL;
      /* Sizes are at most G_MAXINT64 each: their sum must not wrap, or a
       * download too big for any disk would pass the free-space check. */
      if (file->size > G_MAXINT64 - total)
        {
          invalid (error, source, group, _("the files’ sizes add up to more than any disk holds"));
          return NULL;
        }
      total += file->size;
      target = corral_guest_file_installed_name (file);
      if (!g_hash_table_add (installed, target))
        {
          invalid (error, source, group, _("two files unpack to “%s”"), target);
          return NULL;
        }
    }
  if (!g_hash_table_contains (installed, "guest.ini"))
    {
      invalid (error, source, group, _("Files does not list guest.ini"));
      return NULL;
    }

  offer = g_new0 (CorralGuestOffer, 1);
  offer->id = g_strdup (group);
  offer->title = g_key_file_get_locale_string (kf, group, "Name", NULL, NULL);
  if (offer->title == NULL)
    offer->title = g_strdup (group);
  offer->version = g_key_file_get_string (kf, group, "Version", NULL);
  if (offer->version == NULL)
    offer->version = g_strdup ("");
  offer->url = g_str_has_suffix (url, "/") ? g_steal_pointer (&url) : g_strconcat (url, "/", NULL);
  offer->installed_size = installed_size;
  offer->download_size = total;
  offer->files = g_steal_pointer (&files);
  return offer;
}

CorralGuestCatalogue *
corral_guest_catalogue_new_from_data (const char  *data,
                                      gsize        length,
                                      const char  *source,
                                      GError     **error)
{
  g_autoptr(CorralGuestCatalogue) self = g_object_new (CORRAL_TYPE_GUEST_CATALOGUE, NULL);
  g_autoptr(GKeyFile) kf = g_key_file_new ();
  g_autoptr(GError) local = NULL;
  g_auto(GStrv) groups = NULL;

  if (!corral_key_file_load_from_data (kf, data, length, G_KEY_FILE_NONE, &local))
    {
      g_autofree char *why = corral_text_for_display (local->message, -1, 200);

      /* GKeyFile quotes the bad line: made safe to show. */
      g_set_error (error, CORRAL_GUEST_CATALOGUE_ERROR, CORRAL_GUEST_CATALOGUE_ERROR_INVALID,
                   _("Guest catalogue “%s”: %s"), source, why);
      return NULL;
    }
  groups = g_key_file_get_groups (kf, NULL);
  for (guint i = 0; groups[i] != NULL; i++)
    {
      CorralGuestOffer *offer;

      if (strchr (groups[i], '/') != NULL)
        continue;  /* a file of an offer */
      offer = parse_offer (kf, groups[i], source, error);
      if (offer == NULL)
        return NULL;
      g_ptr_array_add (self->offers, offer);
    }
  return g_steal_pointer (&self);
}

CorralGuestCatalogue *
corral_guest_catalogue_load (const char  *path,
                             GError     **error)
{
  g_autofree char *data = NULL;
  gsize length;

  if (!g_file_get_contents (path, &data, &length, error))
    return NULL;
  return corral_guest_catalogue_new_from_data (data, length, path, error);
}

CorralGuestCatalogue *
corral_guest_catalogue_load_default (GError **error)
{
  const char *path = g_getenv ("CORRAL_GUEST_CATALOGUE");
  g_autoptr(GBytes) bytes = NULL;
  const char *data;
  gsize size;

  if (path != NULL && path[0] != '\0')
    return corral_guest_catalogue_load (path, error);
  /* Referencing the generated resource links it (and the constructor
   * that registers it) into every binary that reads the catalogue. */
  g_assert (corral_engine_get_resource () != NULL);
  bytes = g_resources_lookup_data (CORRAL_RESOURCE_PATH "/guests/catalogue.ini",
                                   G_RESOURCE_LOOKUP_FLAGS_NONE, error);
  if (bytes == NULL)
    return NULL;
  data = g_bytes_get_data (bytes, &size);
  return corral_guest_catalogue_new_from_data (data, size, "catalogue.ini", error);
}

const CorralGuestOffer *
corral_guest_catalogue_get_default (CorralGuestCatalogue *self)
{
  const CorralGuestOffer *offer;

  g_return_val_if_fail (CORRAL_IS_GUEST_CATALOGUE (self), NULL);

  offer = corral_guest_catalogue_lookup (self, "debian");
  if (offer == NULL && self->offers->len > 0)
    offer = self->offers->pdata[0];
  return offer;
}

GPtrArray *
corral_guest_catalogue_get_offers (CorralGuestCatalogue *self)
{
  g_return_val_if_fail (CORRAL_IS_GUEST_CATALOGUE (self), NULL);
  return self->offers;
}

const CorralGuestOffer *
corral_guest_catalogue_lookup (CorralGuestCatalogue *self,
                               const char           *id)
{
  g_return_val_if_fail (CORRAL_IS_GUEST_CATALOGUE (self), NULL);

  for (guint i = 0; i < self->offers->len; i++)
    {
      CorralGuestOffer *offer = self->offers->pdata[i];
      if (g_strcmp0 (offer->id, id) == 0)
        return offer;
    }
  return NULL;
}
