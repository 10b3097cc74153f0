/* corral-preferences.c: application-wide preferences (keys, guest, QEMU)
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * Keys go to the keyring (never to GSettings or a file); the rest are
 * GSettings keys, bound directly.
 */
#include "config.h"

#include <glib/gi18n.h>

#include "corral-preferences.h"
#include "corral-secrets.h"

struct _CorralPreferences
{
  AdwPreferencesWindow parent_instance;

  AdwEntryRow  *api_key_row;
  GtkLabel     *api_key_status;
  AdwEntryRow  *gh_token_row;
  GtkLabel     *gh_token_status;
  AdwActionRow *guest_row;
  AdwActionRow *confinement_row;
  AdwEntryRow  *qemu_row;
  GtkSwitch    *start_on_open_switch;
  GtkSwitch    *shutdown_on_exit_switch;
  AdwComboRow  *layout_row;

  GSettings    *settings;
  char         *default_guest;
  char         *command_line_guest;
  GCancellable *cancellable;
};

G_DEFINE_FINAL_TYPE (CorralPreferences, corral_preferences, ADW_TYPE_PREFERENCES_WINDOW)

static void
add_toast (CorralPreferences *self,
           const char        *message)
{
  /* A toast's title is markup (libadwaita 1.2): messages are text. */
  g_autofree char *escaped = g_markup_escape_text (message, -1);

  adw_preferences_window_add_toast (ADW_PREFERENCES_WINDOW (self), adw_toast_new (escaped));
}

/* Keys */

static GtkLabel *
status_label (CorralPreferences *self,
              CorralSecret       which)
{
  return which == CORRAL_SECRET_GH_TOKEN ? self->gh_token_status : self->api_key_status;
}

static void
show_status (CorralPreferences *self,
             CorralSecret       which,
             gboolean           stored,
             gboolean           failed)
{
  const char *text;

  if (corral_secrets_from_env (which) != NULL)
    /* Translators: %s is an environment variable's name */
    text = which == CORRAL_SECRET_GH_TOKEN ? _("From GH_TOKEN") : _("From ANTHROPIC_API_KEY");
  else if (failed)
    text = _("Keyring unavailable");
  else if (stored)
    text = _("In the keyring");
  else
    text = _("Not set");
  gtk_label_set_label (status_label (self, which), text);
}

typedef struct {
  CorralPreferences *self;
  CorralSecret       which;
  gboolean           clearing;
} Request;

