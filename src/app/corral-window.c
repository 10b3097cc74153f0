/* corral-window.c: one window per project; the start page when it has none
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * This file holds the pages and the layout. Drops are in
 * corral-window-dnd.c, the VM's controls in corral-window-vm.c.
 */
#include "config.h"

#include <glib/gi18n.h>

#include "corral-settings-dialog.h"
#include "corral-vnc-view.h"
#include "corral-window-private.h"

G_DEFINE_FINAL_TYPE (CorralWindow, corral_window, ADW_TYPE_APPLICATION_WINDOW)

enum {
  PROP_0,
  PROP_CONTEXT,
  PROP_PROJECT_PATH,
  PROP_VM_RUNNING,
  N_PROPS
};

static GParamSpec *properties[N_PROPS];

enum {
  OPEN_FOLDER,
  N_SIGNALS
};

static guint signals[N_SIGNALS];

CorralWindow *
corral_window_new (GtkApplication *application,
                   CorralContext  *context)
{
  CorralWindow *self = g_object_new (CORRAL_TYPE_WINDOW,
                                     "application", application,
                                     "context", context,
                                     NULL);

  corral_window_check_guest (self);
  return self;
}

CorralContext *
corral_window_get_context (CorralWindow *self)
{
  g_return_val_if_fail (CORRAL_IS_WINDOW (self), NULL);
  return self->context;
}

void
corral_window_request_folder (CorralWindow *self,
                              GFile        *folder,
                              gboolean      enter)
{
  g_return_if_fail (CORRAL_IS_WINDOW (self));
  g_return_if_fail (G_IS_FILE (folder));
  g_signal_emit (self, signals[OPEN_FOLDER], 0, folder, enter);
}

const char *
corral_window_get_project_path (CorralWindow *self)
{
  g_return_val_if_fail (CORRAL_IS_WINDOW (self), NULL);
  return self->project_path;
}

GtkWidget *
corral_window_get_display_area (CorralWindow *self)
{
  g_return_val_if_fail (CORRAL_IS_WINDOW (self), NULL);
  return self->display_area;
}

void
corral_window_set_run_options (CorralWindow           *self,
                               const CorralCliOptions *options)
{
  g_return_if_fail (CORRAL_IS_WINDOW (self));

  if (self->run_options != NULL)
    {
      corral_cli_options_clear (self->run_options);
      g_clear_pointer (&self->run_options, g_free);
    }
  if (options == NULL)
    return;

  self->run_options = g_new0 (CorralCliOptions, 1);
  *self->run_options = *options;
  self->run_options->guest_manifest = g_strdup (options->guest_manifest);
  self->run_options->project_dir = g_strdup (options->project_dir);
  self->run_options->agent_args = g_strdupv (options->agent_args);
}

void
corral_window_add_toast_full (CorralWindow *self,
                              const char   *message,
                              guint         timeout)
{
  g_autofree char *escaped = NULL;
  AdwToast *toast;

  g_return_if_fail (CORRAL_IS_WINDOW (self));

  /* A toast's title is Pango markup (libadwaita 1.2), and messages hold
   * names the user chose ("proj & co"): always plain text. */
  escaped = g_markup_escape_text (message, -1);
  toast = adw_toast_new (escaped);
  adw_toast_set_timeout (toast, timeout);
  adw_toast_overlay_add_toast (self->toast_overlay, toast);
}

void
corral_window_add_toast (CorralWindow *self,
                         const char   *message)
{
  corral_window_add_toast_full (self, message, 6);
}

/* Recent projects */

static char *
format_last_used (gint64 unix_time)
{
  g_autoptr(GDateTime) then = NULL;
  g_autoptr(GDateTime) now = NULL;

  if (unix_time <= 0)
    return g_strdup (_("Never started"));

  then = g_date_time_new_from_unix_local (unix_time);
  now = g_date_time_new_now_local ();
  if (then == NULL)
    return g_strdup ("");
  if (g_date_time_get_year (then) == g_date_time_get_year (now) &&
      g_date_time_get_day_of_year (then) == g_date_time_get_day_of_year (now))
    {
      g_autofree char *time = g_date_time_format (then, "%H:%M");
      /* Translators: when a project was last opened, e.g. "Today at 14:05" */
      return g_strdup_printf (_("Today at %s"), time);
    }
  /* Translators: date format for a project last opened before today */
  return g_date_time_format (then, _("%-e %B %Y"));
}

