/* corral-window-vm.c: a project window's VM controls, state and errors
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * The window learns about the VM through its properties and signals only.
 * A new CorralVm is made for every start, so the guest and QEMU chosen in
 * the preferences and the profile as saved apply at each start. Every
 * failure ends up in the error bar, never in a crash.
 */
#include "config.h"

#include <glib/gi18n.h>

#include "corral-alert.h"
#include "corral-console-view.h"
#include "corral-guest-store.h"
#include "corral-secrets.h"
#include "corral-vm.h"
#include "corral-vnc-view.h"
#include "corral-window-private.h"

/* How long the guest may take to answer the power button before the
 * window offers to force it off. */
#define UNRESPONSIVE_SECONDS 15

static GApplication *
get_app (CorralWindow *self)
{
  return G_APPLICATION (gtk_window_get_application (GTK_WINDOW (self)));
}

static CorralVmState
get_state (CorralWindow *self)
{
  return self->vm != NULL ? corral_vm_get_state (self->vm) : CORRAL_VM_STATE_STOPPED;
}

static const char *
state_label (CorralWindow *self)
{
  switch (get_state (self))
    {
    case CORRAL_VM_STATE_STARTING:
      return _("Starting…");
    case CORRAL_VM_STATE_RUNNING:
      return corral_vm_get_paused (self->vm) ? _("Paused") : _("Running");
    case CORRAL_VM_STATE_STOPPING:
      return _("Shutting down…");
    case CORRAL_VM_STATE_FAILED:
      return _("Failed");
    case CORRAL_VM_STATE_STOPPED:
    default:
      return _("Stopped");
    }
}

/* The error bar */

static void
show_error (CorralWindow *self,
            const char   *message,
            const char   *qemu_stderr,
            gboolean      offer_preferences)
{
  gboolean has_stderr = qemu_stderr != NULL && qemu_stderr[0] != '\0';

  gtk_info_bar_set_message_type (self->error_bar, GTK_MESSAGE_ERROR);
  gtk_label_set_text (self->error_label, message);
  gtk_label_set_text (self->stderr_label, has_stderr ? qemu_stderr : "");
  gtk_widget_set_visible (self->stderr_expander, has_stderr);
  gtk_widget_set_visible (self->preferences_button, offer_preferences);
  gtk_widget_set_visible (self->force_off_button, FALSE);
  gtk_info_bar_set_revealed (self->error_bar, TRUE);
}

static void
hide_error (CorralWindow *self)
{
  gtk_info_bar_set_revealed (self->error_bar, FALSE);
}

static gboolean
unresponsive_cb (gpointer data)
{
  CorralWindow *self = data;

  self->stop_timeout_id = 0;
  if (get_state (self) != CORRAL_VM_STATE_STOPPING)
    return G_SOURCE_REMOVE;

  gtk_info_bar_set_message_type (self->error_bar, GTK_MESSAGE_WARNING);
  gtk_label_set_text (self->error_label,
                      _("The virtual machine does not answer the power button. "
                        "Forcing it off is like pulling the plug: the project folder keeps what was written."));
  gtk_widget_set_visible (self->stderr_expander, FALSE);
  gtk_widget_set_visible (self->preferences_button, FALSE);
  gtk_widget_set_visible (self->force_off_button, TRUE);
  gtk_info_bar_set_revealed (self->error_bar, TRUE);
  return G_SOURCE_REMOVE;
}

static void
error_bar_response_cb (CorralWindow *self,
                       int           response)
{
  if (response == GTK_RESPONSE_CLOSE)
    hide_error (self);
}

static void
kvm_bar_response_cb (CorralWindow *self,
                     int           response)
{
  if (response == GTK_RESPONSE_CLOSE)
    {
      self->kvm_dismissed = TRUE;
      gtk_info_bar_set_revealed (self->kvm_bar, FALSE);
    }
}

/* State */

