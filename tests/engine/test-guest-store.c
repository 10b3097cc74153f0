/* test-guest-store.c: which guest is booted, and the download catalogue
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "config.h"

#include <glib/gstdio.h>

#include "corral-guest-catalogue.h"
#include "corral-guest-store.h"

typedef struct {
  char *root;
  char *user;
  char *system1;
  char *system2;
  CorralGuestStore *store;
} Fixture;

/* Makes DIR/NAME/guest.ini; returns its path. */
static char *
add_guest (const char *dir,
           const char *name)
{
  g_autofree char *folder = g_build_filename (dir, name, NULL);
  char *manifest = g_build_filename (folder, "guest.ini", NULL);

  g_assert_cmpint (g_mkdir_with_parents (folder, 0755), ==, 0);
  g_assert_true (g_file_set_contents (manifest, "[Guest]\nKernel=vmlinuz\n", -1, NULL));
  return manifest;
}

static void
setup (Fixture *f, gconstpointer data)
{
  const char *system_dirs[3];

  f->root = g_dir_make_tmp ("corral-store-XXXXXX", NULL);
  f->user = g_build_filename (f->root, "user", NULL);
  f->system1 = g_build_filename (f->root, "system1", NULL);
  f->system2 = g_build_filename (f->root, "system2", NULL);
  system_dirs[0] = f->system1;
  system_dirs[1] = f->system2;
  system_dirs[2] = NULL;
  f->store = corral_guest_store_new (f->user, NULL, system_dirs);
}

static void
teardown (Fixture *f, gconstpointer data)
{
  g_autofree char *cmd = g_strdup_printf ("rm -rf '%s'", f->root);

  g_clear_object (&f->store);
  g_assert_true (g_spawn_command_line_sync (cmd, NULL, NULL, NULL, NULL));
  g_free (f->root);
  g_free (f->user);
  g_free (f->system1);
  g_free (f->system2);
}

static void
test_nothing_installed (Fixture *f, gconstpointer data)
{
  g_autoptr(GError) error = NULL;
  g_autofree char *manifest = corral_guest_store_resolve (f->store, NULL, "", NULL, &error);

  g_assert_null (manifest);
  g_assert_error (error, CORRAL_GUEST_STORE_ERROR, CORRAL_GUEST_STORE_ERROR_NONE_INSTALLED);
  /* The message says where it looked, for a person to check. */
  g_assert_nonnull (strstr (error->message, f->user));
}

static void
test_order (Fixture *f, gconstpointer data)
{
  g_autofree char *system = add_guest (f->system2, "debian");
  g_autofree char *user = NULL;
  g_autofree char *got = NULL;
  CorralGuestSource source;

  /* Only a system-wide guest: it is used. */
  got = corral_guest_store_resolve (f->store, NULL, NULL, &source, NULL);
  g_assert_cmpstr (got, ==, system);
  g_assert_cmpint (source, ==, CORRAL_GUEST_SOURCE_SYSTEM);
  g_clear_pointer (&got, g_free);

  /* The user's own guest (built or downloaded) wins over the system's. */
  user = add_guest (f->user, "debian");
  got = corral_guest_store_resolve (f->store, NULL, NULL, &source, NULL);
  g_assert_cmpstr (got, ==, user);
  g_assert_cmpint (source, ==, CORRAL_GUEST_SOURCE_USER);
  g_clear_pointer (&got, g_free);

  /* Preferences win over the store... */
  got = corral_guest_store_resolve (f->store, NULL, "/srv/chosen.ini", &source, NULL);
  g_assert_cmpstr (got, ==, "/srv/chosen.ini");
  g_assert_cmpint (source, ==, CORRAL_GUEST_SOURCE_PREFERENCES);
  g_clear_pointer (&got, g_free);

  /* ...and --guest wins over Preferences, even when its file is missing
   * (the error will name it rather than boot another guest). */
  got = corral_guest_store_resolve (f->store, "/nonexistent/cli.ini", "/srv/chosen.ini", &source, NULL);
  g_assert_cmpstr (got, ==, "/nonexistent/cli.ini");
  g_assert_cmpint (source, ==, CORRAL_GUEST_SOURCE_COMMAND_LINE);
}

static void
test_system_manifest (Fixture *f, gconstpointer data)
{
  const char *dirs[] = { f->system1, NULL };
  g_autofree char *in_dir = add_guest (f->system1, "debian");
  g_autofree char *configured = add_guest (f->root, "nix-guest");
  g_autoptr(CorralGuestStore) store = corral_guest_store_new (f->user, configured, dirs);
  g_autoptr(CorralGuestStore) missing = corral_guest_store_new (f->user, "/nonexistent/guest.ini", dirs);
  g_autofree char *got = NULL;

  /* The build-time manifest (e.g. Nix's) comes before the system folders... */
  got = corral_guest_store_resolve (store, NULL, NULL, NULL, NULL);
  g_assert_cmpstr (got, ==, configured);
  g_clear_pointer (&got, g_free);
  /* ...unless its file is not there. */
  got = corral_guest_store_resolve (missing, NULL, NULL, NULL, NULL);
  g_assert_cmpstr (got, ==, in_dir);
}