static GtkWidget *
recent_row_new (CorralProfile *profile)
{
  const char *path = corral_profile_get_project_path (profile);
  /* Names need not be UTF-8; a label must be (U+FFFD stands in). */
  g_autofree char *name = g_filename_display_basename (path);
  g_autofree char *when = format_last_used (corral_profile_get_last_used (profile));
  g_autofree char *subtitle = NULL;
  g_autofree char *display_path = NULL;
  const char *home = g_get_home_dir ();
  GtkWidget *row;

  if (home != NULL && g_str_has_prefix (path, home) && path[strlen (home)] == '/')
    {
      g_autofree char *rest = g_filename_display_name (path + strlen (home));
      display_path = g_strconcat ("~", rest, NULL);
    }
  else
    display_path = g_filename_display_name (path);

  if (g_file_test (path, G_FILE_TEST_IS_DIR))
    /* Translators: a recent project's path, then when it was last used */
    subtitle = g_strdup_printf (_("%s · %s"), display_path, when);
  else
    /* Translators: a recent project whose folder is gone */
    subtitle = g_strdup_printf (_("%s · folder missing"), display_path);

  /* Plain text before any text: the title and subtitle labels follow
   * use-markup, and a name with "&" set while it was TRUE was parsed as
   * markup (and warned). */
  row = adw_action_row_new ();
  adw_preferences_row_set_use_markup (ADW_PREFERENCES_ROW (row), FALSE);
  adw_preferences_row_set_title (ADW_PREFERENCES_ROW (row), name);
  adw_action_row_set_subtitle (ADW_ACTION_ROW (row), subtitle);
  gtk_list_box_row_set_activatable (GTK_LIST_BOX_ROW (row), TRUE);
  adw_action_row_add_suffix (ADW_ACTION_ROW (row), gtk_image_new_from_icon_name ("go-next-symbolic"));
  g_object_set_data_full (G_OBJECT (row), "project-path", g_strdup (path), g_free);
  return row;
}

void
corral_window_refresh_recent (CorralWindow *self)
{
  g_autoptr(GPtrArray) saved = corral_profile_list_saved ();
  GtkWidget *child;

  g_return_if_fail (CORRAL_IS_WINDOW (self));

  while ((child = gtk_widget_get_first_child (GTK_WIDGET (self->recent_list))) != NULL)
    gtk_list_box_remove (self->recent_list, child);

  for (guint i = 0; i < saved->len && i < 12; i++)
    gtk_list_box_append (self->recent_list, recent_row_new (g_ptr_array_index (saved, i)));

  gtk_widget_set_visible (self->recent_box, saved->len > 0);
}

static void
recent_row_activated_cb (CorralWindow  *self,
                         GtkListBoxRow *row)
{
  const char *path = g_object_get_data (G_OBJECT (row), "project-path");
  g_autoptr(GFile) file = g_file_new_for_path (path);

  corral_window_request_folder (self, file, FALSE);
}

/* Layout: console and display side by side, or as tabs */

static void
set_page_icon (AdwTabPage *page,
               const char *icon_name)
{
  g_autoptr(GIcon) icon = g_themed_icon_new (icon_name);

  adw_tab_page_set_icon (page, icon);
}

static gboolean
has_display (CorralWindow *self)
{
  return self->project_path != NULL && self->display_area != NULL &&
         GPOINTER_TO_INT (g_object_get_data (G_OBJECT (self->display_area), "corral-has-display"));
}

