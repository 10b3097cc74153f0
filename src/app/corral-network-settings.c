/* corral-network-settings.c: a project's network, as a settings page
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * The lists only matter in allowlist mode: they are greyed out otherwise
 * but keep their values, so switching back finds them as they were.
 */
#include "config.h"

#include <glib/gi18n.h>

#include "corral-network-settings.h"

struct _CorralNetworkSettings
{
  AdwPreferencesPage parent_instance;

  AdwComboRow         *network_row;
  AdwPreferencesGroup *agent_hosts_group;
  AdwPreferencesGroup *presets_group;
  AdwPreferencesGroup *allow_group;
  AdwEntryRow         *allow_entry_row;

  CorralProfile *profile;
  GPtrArray     *preset_switches;  /* GtkSwitch, in corral_network_presets() order */
  GPtrArray     *allow_rows;       /* the rows of the added hosts */
};

G_DEFINE_FINAL_TYPE (CorralNetworkSettings, corral_network_settings, ADW_TYPE_PREFERENCES_PAGE)

enum { SIGNAL_PROBLEM, N_SIGNALS };
static guint signals[N_SIGNALS];

static GtkWidget *
plain_row (const char *title,
           const char *subtitle)
{
  GtkWidget *row = adw_action_row_new ();

  /* Host names come from a person or a file: never markup. */
  adw_preferences_row_set_use_markup (ADW_PREFERENCES_ROW (row), FALSE);
  adw_preferences_row_set_title (ADW_PREFERENCES_ROW (row), title);
  if (subtitle != NULL)
    adw_action_row_set_subtitle (ADW_ACTION_ROW (row), subtitle);
  return row;
}

static void
update_mode (CorralNetworkSettings *self)
{
  CorralNetworkMode mode = corral_profile_get_network_mode (self->profile);
  const char *subtitle;
  gboolean lists = mode == CORRAL_NETWORK_ALLOWLIST;

  switch (mode)
    {
    case CORRAL_NETWORK_OFF:
      subtitle = _("No network device at all: the agent cannot reach its API either");
      break;
    case CORRAL_NETWORK_FULL:
      subtitle = _("Any host. Programs that use the proxy settings show in the Network panel; others go out directly");
      break;
    case CORRAL_NETWORK_ALLOWLIST:
    default:
      subtitle = _("Only the hosts below, through Corral’s proxy. Everything else is refused and shown in the Network panel");
      break;
    }
  adw_action_row_set_subtitle (ADW_ACTION_ROW (self->network_row), subtitle);
  if (adw_combo_row_get_selected (self->network_row) != (guint) mode)
    adw_combo_row_set_selected (self->network_row, mode);
  gtk_widget_set_sensitive (GTK_WIDGET (self->agent_hosts_group), lists);
  gtk_widget_set_sensitive (GTK_WIDGET (self->presets_group), lists);
  gtk_widget_set_sensitive (GTK_WIDGET (self->allow_group), lists);
}

static void
network_row_selected_cb (CorralNetworkSettings *self)
{
  guint selected = adw_combo_row_get_selected (self->network_row);

  if (selected <= CORRAL_NETWORK_FULL)
    corral_profile_set_network_mode (self->profile, selected);
}

static void
update_presets (CorralNetworkSettings *self)
{
  guint n;
  const CorralNetworkPreset *presets = corral_network_presets (&n);

  for (guint i = 0; i < n; i++)
    {
      GtkSwitch *toggle = self->preset_switches->pdata[i];
      gboolean ticked = corral_profile_get_network_preset (self->profile, presets[i].id);

      if (gtk_switch_get_active (toggle) != ticked)
        gtk_switch_set_active (toggle, ticked);
    }
}

static void
preset_toggled_cb (GtkSwitch             *toggle,
                   GParamSpec            *pspec,
                   CorralNetworkSettings *self)
{
  const CorralNetworkPreset *preset = g_object_get_data (G_OBJECT (toggle), "corral-preset");

  corral_profile_set_network_preset (self->profile, preset->id, gtk_switch_get_active (toggle));
}

