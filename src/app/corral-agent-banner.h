/* corral-agent-banner.h: over the agent console, what happened when the agent ended
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#pragma once

#include <gtk/gtk.h>

#include "corral-vm.h"

G_BEGIN_DECLS

#define CORRAL_TYPE_AGENT_BANNER (corral_agent_banner_get_type ())
G_DECLARE_FINAL_TYPE (CorralAgentBanner, corral_agent_banner, CORRAL, AGENT_BANNER, GtkWidget)

/* Shown while @vm runs and its agent has ended with the VM kept running
 * (agent-exit-action WAIT): how it ended, in words, and the buttons
 * Restart Agent (win.restart-agent), Open Shell (win.agent-shell) and
 * Shut Down (win.stop). */
GtkWidget  *corral_agent_banner_new        (void);
void        corral_agent_banner_set_vm     (CorralAgentBanner *self,
                                            CorralVm          *vm);
gboolean    corral_agent_banner_get_shown  (CorralAgentBanner *self);
/* The sentence it shows ("The agent exited with status 3."). */
const char *corral_agent_banner_get_text   (CorralAgentBanner *self);

G_END_DECLS