static void
apply_layout (CorralWindow *self)
{
  gboolean tabs = g_settings_get_enum (self->settings, "layout") == 1;

  if (self->project_path == NULL)
    return;

  /* Take the display out of wherever it is, then put it where it goes. */
  if (self->display_page != NULL)
    {
      self->closing_display_page = TRUE;
      adw_tab_view_close_page (self->tab_view, self->display_page);
      self->closing_display_page = FALSE;
      self->display_page = NULL;
    }
  if (gtk_paned_get_end_child (self->paned) != NULL)
    gtk_paned_set_end_child (self->paned, NULL);

  if (!has_display (self))
    return;

  if (tabs)
    {
      self->display_page = adw_tab_view_append (self->tab_view, self->display_area);
      adw_tab_page_set_title (self->display_page, _("Display"));
      set_page_icon (self->display_page, "video-display-symbolic");
    }
  else
    {
      gtk_paned_set_end_child (self->paned, self->display_area);
    }
}

/* The display area is filled by the VNC view; whoever fills it marks it
 * with "corral-has-display" and calls this. */
void
corral_window_update_layout (CorralWindow *self)
{
  apply_layout (self);
}

static gboolean
tab_view_close_page_cb (CorralWindow *self,
                        AdwTabPage   *page)
{
  if (page == self->display_page && self->closing_display_page)
    {
      adw_tab_view_close_page_finish (self->tab_view, page, TRUE);
    }
  else if (page == self->enter_page)
    {
      self->enter_page = NULL;
      self->enter_console = NULL;
      adw_tab_view_close_page_finish (self->tab_view, page, TRUE);
    }
  else
    {
      /* The agent console and the display stay while the project is open. */
      adw_tab_view_close_page_finish (self->tab_view, page, FALSE);
    }
  return GDK_EVENT_STOP;
}

/* Project */

gboolean
corral_window_open_project (CorralWindow  *self,
                            const char    *project_path,
                            GError       **error)
{
  g_autoptr(CorralProfile) profile = NULL;
  g_autofree char *warning = NULL;
  g_autofree char *name = NULL;
  g_autoptr(GError) save_error = NULL;

  g_return_val_if_fail (CORRAL_IS_WINDOW (self), FALSE);
  g_return_val_if_fail (self->project_path == NULL, FALSE);

  profile = corral_profile_load (project_path, &warning, error);
  if (profile == NULL)
    return FALSE;
  if (warning != NULL)
    corral_window_add_toast (self, warning);

  corral_profile_set_last_used (profile, g_get_real_time () / G_USEC_PER_SEC);
  if (!corral_profile_save (profile, &save_error))
    {
      g_autofree char *msg = g_strdup_printf (_("The project’s settings could not be saved: %s"),
                                              save_error->message);
      corral_window_add_toast (self, msg);
    }

  self->project_path = g_strdup (project_path);
  self->profile = g_steal_pointer (&profile);
  g_signal_connect_object (self->profile, "notify::network-mode", G_CALLBACK (corral_window_update_network),
                           self, G_CONNECT_SWAPPED);
  corral_window_update_network (self);

  name = g_filename_display_basename (project_path);
  gtk_window_set_title (GTK_WINDOW (self), name);
  adw_window_title_set_title (self->window_title, name);
  {
    g_autofree char *display_path = g_filename_display_name (project_path);
    gtk_widget_set_tooltip_text (GTK_WIDGET (self->window_title), display_path);
  }

  self->console_page = adw_tab_view_append (self->tab_view, self->console);
  adw_tab_page_set_title (self->console_page, _("Console"));
  set_page_icon (self->console_page, "utilities-terminal-symbolic");

  gtk_stack_set_visible_child_name (self->stack, "project");
  gtk_widget_action_set_enabled (GTK_WIDGET (self), "win.settings", TRUE);
  gtk_widget_action_set_enabled (GTK_WIDGET (self), "win.second-console", TRUE);
  apply_layout (self);
  gtk_widget_grab_focus (self->console);

  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_PROJECT_PATH]);
  corral_window_project_opened (self);
  return TRUE;
}

void
corral_window_show_second_console (CorralWindow *self)
{
  g_return_if_fail (CORRAL_IS_WINDOW (self));

  if (self->project_path == NULL)
    return;

  if (self->enter_page == NULL)
    {
      /* ttyS1: a login shell beside the agent (the seed's --enter) */
      self->enter_console = corral_window_create_console (self, 1);
      self->enter_page = adw_tab_view_append (self->tab_view, self->enter_console);
      adw_tab_page_set_title (self->enter_page, _("Second Console"));
      set_page_icon (self->enter_page, "utilities-terminal-symbolic");
    }
  adw_tab_view_set_selected_page (self->tab_view, self->enter_page);
  gtk_widget_grab_focus (self->enter_console);
}