static void
update_state (CorralWindow *self)
{
  GtkWidget *widget = GTK_WIDGET (self);
  CorralVmState state = get_state (self);
  gboolean project = self->project_path != NULL;
  gboolean paused = self->vm != NULL && corral_vm_get_paused (self->vm);
  gboolean can_start = project && (state == CORRAL_VM_STATE_STOPPED || state == CORRAL_VM_STATE_FAILED);
  gboolean can_stop = state == CORRAL_VM_STATE_STARTING || state == CORRAL_VM_STATE_RUNNING;
  gboolean running = state == CORRAL_VM_STATE_RUNNING;
  gboolean lost = running && corral_vm_get_control_lost (self->vm);
  /* Pause, reset and screenshots go through QMP: not without it. */
  gboolean controlled = running && !lost;

  adw_window_title_set_subtitle (self->window_title, project ? state_label (self) : NULL);

  gtk_widget_action_set_enabled (widget, "win.start", can_start);
  gtk_widget_action_set_enabled (widget, "win.stop", can_stop);
  gtk_widget_action_set_enabled (widget, "win.force-off", can_stop || state == CORRAL_VM_STATE_STOPPING);
  gtk_widget_action_set_enabled (widget, "win.pause", controlled && !paused);
  gtk_widget_action_set_enabled (widget, "win.resume", controlled && paused);
  gtk_widget_action_set_enabled (widget, "win.reset", controlled);
  gtk_widget_action_set_enabled (widget, "win.screenshot", controlled && corral_vm_has_display (self->vm));

  gtk_widget_set_visible (self->start_button, can_start);
  gtk_widget_set_visible (self->stop_button, project && !can_start);
  gtk_widget_set_visible (self->spinner, state == CORRAL_VM_STATE_STARTING || state == CORRAL_VM_STATE_STOPPING);
  gtk_spinner_set_spinning (GTK_SPINNER (self->spinner), gtk_widget_get_visible (self->spinner));

  corral_window_set_vm_running (self, project && !can_start);

  /* QMP gone, QEMU still there: only while that run lasts. */
  gtk_info_bar_set_revealed (self->control_lost_bar, lost);

  /* The project folder deleted, moved or unmounted under a running VM:
   * for the rest of the run (the guest's shared folder is gone for good). */
  {
    gboolean missing = project && self->vm != NULL && corral_vm_get_project_missing (self->vm) &&
                       (running || state == CORRAL_VM_STATE_STOPPING);

    if (missing)
      {
        g_autofree char *name = g_filename_display_name (self->project_path);
        g_autofree char *text = g_strdup_printf (_("The project folder “%s” is gone (deleted, moved or unmounted) while the virtual machine runs: what the agent writes now is lost. Shut the virtual machine down, put the folder back, and start again."),
                                                 name);
        gtk_label_set_text (self->project_missing_label, text);
      }
    gtk_info_bar_set_revealed (self->project_missing_bar, missing);
  }

  /* What weakens this run's containment (no confinement, the guest's
   * network in QEMU's libslirp): said for the whole run, not a toast. */
  {
    const char * const *security = self->vm ? corral_vm_get_security_warnings (self->vm) : NULL;
    g_autofree char *text = security != NULL && security[0] != NULL
      ? g_strjoinv ("\n", (char **) security) : NULL;
    gboolean active = state == CORRAL_VM_STATE_STARTING || state == CORRAL_VM_STATE_RUNNING ||
                      state == CORRAL_VM_STATE_STOPPING;

    gtk_label_set_text (self->security_label, text != NULL ? text : "");
    gtk_info_bar_set_revealed (self->security_bar, active && text != NULL);
  }

  if (state == CORRAL_VM_STATE_STOPPING)
    {
      if (self->stop_timeout_id == 0)
        self->stop_timeout_id = g_timeout_add_seconds (UNRESPONSIVE_SECONDS, unresponsive_cb, self);
    }
  else
    g_clear_handle_id (&self->stop_timeout_id, g_source_remove);

  switch (state)
    {
    case CORRAL_VM_STATE_FAILED:
      {
        /* The Vm's reason is already written for a person. */
        const char *reason = corral_vm_get_error_message (self->vm);

        show_error (self, reason != NULL && reason[0] != '\0' ? reason : _("The virtual machine stopped unexpectedly."),
                    corral_vm_get_qemu_stderr (self->vm), FALSE);
      }
      break;
    case CORRAL_VM_STATE_RUNNING:
    case CORRAL_VM_STATE_STOPPED:
      /* A stale "does not answer" offer goes; a start error stays. */
      if (gtk_widget_get_visible (self->force_off_button))
        hide_error (self);
      break;
    case CORRAL_VM_STATE_STARTING:
    case CORRAL_VM_STATE_STOPPING:
    default:
      break;
    }

  if (self->close_after_stop &&
      (state == CORRAL_VM_STATE_STOPPED || state == CORRAL_VM_STATE_FAILED))
    {
      self->close_after_stop = FALSE;
      g_application_release (get_app (self));
      gtk_window_destroy (GTK_WINDOW (self));
    }
}

