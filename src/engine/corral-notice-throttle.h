/* corral-notice-throttle.h: which repeated notices to show
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * The terminal run prints a line for each connection the network proxy
 * refuses, and the guest decides how many there are: the same host again
 * and again (a browser retrying), or a new name each time. A notice is
 * shown when its key was not shown within the interval; the keys kept
 * are bounded, so a guest inventing names costs memory up to the
 * capacity and no more. Pure: the caller says what time it is.
 */
#pragma once

#include <glib.h>

G_BEGIN_DECLS

typedef struct _CorralNoticeThrottle CorralNoticeThrottle;

CorralNoticeThrottle *corral_notice_throttle_new      (gint64                interval_us,
                                                       guint                 capacity);
void                  corral_notice_throttle_free     (CorralNoticeThrottle *self);

/* TRUE when the notice for @key is to be shown at @now (µs, a monotonic
 * clock): never shown, or last shown @interval_us or more ago; it is then
 * remembered as shown at @now. With @capacity keys remembered, those
 * shown @interval_us or more ago are forgotten first (they would be shown
 * again anyway); if all were shown within it, all are. */
gboolean              corral_notice_throttle_allow    (CorralNoticeThrottle *self,
                                                       const char           *key,
                                                       gint64                now);

/* How many keys are remembered. */
guint                 corral_notice_throttle_get_size (CorralNoticeThrottle *self);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (CorralNoticeThrottle, corral_notice_throttle_free)

G_END_DECLS
