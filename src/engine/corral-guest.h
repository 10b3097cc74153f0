/* corral-guest.h: what to boot, read from a guest manifest (GKeyFile)
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#pragma once

#include <glib-object.h>

G_BEGIN_DECLS

#define CORRAL_GUEST_ERROR (corral_guest_error_quark ())
GQuark corral_guest_error_quark (void);
typedef enum {
  CORRAL_GUEST_ERROR_PARSE,     /* not a key file, or a key has a bad value */
  CORRAL_GUEST_ERROR_MISSING,   /* a required key is absent */
  CORRAL_GUEST_ERROR_NOT_FOUND, /* a file the manifest names does not exist */
} CorralGuestError;

#define CORRAL_TYPE_GUEST (corral_guest_get_type ())
G_DECLARE_FINAL_TYPE (CorralGuest, corral_guest, CORRAL, GUEST, GObject)

/* Relative paths in the manifest are relative to the manifest's folder. */
CorralGuest *corral_guest_load           (const char   *manifest_path,
                                          GError      **error);
CorralGuest *corral_guest_new_from_data  (const char   *data,
                                          const char   *base_dir,
                                          GError      **error);

const char  *corral_guest_get_name       (CorralGuest *self);
const char  *corral_guest_get_manifest_path (CorralGuest *self);
const char  *corral_guest_get_kernel     (CorralGuest *self);
const char  *corral_guest_get_initrd     (CorralGuest *self); /* may be NULL */
const char  *corral_guest_get_cmdline    (CorralGuest *self);
const char  *corral_guest_get_disk       (CorralGuest *self); /* may be NULL */
const char  *corral_guest_get_disk_format (CorralGuest *self); /* "raw" unless DiskFormat says */
gboolean     corral_guest_get_disk_snapshot (CorralGuest *self); /* writes are thrown away */
const char  *corral_guest_get_machine    (CorralGuest *self); /* "q35" unless Machine says */
guint        corral_guest_get_agent_serial (CorralGuest *self); /* ttyS index, usually 0 */
/* The agent console is a virtio-serial port (CORRAL_AGENT_CONSOLE_PORT),
 * which the guest relays to a pseudo-terminal; the agent serial port then
 * carries only boot messages. */
gboolean     corral_guest_get_agent_virtio (CorralGuest *self);
guint        corral_guest_get_enter_serial (CorralGuest *self); /* usually 1 */
gboolean     corral_guest_get_graphical  (CorralGuest *self);
const char  *corral_guest_get_vga        (CorralGuest *self); /* "virtio", "std", "none" */
guint        corral_guest_get_min_memory_mib (CorralGuest *self);

G_END_DECLS
