/* corral-window-session.c: a project window's agent session
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * In a window the agent ending does not end the VM (unless the user's
 * preference says so): the banner over the console says how it ended and
 * offers Restart Agent, Open Shell and Shut Down. Before a start, an
 * agent with neither an API key nor its sign-in files would have no way
 * in: the window says so and offers to enter a key or to start anyway
 * and sign in inside the guest, in the browser on its display.
 */
#include "config.h"

#include <string.h>

#include <glib/gi18n.h>

#include "corral-agent-banner.h"
#include "corral-alert.h"
#include "corral-console-view.h"
#include "corral-secrets.h"
#include "corral-vm.h"
#include "corral-window-private.h"

/* Claude Code keeps a subscription's sign-in here on Linux. */
#define SIGN_IN_FILE ".credentials.json"

static void
apply_exit_action (CorralWindow *self)
{
  if (self->vm == NULL)
    return;
  corral_vm_set_agent_exit_action (self->vm,
                                   g_settings_get_boolean (self->settings, "shutdown-on-agent-exit")
                                   ? CORRAL_AGENT_EXIT_POWER_OFF : CORRAL_AGENT_EXIT_WAIT);
}

static void
update_actions (CorralWindow *self)
{
  gboolean ended = self->vm != NULL &&
                   corral_vm_get_state (self->vm) == CORRAL_VM_STATE_RUNNING &&
                   corral_vm_get_agent_state (self->vm) == CORRAL_AGENT_STATE_ENDED;

  gtk_widget_action_set_enabled (GTK_WIDGET (self), "win.restart-agent", ended);
  gtk_widget_action_set_enabled (GTK_WIDGET (self), "win.agent-shell", ended);
}

static void
agent_state_cb (CorralWindow *self)
{
  update_actions (self);
  /* Running again (restart or shell): the keys go to it. */
  if (corral_vm_get_agent_state (self->vm) == CORRAL_AGENT_STATE_RUNNING &&
      gtk_widget_get_mapped (self->console))
    gtk_widget_grab_focus (self->console);
}

void
corral_window_session_set_vm (CorralWindow *self,
                              CorralVm     *vm)
{
  corral_agent_banner_set_vm (CORRAL_AGENT_BANNER (self->agent_banner), vm);
  if (vm != NULL)
    {
      apply_exit_action (self);
      g_signal_connect_object (vm, "notify::agent-state", G_CALLBACK (agent_state_cb), self, G_CONNECT_SWAPPED);
      g_signal_connect_object (vm, "notify::state", G_CALLBACK (update_actions), self, G_CONNECT_SWAPPED);
    }
  update_actions (self);
}

static void
session_action (GtkWidget  *widget,
                const char *name,
                GVariant   *param)
{
  CorralWindow *self = CORRAL_WINDOW (widget);
  g_autoptr(GError) error = NULL;
  gboolean done;

  if (self->vm == NULL)
    return;
  if (g_str_equal (name, "win.restart-agent"))
    done = corral_vm_restart_agent (self->vm, &error);
  else
    done = corral_vm_open_agent_shell (self->vm, &error);
  if (!done)
    corral_window_add_toast (self, error->message);
}

/* --- before the first start: no key, no sign-in -------------------------- */

static gboolean
has_sign_in_files (CorralWindow *self)
{
  const CorralHost *host = corral_context_get_host (self->context);
  g_autofree char *path = NULL;

  if (host == NULL || host->home == NULL)
    return FALSE;
  path = g_build_filename (host->home, ".claude", SIGN_IN_FILE, NULL);
  return g_file_test (path, G_FILE_TEST_IS_REGULAR);
}

gboolean
corral_window_offer_sign_in (CorralWindow *self)
{
  gboolean shared = (corral_profile_get_shares (self->profile) & CORRAL_SHARE_CLAUDE) != 0;

  /* Only the agent signs in; a shell or a command of the user's does not. */
  if (self->sign_in_accepted ||
      corral_profile_get_entrypoint_mode (self->profile) != CORRAL_ENTRYPOINT_AGENT ||
      (shared && has_sign_in_files (self)))
    return FALSE;

  if (shared)
    gtk_label_set_text (self->signin_label,
                        _("Corral found no Anthropic API key (in your keyring or ANTHROPIC_API_KEY) and no sign-in of the agent in ~/.claude. "
                          "Enter a key, or start and sign in inside the virtual machine: the sign-in page opens in the browser on its display, "
                          "and the sign-in is kept in ~/.claude for the next starts."));
  else
    gtk_label_set_text (self->signin_label,
                        _("Corral found no Anthropic API key (in your keyring or ANTHROPIC_API_KEY), and this project does not share ~/.claude, where the agent keeps its sign-in. "
                          "Enter a key, or start and sign in inside the virtual machine: the sign-in page opens in the browser on its display, "
                          "and the sign-in lasts until the virtual machine stops."));
  gtk_info_bar_set_revealed (self->signin_bar, TRUE);
  return TRUE;
}

static void
signin_bar_response_cb (CorralWindow *self,
                        int           response)
{
  if (response == GTK_RESPONSE_CLOSE)
    {
      gtk_info_bar_set_revealed (self->signin_bar, FALSE);
      corral_window_drop_start (self);
    }
}

static void
start_and_sign_in_action (GtkWidget  *widget,
                          const char *name,
                          GVariant   *param)
{
  CorralWindow *self = CORRAL_WINDOW (widget);

  self->sign_in_accepted = TRUE;
  gtk_info_bar_set_revealed (self->signin_bar, FALSE);
  if (self->held_start != NULL)
    corral_window_resume_start (self, NULL);
  else
    gtk_widget_activate_action (widget, "win.start", NULL);
}

