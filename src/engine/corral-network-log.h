/* corral-network-log.h: what a project's guest tried to reach
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * A GListModel of CorralNetworkLogEntry, one per host, port and verdict
 * (allowed or refused), in the order they were first seen; each counts
 * its connections and keeps the last time. The project window shows it;
 * a terminal run prints each refusal ("refused" signal). Bounded: past
 * CORRAL_NETWORK_LOG_MAX entries the oldest one goes.
 */
#pragma once

#include <gio/gio.h>

#include "corral-network-log-entry.h"

G_BEGIN_DECLS

#define CORRAL_NETWORK_LOG_MAX 1000

#define CORRAL_TYPE_NETWORK_LOG (corral_network_log_get_type ())
G_DECLARE_FINAL_TYPE (CorralNetworkLog, corral_network_log, CORRAL, NETWORK_LOG, GObject)

/*
 * Signals:
 *   refused (CorralNetworkLogEntry *entry)  each refusal, after the entry
 *                                           is updated
 */

CorralNetworkLog *corral_network_log_new    (void);

void              corral_network_log_record (CorralNetworkLog *self,
                                             const char       *host,
                                             guint             port,
                                             gboolean          allowed,
                                             const char       *reason);
/* The entry for @host:@port with that verdict, or NULL. */
CorralNetworkLogEntry *corral_network_log_lookup (CorralNetworkLog *self,
                                                  const char       *host,
                                                  guint             port,
                                                  gboolean          allowed);
void              corral_network_log_clear  (CorralNetworkLog *self);

G_END_DECLS
