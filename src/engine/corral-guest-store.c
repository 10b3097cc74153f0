/* corral-guest-store.c: where guests are installed, and which one to boot
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * A store folder holds one folder per guest, NAME/guest.ini next to the
 * files it names. Names starting with a dot are work in progress (a build
 * or a download not yet renamed into place) and are never offered.
 */
#include "config.h"

#include <glib/gi18n.h>
#include <gio/gio.h>

#include "corral-guest-store.h"

struct _CorralGuestStore
{
  GObject parent_instance;

  char  *user_dir;
  char  *system_manifest;
  char **system_dirs;
};

G_DEFINE_FINAL_TYPE (CorralGuestStore, corral_guest_store, G_TYPE_OBJECT)
G_DEFINE_QUARK (corral-guest-store-error-quark, corral_guest_store_error)

static void
corral_guest_store_finalize (GObject *object)
{
  CorralGuestStore *self = CORRAL_GUEST_STORE (object);

  g_free (self->user_dir);
  g_free (self->system_manifest);
  g_strfreev (self->system_dirs);

  G_OBJECT_CLASS (corral_guest_store_parent_class)->finalize (object);
}

static void
corral_guest_store_class_init (CorralGuestStoreClass *klass)
{
  G_OBJECT_CLASS (klass)->finalize = corral_guest_store_finalize;
}

static void
corral_guest_store_init (CorralGuestStore *self)
{
}

CorralGuestStore *
corral_guest_store_new (const char         *user_dir,
                        const char         *system_manifest,
                        const char * const *system_dirs)
{
  CorralGuestStore *self;

  g_return_val_if_fail (user_dir != NULL, NULL);

  self = g_object_new (CORRAL_TYPE_GUEST_STORE, NULL);
  self->user_dir = g_strdup (user_dir);
  self->system_manifest = system_manifest != NULL && system_manifest[0] != '\0' ? g_strdup (system_manifest) : NULL;
  self->system_dirs = g_strdupv ((char **) system_dirs);
  if (self->system_dirs == NULL)
    self->system_dirs = g_new0 (char *, 1);
  return self;
}

static void
add_unique (GPtrArray  *dirs,
            const char *dir)
{
  g_autofree char *canonical = NULL;

  if (dir == NULL || dir[0] == '\0')
    return;
  canonical = g_canonicalize_filename (dir, "/");
  for (guint i = 0; i < dirs->len; i++)
    if (g_str_equal (dirs->pdata[i], canonical))
      return;
  g_ptr_array_add (dirs, g_steal_pointer (&canonical));
}

CorralGuestStore *
corral_guest_store_new_default (void)
{
  g_autoptr(GPtrArray) dirs = g_ptr_array_new_with_free_func (g_free);
  g_autofree char *user_dir = g_build_filename (g_get_user_data_dir (), "corral", "guests", NULL);
  const char *path = g_getenv ("CORRAL_GUEST_PATH");
  const char * const *data_dirs = g_get_system_data_dirs ();

  if (path != NULL)
    {
      g_auto(GStrv) parts = g_strsplit (path, ":", -1);
      for (guint i = 0; parts[i] != NULL; i++)
        add_unique (dirs, parts[i]);
    }
  {
    g_autofree char *pkg = g_build_filename (PKGDATADIR, "guests", NULL);
    add_unique (dirs, pkg);
  }
  /* In a Flatpak the user's store is the app's own; a guest built on the
   * host (build-aux/build-guest) is still found, read through
   * --filesystem=xdg-data/corral/guests:ro. */
  if (g_file_test ("/.flatpak-info", G_FILE_TEST_EXISTS))
    {
      g_autofree char *host = g_build_filename (g_get_home_dir (), ".local", "share", "corral", "guests", NULL);
      add_unique (dirs, host);
    }
  for (guint i = 0; data_dirs[i] != NULL; i++)
    {
      g_autofree char *dir = g_build_filename (data_dirs[i], "corral", "guests", NULL);
      add_unique (dirs, dir);
    }
  g_ptr_array_add (dirs, NULL);

  return corral_guest_store_new (user_dir, CORRAL_DEFAULT_GUEST_MANIFEST,
                                 (const char * const *) dirs->pdata);
}

