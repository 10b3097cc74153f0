/* corral-alert.c: AdwAlertDialog where built against libadwaita ≥ 1.5,
 * AdwMessageDialog before
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "config.h"

#include <glib.h>

/* The project pins libadwaita's API to 1.2; this file alone may use 1.5's
 * dialog, and only when the headers it is built against have it. */
#undef ADW_VERSION_MAX_ALLOWED
#define ADW_VERSION_MAX_ALLOWED ADW_ENCODE_VERSION (1, 5, 0)

#include "corral-alert.h"

#if ADW_CHECK_VERSION (1, 5, 0)
#define HAVE_ALERT_DIALOG 1
#define ALERT(w) ADW_ALERT_DIALOG (w)
#else
#define HAVE_ALERT_DIALOG 0
#define ALERT(w) ADW_MESSAGE_DIALOG (w)
#endif

GtkWidget *
corral_alert_new (const char *heading,
                  const char *body)
{
#if HAVE_ALERT_DIALOG
  return GTK_WIDGET (adw_alert_dialog_new (heading, body));
#else
  /* The parent is set when it is presented. */
  return adw_message_dialog_new (NULL, heading, body);
#endif
}

void
corral_alert_add_responses (GtkWidget  *alert,
                            const char *first_id,
                            ...)
{
  va_list args;

  g_return_if_fail (corral_alert_is_alert (alert));

  va_start (args, first_id);
  for (const char *id = first_id; id != NULL; id = va_arg (args, const char *))
    {
      const char *label = va_arg (args, const char *);

#if HAVE_ALERT_DIALOG
      adw_alert_dialog_add_response (ALERT (alert), id, label);
#else
      adw_message_dialog_add_response (ALERT (alert), id, label);
#endif
    }
  va_end (args);
}

void
corral_alert_set_response_appearance (GtkWidget             *alert,
                                      const char            *response,
                                      AdwResponseAppearance  appearance)
{
  g_return_if_fail (corral_alert_is_alert (alert));
#if HAVE_ALERT_DIALOG
  adw_alert_dialog_set_response_appearance (ALERT (alert), response, appearance);
#else
  adw_message_dialog_set_response_appearance (ALERT (alert), response, appearance);
#endif
}

void
corral_alert_set_default_response (GtkWidget  *alert,
                                   const char *response)
{
  g_return_if_fail (corral_alert_is_alert (alert));
#if HAVE_ALERT_DIALOG
  adw_alert_dialog_set_default_response (ALERT (alert), response);
#else
  adw_message_dialog_set_default_response (ALERT (alert), response);
#endif
}

void
corral_alert_set_close_response (GtkWidget  *alert,
                                 const char *response)
{
  g_return_if_fail (corral_alert_is_alert (alert));
#if HAVE_ALERT_DIALOG
  adw_alert_dialog_set_close_response (ALERT (alert), response);
#else
  adw_message_dialog_set_close_response (ALERT (alert), response);
#endif
}

void
corral_alert_set_extra_child (GtkWidget *alert,
                              GtkWidget *child)
{
  g_return_if_fail (corral_alert_is_alert (alert));
#if HAVE_ALERT_DIALOG
  adw_alert_dialog_set_extra_child (ALERT (alert), child);
#else
  adw_message_dialog_set_extra_child (ALERT (alert), child);
#endif
}

GtkWidget *
corral_alert_get_extra_child (GtkWidget *alert)
{
  g_return_val_if_fail (corral_alert_is_alert (alert), NULL);
#if HAVE_ALERT_DIALOG
  return adw_alert_dialog_get_extra_child (ALERT (alert));
#else
  return adw_message_dialog_get_extra_child (ALERT (alert));
#endif
}

void
corral_alert_present (GtkWidget *alert,
                      GtkWidget *parent)
{
  g_return_if_fail (corral_alert_is_alert (alert));
  g_return_if_fail (GTK_IS_WIDGET (parent));
#if HAVE_ALERT_DIALOG
  adw_dialog_present (ADW_DIALOG (alert), parent);
#else
  {
    GtkRoot *root = gtk_widget_get_root (parent);

    if (GTK_IS_WINDOW (root))
      {
        gtk_window_set_transient_for (GTK_WINDOW (alert), GTK_WINDOW (root));
        gtk_window_set_modal (GTK_WINDOW (alert), TRUE);
      }
    gtk_window_present (GTK_WINDOW (alert));
  }
#endif
}

GtkWidget *
corral_alert_get_shown (GtkWindow *window)
{
  g_return_val_if_fail (GTK_IS_WINDOW (window), NULL);
#if HAVE_ALERT_DIALOG
  {
    AdwDialog *dialog = NULL;

    if (ADW_IS_APPLICATION_WINDOW (window))
      dialog = adw_application_window_get_visible_dialog (ADW_APPLICATION_WINDOW (window));
    else if (ADW_IS_WINDOW (window))
      dialog = adw_window_get_visible_dialog (ADW_WINDOW (window));
    return ADW_IS_ALERT_DIALOG (dialog) ? GTK_WIDGET (dialog) : NULL;
  }
#else
  {
    GListModel *toplevels = gtk_window_get_toplevels ();

    for (guint i = 0; i < g_list_model_get_n_items (toplevels); i++)
      {
        g_autoptr(GtkWindow) w = g_list_model_get_item (toplevels, i);

        if (ADW_IS_MESSAGE_DIALOG (w) && gtk_window_get_transient_for (w) == window
            && gtk_widget_get_visible (GTK_WIDGET (w)))
          return GTK_WIDGET (w);
      }
    return NULL;
  }
#endif
}

gboolean
corral_alert_is_alert (GtkWidget *widget)
{
#if HAVE_ALERT_DIALOG
  return ADW_IS_ALERT_DIALOG (widget);
#else
  return ADW_IS_MESSAGE_DIALOG (widget);
#endif
}
