/* fuzz-catalogue.c: the guest catalogue, as Corral reads it
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * The catalogue says what to download, from where, and the sha256 each
 * file must have ($CORRAL_GUEST_CATALOGUE can point anywhere). Whatever
 * it holds: parsing never crashes, and an offer it accepts can only
 * install checked files inside its own folder of the store: plain names,
 * 64-hex sha256 values, guest.ini among them, sizes that add up.
 */
#include "config.h"

#include <stdint.h>
#include <string.h>

#include "corral-guest-catalogue.h"
#include "fuzz-util.h"

int LLVMFuzzerInitialize (int *argc, char ***argv);
int LLVMFuzzerTestOneInput (const uint8_t *data, size_t size);

int
LLVMFuzzerInitialize (int    *argc,
                      char ***argv)
{
  corral_fuzz_init ();
  return 0;
}

static gboolean
plain (const char *name)
{
  return name[0] != '\0' && name[0] != '.' && strchr (name, '/') == NULL;
}

int
LLVMFuzzerTestOneInput (const uint8_t *data,
                        size_t         size)
{
  g_autoptr(CorralGuestCatalogue) catalogue = NULL;
  g_autoptr(GError) error = NULL;
  GPtrArray *offers;

  catalogue = corral_guest_catalogue_new_from_data ((const char *) data, size, "fuzz", &error);
  if (catalogue == NULL)
    {
      g_assert_error (error, CORRAL_GUEST_CATALOGUE_ERROR, CORRAL_GUEST_CATALOGUE_ERROR_INVALID);
      return 0;
    }
  offers = corral_guest_catalogue_get_offers (catalogue);
  for (guint i = 0; i < offers->len; i++)
    {
      const CorralGuestOffer *offer = offers->pdata[i];
      guint64 sum = 0;
      gboolean manifest = FALSE;

      g_assert_true (plain (offer->id));
      g_assert_true (g_str_has_suffix (offer->url, "/"));
      g_assert_nonnull (offer->title);
      g_assert_true (g_utf8_validate (offer->title, -1, NULL));
      g_assert_cmpuint (offer->files->len, >, 0);
      for (guint j = 0; j < offer->files->len; j++)
        {
          const CorralGuestFile *file = offer->files->pdata[j];
          g_autofree char *installed = corral_guest_file_installed_name (file);

          g_assert_true (plain (file->name));
          g_assert_true (plain (installed));
          g_assert_cmpuint (strlen (file->sha256), ==, 64);
          g_assert_cmpuint (strspn (file->sha256, "0123456789abcdef"), ==, 64);
          /* No wrap-around: a total smaller than a part would pass the
           * free-space check for a download that cannot fit. */
          g_assert_cmpuint (sum + file->size, >=, sum);
          sum += file->size;
          manifest = manifest || g_str_equal (installed, "guest.ini");
        }
      g_assert_true (manifest);
      g_assert_cmpuint (offer->download_size, ==, sum);
    }
  g_assert_true (offers->len == 0 || corral_guest_catalogue_get_default (catalogue) != NULL);
  return 0;
}
