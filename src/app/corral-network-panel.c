/* corral-network-panel.c: what the guest tried to reach, live
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * The rows are made from the log's entries and follow their count and
 * last time. Host names are the guest's words: rows never take markup.
 */
#include "config.h"

#include <glib/gi18n.h>

#include "corral-host-matcher.h"
#include "corral-network-panel.h"

struct _CorralNetworkPanel
{
  GtkWidget parent_instance;

  GtkLabel      *mode_label;
  GtkStack      *stack;
  GtkListBox    *list;
  AdwStatusPage *empty_page;

  CorralNetworkLog *log;
  CorralNetworkMode mode;
};

G_DEFINE_FINAL_TYPE (CorralNetworkPanel, corral_network_panel, GTK_TYPE_WIDGET)

enum { SIGNAL_ALLOW, N_SIGNALS };
static guint signals[N_SIGNALS];

static char *
describe (CorralNetworkLogEntry *entry)
{
  guint count = corral_network_log_entry_get_count (entry);
  g_autoptr(GDateTime) last = g_date_time_new_from_unix_local (corral_network_log_entry_get_last_time (entry));
  g_autofree char *time = last ? g_date_time_format (last, "%X") : g_strdup ("");

  if (corral_network_log_entry_get_allowed (entry))
    /* Translators: how often a host was reached, and when last (a time of day) */
    return g_strdup_printf (ngettext ("Allowed: %u connection, last at %s", "Allowed: %u connections, last at %s", count),
                            count, time);
  /* Translators: how often a host was refused, when last (a time of day), and why */
  return g_strdup_printf (ngettext ("Refused: %u connection, last at %s. %s", "Refused: %u connections, last at %s. %s", count),
                          count, time, corral_network_log_entry_get_reason (entry));
}

static void
update_row (GtkWidget *row)
{
  CorralNetworkLogEntry *entry = g_object_get_data (G_OBJECT (row), "corral-entry");
  g_autofree char *subtitle = describe (entry);

  adw_action_row_set_subtitle (ADW_ACTION_ROW (row), subtitle);
}

static void
allow_clicked_cb (GtkButton          *button,
                  CorralNetworkPanel *self)
{
  const char *entry = g_object_get_data (G_OBJECT (button), "corral-allow");

  g_signal_emit (self, signals[SIGNAL_ALLOW], 0, entry);
  gtk_button_set_label (button, C_("network log", "Allowed"));
  gtk_widget_set_sensitive (GTK_WIDGET (button), FALSE);
}

static GtkWidget *
create_row (gpointer item,
            gpointer user_data)
{
  CorralNetworkPanel *self = user_data;
  CorralNetworkLogEntry *entry = item;
  gboolean allowed = corral_network_log_entry_get_allowed (entry);
  GtkWidget *row = adw_action_row_new ();
  GtkWidget *icon = gtk_image_new_from_icon_name (allowed ? "emblem-ok-symbolic" : "action-unavailable-symbolic");
  g_autofree char *title = g_strdup_printf ("%s:%u", corral_network_log_entry_get_host (entry),
                                            corral_network_log_entry_get_port (entry));
  g_autofree char *allow = corral_network_log_entry_dup_allow_entry (entry);
  g_autofree char *normal = allowed ? NULL : corral_host_entry_normalize (allow, NULL);

  adw_preferences_row_set_use_markup (ADW_PREFERENCES_ROW (row), FALSE);
  adw_preferences_row_set_title (ADW_PREFERENCES_ROW (row), title);
  adw_action_row_set_subtitle_lines (ADW_ACTION_ROW (row), 3);
  gtk_widget_add_css_class (icon, allowed ? "success" : "error");
  gtk_accessible_update_property (GTK_ACCESSIBLE (icon), GTK_ACCESSIBLE_PROPERTY_LABEL,
                                  allowed ? _("Allowed") : _("Refused"), -1);
  adw_action_row_add_prefix (ADW_ACTION_ROW (row), icon);
  g_object_set_data_full (G_OBJECT (row), "corral-entry", g_object_ref (entry), g_object_unref);
  update_row (row);
  g_signal_connect_object (entry, "notify::count", G_CALLBACK (update_row), row, G_CONNECT_SWAPPED);
  g_signal_connect_object (entry, "notify::reason", G_CALLBACK (update_row), row, G_CONNECT_SWAPPED);

  /* Only what an allowlist entry can let through: not an IP address. */
  if (normal != NULL)
    {
      GtkWidget *button = gtk_button_new_with_label (C_("network log", "Allow"));
      g_autofree char *tooltip = g_strdup_printf (_("Allow %s for this project"), normal);

      gtk_widget_set_valign (button, GTK_ALIGN_CENTER);
      gtk_widget_set_tooltip_text (button, tooltip);
      g_object_set_data_full (G_OBJECT (button), "corral-allow", g_steal_pointer (&normal), g_free);
      g_signal_connect (button, "clicked", G_CALLBACK (allow_clicked_cb), self);
      adw_action_row_add_suffix (ADW_ACTION_ROW (row), button);
    }
  return row;
}

