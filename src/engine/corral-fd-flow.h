/* corral-fd-flow.h: bytes from one descriptor to another, never blocking
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * The terminal run relays its consoles in the main loop. A writer that
 * waited there for a reader (a second console nobody has opened, a
 * guest that stopped reading its serial line) would stall everything
 * else in it: the agent's console, signals, the power-down. A flow
 * writes what its destination takes; the rest waits in the flow, which
 * stops reading its source until the destination has taken it. So a
 * stopped reader stops only that flow, and the bytes behind it wait
 * where they came from (the guest's serial line, as flow control
 * would), nothing is dropped, and the flow holds at most one read.
 */
#pragma once

#include <glib.h>

#include "corral-terminal-filter.h"

G_BEGIN_DECLS

typedef struct _CorralFdFlow CorralFdFlow;

/* Called after each read from the source that brought bytes. */
typedef void (*CorralFdFlowReadFunc) (CorralFdFlow *flow,
                                      gpointer      user_data);

/* Starts relaying @from to @to in the thread-default main context, its
 * sources at @priority (CORRAL_GUEST_IO_PRIORITY for what the guest
 * writes). Both descriptors stay the caller's, open until the flow is
 * freed; @to must be non-blocking. @filter (may be NULL, else the
 * caller's, outliving the flow) is what the bytes pass through on their
 * way. */
CorralFdFlow *corral_fd_flow_new           (int                   from,
                                            int                   to,
                                            CorralTerminalFilter *filter,
                                            int                   priority);
void          corral_fd_flow_free          (CorralFdFlow         *flow);

void          corral_fd_flow_set_read_func (CorralFdFlow         *flow,
                                            CorralFdFlowReadFunc  func,
                                            gpointer              user_data);

/* Bytes read and not yet written (the destination would not take them). */
gsize         corral_fd_flow_get_pending   (CorralFdFlow         *flow);
/* FALSE once the source has ended (end of file or an error). */
gboolean      corral_fd_flow_is_reading    (CorralFdFlow         *flow);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (CorralFdFlow, corral_fd_flow_free)

G_END_DECLS