static void
test_choice_within_folder (Fixture *f, gconstpointer data)
{
  g_autofree char *zeta = add_guest (f->user, "zeta");
  g_autofree char *alpha = add_guest (f->user, "alpha");
  g_autofree char *partial = add_guest (f->user, ".download-aaa-123456");
  g_autofree char *debian = NULL;
  g_autofree char *got = NULL;
  g_autofree char *found = NULL;

  /* Work in progress (hidden) is never chosen; else by name. */
  got = corral_guest_store_resolve (f->store, NULL, NULL, NULL, NULL);
  g_assert_cmpstr (got, ==, alpha);
  g_assert_cmpstr (got, !=, partial);
  g_clear_pointer (&got, g_free);

  /* The default guest comes first. */
  debian = add_guest (f->user, "debian");
  got = corral_guest_store_resolve (f->store, NULL, NULL, NULL, NULL);
  g_assert_cmpstr (got, ==, debian);

  found = corral_guest_store_find (f->store, "zeta");
  g_assert_cmpstr (found, ==, zeta);
  g_assert_null (corral_guest_store_find (f->store, ".download-aaa-123456"));
  g_assert_null (corral_guest_store_find (f->store, "../user/zeta"));
  g_assert_null (corral_guest_store_find (f->store, "none"));
}

static void
test_folder_without_manifest (Fixture *f, gconstpointer data)
{
  g_autofree char *empty = g_build_filename (f->user, "debian", NULL);
  g_autofree char *system = add_guest (f->system1, "other");
  g_autofree char *got = NULL;

  /* A folder without guest.ini (an interrupted copy) is not a guest. */
  g_assert_cmpint (g_mkdir_with_parents (empty, 0755), ==, 0);
  got = corral_guest_store_resolve (f->store, NULL, NULL, NULL, NULL);
  g_assert_cmpstr (got, ==, system);
}

static void
test_default_dirs (void)
{
  g_autoptr(CorralGuestStore) store = NULL;
  g_autofree char *user = g_build_filename (g_get_user_data_dir (), "corral", "guests", NULL);
  g_autofree char *pkg = g_build_filename (PKGDATADIR, "guests", NULL);
  const char * const *dirs;

  g_setenv ("CORRAL_GUEST_PATH", "/opt/a/guests:/opt/b/guests", TRUE);
  store = corral_guest_store_new_default ();
  g_unsetenv ("CORRAL_GUEST_PATH");

  g_assert_cmpstr (corral_guest_store_get_user_dir (store), ==, user);
  dirs = corral_guest_store_get_system_dirs (store);
  g_assert_cmpstr (dirs[0], ==, "/opt/a/guests");
  g_assert_cmpstr (dirs[1], ==, "/opt/b/guests");
  g_assert_cmpstr (dirs[2], ==, pkg);
  /* Then corral/guests in each of XDG_DATA_DIRS (Nix profiles, /app/share). */
  g_assert_nonnull (dirs[3]);
  g_assert_true (g_str_has_suffix (dirs[3], "/corral/guests"));
}

/* The catalogue */

#define SHA_A "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa"
#define SHA_B "0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef"

static const char good_catalogue[] =
  "[debian]\n"
  "Name=Debian 12 (Corral)\n"
  "Name[de]=Debian 12 (Corral, de)\n"
  "Version=20261128\n"
  "URL=https://example.org/guests/debian\n"
  "InstalledSize=3000000000\n"
  "Files=guest.ini;rootfs.img.gz\n"
  "[debian/guest.ini]\nSHA256=" SHA_A "\nSize=300\n"
  "[debian/rootfs.img.gz]\nSHA256=" SHA_B "\nSize=1000000000\n"
  "[tiny]\n"
  "URL=file:///srv/tiny/\n"
  "InstalledSize=10\n"
  "Files=guest.ini\n"
  "[tiny/guest.ini]\nSHA256=" SHA_A "\nSize=10\n";

static void
test_catalogue_parse (void)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(CorralGuestCatalogue) cat = corral_guest_catalogue_new_from_data (good_catalogue, -1, "test", &error);
  const CorralGuestOffer *offer;
  const CorralGuestFile *file;
  g_autofree char *installed = NULL;

  g_assert_no_error (error);
  g_assert_cmpuint (corral_guest_catalogue_get_offers (cat)->len, ==, 2);
  offer = corral_guest_catalogue_lookup (cat, "debian");
  g_assert_nonnull (offer);
  g_assert_cmpstr (offer->version, ==, "20261128");
  /* The base URL always ends with a slash: file names are appended. */
  g_assert_cmpstr (offer->url, ==, "https://example.org/guests/debian/");
  g_assert_cmpuint (offer->installed_size, ==, 3000000000u);
  g_assert_cmpuint (offer->download_size, ==, 1000000300u);
  g_assert_cmpuint (offer->files->len, ==, 2);
  file = offer->files->pdata[1];
  g_assert_cmpstr (file->name, ==, "rootfs.img.gz");
  g_assert_cmpstr (file->sha256, ==, SHA_B);
  g_assert_true (file->gzip);
  installed = corral_guest_file_installed_name (file);
  g_assert_cmpstr (installed, ==, "rootfs.img");
  g_assert_false (((CorralGuestFile *) offer->files->pdata[0])->gzip);

  offer = corral_guest_catalogue_lookup (cat, "tiny");
  g_assert_cmpstr (offer->title, ==, "tiny");
  g_assert_null (corral_guest_catalogue_lookup (cat, "nixos"));
}