static void
remove_clicked_cb (GtkButton             *button,
                   CorralNetworkSettings *self)
{
  const char *entry = g_object_get_data (G_OBJECT (button), "corral-entry");
  const char * const *entries = corral_profile_get_network_allow (self->profile);
  g_autoptr(GStrvBuilder) builder = g_strv_builder_new ();
  g_auto(GStrv) remaining = NULL;

  for (guint i = 0; entries[i] != NULL; i++)
    if (g_strcmp0 (entries[i], entry) != 0)
      g_strv_builder_add (builder, entries[i]);
  remaining = g_strv_builder_end (builder);
  corral_profile_set_network_allow (self->profile, (const char * const *) remaining);
}

static void
update_allow (CorralNetworkSettings *self)
{
  const char * const *entries = corral_profile_get_network_allow (self->profile);

  for (guint i = 0; i < self->allow_rows->len; i++)
    adw_preferences_group_remove (self->allow_group, self->allow_rows->pdata[i]);
  g_ptr_array_set_size (self->allow_rows, 0);

  for (guint i = 0; entries[i] != NULL; i++)
    {
      GtkWidget *row = plain_row (entries[i], NULL);
      GtkWidget *remove = gtk_button_new_from_icon_name ("user-trash-symbolic");
      g_autofree char *tooltip = g_strdup_printf (_("Remove %s"), entries[i]);

      gtk_widget_set_valign (remove, GTK_ALIGN_CENTER);
      gtk_widget_add_css_class (remove, "flat");
      gtk_widget_set_tooltip_text (remove, tooltip);
      gtk_accessible_update_property (GTK_ACCESSIBLE (remove), GTK_ACCESSIBLE_PROPERTY_LABEL, tooltip, -1);
      g_object_set_data_full (G_OBJECT (remove), "corral-entry", g_strdup (entries[i]), g_free);
      g_signal_connect (remove, "clicked", G_CALLBACK (remove_clicked_cb), self);
      adw_action_row_add_suffix (ADW_ACTION_ROW (row), remove);
      adw_preferences_group_add (self->allow_group, row);
      g_ptr_array_add (self->allow_rows, row);
    }
}

static void
allow_entry_apply_cb (CorralNetworkSettings *self)
{
  g_autoptr(GError) error = NULL;
  const char *text = gtk_editable_get_text (GTK_EDITABLE (self->allow_entry_row));

  if (*g_strstrip (g_strdup (text)) == '\0')
    return;
  if (!corral_profile_add_network_allow (self->profile, text, &error))
    {
      /* The reason alone: a toast has one line. */
      gtk_widget_add_css_class (GTK_WIDGET (self->allow_entry_row), "error");
      g_signal_emit (self, signals[SIGNAL_PROBLEM], 0, error->message);
      return;
    }
  gtk_widget_remove_css_class (GTK_WIDGET (self->allow_entry_row), "error");
  gtk_editable_set_text (GTK_EDITABLE (self->allow_entry_row), "");
}

static void
allow_entry_changed_cb (CorralNetworkSettings *self)
{
  gtk_widget_remove_css_class (GTK_WIDGET (self->allow_entry_row), "error");
}