/* The command builder's warnings: KVM missing goes to its own bar (the
 * same words as the engine's, from the same catalogue), the rest to
 * toasts; a run without QEMU's system-call filter is a weaker sandbox,
 * so its toast stays until the user dismisses it. */
static void
warnings_changed_cb (CorralWindow *self)
{
  const char * const *warnings = corral_vm_get_warnings (self->vm);
  const char *kvm = _("KVM is not available: the virtual machine is emulated and will be slow");
  const char *seccomp = _("QEMU has no system-call filter here (its -sandbox option does not work): should the guest break into QEMU, QEMU could do more on this computer. Use a QEMU built with seccomp support.");

  for (guint i = 0; warnings != NULL && warnings[i] != NULL; i++)
    {
      if (g_str_equal (warnings[i], kvm))
        {
          if (!self->kvm_dismissed)
            gtk_info_bar_set_revealed (self->kvm_bar, TRUE);
        }
      else if (g_str_equal (warnings[i], seccomp))
        corral_window_add_toast_full (self, warnings[i], 0);
      else
        corral_window_add_toast (self, warnings[i]);
    }
}

static void
set_vm (CorralWindow *self,
        CorralVm     *vm)
{
  gboolean display;

  if (self->vm != NULL)
    g_signal_handlers_disconnect_by_data (self->vm, self);
  g_set_object (&self->vm, vm);

  if (self->console != NULL)
    corral_console_view_set_vm (CORRAL_CONSOLE_VIEW (self->console), vm);
  if (self->enter_console != NULL)
    corral_console_view_set_vm (CORRAL_CONSOLE_VIEW (self->enter_console), vm);
  corral_vnc_view_set_vm (CORRAL_VNC_VIEW (self->vnc_view), vm);
  corral_window_network_set_vm (self, vm);

  corral_window_session_set_vm (self, vm);

  if (vm == NULL)
    return;

  g_signal_connect_object (vm, "notify::state", G_CALLBACK (update_state), self, G_CONNECT_SWAPPED);
  g_signal_connect_object (vm, "notify::paused", G_CALLBACK (update_state), self, G_CONNECT_SWAPPED);
  g_signal_connect_object (vm, "notify::control-lost", G_CALLBACK (update_state), self, G_CONNECT_SWAPPED);
  g_signal_connect_object (vm, "notify::project-missing", G_CALLBACK (update_state), self, G_CONNECT_SWAPPED);
  g_signal_connect_object (vm, "notify::security-warnings", G_CALLBACK (update_state), self, G_CONNECT_SWAPPED);
  g_signal_connect_object (vm, "notify::warnings", G_CALLBACK (warnings_changed_cb), self, G_CONNECT_SWAPPED);

  display = corral_vm_has_display (vm);
  if (display != GPOINTER_TO_INT (g_object_get_data (G_OBJECT (self->display_area), "corral-has-display")))
    {
      g_object_set_data (G_OBJECT (self->display_area), "corral-has-display", GINT_TO_POINTER (display));
      corral_window_update_layout (self);
    }
}

CorralVm *
corral_window_get_vm (CorralWindow *self)
{
  g_return_val_if_fail (CORRAL_IS_WINDOW (self), NULL);
  return self->vm;
}

/* A console that comes alive takes the keyboard, unless the user is
 * already typing somewhere that matters (the display, another console). */