static void
test_catalogue_invalid (void)
{
  /* Each of these would install something unchecked, outside the store,
   * or nothing bootable: refused, with the place named. */
  static const struct { const char *data; const char *says; } cases[] = {
    { "[debian]\nURL=https://x/\nInstalledSize=1\nFiles=guest.ini\n[debian/guest.ini]\nSize=1\n", "SHA256" },
    { "[debian]\nURL=https://x/\nInstalledSize=1\nFiles=guest.ini\n[debian/guest.ini]\nSHA256=ABC\nSize=1\n", "SHA256" },
    { "[debian]\nURL=https://x/\nInstalledSize=1\nFiles=guest.ini\n[debian/guest.ini]\nSHA256=" SHA_A "\nSize=-1\n", "Size" },
    { "[debian]\nURL=https://x/\nInstalledSize=1\nFiles=../guest.ini\n", "../guest.ini" },
    { "[debian]\nURL=https://x/\nInstalledSize=1\nFiles=.hidden\n", ".hidden" },
    { "[debian]\nURL=https://x/\nInstalledSize=1\nFiles=kernel\n[debian/kernel]\nSHA256=" SHA_A "\nSize=1\n", "guest.ini" },
    { "[debian]\nURL=ftp://x/\nInstalledSize=1\nFiles=guest.ini\n", "URL" },
    { "[debian]\nURL=https://x/\nFiles=guest.ini\n", "InstalledSize" },
    { "[debian]\nURL=https://x/\nInstalledSize=1\nFiles=guest.ini;guest.ini.gz\n"
      "[debian/guest.ini]\nSHA256=" SHA_A "\nSize=1\n[debian/guest.ini.gz]\nSHA256=" SHA_A "\nSize=1\n", "guest.ini" },
    { "[.hidden]\nURL=https://x/\n", ".hidden" },
    { "not a key file\n", "test" },
    /* Found by fuzzing: sizes whose sum wrapped around, so a download no
     * disk could hold passed the free-space check. */
    { "[debian]\nURL=https://x/\nInstalledSize=1\nFiles=guest.ini;a;b\n"
      "[debian/guest.ini]\nSHA256=" SHA_A "\nSize=9223372036854775807\n"
      "[debian/a]\nSHA256=" SHA_A "\nSize=9223372036854775807\n"
      "[debian/b]\nSHA256=" SHA_A "\nSize=9223372036854775807\n", "add up" },
    { "[debian]\nURL=https://x/\\3\\\nInstalledSize=1\nFiles=guest.ini\n", "lone backslash" },
  };

  for (guint i = 0; i < G_N_ELEMENTS (cases); i++)
    {
      g_autoptr(GError) error = NULL;
      g_autoptr(CorralGuestCatalogue) cat = corral_guest_catalogue_new_from_data (cases[i].data, -1, "test", &error);

      g_test_message ("case %u", i);
      g_assert_null (cat);
      g_assert_error (error, CORRAL_GUEST_CATALOGUE_ERROR, CORRAL_GUEST_CATALOGUE_ERROR_INVALID);
      g_assert_nonnull (strstr (error->message, cases[i].says));
    }
}

/* The catalogue shipped in data/ parses. */
static void
test_catalogue_shipped (void)
{
  g_autofree char *path = g_test_build_filename (G_TEST_DIST, "..", "data", "guests", "catalogue.ini", NULL);
  g_autoptr(GError) error = NULL;
  g_autoptr(CorralGuestCatalogue) cat = corral_guest_catalogue_load (path, &error);

  g_assert_no_error (error);
  g_assert_nonnull (cat);
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, G_TEST_OPTION_ISOLATE_DIRS, NULL);

  g_test_add ("/guest-store/nothing-installed", Fixture, NULL, setup, test_nothing_installed, teardown);
  g_test_add ("/guest-store/order", Fixture, NULL, setup, test_order, teardown);
  g_test_add ("/guest-store/system-manifest", Fixture, NULL, setup, test_system_manifest, teardown);
  g_test_add ("/guest-store/choice-within-folder", Fixture, NULL, setup, test_choice_within_folder, teardown);
  g_test_add ("/guest-store/folder-without-manifest", Fixture, NULL, setup, test_folder_without_manifest, teardown);
  g_test_add_func ("/guest-store/default-dirs", test_default_dirs);
  g_test_add_func ("/guest-catalogue/parse", test_catalogue_parse);
  g_test_add_func ("/guest-catalogue/invalid", test_catalogue_invalid);
  g_test_add_func ("/guest-catalogue/shipped", test_catalogue_shipped);

  return g_test_run ();
}