static void
update_stack (CorralNetworkPanel *self)
{
  gboolean any = self->log != NULL && g_list_model_get_n_items (G_LIST_MODEL (self->log)) > 0;

  gtk_stack_set_visible_child_name (self->stack, any ? "list" : "empty");
}

void
corral_network_panel_set_log (CorralNetworkPanel *self,
                              CorralNetworkLog   *log)
{
  g_return_if_fail (CORRAL_IS_NETWORK_PANEL (self));

  if (self->log == log)
    return;
  if (self->log != NULL)
    g_signal_handlers_disconnect_by_data (self->log, self);
  g_set_object (&self->log, log);
  gtk_list_box_bind_model (self->list, G_LIST_MODEL (log), log ? create_row : NULL, self, NULL);
  if (log != NULL)
    g_signal_connect_object (log, "items-changed", G_CALLBACK (update_stack), self, G_CONNECT_SWAPPED);
  update_stack (self);
}

void
corral_network_panel_set_mode (CorralNetworkPanel *self,
                               CorralNetworkMode   mode)
{
  const char *text;

  g_return_if_fail (CORRAL_IS_NETWORK_PANEL (self));

  self->mode = mode;
  switch (mode)
    {
    case CORRAL_NETWORK_OFF:
      text = _("Off: the virtual machine has no network device");
      break;
    case CORRAL_NETWORK_FULL:
      text = _("Full: any host; programs that ignore the proxy settings are not shown");
      break;
    case CORRAL_NETWORK_ALLOWLIST:
    default:
      text = _("Allowlist: only the project’s allowed hosts get through");
      break;
    }
  gtk_label_set_label (self->mode_label, text);
}

GtkWidget *
corral_network_panel_new (void)
{
  return g_object_new (CORRAL_TYPE_NETWORK_PANEL, NULL);
}

static void
corral_network_panel_dispose (GObject *object)
{
  CorralNetworkPanel *self = CORRAL_NETWORK_PANEL (object);

  if (self->log != NULL)
    g_signal_handlers_disconnect_by_data (self->log, self);
  g_clear_object (&self->log);
  gtk_widget_dispose_template (GTK_WIDGET (self), CORRAL_TYPE_NETWORK_PANEL);
  for (GtkWidget *child; (child = gtk_widget_get_first_child (GTK_WIDGET (self))) != NULL; )
    gtk_widget_unparent (child);
  G_OBJECT_CLASS (corral_network_panel_parent_class)->dispose (object);
}

static void
corral_network_panel_class_init (CorralNetworkPanelClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  GtkWidgetClass *widget_class = GTK_WIDGET_CLASS (klass);

  object_class->dispose = corral_network_panel_dispose;

  signals[SIGNAL_ALLOW] =
    g_signal_new ("allow", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST, 0,
                  NULL, NULL, NULL, G_TYPE_NONE, 1, G_TYPE_STRING);

  gtk_widget_class_set_layout_manager_type (widget_class, GTK_TYPE_BIN_LAYOUT);
  gtk_widget_class_set_template_from_resource (widget_class, CORRAL_RESOURCE_PATH "/ui/corral-network-panel.ui");
  gtk_widget_class_bind_template_child (widget_class, CorralNetworkPanel, mode_label);
  gtk_widget_class_bind_template_child (widget_class, CorralNetworkPanel, stack);
  gtk_widget_class_bind_template_child (widget_class, CorralNetworkPanel, list);
  gtk_widget_class_bind_template_child (widget_class, CorralNetworkPanel, empty_page);
}

static void
corral_network_panel_init (CorralNetworkPanel *self)
{
  gtk_widget_init_template (GTK_WIDGET (self));
  corral_network_panel_set_mode (self, CORRAL_NETWORK_ALLOWLIST);
  update_stack (self);
}