/* Actions */

static void
open_folder_response_cb (GtkNativeDialog *dialog,
                         int              response,
                         CorralWindow    *self)
{
  if (response == GTK_RESPONSE_ACCEPT)
    {
      g_autoptr(GFile) folder = gtk_file_chooser_get_file (GTK_FILE_CHOOSER (dialog));

      if (folder != NULL)
        corral_window_request_folder (self, folder, FALSE);
    }
  gtk_native_dialog_destroy (dialog);
  g_object_unref (dialog);
}

static void
open_folder_action (GtkWidget  *widget,
                    const char *name,
                    GVariant   *param)
{
  CorralWindow *self = CORRAL_WINDOW (widget);
  GtkFileChooserNative *chooser;

  /* GTK 4.8 has no GtkFileDialog: the native chooser in folder mode. */
  chooser = gtk_file_chooser_native_new (_("Open Project Folder"),
                                         GTK_WINDOW (self),
                                         GTK_FILE_CHOOSER_ACTION_SELECT_FOLDER,
                                         _("_Open"), _("_Cancel"));
  gtk_native_dialog_set_modal (GTK_NATIVE_DIALOG (chooser), TRUE);
  g_signal_connect (chooser, "response", G_CALLBACK (open_folder_response_cb), self);
  gtk_native_dialog_show (GTK_NATIVE_DIALOG (chooser));
}

GtkWindow *
corral_window_open_settings (CorralWindow *self)
{
  GtkWindow *dialog;

  if (self->profile == NULL)
    return NULL;

  dialog = GTK_WINDOW (corral_settings_dialog_new (self->profile,
                                                   corral_context_get_host (self->context)));
  gtk_window_set_transient_for (dialog, GTK_WINDOW (self));
  g_object_bind_property (self, "vm-running", dialog, "vm-running", G_BINDING_SYNC_CREATE);
  gtk_window_present (dialog);
  return dialog;
}

static void
settings_action (GtkWidget  *widget,
                 const char *name,
                 GVariant   *param)
{
  corral_window_open_settings (CORRAL_WINDOW (widget));
}

static void
second_console_action (GtkWidget  *widget,
                       const char *name,
                       GVariant   *param)
{
  corral_window_show_second_console (CORRAL_WINDOW (widget));
}

void
corral_window_set_vm_running (CorralWindow *self,
                              gboolean      running)
{
  if (self->vm_running == running)
    return;
  self->vm_running = running;
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_VM_RUNNING]);
}

/* Window */

static void
save_window_size (CorralWindow *self)
{
  int width, height;

  if (gtk_paned_get_end_child (self->paned) != NULL)
    g_settings_set_int (self->settings, "paned-position", gtk_paned_get_position (self->paned));

  gtk_window_get_default_size (GTK_WINDOW (self), &width, &height);
  g_settings_set_boolean (self->settings, "window-maximized", gtk_window_is_maximized (GTK_WINDOW (self)));
  if (!gtk_window_is_maximized (GTK_WINDOW (self)) && width > 0 && height > 0)
    {
      g_settings_set_int (self->settings, "window-width", width);
      g_settings_set_int (self->settings, "window-height", height);
    }
}

static gboolean
corral_window_close_request (GtkWindow *window)
{
  save_window_size (CORRAL_WINDOW (window));
  if (!corral_window_may_close (CORRAL_WINDOW (window)))
    return GDK_EVENT_STOP;
  return GTK_WINDOW_CLASS (corral_window_parent_class)->close_request (window);
}

static void
corral_window_dispose (GObject *object)
{
  CorralWindow *self = CORRAL_WINDOW (object);

  corral_window_dispose_vm (self);
  gtk_widget_dispose_template (GTK_WIDGET (self), CORRAL_TYPE_WINDOW);
  g_clear_object (&self->display_area);
  g_clear_object (&self->console);

  G_OBJECT_CLASS (corral_window_parent_class)->dispose (object);
}