const char *
corral_guest_store_get_user_dir (CorralGuestStore *self)
{
  g_return_val_if_fail (CORRAL_IS_GUEST_STORE (self), NULL);
  return self->user_dir;
}

const char * const *
corral_guest_store_get_system_dirs (CorralGuestStore *self)
{
  g_return_val_if_fail (CORRAL_IS_GUEST_STORE (self), NULL);
  return (const char * const *) self->system_dirs;
}

static gboolean
valid_name (const char *name)
{
  return name != NULL && name[0] != '\0' && name[0] != '.' && strchr (name, '/') == NULL;
}

static char *
manifest_in (const char *dir,
             const char *name)
{
  g_autofree char *manifest = g_build_filename (dir, name, "guest.ini", NULL);

  if (!g_file_test (manifest, G_FILE_TEST_IS_REGULAR))
    return NULL;
  return g_steal_pointer (&manifest);
}

static int
compare_names (gconstpointer a,
               gconstpointer b)
{
  return g_strcmp0 (*(const char * const *) a, *(const char * const *) b);
}

/* The first guest in @dir: the default one, else the first by name. */
static char *
first_in (const char *dir)
{
  g_autoptr(GDir) listing = NULL;
  g_autoptr(GPtrArray) names = NULL;
  const char *entry;
  char *manifest = manifest_in (dir, CORRAL_GUEST_STORE_DEFAULT_NAME);

  if (manifest != NULL)
    return manifest;

  listing = g_dir_open (dir, 0, NULL);
  if (listing == NULL)
    return NULL;
  names = g_ptr_array_new_with_free_func (g_free);
  while ((entry = g_dir_read_name (listing)) != NULL)
    if (valid_name (entry))
      g_ptr_array_add (names, g_strdup (entry));
  g_ptr_array_sort (names, compare_names);
  for (guint i = 0; i < names->len && manifest == NULL; i++)
    manifest = manifest_in (dir, names->pdata[i]);
  return manifest;
}

char *
corral_guest_store_find (CorralGuestStore *self,
                         const char       *name)
{
  char *manifest;

  g_return_val_if_fail (CORRAL_IS_GUEST_STORE (self), NULL);

  if (!valid_name (name))
    return NULL;
  manifest = manifest_in (self->user_dir, name);
  for (guint i = 0; manifest == NULL && self->system_dirs[i] != NULL; i++)
    manifest = manifest_in (self->system_dirs[i], name);
  return manifest;
}

char *
corral_guest_store_resolve (CorralGuestStore  *self,
                            const char        *command_line,
                            const char        *preference,
                            CorralGuestSource *source,
                            GError           **error)
{
  CorralGuestSource unused;
  char *manifest;

  g_return_val_if_fail (CORRAL_IS_GUEST_STORE (self), NULL);

  if (source == NULL)
    source = &unused;

  /* An explicit choice is kept even when its file is gone: falling back
   * to another guest would boot something the user did not ask for. */
  if (command_line != NULL && command_line[0] != '\0')
    {
      *source = CORRAL_GUEST_SOURCE_COMMAND_LINE;
      return g_strdup (command_line);
    }
  if (preference != NULL && preference[0] != '\0')
    {
      *source = CORRAL_GUEST_SOURCE_PREFERENCES;
      return g_strdup (preference);
    }

  manifest = first_in (self->user_dir);
  if (manifest != NULL)
    {
      *source = CORRAL_GUEST_SOURCE_USER;
      return manifest;
    }

  *source = CORRAL_GUEST_SOURCE_SYSTEM;
  if (self->system_manifest != NULL && g_file_test (self->system_manifest, G_FILE_TEST_IS_REGULAR))
    return g_strdup (self->system_manifest);
  for (guint i = 0; self->system_dirs[i] != NULL; i++)
    {
      manifest = first_in (self->system_dirs[i]);
      if (manifest != NULL)
        return manifest;
    }

  g_set_error (error, CORRAL_GUEST_STORE_ERROR, CORRAL_GUEST_STORE_ERROR_NONE_INSTALLED,
               _("No guest system is installed. Build one (Corral’s window offers it; or corral --build-guest), download one where Corral offers it (corral --download-guest), or choose a guest manifest in Preferences (looked in %s)"),
               self->user_dir);
  return NULL;
}
