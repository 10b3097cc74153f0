/* corral-guest-download.h: downloads a guest from the catalogue into the store
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#pragma once

#include <gio/gio.h>

#include "corral-guest-catalogue.h"

G_BEGIN_DECLS

#define CORRAL_GUEST_DOWNLOAD_ERROR (corral_guest_download_error_quark ())
GQuark corral_guest_download_error_quark (void);
/* Cancelling gives G_IO_ERROR_CANCELLED. Whatever the error, nothing is
 * installed and nothing is left behind. */
typedef enum {
  CORRAL_GUEST_DOWNLOAD_ERROR_NETWORK,  /* no connection, or it broke */
  CORRAL_GUEST_DOWNLOAD_ERROR_HTTP,     /* the server answered with an error */
  CORRAL_GUEST_DOWNLOAD_ERROR_CHECKSUM, /* a file's sha256 or size is not the catalogue's */
  CORRAL_GUEST_DOWNLOAD_ERROR_CORRUPT,  /* right checksum, unusable content */
  CORRAL_GUEST_DOWNLOAD_ERROR_NO_SPACE, /* not enough free disk space */
  CORRAL_GUEST_DOWNLOAD_ERROR_WRITE,    /* another local file error */
} CorralGuestDownloadError;

#define CORRAL_TYPE_GUEST_DOWNLOAD (corral_guest_download_get_type ())
G_DECLARE_FINAL_TYPE (CorralGuestDownload, corral_guest_download, CORRAL, GUEST_DOWNLOAD, GObject)

/* Downloads @catalogue's offer @id into @store_dir/ID (the user's guest
 * store folder): into a hidden folder next to it first, each file's sha256
 * checked as it arrives and ".gz" files unpacked (sparse) on the way, then
 * renamed into place in one step, replacing an older ID. */
CorralGuestDownload *corral_guest_download_new      (CorralGuestCatalogue *catalogue,
                                                     const char           *id,
                                                     const char           *store_dir);
const CorralGuestOffer *corral_guest_download_get_offer (CorralGuestDownload *self);
/* Bytes received so far (notify::received, a few times a second) of the
 * offer's download_size. */
guint64              corral_guest_download_get_received (CorralGuestDownload *self);
gboolean             corral_guest_download_get_running  (CorralGuestDownload *self);

void                 corral_guest_download_start    (CorralGuestDownload  *self,
                                                     GCancellable         *cancellable,
                                                     GAsyncReadyCallback   callback,
                                                     gpointer              user_data);
/* The installed guest's manifest, or NULL and the error. */
char                *corral_guest_download_finish   (CorralGuestDownload  *self,
                                                     GAsyncResult         *result,
                                                     GError              **error);

G_END_DECLS