typedef struct {
  CorralWindow *self;
  char         *key;
} StoreData;

static void
store_data_free (StoreData *data)
{
  g_object_unref (data->self);
  if (data->key != NULL)
    explicit_bzero (data->key, strlen (data->key));
  g_free (data->key);
  g_free (data);
}

static void
key_stored_cb (GObject      *source,
               GAsyncResult *result,
               gpointer      user_data)
{
  StoreData *data = user_data;
  CorralWindow *self = data->self;
  g_autoptr(GError) error = NULL;

  if (!corral_secrets_store_finish (result, &error))
    {
      if (!g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
        {
          g_autofree char *msg = g_strdup_printf (_("The keyring did not take the key: %s"), error->message);
          corral_window_add_toast (self, msg);
        }
      store_data_free (data);
      return;
    }
  corral_window_add_toast (self, _("Saved in the keyring"));
  gtk_info_bar_set_revealed (self->signin_bar, FALSE);
  if (self->held_start != NULL)
    corral_window_resume_start (self, data->key);
  else
    gtk_widget_activate_action (GTK_WIDGET (self), "win.start", NULL);
  store_data_free (data);
}

static void
key_dialog_response_cb (GtkWidget    *alert,
                        const char   *response,
                        CorralWindow *self)
{
  GtkEditable *entry = g_object_get_data (G_OBJECT (alert), "corral-entry");
  g_autofree char *key = g_strstrip (g_strdup (gtk_editable_get_text (entry)));
  StoreData *data;

  /* The field does not keep the key once it is read. Nor the focus:
   * libadwaita 1.2's entry row, focused while its dialog window goes,
   * warns of a bad cast (it watches the window's focus after it is gone).
   * An AdwAlertDialog is no window: it gives the focus back itself. */
  gtk_editable_set_text (entry, "");
  if (GTK_IS_ROOT (alert))
    gtk_root_set_focus (GTK_ROOT (alert), NULL);
  if (g_strcmp0 (response, "save") != 0 || *key == '\0')
    {
      explicit_bzero (key, strlen (key));
      return;
    }
  data = g_new0 (StoreData, 1);
  data->self = g_object_ref (self);
  data->key = g_steal_pointer (&key);
  corral_secrets_store_async (CORRAL_SECRET_API_KEY, data->key, self->cancellable, key_stored_cb, data);
}

static void
enter_api_key_action (GtkWidget  *widget,
                      const char *name,
                      GVariant   *param)
{
  CorralWindow *self = CORRAL_WINDOW (widget);
  GtkWidget *alert, *list, *entry;

  alert = corral_alert_new (_("Anthropic API Key"),
                            _("The key is kept in your keyring, as in Preferences, and given to the agent at each start."));
  /* As in Preferences (GTK 4.8's GtkPasswordEntry warns when its dialog
   * is destroyed). */
  list = gtk_list_box_new ();
  gtk_list_box_set_selection_mode (GTK_LIST_BOX (list), GTK_SELECTION_NONE);
  gtk_widget_add_css_class (list, "boxed-list");
  entry = adw_password_entry_row_new ();
  adw_preferences_row_set_title (ADW_PREFERENCES_ROW (entry), _("Anthropic API key"));
  gtk_list_box_append (GTK_LIST_BOX (list), entry);
  corral_alert_set_extra_child (alert, list);
  g_object_set_data (G_OBJECT (alert), "corral-entry", entry);
  corral_alert_add_responses (alert,
                              "cancel", _("_Cancel"),
                              "save", _("_Save and Start"),
                              NULL);
  corral_alert_set_response_appearance (alert, "save", ADW_RESPONSE_SUGGESTED);
  corral_alert_set_default_response (alert, "save");
  corral_alert_set_close_response (alert, "cancel");
  adw_entry_row_set_activates_default (ADW_ENTRY_ROW (entry), TRUE);
  g_signal_connect_object (alert, "response", G_CALLBACK (key_dialog_response_cb), self, 0);
  corral_alert_present (alert, GTK_WIDGET (self));
  gtk_widget_grab_focus (entry);
}

/* --- set-up ------------------------------------------------------------------ */

void
corral_window_class_init_session (GtkWidgetClass *widget_class)
{
  gtk_widget_class_bind_template_child (widget_class, CorralWindow, signin_bar);
  gtk_widget_class_bind_template_child (widget_class, CorralWindow, signin_label);
  gtk_widget_class_bind_template_callback (widget_class, signin_bar_response_cb);

  gtk_widget_class_install_action (widget_class, "win.restart-agent", NULL, session_action);
  gtk_widget_class_install_action (widget_class, "win.agent-shell", NULL, session_action);
  gtk_widget_class_install_action (widget_class, "win.enter-api-key", NULL, enter_api_key_action);
  gtk_widget_class_install_action (widget_class, "win.start-and-sign-in", NULL, start_and_sign_in_action);
}

void
corral_window_init_session (CorralWindow *self)
{
  self->agent_banner = corral_agent_banner_new ();
  corral_console_view_set_banner (CORRAL_CONSOLE_VIEW (self->console), self->agent_banner);
  /* The preference applies at once, also to a VM that runs. */
  g_signal_connect_object (self->settings, "changed::shutdown-on-agent-exit",
                           G_CALLBACK (apply_exit_action), self, G_CONNECT_SWAPPED);
  update_actions (self);
}
