/* corral-network-log-entry.h: one host and port the guest asked for
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#pragma once

#include <glib-object.h>

G_BEGIN_DECLS

#define CORRAL_TYPE_NETWORK_LOG_ENTRY (corral_network_log_entry_get_type ())
G_DECLARE_FINAL_TYPE (CorralNetworkLogEntry, corral_network_log_entry, CORRAL, NETWORK_LOG_ENTRY, GObject)

/*
 * Properties (read-only; count, last-time and reason notify):
 *   host       string   as the guest named it
 *   port       uint
 *   allowed    bool     let through (TRUE) or refused
 *   reason     string   why it was refused, for a person (NULL if allowed)
 *   count      uint     how many times
 *   last-time  int64    when last, in seconds since the epoch
 */

CorralNetworkLogEntry *corral_network_log_entry_new (const char *host,
                                                     guint       port,
                                                     gboolean    allowed);

const char *corral_network_log_entry_get_host      (CorralNetworkLogEntry *self);
guint       corral_network_log_entry_get_port      (CorralNetworkLogEntry *self);
gboolean    corral_network_log_entry_get_allowed   (CorralNetworkLogEntry *self);
const char *corral_network_log_entry_get_reason    (CorralNetworkLogEntry *self);
guint       corral_network_log_entry_get_count     (CorralNetworkLogEntry *self);
gint64      corral_network_log_entry_get_last_time (CorralNetworkLogEntry *self);
/* The entry that would allow it: "host", or "host:port" off 443 and 80. */
char       *corral_network_log_entry_dup_allow_entry (CorralNetworkLogEntry *self);

/* One more time, at @unix_time, for @reason. */
void        corral_network_log_entry_hit           (CorralNetworkLogEntry *self,
                                                    gint64                 unix_time,
                                                    const char            *reason);

G_END_DECLS
