/* corral-guest-catalogue.h: the guests Corral can download (a GKeyFile)
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#pragma once

#include <gio/gio.h>

G_BEGIN_DECLS

#define CORRAL_GUEST_CATALOGUE_ERROR (corral_guest_catalogue_error_quark ())
GQuark corral_guest_catalogue_error_quark (void);
typedef enum {
  CORRAL_GUEST_CATALOGUE_ERROR_INVALID, /* not a key file, or an entry is incomplete or wrong */
} CorralGuestCatalogueError;

typedef struct {
  char    *name;      /* as published; "rootfs.img.gz" is unpacked to "rootfs.img" */
  char    *sha256;    /* of the published bytes, lower-case hex */
  guint64  size;      /* published bytes */
  gboolean gzip;
} CorralGuestFile;

typedef struct {
  char      *id;             /* the store folder's name, e.g. "debian" */
  char      *title;          /* "Debian 12 (Corral)" */
  char      *version;
  char      *url;            /* base URL, ends with '/' */
  guint64    installed_size; /* bytes on disk once unpacked */
  guint64    download_size;  /* sum of the files' sizes */
  GPtrArray *files;          /* of CorralGuestFile, guest.ini among them */
} CorralGuestOffer;

#define CORRAL_TYPE_GUEST_CATALOGUE (corral_guest_catalogue_get_type ())
G_DECLARE_FINAL_TYPE (CorralGuestCatalogue, corral_guest_catalogue, CORRAL, GUEST_CATALOGUE, GObject)

/* @source names the catalogue in error messages. */
CorralGuestCatalogue   *corral_guest_catalogue_new_from_data (const char            *data,
                                                              gsize                  length,
                                                              const char            *source,
                                                              GError               **error);
CorralGuestCatalogue   *corral_guest_catalogue_load          (const char            *path,
                                                              GError               **error);
/* $CORRAL_GUEST_CATALOGUE (a file) if set, else the catalogue built into
 * Corral (data/guests/catalogue.ini, in the application's GResource). */
CorralGuestCatalogue   *corral_guest_catalogue_load_default  (GError               **error);
/* The offer to download when no guest is installed ("debian", else the
 * first), or NULL. */
const CorralGuestOffer *corral_guest_catalogue_get_default   (CorralGuestCatalogue  *self);
/* Every offer, in the file's order. */
GPtrArray              *corral_guest_catalogue_get_offers    (CorralGuestCatalogue  *self);
/* The offer @id, else NULL. */
const CorralGuestOffer *corral_guest_catalogue_lookup        (CorralGuestCatalogue  *self,
                                                              const char            *id);

/* The name @file has once installed (without ".gz"). */
char                   *corral_guest_file_installed_name     (const CorralGuestFile *file);

G_END_DECLS