static void
console_attached_cb (GtkWidget    *console,
                     GParamSpec   *pspec,
                     CorralWindow *self)
{
  GtkWidget *focus = gtk_root_get_focus (GTK_ROOT (self));
  AdwTabPage *page;

  if (!corral_console_view_get_attached (CORRAL_CONSOLE_VIEW (console)) ||
      !gtk_widget_is_ancestor (console, GTK_WIDGET (self->tab_view)))
    return;
  page = adw_tab_view_get_page (self->tab_view, console);
  if (page == NULL || adw_tab_view_get_selected_page (self->tab_view) != page)
    return;
  if (focus != NULL &&
      (gtk_widget_is_ancestor (focus, self->display_area) || VTE_IS_TERMINAL (focus)))
    return;
  gtk_widget_grab_focus (console);
}

GtkWidget *
corral_window_create_console (CorralWindow *self,
                              int           which)
{
  GtkWidget *console = corral_console_view_new (which);

  g_signal_connect_object (console, "notify::attached", G_CALLBACK (console_attached_cb), self, 0);

  if (self->vm != NULL)
    corral_console_view_set_vm (CORRAL_CONSOLE_VIEW (console), self->vm);
  return console;
}

GtkWidget *
corral_window_get_console (CorralWindow *self,
                           int           which)
{
  g_return_val_if_fail (CORRAL_IS_WINDOW (self), NULL);
  return which == CORRAL_CONSOLE_ENTER ? self->enter_console : self->console;
}

/* Start: secrets first (keyring lookups are async), then QEMU */

typedef struct {
  CorralWindow *self;
  CorralVm     *vm;
} StartData;

static void
start_data_free (StartData *data)
{
  g_object_unref (data->self);
  g_object_unref (data->vm);
  g_free (data);
}

static void
start_cb (GObject      *source,
          GAsyncResult *result,
          gpointer      user_data)
{
  StartData *data = user_data;
  CorralWindow *self = data->self;
  g_autoptr(GError) error = NULL;

  if (!corral_vm_start_finish (CORRAL_VM (source), result, &error) &&
      !g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED) &&
      self->vm == data->vm)
    {
      g_autofree char *msg = g_strdup_printf (_("The virtual machine could not start: %s"), error->message);
      show_error (self, msg, corral_vm_get_qemu_stderr (data->vm),
                  g_error_matches (error, CORRAL_VM_ERROR, CORRAL_VM_ERROR_NO_QEMU));
    }
  start_data_free (data);
}