static void
build_rows (CorralNetworkSettings *self)
{
  const char * const *builtin = corral_network_builtin_hosts ();
  guint n;
  const CorralNetworkPreset *presets = corral_network_presets (&n);

  {
    g_autofree char *hosts = g_strjoinv (", ", (char **) builtin);

    /* Translators: the default agent, whose hosts are always allowed */
    adw_preferences_group_add (self->agent_hosts_group, plain_row (_("Claude Code"), hosts));
  }

  for (guint i = 0; i < n; i++)
    {
      g_autofree char *hosts = g_strjoinv (", ", (char **) presets[i].hosts);
      GtkWidget *row = plain_row (_(presets[i].title), hosts);
      GtkWidget *toggle = gtk_switch_new ();

      gtk_widget_set_valign (toggle, GTK_ALIGN_CENTER);
      g_object_set_data (G_OBJECT (toggle), "corral-preset", (gpointer) &presets[i]);
      adw_action_row_add_suffix (ADW_ACTION_ROW (row), toggle);
      adw_action_row_set_activatable_widget (ADW_ACTION_ROW (row), toggle);
      adw_preferences_group_add (self->presets_group, row);
      g_ptr_array_add (self->preset_switches, toggle);
    }
  update_presets (self);
  for (guint i = 0; i < n; i++)
    g_signal_connect (self->preset_switches->pdata[i], "notify::active", G_CALLBACK (preset_toggled_cb), self);
}

GtkWidget *
corral_network_settings_new (CorralProfile *profile)
{
  CorralNetworkSettings *self;

  g_return_val_if_fail (CORRAL_IS_PROFILE (profile), NULL);

  self = g_object_new (CORRAL_TYPE_NETWORK_SETTINGS, NULL);
  self->profile = g_object_ref (profile);
  build_rows (self);
  update_allow (self);
  update_mode (self);
  g_signal_connect_swapped (self->network_row, "notify::selected", G_CALLBACK (network_row_selected_cb), self);
  g_signal_connect_object (profile, "notify::network-mode", G_CALLBACK (update_mode), self, G_CONNECT_SWAPPED);
  g_signal_connect_object (profile, "notify::network-presets", G_CALLBACK (update_presets), self, G_CONNECT_SWAPPED);
  g_signal_connect_object (profile, "notify::network-allow", G_CALLBACK (update_allow), self, G_CONNECT_SWAPPED);
  return GTK_WIDGET (self);
}

static void
corral_network_settings_dispose (GObject *object)
{
  CorralNetworkSettings *self = CORRAL_NETWORK_SETTINGS (object);

  g_clear_object (&self->profile);
  G_OBJECT_CLASS (corral_network_settings_parent_class)->dispose (object);
}

static void
corral_network_settings_finalize (GObject *object)
{
  CorralNetworkSettings *self = CORRAL_NETWORK_SETTINGS (object);

  g_ptr_array_unref (self->preset_switches);
  g_ptr_array_unref (self->allow_rows);
  G_OBJECT_CLASS (corral_network_settings_parent_class)->finalize (object);
}

static void
corral_network_settings_class_init (CorralNetworkSettingsClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  GtkWidgetClass *widget_class = GTK_WIDGET_CLASS (klass);

  object_class->dispose = corral_network_settings_dispose;
  object_class->finalize = corral_network_settings_finalize;

  signals[SIGNAL_PROBLEM] =
    g_signal_new ("problem", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST, 0,
                  NULL, NULL, NULL, G_TYPE_NONE, 1, G_TYPE_STRING);

  gtk_widget_class_set_template_from_resource (widget_class, CORRAL_RESOURCE_PATH "/ui/corral-network-settings.ui");
  gtk_widget_class_bind_template_child (widget_class, CorralNetworkSettings, network_row);
  gtk_widget_class_bind_template_child (widget_class, CorralNetworkSettings, agent_hosts_group);
  gtk_widget_class_bind_template_child (widget_class, CorralNetworkSettings, presets_group);
  gtk_widget_class_bind_template_child (widget_class, CorralNetworkSettings, allow_group);
  gtk_widget_class_bind_template_child (widget_class, CorralNetworkSettings, allow_entry_row);
  gtk_widget_class_bind_template_callback (widget_class, allow_entry_apply_cb);
  gtk_widget_class_bind_template_callback (widget_class, allow_entry_changed_cb);
}

static void
corral_network_settings_init (CorralNetworkSettings *self)
{
  self->preset_switches = g_ptr_array_new ();
  self->allow_rows = g_ptr_array_new ();
  gtk_widget_init_template (GTK_WIDGET (self));
}
