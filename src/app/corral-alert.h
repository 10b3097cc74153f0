/* corral-alert.h: the app's questions (“Shut Down?”, “Open?”, a key)
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * AdwAlertDialog where libadwaita has it (1.5 and later), AdwMessageDialog
 * before: later libadwaita deprecates the window-based dialog, and 1.7's
 * warns while it lays out its buttons. Both answer through one signal,
 * "response" (alert, response id).
 */
#pragma once

#include <gtk/gtk.h>
#include <adwaita.h>

G_BEGIN_DECLS

GtkWidget  *corral_alert_new                     (const char            *heading,
                                                  const char            *body);
/* Responses in the order given: (id, label) pairs, NULL-terminated. */
void        corral_alert_add_responses           (GtkWidget             *alert,
                                                  const char            *first_id,
                                                  ...) G_GNUC_NULL_TERMINATED;
void        corral_alert_set_response_appearance (GtkWidget             *alert,
                                                  const char            *response,
                                                  AdwResponseAppearance  appearance);
/* What Enter and Escape (or closing it) answer. */
void        corral_alert_set_default_response    (GtkWidget             *alert,
                                                  const char            *response);
void        corral_alert_set_close_response      (GtkWidget             *alert,
                                                  const char            *response);
void        corral_alert_set_extra_child         (GtkWidget             *alert,
                                                  GtkWidget             *child);
GtkWidget  *corral_alert_get_extra_child         (GtkWidget             *alert);
/* Shows @alert over @parent's window, which keeps it. */
void        corral_alert_present                 (GtkWidget             *alert,
                                                  GtkWidget             *parent);
/* The alert shown over @window, or NULL. */
GtkWidget  *corral_alert_get_shown               (GtkWindow             *window);
gboolean    corral_alert_is_alert                (GtkWidget             *widget);

G_END_DECLS
