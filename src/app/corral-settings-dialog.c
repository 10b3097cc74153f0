/* corral-settings-dialog.c: one project's settings, saved as they change
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * Widgets are bound to the profile's properties; every change of the
 * profile is written to its file right away (atomic writes, cheap), so
 * there is no Apply button and nothing to lose. Everything here shapes the
 * QEMU command or the guest's metadata, so while the VM runs a change
 * applies at its next start, and the dialog says so.
 */
#include "config.h"

#include <glib/gi18n.h>

#include "corral-network-settings.h"
#include "corral-settings-dialog.h"

#define MIN_MEMORY_MIB 256

struct _CorralSettingsDialog
{
  AdwPreferencesWindow parent_instance;

  GtkAdjustment *memory_adjustment;
  GtkAdjustment *cores_adjustment;
  GtkSpinButton *memory_spin;
  GtkSpinButton *cores_spin;
  AdwActionRow  *memory_row;
  AdwActionRow  *cores_row;
  AdwComboRow   *entrypoint_row;
  AdwEntryRow   *agent_command_row;
  AdwEntryRow   *agent_args_row;
  AdwEntryRow   *custom_command_row;
  GtkSwitch     *share_claude_switch;
  GtkSwitch     *share_git_switch;
  GtkSwitch     *share_gh_switch;
  GtkSwitch     *share_ssh_switch;
  GtkSwitch     *forward_gh_token_switch;
  GtkSwitch     *unconfined_switch;

  CorralProfile *profile;
  gboolean       vm_running;
  gboolean       restart_told;
  gboolean       syncing_shares;
};

G_DEFINE_FINAL_TYPE (CorralSettingsDialog, corral_settings_dialog, ADW_TYPE_PREFERENCES_WINDOW)

enum {
  PROP_0,
  PROP_PROFILE,
  PROP_VM_RUNNING,
  N_PROPS
};

static GParamSpec *properties[N_PROPS];

static void
add_toast (CorralSettingsDialog *self,
           const char           *message)
{
  /* A toast's title is markup (libadwaita 1.2): messages are text. */
  g_autofree char *escaped = g_markup_escape_text (message, -1);
  AdwToast *toast = adw_toast_new (escaped);

  adw_toast_set_timeout (toast, 5);
  adw_preferences_window_add_toast (ADW_PREFERENCES_WINDOW (self), toast);
}

static void
profile_changed_cb (CorralSettingsDialog *self,
                    GParamSpec           *pspec)
{
  g_autoptr(GError) error = NULL;

  if (!corral_profile_save (self->profile, &error))
    {
      g_autofree char *msg = g_strdup_printf (_("The settings could not be saved: %s"), error->message);
      add_toast (self, msg);
      return;
    }

  /* The allowlist reaches the running proxy at once. */
  if (self->vm_running &&
      (g_str_equal (pspec->name, "network-presets") || g_str_equal (pspec->name, "network-allow")))
    {
      add_toast (self, _("Saved. It applies to the next connection of the virtual machine."));
      return;
    }
  if (self->vm_running && !self->restart_told)
    {
      self->restart_told = TRUE;
      add_toast (self, _("Saved. The change applies the next time the virtual machine starts."));
    }
}

/* Transforms between the profile and the widgets */

static gboolean
enum_to_uint (GBinding *binding, const GValue *from, GValue *to, gpointer data)
{
  g_value_set_uint (to, g_value_get_enum (from));
  return TRUE;
}

static gboolean
uint_to_enum (GBinding *binding, const GValue *from, GValue *to, gpointer data)
{
  guint v = g_value_get_uint (from);

  if (v > CORRAL_ENTRYPOINT_CUSTOM)
    return FALSE;
  g_value_set_enum (to, v);
  return TRUE;
}

static gboolean
nullable_to_text (GBinding *binding, const GValue *from, GValue *to, gpointer data)
{
  const char *s = g_value_get_string (from);

  g_value_set_string (to, s != NULL ? s : "");
  return TRUE;
}

static gboolean
text_to_nullable (GBinding *binding, const GValue *from, GValue *to, gpointer data)
{
  g_autofree char *s = g_strstrip (g_value_dup_string (from));

  g_value_set_string (to, s[0] != '\0' ? s : NULL);
  return TRUE;
}