static void
gh_token_cb (GObject      *source,
             GAsyncResult *result,
             gpointer      user_data)
{
  StartData *data = user_data;
  g_autoptr(GError) error = NULL;
  g_autofree char *token = corral_secrets_lookup_finish (result, &error);

  if (g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
    {
      start_data_free (data);
      return;
    }
  if (token != NULL)
    corral_vm_set_secret (data->vm, CORRAL_SECRET_GH_TOKEN, token);
  else
    corral_window_add_toast (data->self, _("No GitHub token to forward: set one in Preferences or in GH_TOKEN."));
  corral_vm_start_async (data->vm, data->self->cancellable, start_cb, data);
}

/* The key (or none), then the GitHub token when the profile forwards it,
 * then QEMU. */
static void
continue_start (StartData  *data,
                const char *api_key)
{
  if (api_key != NULL)
    corral_vm_set_secret (data->vm, CORRAL_SECRET_API_KEY, api_key);

  if (corral_profile_get_forward_gh_token (data->self->profile))
    corral_secrets_lookup_async (CORRAL_SECRET_GH_TOKEN, data->self->cancellable, gh_token_cb, data);
  else
    corral_vm_start_async (data->vm, data->self->cancellable, start_cb, data);
}

static void
api_key_cb (GObject      *source,
            GAsyncResult *result,
            gpointer      user_data)
{
  StartData *data = user_data;
  g_autoptr(GError) error = NULL;
  g_autofree char *key = corral_secrets_lookup_finish (result, &error);

  if (g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
    {
      start_data_free (data);
      return;
    }
  /* No keyring is no reason not to start: the agent can sign in itself. */
  if (error != NULL)
    g_debug ("No key from the keyring: %s", error->message);

  /* Neither a key nor a sign-in: say so before the agent starts without
   * a way in, and let the user choose. */
  if (key == NULL && data->self->vm == data->vm && corral_window_offer_sign_in (data->self))
    {
      corral_window_drop_start (data->self);
      data->self->held_start = data;
      return;
    }
  continue_start (data, key);
}

void
corral_window_resume_start (CorralWindow *self,
                            const char   *api_key)
{
  StartData *data = g_steal_pointer (&self->held_start);

  if (data == NULL)
    return;
  if (self->vm != data->vm)
    {
      start_data_free (data);
      return;
    }
  continue_start (data, api_key);
}

void
corral_window_drop_start (CorralWindow *self)
{
  g_clear_pointer (&self->held_start, start_data_free);
}

static CorralProfile *
copy_profile (CorralProfile *profile)
{
  CorralProfile *copy = corral_profile_new (corral_profile_get_project_path (profile));
  g_autofree GParamSpec **pspecs = NULL;
  guint n;

  pspecs = g_object_class_list_properties (G_OBJECT_GET_CLASS (profile), &n);
  for (guint i = 0; i < n; i++)
    {
      g_auto(GValue) value = G_VALUE_INIT;

      if ((pspecs[i]->flags & G_PARAM_READWRITE) != G_PARAM_READWRITE ||
          (pspecs[i]->flags & G_PARAM_CONSTRUCT_ONLY) != 0)
        continue;
      g_value_init (&value, pspecs[i]->value_type);
      g_object_get_property (G_OBJECT (profile), pspecs[i]->name, &value);
      g_object_set_property (G_OBJECT (copy), pspecs[i]->name, &value);
    }
  return copy;
}

static void
start_action (GtkWidget  *widget,
              const char *name,
              GVariant   *param)
{
  CorralWindow *self = CORRAL_WINDOW (widget);
  const CorralHost *host;
  g_autoptr(CorralGuest) guest = NULL;
  g_autoptr(CorralVm) vm = NULL;
  g_autoptr(GError) error = NULL;
  StartData *data;
  CorralVmState state = get_state (self);

  if (self->profile == NULL ||
      (state != CORRAL_VM_STATE_STOPPED && state != CORRAL_VM_STATE_FAILED))
    return;

  hide_error (self);
  corral_window_drop_start (self);
  gtk_info_bar_set_revealed (self->signin_bar, FALSE);

  host = corral_context_get_host (self->context);
  if (host == NULL || host->qemu_path == NULL)
    {
      show_error (self,
                  _("QEMU is not installed. Install the “qemu-system-x86” package, or choose the QEMU binary in Preferences."),
                  NULL, TRUE);
      return;
    }

  guest = corral_context_load_guest (self->context, &error);
  if (guest == NULL && g_error_matches (error, CORRAL_GUEST_STORE_ERROR, CORRAL_GUEST_STORE_ERROR_NONE_INSTALLED))
    {
      /* Not an error to dismiss: the offer says so and can fix it. */
      corral_window_offer_guest (self);
      return;
    }
  if (guest == NULL)
    {
      g_autofree char *msg =
        g_strdup_printf (_("The guest system is missing or broken: %s. Build it (build-aux/run does) or choose another guest in Preferences."),
                         error->message);
      show_error (self, msg, NULL, TRUE);
      return;
    }

  if (!host->kvm_usable && !self->kvm_dismissed)
    gtk_info_bar_set_revealed (self->kvm_bar, TRUE);

  if (self->run_options != NULL)
    {
      /* Command-line overrides: on a copy, so they are never saved. */
      g_autoptr(CorralProfile) copy = copy_profile (self->profile);

      corral_cli_apply (self->run_options, copy);
      corral_window_set_run_options (self, NULL);
      vm = corral_vm_new (copy, guest, host);
    }
  else
    vm = corral_vm_new (self->profile, guest, host);
  set_vm (self, vm);
  update_state (self);

  data = g_new0 (StartData, 1);
  data->self = g_object_ref (self);
  data->vm = g_object_ref (vm);
  corral_secrets_lookup_async (CORRAL_SECRET_API_KEY, self->cancellable, api_key_cb, data);
}

static void
vm_action (GtkWidget  *widget,
           const char *name,
           GVariant   *param)
{
  CorralWindow *self = CORRAL_WINDOW (widget);

  if (self->vm == NULL)
    return;
  if (g_str_equal (name, "win.stop"))
    corral_vm_power_down (self->vm);
  else if (g_str_equal (name, "win.force-off"))
    corral_vm_force_off (self->vm);
  else if (g_str_equal (name, "win.pause"))
    corral_vm_pause (self->vm);
  else if (g_str_equal (name, "win.resume"))
    corral_vm_resume (self->vm);
  else if (g_str_equal (name, "win.reset"))
    corral_vm_reset (self->vm);
}

/* Screenshot of the guest's display, via QEMU */

static void
screendump_cb (GObject      *source,
               GAsyncResult *result,
               gpointer      user_data)
{
  g_autoptr(CorralWindow) self = user_data;
  g_autoptr(GError) error = NULL;

  if (!corral_vm_screendump_finish (CORRAL_VM (source), result, &error))
    {
      g_autofree char *msg = g_strdup_printf (_("The screenshot could not be saved: %s"), error->message);
      corral_window_add_toast (self, msg);
    }
  else
    corral_window_add_toast (self, _("Screenshot saved"));
}

static void
screenshot_response_cb (GtkNativeDialog *dialog,
                        int              response,
                        CorralWindow    *self)
{
  if (response == GTK_RESPONSE_ACCEPT && self->vm != NULL)
    {
      g_autoptr(GFile) file = gtk_file_chooser_get_file (GTK_FILE_CHOOSER (dialog));
      g_autofree char *path = file != NULL ? g_file_get_path (file) : NULL;

      if (path != NULL)
        corral_vm_screendump_async (self->vm, path, self->cancellable, screendump_cb, g_object_ref (self));
    }
  gtk_native_dialog_destroy (dialog);
  g_object_unref (dialog);
}

static void
screenshot_action (GtkWidget  *widget,
                   const char *name,
                   GVariant   *param)
{
  CorralWindow *self = CORRAL_WINDOW (widget);
  g_autoptr(GDateTime) now = g_date_time_new_now_local ();
  g_autofree char *stamp = g_date_time_format (now, "%Y-%m-%d %H-%M-%S");
  g_autofree char *base = g_filename_display_basename (self->project_path);
  g_autofree char *file_name = g_strdup_printf ("%s %s.png", base, stamp);
  const char *pictures = g_get_user_special_dir (G_USER_DIRECTORY_PICTURES);
  GtkFileChooserNative *chooser;

  chooser = gtk_file_chooser_native_new (_("Save Screenshot"), GTK_WINDOW (self),
                                         GTK_FILE_CHOOSER_ACTION_SAVE, _("_Save"), _("_Cancel"));
  gtk_file_chooser_set_current_name (GTK_FILE_CHOOSER (chooser), file_name);
  if (pictures != NULL)
    {
      g_autoptr(GFile) folder = g_file_new_for_path (pictures);
      gtk_file_chooser_set_current_folder (GTK_FILE_CHOOSER (chooser), folder, NULL);
    }
  gtk_native_dialog_set_modal (GTK_NATIVE_DIALOG (chooser), TRUE);
  g_signal_connect (chooser, "response", G_CALLBACK (screenshot_response_cb), self);
  gtk_native_dialog_show (GTK_NATIVE_DIALOG (chooser));
}

/* Closing a window whose VM runs */

/* The window goes now; the application stays until the guest is off
 * (then update_state() destroys the window and lets the application go). */
static void
shut_down_then_close (CorralWindow *self)
{
  if (!self->close_after_stop)
    {
      self->close_after_stop = TRUE;
      g_application_hold (get_app (self));
    }
  gtk_widget_set_visible (GTK_WIDGET (self), FALSE);
  if (get_state (self) != CORRAL_VM_STATE_STOPPING)
    corral_vm_power_down (self->vm);
  update_state (self);
}

static void
close_response_cb (GtkWidget    *alert,
                   const char   *response,
                   CorralWindow *self)
{
  if (g_strcmp0 (response, "shutdown") != 0 || self->vm == NULL)
    return;
  shut_down_then_close (self);
}

void
corral_window_shut_down_and_close (CorralWindow *self,
                                   gboolean      force)
{
  CorralVmState state;

  g_return_if_fail (CORRAL_IS_WINDOW (self));

  state = get_state (self);
  if (self->vm == NULL || state == CORRAL_VM_STATE_STOPPED || state == CORRAL_VM_STATE_FAILED)
    {
      gtk_window_destroy (GTK_WINDOW (self));
      return;
    }
  shut_down_then_close (self);
  if (force)
    corral_vm_force_off (self->vm);
}

gboolean
corral_window_may_close (CorralWindow *self)
{
  g_autofree char *name = NULL;
  g_autofree char *body = NULL;
  GtkWidget *alert;
  CorralVmState state = get_state (self);

  if (state == CORRAL_VM_STATE_STOPPED || state == CORRAL_VM_STATE_FAILED || self->close_after_stop)
    return TRUE;

  /* The name goes in the body: a heading wider than the dialog makes
   * libadwaita 1.7 warn as it lays it out. */
  name = g_filename_display_basename (self->project_path);
  body = g_strdup_printf (_("Closing the window shuts down the virtual machine of “%s” and stops the agent. "
                            "What the agent wrote in the project folder stays."), name);
  alert = corral_alert_new (_("Shut Down the Project?"), body);
  corral_alert_add_responses (alert,
                              "cancel", _("_Cancel"),
                              "shutdown", _("_Shut Down"),
                              NULL);
  corral_alert_set_response_appearance (alert, "shutdown", ADW_RESPONSE_DESTRUCTIVE);
  corral_alert_set_default_response (alert, "cancel");
  corral_alert_set_close_response (alert, "cancel");
  g_signal_connect_object (alert, "response", G_CALLBACK (close_response_cb), self, 0);
  corral_alert_present (alert, GTK_WIDGET (self));
  return FALSE;
}

void
corral_window_project_opened (CorralWindow *self)
{
  update_state (self);
  if (g_settings_get_boolean (self->settings, "start-on-open"))
    gtk_widget_activate_action (GTK_WIDGET (self), "win.start", NULL);
}

void
corral_window_class_init_vm (GtkWidgetClass *widget_class)
{
  gtk_widget_class_bind_template_child (widget_class, CorralWindow, control_lost_bar);
  gtk_widget_class_bind_template_child (widget_class, CorralWindow, project_missing_bar);
  gtk_widget_class_bind_template_child (widget_class, CorralWindow, project_missing_label);
  gtk_widget_class_bind_template_child (widget_class, CorralWindow, security_bar);
  gtk_widget_class_bind_template_child (widget_class, CorralWindow, security_label);
  gtk_widget_class_bind_template_callback (widget_class, error_bar_response_cb);
  gtk_widget_class_bind_template_callback (widget_class, kvm_bar_response_cb);

  gtk_widget_class_install_action (widget_class, "win.start", NULL, start_action);
  gtk_widget_class_install_action (widget_class, "win.stop", NULL, vm_action);
  gtk_widget_class_install_action (widget_class, "win.force-off", NULL, vm_action);
  gtk_widget_class_install_action (widget_class, "win.pause", NULL, vm_action);
  gtk_widget_class_install_action (widget_class, "win.resume", NULL, vm_action);
  gtk_widget_class_install_action (widget_class, "win.reset", NULL, vm_action);
  gtk_widget_class_install_action (widget_class, "win.screenshot", NULL, screenshot_action);

  gtk_widget_class_add_binding_action (widget_class, GDK_KEY_Return, GDK_CONTROL_MASK | GDK_SHIFT_MASK, "win.start", NULL);
  gtk_widget_class_add_binding_action (widget_class, GDK_KEY_Delete, GDK_CONTROL_MASK | GDK_SHIFT_MASK, "win.stop", NULL);
}

void
corral_window_init_vm (CorralWindow *self)
{
  self->cancellable = g_cancellable_new ();
  update_state (self);
}

void
corral_window_dispose_vm (CorralWindow *self)
{
  g_cancellable_cancel (self->cancellable);
  g_clear_object (&self->cancellable);
  g_clear_handle_id (&self->stop_timeout_id, g_source_remove);
  corral_window_drop_start (self);
  if (self->vm != NULL)
    {
      g_signal_handlers_disconnect_by_data (self->vm, self);
      /* Disposing the Vm stops QEMU and removes its metadata dir. */
      g_clear_object (&self->vm);
    }
}
