/* corral-window-network.c: the project window's network mode and panel
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * The header shows the network mode (the running VM's, else the
 * profile's); its button opens the network panel, the live log of what
 * the guest tried to reach. A refusal while the panel is closed marks the
 * button. Allow in the panel adds the host to the project's allowlist
 * and saves it: the running proxy lets the next connection through.
 */
#include "config.h"

#include <glib/gi18n.h>

#include "corral-network-panel.h"
#include "corral-settings-dialog.h"
#include "corral-vm.h"
#include "corral-window-private.h"

static const char *
mode_name (CorralNetworkMode mode)
{
  switch (mode)
    {
    case CORRAL_NETWORK_OFF: return C_("network mode", "Off");
    case CORRAL_NETWORK_FULL: return C_("network mode", "Full");
    case CORRAL_NETWORK_ALLOWLIST:
    default: return C_("network mode", "Allowlist");
    }
}

void
corral_window_update_network (CorralWindow *self)
{
  CorralNetworkMode mode;
  g_autofree char *tooltip = NULL;

  gtk_widget_set_visible (self->network_button, self->profile != NULL);
  if (self->profile == NULL)
    return;
  mode = self->vm != NULL ? corral_vm_get_network_mode (self->vm)
                          : corral_profile_get_network_mode (self->profile);
  gtk_label_set_label (self->network_label, mode_name (mode));
  /* Translators: %s is the network mode (Off, Allowlist, Full) */
  tooltip = g_strdup_printf (_("Network: %s. Show what the virtual machine tried to reach"), mode_name (mode));
  gtk_widget_set_tooltip_text (self->network_button, tooltip);
  corral_network_panel_set_mode (CORRAL_NETWORK_PANEL (self->network_panel), mode);
  corral_network_panel_set_log (CORRAL_NETWORK_PANEL (self->network_panel),
                                self->vm != NULL ? corral_vm_get_network_log (self->vm) : NULL);
}

static void
refused_cb (CorralWindow *self)
{
  if (!gtk_revealer_get_reveal_child (self->network_revealer))
    gtk_widget_add_css_class (self->network_button, "corral-network-refused");
}

static void
revealed_cb (CorralWindow *self)
{
  if (gtk_revealer_get_reveal_child (self->network_revealer))
    gtk_widget_remove_css_class (self->network_button, "corral-network-refused");
}

void
corral_window_network_set_vm (CorralWindow *self,
                              CorralVm     *vm)
{
  if (vm != NULL)
    {
      g_signal_connect_object (vm, "notify::state", G_CALLBACK (corral_window_update_network),
                               self, G_CONNECT_SWAPPED);
      g_signal_connect_object (corral_vm_get_network_log (vm), "refused", G_CALLBACK (refused_cb),
                               self, G_CONNECT_SWAPPED);
    }
  corral_window_update_network (self);
}

static void
network_allow_cb (CorralWindow *self,
                  const char   *entry)
{
  g_autoptr(GError) error = NULL;
  g_autofree char *message = NULL;
  CorralProfile *running = self->vm != NULL ? corral_vm_get_profile (self->vm) : NULL;

  if (self->profile == NULL)
    return;
  /* The saved profile, and the running VM's when it is a copy (options
   * given on the command line for this run). */
  if (!corral_profile_add_network_allow (self->profile, entry, &error) ||
      (running != NULL && running != self->profile &&
       !corral_profile_add_network_allow (running, entry, &error)))
    {
      message = g_strdup_printf (_("“%s” cannot be allowed: %s"), entry, error->message);
      corral_window_add_toast (self, message);
      return;
    }
  if (!corral_profile_save (self->profile, &error))
    {
      message = g_strdup_printf (_("%s is allowed for now, but the settings could not be saved: %s"),
                                 entry, error->message);
      corral_window_add_toast (self, message);
      return;
    }
  message = g_strdup_printf (_("%s is allowed: the next connection gets through"), entry);
  corral_window_add_toast (self, message);
}

static void
network_settings_action (GtkWidget  *widget,
                         const char *name,
                         GVariant   *param)
{
  GtkWindow *dialog = corral_window_open_settings (CORRAL_WINDOW (widget));

  if (dialog != NULL)
    adw_preferences_window_set_visible_page_name (ADW_PREFERENCES_WINDOW (dialog), "network");
}

void
corral_window_class_init_network (GtkWidgetClass *widget_class)
{
  g_type_ensure (CORRAL_TYPE_NETWORK_PANEL);
  gtk_widget_class_bind_template_child (widget_class, CorralWindow, network_button);
  gtk_widget_class_bind_template_child (widget_class, CorralWindow, network_label);
  gtk_widget_class_bind_template_child (widget_class, CorralWindow, network_revealer);
  gtk_widget_class_bind_template_child (widget_class, CorralWindow, network_panel);
  gtk_widget_class_bind_template_callback (widget_class, network_allow_cb);
  gtk_widget_class_install_action (widget_class, "win.network-settings", NULL, network_settings_action);
}

void
corral_window_init_network (CorralWindow *self)
{
  g_object_bind_property (self->network_button, "active", self->network_revealer, "reveal-child",
                          G_BINDING_BIDIRECTIONAL | G_BINDING_SYNC_CREATE);
  g_signal_connect_object (self->network_revealer, "notify::reveal-child", G_CALLBACK (revealed_cb),
                           self, G_CONNECT_SWAPPED);
}