static gboolean
args_to_text (GBinding *binding, const GValue *from, GValue *to, gpointer data)
{
  const char * const *args = g_value_get_boxed (from);
  g_autoptr(GString) text = g_string_new (NULL);

  for (guint i = 0; args != NULL && args[i] != NULL; i++)
    {
      g_autofree char *quoted = NULL;

      if (i > 0)
        g_string_append_c (text, ' ');
      /* Plain words stay plain; anything else is quoted for the shell. */
      if (args[i][0] != '\0' && strpbrk (args[i], " \t\n'\"\\$`*?[]{}()<>|&;#~") == NULL)
        g_string_append (text, args[i]);
      else
        {
          quoted = g_shell_quote (args[i]);
          g_string_append (text, quoted);
        }
    }
  g_value_set_string (to, text->str);
  return TRUE;
}

static gboolean
text_to_args (GBinding *binding, const GValue *from, GValue *to, gpointer data)
{
  const char *text = g_value_get_string (from);
  g_auto(GStrv) argv = NULL;

  while (text != NULL && g_ascii_isspace (*text))
    text++;
  if (text == NULL || *text == '\0')
    {
      /* An empty line is no arguments (g_shell_parse_argv refuses it). */
      g_value_take_boxed (to, g_new0 (char *, 1));
      return TRUE;
    }
  /* Half-typed quotes do not parse: keep the last good value meanwhile. */
  if (!g_shell_parse_argv (text, NULL, &argv, NULL))
    return FALSE;
  g_value_take_boxed (to, g_steal_pointer (&argv));
  return TRUE;
}

/* Shares: one flags property, four switches */

static struct {
  const char  *switch_name;
  CorralShares flag;
} share_switches[] = {
  { "share_claude_switch", CORRAL_SHARE_CLAUDE },
  { "share_git_switch", CORRAL_SHARE_GIT_CONFIG },
  { "share_gh_switch", CORRAL_SHARE_GH_CONFIG },
  { "share_ssh_switch", CORRAL_SHARE_SSH },
};

static GtkSwitch *
share_switch (CorralSettingsDialog *self,
              guint                 i)
{
  GtkSwitch *switches[] = {
    self->share_claude_switch, self->share_git_switch,
    self->share_gh_switch, self->share_ssh_switch,
  };
  return switches[i];
}

static void
shares_to_switches (CorralSettingsDialog *self)
{
  CorralShares shares = corral_profile_get_shares (self->profile);

  self->syncing_shares = TRUE;
  for (guint i = 0; i < G_N_ELEMENTS (share_switches); i++)
    gtk_switch_set_active (share_switch (self, i), (shares & share_switches[i].flag) != 0);
  self->syncing_shares = FALSE;
}

static void
share_switch_changed_cb (CorralSettingsDialog *self)
{
  CorralShares shares = CORRAL_SHARE_NONE;

  if (self->syncing_shares)
    return;
  for (guint i = 0; i < G_N_ELEMENTS (share_switches); i++)
    if (gtk_switch_get_active (share_switch (self, i)))
      shares |= share_switches[i].flag;
  corral_profile_set_shares (self->profile, shares);
}

static void
update_entrypoint_rows (CorralSettingsDialog *self)
{
  CorralEntrypointMode mode = corral_profile_get_entrypoint_mode (self->profile);

  gtk_widget_set_visible (GTK_WIDGET (self->agent_command_row), mode == CORRAL_ENTRYPOINT_AGENT);
  gtk_widget_set_visible (GTK_WIDGET (self->agent_args_row), mode == CORRAL_ENTRYPOINT_AGENT);
  gtk_widget_set_visible (GTK_WIDGET (self->custom_command_row), mode == CORRAL_ENTRYPOINT_CUSTOM);
}

static void
set_limits (CorralSettingsDialog *self,
            const CorralHost     *host)
{
  guint64 ram_mib = host != NULL ? host->ram_bytes / (1024 * 1024) : 0;
  guint cpus = host != NULL ? host->n_cpus : 0;

  /* Bounded by this computer: more than it has is refused at start. */
  if (ram_mib >= MIN_MEMORY_MIB)
    {
      g_autofree char *size = g_format_size_full (host->ram_bytes, G_FORMAT_SIZE_IEC_UNITS);
      g_autofree char *subtitle = g_strdup_printf (_("This computer has %s"), size);

      gtk_adjustment_set_upper (self->memory_adjustment, ram_mib);
      adw_action_row_set_subtitle (self->memory_row, subtitle);
    }
  else
    gtk_adjustment_set_upper (self->memory_adjustment, 1024 * 1024);

  if (cpus > 0)
    {
      g_autofree char *subtitle =
        g_strdup_printf (ngettext ("This computer has %u processor",
                                   "This computer has %u processors", cpus), cpus);

      gtk_adjustment_set_upper (self->cores_adjustment, cpus);
      adw_action_row_set_subtitle (self->cores_row, subtitle);
    }
  else
    gtk_adjustment_set_upper (self->cores_adjustment, 1024);
}

