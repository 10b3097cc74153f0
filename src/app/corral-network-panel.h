/* corral-network-panel.h: what the guest tried to reach, live
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#pragma once

#include <adwaita.h>

#include "corral-network-log.h"
#include "corral-network-policy.h"

G_BEGIN_DECLS

#define CORRAL_TYPE_NETWORK_PANEL (corral_network_panel_get_type ())
G_DECLARE_FINAL_TYPE (CorralNetworkPanel, corral_network_panel, CORRAL, NETWORK_PANEL, GtkWidget)

/*
 * One row per host, port and verdict of the VM's CorralNetworkLog, with
 * its count and last time; a refused host that an entry can allow has an
 * Allow button.
 *
 * Properties:
 *   log   CorralNetworkLog (NULL: nothing to show)
 *   mode  CorralNetworkMode, for the words at the top
 *
 * Signals:
 *   allow (const char *entry)  the person asked to allow @entry
 *                              ("host" or "host:port")
 */
GtkWidget *corral_network_panel_new      (void);
void       corral_network_panel_set_log  (CorralNetworkPanel *self,
                                          CorralNetworkLog   *log);
void       corral_network_panel_set_mode (CorralNetworkPanel *self,
                                          CorralNetworkMode   mode);

G_END_DECLS
