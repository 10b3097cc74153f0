/* corral-vnc-readahead.h: gvnc's socket read in big pieces
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#pragma once

#include <glib.h>

G_BEGIN_DECLS

/* The socket on @fd is about to be handed to gvnc: the first GSocket read
 * through g_socket_receive() on it gets a read-ahead buffer, which lives
 * as long as that GSocket. */
void corral_vnc_readahead_watch  (int fd);
/* @fd is going (or never reached gvnc): no later socket on it gets one. */
void corral_vnc_readahead_forget (int fd);

G_END_DECLS