static void
bind_profile (CorralSettingsDialog *self)
{
  CorralProfile *p = self->profile;

  g_object_bind_property (p, "memory-mib", self->memory_adjustment, "value",
                          G_BINDING_BIDIRECTIONAL | G_BINDING_SYNC_CREATE);
  g_object_bind_property (p, "cores", self->cores_adjustment, "value",
                          G_BINDING_BIDIRECTIONAL | G_BINDING_SYNC_CREATE);
  g_object_bind_property (p, "forward-gh-token", self->forward_gh_token_switch, "active",
                          G_BINDING_BIDIRECTIONAL | G_BINDING_SYNC_CREATE);
  g_object_bind_property (p, "unconfined", self->unconfined_switch, "active",
                          G_BINDING_BIDIRECTIONAL | G_BINDING_SYNC_CREATE);
  g_object_bind_property_full (p, "entrypoint-mode", self->entrypoint_row, "selected",
                               G_BINDING_BIDIRECTIONAL | G_BINDING_SYNC_CREATE,
                               enum_to_uint, uint_to_enum, NULL, NULL);
  g_object_bind_property_full (p, "agent-command", self->agent_command_row, "text",
                               G_BINDING_BIDIRECTIONAL | G_BINDING_SYNC_CREATE,
                               nullable_to_text, text_to_nullable, NULL, NULL);
  g_object_bind_property_full (p, "custom-command", self->custom_command_row, "text",
                               G_BINDING_BIDIRECTIONAL | G_BINDING_SYNC_CREATE,
                               nullable_to_text, text_to_nullable, NULL, NULL);
  g_object_bind_property_full (p, "agent-args", self->agent_args_row, "text",
                               G_BINDING_BIDIRECTIONAL | G_BINDING_SYNC_CREATE,
                               args_to_text, text_to_args, NULL, NULL);

  shares_to_switches (self);
  for (guint i = 0; i < G_N_ELEMENTS (share_switches); i++)
    g_signal_connect_object (share_switch (self, i), "notify::active",
                             G_CALLBACK (share_switch_changed_cb), self, G_CONNECT_SWAPPED);
  g_signal_connect_object (p, "notify::shares", G_CALLBACK (shares_to_switches), self, G_CONNECT_SWAPPED);
  g_signal_connect_object (p, "notify::entrypoint-mode", G_CALLBACK (update_entrypoint_rows), self, G_CONNECT_SWAPPED);
  update_entrypoint_rows (self);

  {
    GtkWidget *network = corral_network_settings_new (p);

    g_signal_connect_object (network, "problem", G_CALLBACK (add_toast), self, G_CONNECT_SWAPPED);
    adw_preferences_window_add (ADW_PREFERENCES_WINDOW (self), ADW_PREFERENCES_PAGE (network));
  }

  /* Connected last: opening the dialog must not rewrite the file. */
  g_signal_connect_object (p, "notify", G_CALLBACK (profile_changed_cb), self, G_CONNECT_SWAPPED);
}

GtkWidget *
corral_settings_dialog_new (CorralProfile    *profile,
                            const CorralHost *host)
{
  CorralSettingsDialog *self;
  g_autofree char *name = NULL;

  g_return_val_if_fail (CORRAL_IS_PROFILE (profile), NULL);

  self = g_object_new (CORRAL_TYPE_SETTINGS_DIALOG, "profile", profile, NULL);
  /* Limits first, so the bound values are not clamped to the defaults. */
  set_limits (self, host);
  bind_profile (self);

  /* A folder's name need not be UTF-8: shown as GLib would (U+FFFD). */
  name = g_filename_display_basename (corral_profile_get_project_path (profile));
  {
    /* Translators: the settings dialog's title; %s is the project folder's name */
    g_autofree char *title = g_strdup_printf (_("Settings of “%s”"), name);
    gtk_window_set_title (GTK_WINDOW (self), title);
  }
  return GTK_WIDGET (self);
}