static void
status_cb (GObject      *source,
           GAsyncResult *result,
           gpointer      user_data)
{
  g_autofree Request *req = user_data;
  g_autoptr(GError) error = NULL;
  gboolean stored = corral_secrets_stored_finish (result, &error);

  if (g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
    return;
  if (error != NULL)
    g_debug ("Keyring lookup failed: %s", error->message);
  show_status (req->self, req->which, stored, error != NULL);
}

static void
refresh_status (CorralPreferences *self,
                CorralSecret       which)
{
  Request *req = g_new0 (Request, 1);

  req->self = self;
  req->which = which;
  corral_secrets_stored_async (which, self->cancellable, status_cb, req);
}

static void
store_cb (GObject      *source,
          GAsyncResult *result,
          gpointer      user_data)
{
  g_autofree Request *req = user_data;
  g_autoptr(GError) error = NULL;

  if (!corral_secrets_store_finish (result, &error))
    {
      g_autofree char *msg = NULL;

      if (g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
        return;
      msg = g_strdup_printf (_("The keyring did not take the key: %s"), error->message);
      add_toast (req->self, msg);
      show_status (req->self, req->which, FALSE, TRUE);
      return;
    }
  add_toast (req->self, req->clearing ? _("Removed from the keyring") : _("Saved in the keyring"));
  refresh_status (req->self, req->which);
}

static void
secret_apply_cb (CorralPreferences *self,
                 AdwEntryRow       *row)
{
  Request *req = g_new0 (Request, 1);
  const char *text = gtk_editable_get_text (GTK_EDITABLE (row));

  req->self = self;
  req->which = row == self->gh_token_row ? CORRAL_SECRET_GH_TOKEN : CORRAL_SECRET_API_KEY;
  req->clearing = text[0] == '\0';
  corral_secrets_store_async (req->which, text, self->cancellable, store_cb, req);
  /* The field does not keep showing the key once it is stored. */
  gtk_editable_set_text (GTK_EDITABLE (row), "");
}

/* Guest and QEMU */

static void
update_guest_row (CorralPreferences *self)
{
  g_autofree char *manifest = g_settings_get_string (self->settings, "guest-manifest");
  g_autofree char *subtitle = NULL;

  if (self->command_line_guest != NULL)
    /* Translators: %s is a guest manifest's path, given with --guest */
    subtitle = g_markup_printf_escaped (_("This run uses %s (--guest)"), self->command_line_guest);
  else if (manifest[0] != '\0')
    subtitle = g_markup_escape_text (manifest, -1);
  else if (self->default_guest != NULL)
    /* Translators: %s is the installed guest's manifest path */
    subtitle = g_markup_printf_escaped (_("Default: %s"), self->default_guest);
  else
    subtitle = g_markup_escape_text (_("Default: none installed yet"), -1);
  adw_action_row_set_subtitle (self->guest_row, subtitle);
}

static void
guest_response_cb (GtkNativeDialog   *dialog,
                   int                response,
                   CorralPreferences *self)
{
  if (response == GTK_RESPONSE_ACCEPT)
    {
      g_autoptr(GFile) file = gtk_file_chooser_get_file (GTK_FILE_CHOOSER (dialog));
      g_autofree char *path = file != NULL ? g_file_get_path (file) : NULL;

      if (path != NULL)
        g_settings_set_string (self->settings, "guest-manifest", path);
    }
  gtk_native_dialog_destroy (dialog);
  g_object_unref (dialog);
}

static void
guest_choose_cb (CorralPreferences *self)
{
  GtkFileChooserNative *chooser;
  GtkFileFilter *filter = gtk_file_filter_new ();

  chooser = gtk_file_chooser_native_new (_("Choose a Guest Manifest"), GTK_WINDOW (self),
                                         GTK_FILE_CHOOSER_ACTION_OPEN, _("_Choose"), _("_Cancel"));
  gtk_file_filter_set_name (filter, _("Guest manifests"));
  gtk_file_filter_add_pattern (filter, "*.ini");
  gtk_file_chooser_add_filter (GTK_FILE_CHOOSER (chooser), filter);
  g_object_unref (filter);
  gtk_native_dialog_set_modal (GTK_NATIVE_DIALOG (chooser), TRUE);
  g_signal_connect (chooser, "response", G_CALLBACK (guest_response_cb), self);
  gtk_native_dialog_show (GTK_NATIVE_DIALOG (chooser));
}

static void
guest_reset_cb (CorralPreferences *self)
{
  g_settings_reset (self->settings, "guest-manifest");
}

static void
qemu_apply_cb (CorralPreferences *self)
{
  g_autofree char *text = g_strstrip (g_strdup (gtk_editable_get_text (GTK_EDITABLE (self->qemu_row))));

  g_settings_set_string (self->settings, "qemu-binary", text);
}

static gboolean
layout_get_mapping (GValue   *value,
                    GVariant *variant,
                    gpointer  user_data)
{
  g_value_set_uint (value, g_str_equal (g_variant_get_string (variant, NULL), "tabs") ? 1 : 0);
  return TRUE;
}

static GVariant *
layout_set_mapping (const GValue       *value,
                    const GVariantType *expected_type,
                    gpointer            user_data)
{
  return g_variant_new_string (g_value_get_uint (value) == 1 ? "tabs" : "side-by-side");
}

GtkWidget *
corral_preferences_new (GSettings  *settings,
                        const char *default_guest,
                        const char *command_line_guest)
{
  CorralPreferences *self = g_object_new (CORRAL_TYPE_PREFERENCES, NULL);
  g_autofree char *qemu = NULL;

  self->settings = g_object_ref (settings);
  self->default_guest = g_strdup (default_guest);
  self->command_line_guest = g_strdup (command_line_guest);

  g_settings_bind (settings, "start-on-open", self->start_on_open_switch, "active", G_SETTINGS_BIND_DEFAULT);
  g_settings_bind (settings, "shutdown-on-agent-exit", self->shutdown_on_exit_switch, "active", G_SETTINGS_BIND_DEFAULT);
  g_settings_bind_with_mapping (settings, "layout", self->layout_row, "selected", G_SETTINGS_BIND_DEFAULT,
                                layout_get_mapping, layout_set_mapping, NULL, NULL);
  g_signal_connect_object (settings, "changed::guest-manifest", G_CALLBACK (update_guest_row), self, G_CONNECT_SWAPPED);
  update_guest_row (self);
  qemu = g_settings_get_string (settings, "qemu-binary");
  gtk_editable_set_text (GTK_EDITABLE (self->qemu_row), qemu);

  refresh_status (self, CORRAL_SECRET_API_KEY);
  refresh_status (self, CORRAL_SECRET_GH_TOKEN);
  return GTK_WIDGET (self);
}

void
corral_preferences_set_confinement (CorralPreferences *self,
                                    const char        *description)
{
  g_return_if_fail (CORRAL_IS_PREFERENCES (self));
  adw_action_row_set_subtitle (self->confinement_row, description);
}

static void
corral_preferences_dispose (GObject *object)
{
  CorralPreferences *self = CORRAL_PREFERENCES (object);

  g_cancellable_cancel (self->cancellable);
  g_clear_object (&self->cancellable);
  gtk_widget_dispose_template (GTK_WIDGET (self), CORRAL_TYPE_PREFERENCES);
  g_clear_object (&self->settings);
  g_clear_pointer (&self->default_guest, g_free);
  g_clear_pointer (&self->command_line_guest, g_free);

  G_OBJECT_CLASS (corral_preferences_parent_class)->dispose (object);
}

static void
corral_preferences_class_init (CorralPreferencesClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  GtkWidgetClass *widget_class = GTK_WIDGET_CLASS (klass);

  object_class->dispose = corral_preferences_dispose;

  gtk_widget_class_set_template_from_resource (widget_class, CORRAL_RESOURCE_PATH "/ui/corral-preferences.ui");
  gtk_widget_class_bind_template_child (widget_class, CorralPreferences, api_key_row);
  gtk_widget_class_bind_template_child (widget_class, CorralPreferences, start_on_open_switch);
  gtk_widget_class_bind_template_child (widget_class, CorralPreferences, shutdown_on_exit_switch);
  gtk_widget_class_bind_template_child (widget_class, CorralPreferences, api_key_status);
  gtk_widget_class_bind_template_child (widget_class, CorralPreferences, gh_token_row);
  gtk_widget_class_bind_template_child (widget_class, CorralPreferences, gh_token_status);
  gtk_widget_class_bind_template_child (widget_class, CorralPreferences, guest_row);
  gtk_widget_class_bind_template_child (widget_class, CorralPreferences, confinement_row);
  gtk_widget_class_bind_template_child (widget_class, CorralPreferences, qemu_row);
  gtk_widget_class_bind_template_child (widget_class, CorralPreferences, layout_row);
  gtk_widget_class_bind_template_callback (widget_class, secret_apply_cb);
  gtk_widget_class_bind_template_callback (widget_class, guest_choose_cb);
  gtk_widget_class_bind_template_callback (widget_class, guest_reset_cb);
  gtk_widget_class_bind_template_callback (widget_class, qemu_apply_cb);
}

static void
corral_preferences_init (CorralPreferences *self)
{
  self->cancellable = g_cancellable_new ();
  gtk_widget_init_template (GTK_WIDGET (self));
}