static void
corral_window_finalize (GObject *object)
{
  CorralWindow *self = CORRAL_WINDOW (object);

  g_clear_object (&self->settings);
  g_clear_object (&self->context);
  g_clear_object (&self->profile);
  g_free (self->project_path);
  corral_window_set_run_options (self, NULL);

  G_OBJECT_CLASS (corral_window_parent_class)->finalize (object);
}

static void
corral_window_get_property (GObject    *object,
                            guint       prop_id,
                            GValue     *value,
                            GParamSpec *pspec)
{
  CorralWindow *self = CORRAL_WINDOW (object);

  switch (prop_id)
    {
    case PROP_CONTEXT:
      g_value_set_object (value, self->context);
      break;
    case PROP_PROJECT_PATH:
      g_value_set_string (value, self->project_path);
      break;
    case PROP_VM_RUNNING:
      g_value_set_boolean (value, self->vm_running);
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
corral_window_set_property (GObject      *object,
                            guint         prop_id,
                            const GValue *value,
                            GParamSpec   *pspec)
{
  CorralWindow *self = CORRAL_WINDOW (object);

  switch (prop_id)
    {
    case PROP_CONTEXT:
      g_set_object (&self->context, g_value_get_object (value));
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
corral_window_constructed (GObject *object)
{
  CorralWindow *self = CORRAL_WINDOW (object);

  G_OBJECT_CLASS (corral_window_parent_class)->constructed (object);

  /* A window made without one (a test, a GtkBuilder file) gets its own. */
  if (self->context == NULL)
    self->context = corral_context_new ();
  corral_window_constructed_guest (self);
}

static void
corral_window_class_init (CorralWindowClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  GtkWidgetClass *widget_class = GTK_WIDGET_CLASS (klass);
  GtkWindowClass *window_class = GTK_WINDOW_CLASS (klass);

  object_class->dispose = corral_window_dispose;
  object_class->finalize = corral_window_finalize;
  object_class->get_property = corral_window_get_property;
  object_class->set_property = corral_window_set_property;
  object_class->constructed = corral_window_constructed;
  window_class->close_request = corral_window_close_request;

  properties[PROP_CONTEXT] =
    g_param_spec_object ("context", NULL, NULL, CORRAL_TYPE_CONTEXT,
                         G_PARAM_READWRITE | G_PARAM_CONSTRUCT_ONLY | G_PARAM_STATIC_STRINGS);
  properties[PROP_PROJECT_PATH] =
    g_param_spec_string ("project-path", NULL, NULL, NULL,
                         G_PARAM_READABLE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS);
  /* Whether a change to the profile waits for the next start. */
  properties[PROP_VM_RUNNING] =
    g_param_spec_boolean ("vm-running", NULL, NULL, FALSE,
                          G_PARAM_READABLE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS);
  g_object_class_install_properties (object_class, N_PROPS, properties);

  /* The user asked for @folder (Open, a drop, a recent project); @enter:
   * show its second console. The application connects to this. */
  signals[OPEN_FOLDER] =
    g_signal_new ("open-folder", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST,
                  0, NULL, NULL, NULL,
                  G_TYPE_NONE, 2, G_TYPE_FILE, G_TYPE_BOOLEAN);

  gtk_widget_class_set_template_from_resource (widget_class, CORRAL_RESOURCE_PATH "/ui/corral-window.ui");
  gtk_widget_class_bind_template_child (widget_class, CorralWindow, toast_overlay);
  gtk_widget_class_bind_template_child (widget_class, CorralWindow, window_title);
  gtk_widget_class_bind_template_child (widget_class, CorralWindow, start_button);
  gtk_widget_class_bind_template_child (widget_class, CorralWindow, stop_button);
  gtk_widget_class_bind_template_child (widget_class, CorralWindow, spinner);
  gtk_widget_class_bind_template_child (widget_class, CorralWindow, error_bar);
  gtk_widget_class_bind_template_child (widget_class, CorralWindow, error_label);
  gtk_widget_class_bind_template_child (widget_class, CorralWindow, stderr_expander);
  gtk_widget_class_bind_template_child (widget_class, CorralWindow, stderr_label);
  gtk_widget_class_bind_template_child (widget_class, CorralWindow, force_off_button);
  gtk_widget_class_bind_template_child (widget_class, CorralWindow, preferences_button);
  gtk_widget_class_bind_template_child (widget_class, CorralWindow, kvm_bar);
  gtk_widget_class_bind_template_child (widget_class, CorralWindow, stack);
  gtk_widget_class_bind_template_child (widget_class, CorralWindow, start_page);
  gtk_widget_class_bind_template_child (widget_class, CorralWindow, recent_box);
  gtk_widget_class_bind_template_child (widget_class, CorralWindow, recent_list);
  gtk_widget_class_bind_template_child (widget_class, CorralWindow, paned);
  gtk_widget_class_bind_template_child (widget_class, CorralWindow, tab_view);
  gtk_widget_class_bind_template_callback (widget_class, recent_row_activated_cb);
  gtk_widget_class_bind_template_callback (widget_class, tab_view_close_page_cb);
  corral_window_class_init_vm (widget_class);
  corral_window_class_init_session (widget_class);
  corral_window_class_init_guest (widget_class);
  corral_window_class_init_network (widget_class);

  gtk_widget_class_install_action (widget_class, "win.open-folder", NULL, open_folder_action);
  gtk_widget_class_install_action (widget_class, "win.settings", NULL, settings_action);
  gtk_widget_class_install_action (widget_class, "win.second-console", NULL, second_console_action);

  gtk_widget_class_add_binding_action (widget_class, GDK_KEY_o, GDK_CONTROL_MASK, "win.open-folder", NULL);
  gtk_widget_class_add_binding_action (widget_class, GDK_KEY_comma, GDK_CONTROL_MASK, "win.settings", NULL);
  gtk_widget_class_add_binding_action (widget_class, GDK_KEY_t, GDK_CONTROL_MASK | GDK_SHIFT_MASK, "win.second-console", NULL);
}

static void
corral_window_init (CorralWindow *self)
{

  gtk_widget_init_template (GTK_WIDGET (self));

  self->settings = g_settings_new (APPLICATION_ID);
  gtk_window_set_default_size (GTK_WINDOW (self),
                               g_settings_get_int (self->settings, "window-width"),
                               g_settings_get_int (self->settings, "window-height"));
  if (g_settings_get_boolean (self->settings, "window-maximized"))
    gtk_window_maximize (GTK_WINDOW (self));
  if (g_settings_get_int (self->settings, "paned-position") > 0)
    gtk_paned_set_position (self->paned, g_settings_get_int (self->settings, "paned-position"));
  g_signal_connect_object (self->settings, "changed::layout",
                           G_CALLBACK (apply_layout), self, G_CONNECT_SWAPPED);

  /* The guest's display; its actions serve the window's menu too. */
  self->display_area = g_object_ref_sink (gtk_box_new (GTK_ORIENTATION_VERTICAL, 0));
  gtk_widget_add_css_class (self->display_area, "corral-display");
  gtk_widget_set_size_request (self->display_area, 320, -1);
  self->vnc_view = corral_vnc_view_new ();
  gtk_widget_set_vexpand (self->vnc_view, TRUE);
  gtk_widget_set_hexpand (self->vnc_view, TRUE);
  gtk_box_append (GTK_BOX (self->display_area), self->vnc_view);
  gtk_widget_insert_action_group (GTK_WIDGET (self), "display",
                                  corral_vnc_view_get_actions (CORRAL_VNC_VIEW (self->vnc_view)));

  self->console = g_object_ref_sink (corral_window_create_console (self, 0));
  corral_window_init_session (self);

  gtk_widget_action_set_enabled (GTK_WIDGET (self), "win.settings", FALSE);
  gtk_widget_action_set_enabled (GTK_WIDGET (self), "win.second-console", FALSE);

  corral_window_init_vm (self);
  corral_window_init_dnd (self);
  corral_window_init_guest (self);
  corral_window_init_network (self);
  corral_window_refresh_recent (self);
}