static void
corral_settings_dialog_dispose (GObject *object)
{
  CorralSettingsDialog *self = CORRAL_SETTINGS_DIALOG (object);

  if (self->profile != NULL)
    g_signal_handlers_disconnect_by_data (self->profile, self);
  gtk_widget_dispose_template (GTK_WIDGET (self), CORRAL_TYPE_SETTINGS_DIALOG);
  g_clear_object (&self->profile);

  G_OBJECT_CLASS (corral_settings_dialog_parent_class)->dispose (object);
}

static void
corral_settings_dialog_get_property (GObject    *object,
                                     guint       prop_id,
                                     GValue     *value,
                                     GParamSpec *pspec)
{
  CorralSettingsDialog *self = CORRAL_SETTINGS_DIALOG (object);

  switch (prop_id)
    {
    case PROP_PROFILE:
      g_value_set_object (value, self->profile);
      break;
    case PROP_VM_RUNNING:
      g_value_set_boolean (value, self->vm_running);
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
corral_settings_dialog_set_property (GObject      *object,
                                     guint         prop_id,
                                     const GValue *value,
                                     GParamSpec   *pspec)
{
  CorralSettingsDialog *self = CORRAL_SETTINGS_DIALOG (object);

  switch (prop_id)
    {
    case PROP_PROFILE:
      self->profile = g_value_dup_object (value);
      break;
    case PROP_VM_RUNNING:
      self->vm_running = g_value_get_boolean (value);
      g_object_notify_by_pspec (object, pspec);
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
corral_settings_dialog_class_init (CorralSettingsDialogClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  GtkWidgetClass *widget_class = GTK_WIDGET_CLASS (klass);

  object_class->dispose = corral_settings_dialog_dispose;
  object_class->get_property = corral_settings_dialog_get_property;
  object_class->set_property = corral_settings_dialog_set_property;

  properties[PROP_PROFILE] =
    g_param_spec_object ("profile", NULL, NULL, CORRAL_TYPE_PROFILE,
                         G_PARAM_READWRITE | G_PARAM_CONSTRUCT_ONLY | G_PARAM_STATIC_STRINGS);
  properties[PROP_VM_RUNNING] =
    g_param_spec_boolean ("vm-running", NULL, NULL, FALSE,
                          G_PARAM_READWRITE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS);
  g_object_class_install_properties (object_class, N_PROPS, properties);

  gtk_widget_class_set_template_from_resource (widget_class, CORRAL_RESOURCE_PATH "/ui/corral-settings-dialog.ui");
  gtk_widget_class_bind_template_child (widget_class, CorralSettingsDialog, memory_adjustment);
  gtk_widget_class_bind_template_child (widget_class, CorralSettingsDialog, cores_adjustment);
  gtk_widget_class_bind_template_child (widget_class, CorralSettingsDialog, memory_spin);
  gtk_widget_class_bind_template_child (widget_class, CorralSettingsDialog, cores_spin);
  gtk_widget_class_bind_template_child (widget_class, CorralSettingsDialog, memory_row);
  gtk_widget_class_bind_template_child (widget_class, CorralSettingsDialog, cores_row);
  gtk_widget_class_bind_template_child (widget_class, CorralSettingsDialog, entrypoint_row);
  gtk_widget_class_bind_template_child (widget_class, CorralSettingsDialog, agent_command_row);
  gtk_widget_class_bind_template_child (widget_class, CorralSettingsDialog, agent_args_row);
  gtk_widget_class_bind_template_child (widget_class, CorralSettingsDialog, custom_command_row);
  gtk_widget_class_bind_template_child (widget_class, CorralSettingsDialog, share_claude_switch);
  gtk_widget_class_bind_template_child (widget_class, CorralSettingsDialog, share_git_switch);
  gtk_widget_class_bind_template_child (widget_class, CorralSettingsDialog, share_gh_switch);
  gtk_widget_class_bind_template_child (widget_class, CorralSettingsDialog, share_ssh_switch);
  gtk_widget_class_bind_template_child (widget_class, CorralSettingsDialog, forward_gh_token_switch);
  gtk_widget_class_bind_template_child (widget_class, CorralSettingsDialog, unconfined_switch);
}

static void
corral_settings_dialog_init (CorralSettingsDialog *self)
{
  gtk_widget_init_template (GTK_WIDGET (self));
}
