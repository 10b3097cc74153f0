/* corral-build-log-window.h: the guest build's log, live
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#pragma once

#include <adwaita.h>

#include "corral-guest-build.h"

G_BEGIN_DECLS

#define CORRAL_TYPE_BUILD_LOG_WINDOW (corral_build_log_window_get_type ())
G_DECLARE_FINAL_TYPE (CorralBuildLogWindow, corral_build_log_window, CORRAL, BUILD_LOG_WINDOW, AdwWindow)

/* Shows @build's log (its last 256 KiB), following it while it runs. */
GtkWidget *corral_build_log_window_new (CorralGuestBuild *build);

G_END_DECLS
