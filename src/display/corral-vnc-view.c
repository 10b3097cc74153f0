/* corral-vnc-view.c: the guest's graphical display, as a widget
 *
 * Follows the Vm through its properties and signals: connects when it runs
 * with a display, reconnects while it keeps running, and otherwise shows a
 * placeholder that says why there is nothing to see.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "config.h"

#include <unistd.h>

#include <glib/gi18n.h>
#include <adwaita.h>

#include "corral-clipboard-sync.h"
#include "corral-display-resources.h"
#include "corral-vnc-view.h"

#define RECONNECT_MIN_MS 250
#define RECONNECT_MAX_MS 4000
#define HINT_SECONDS 5
#define GRAB_RETRY_MS 200
#define GRAB_RETRIES 25

struct _CorralVncView
{
  GtkWidget parent_instance;

  CorralVm *vm;
  gulong state_handler;
  gulong display_handler;

  AdwToastOverlay *toasts;
  GtkStack *stack;
  AdwStatusPage *placeholder;
  GtkScrolledWindow *scroller;
  CorralVncDisplay *display;
  GtkRevealer *hint;
  GtkLabel *hint_label;
  GtkWidget *fullscreen_menu;
  GMenuModel *menu;
  GSimpleActionGroup *actions;
  GtkWindow *fullscreen_window;  /* holds our content while fullscreen */

  CorralClipboardSync *clipboard;
  gboolean clipboard_on;  /* synced with this run's channel */

  GCancellable *connecting;
  guint reconnect_source;
  guint reconnect_delay;
  guint hint_source;
  gboolean hint_short;     /* the grab hint has shrunk to its short form */
  gboolean reconnecting;   /* the VM runs, the display is getting back in */
  gboolean ever_connected;

  gboolean grab_keyboard;
  GdkToplevel *grab_toplevel;  /* weak: the toplevel whose focus we follow */
  gulong grab_state_handler;
  gulong grab_inhibited_handler;
  guint grab_retry_source;
  guint grab_retries;
  gboolean fullscreen;
  gboolean scale_to_fit;

  GtkWidget *root;               /* where root_keys is */
  GtkEventController *root_keys;
};

enum {
  PROP_0,
  PROP_VM,
  PROP_GRAB_KEYBOARD,
  PROP_FULLSCREEN,
  PROP_SCALE_TO_FIT,
  PROP_CONNECTED,
  N_PROPS
};
static GParamSpec *props[N_PROPS];

G_DEFINE_FINAL_TYPE (CorralVncView, corral_vnc_view, GTK_TYPE_WIDGET)

/* QEMU key numbers (XT set 1, 0xE0 keys as 0x80 | code) */
#define Q_CTRL  0x1d
#define Q_ALT   0x38
#define Q_DEL   0xd3
#define Q_F1    0x3b
#define Q_PRINT 0xb7

static const struct {
  const char *name;
  guint16 keys[3];
  guint n;
} send_keys[] = {
  { "ctrl-alt-del", { Q_CTRL, Q_ALT, Q_DEL }, 3 },
  { "ctrl-alt-f1", { Q_CTRL, Q_ALT, Q_F1 + 0 }, 3 },
  { "ctrl-alt-f2", { Q_CTRL, Q_ALT, Q_F1 + 1 }, 3 },
  { "ctrl-alt-f3", { Q_CTRL, Q_ALT, Q_F1 + 2 }, 3 },
  { "ctrl-alt-f4", { Q_CTRL, Q_ALT, Q_F1 + 3 }, 3 },
  { "ctrl-alt-f5", { Q_CTRL, Q_ALT, Q_F1 + 4 }, 3 },
  { "ctrl-alt-f6", { Q_CTRL, Q_ALT, Q_F1 + 5 }, 3 },
  { "ctrl-alt-f7", { Q_CTRL, Q_ALT, Q_F1 + 6 }, 3 },
  { "print", { Q_PRINT }, 1 },
};

guint
corral_vnc_view_lookup_keys (const char *name, const guint16 **qnums)
{
  for (guint i = 0; i < G_N_ELEMENTS (send_keys); i++)
    if (g_strcmp0 (send_keys[i].name, name) == 0)
      {
        *qnums = send_keys[i].keys;
        return send_keys[i].n;
      }
  *qnums = NULL;
  return 0;
}

/* ---- pages ---- */

static void
show_placeholder (CorralVncView *self,
                  const char    *icon,
                  const char    *title,
                  const char    *description)
{
  /* The description is Pango markup (libadwaita 1.2); it can hold an
   * error with a project's name or QEMU's words: plain text, escaped. */
  g_autofree char *escaped = description ? g_markup_escape_text (description, -1) : NULL;

  adw_status_page_set_icon_name (self->placeholder, icon);
  adw_status_page_set_title (self->placeholder, title);
  adw_status_page_set_description (self->placeholder, escaped);
  gtk_stack_set_visible_child_name (self->stack, "placeholder");
}

static void
show_display (CorralVncView *self)
{
  gtk_stack_set_visible_child_name (self->stack, "display");
}

/* One hint over the display: getting back in after a dropped connection,
 * else, while the keyboard is captured, how to release it: in full for a
 * few seconds, then short, for as long as the capture lasts (a user who
 * forgot must still find the way out; virt-viewer keeps it in the title). */
static void
update_hint (CorralVncView *self)
{
  const char *text = NULL;

  if (self->reconnecting)
    text = _("Reconnecting to the display…");
  else if (self->grab_keyboard && self->hint_short)
    text = _("Ctrl+Alt releases the keyboard");
  else if (self->grab_keyboard)
    text = _("The keyboard goes to the virtual machine. Press Ctrl+Alt to release it.");
  if (text != NULL)
    gtk_label_set_text (self->hint_label, text);
  gtk_revealer_set_reveal_child (self->hint, text != NULL);
}

static gboolean
shorten_hint_cb (gpointer data)
{
  CorralVncView *self = data;

  self->hint_source = 0;
  self->hint_short = TRUE;
  update_hint (self);
  return G_SOURCE_REMOVE;
}

/* The grab hint in full again, for a while (the grab began, or the
 * display moved to another window). */
static void
restart_grab_hint (CorralVncView *self)
{
  g_clear_handle_id (&self->hint_source, g_source_remove);
  self->hint_short = FALSE;
  if (self->grab_keyboard)
    self->hint_source = g_timeout_add_seconds (HINT_SECONDS, shorten_hint_cb, self);
  update_hint (self);
}

static void
set_reconnecting (CorralVncView *self, gboolean reconnecting)
{
  self->reconnecting = reconnecting;
  update_hint (self);
}

/* ---- connection ---- */

static void update (CorralVncView *self);

static gboolean
vm_wants_display (CorralVncView *self)
{
  return self->vm != NULL
         && corral_vm_get_state (self->vm) == CORRAL_VM_STATE_RUNNING
         && corral_vm_has_display (self->vm);
}

static void schedule_reconnect (CorralVncView *self);

static void
open_display_cb (GObject *source, GAsyncResult *result, gpointer data)
{
  CorralVncView *self = data;
  g_autoptr(GError) error = NULL;
  int fd;

  fd = corral_vm_open_display_finish (CORRAL_VM (source), result, &error);
  if (g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
    {
      g_object_unref (self);
      return;
    }
  g_clear_object (&self->connecting);

  if (fd < 0)
    {
      g_debug ("Could not open the display: %s", error->message);
      if (vm_wants_display (self))
        schedule_reconnect (self);
      g_object_unref (self);
      return;
    }
  if (!vm_wants_display (self))
    {
      close (fd);
      g_object_unref (self);
      return;
    }
  g_debug ("Display socket %d", fd);
  corral_vnc_display_open_fd (self->display, fd);
  g_object_unref (self);
}

static void
start_connecting (CorralVncView *self)
{
  if (self->connecting != NULL || corral_vnc_display_is_connected (self->display))
    return;
  g_clear_handle_id (&self->reconnect_source, g_source_remove);
  self->connecting = g_cancellable_new ();
  g_debug ("Opening the display");
  corral_vm_open_display_async (self->vm, self->connecting, open_display_cb,
                                g_object_ref (self));
}

static void
stop_connecting (CorralVncView *self)
{
  g_clear_handle_id (&self->reconnect_source, g_source_remove);
  if (self->connecting)
    {
      g_cancellable_cancel (self->connecting);
      g_clear_object (&self->connecting);
    }
}

static gboolean
reconnect_cb (gpointer data)
{
  CorralVncView *self = data;

  self->reconnect_source = 0;
  if (vm_wants_display (self))
    start_connecting (self);
  return G_SOURCE_REMOVE;
}

static void
schedule_reconnect (CorralVncView *self)
{
  if (self->reconnect_source != 0)
    return;
  self->reconnect_delay = CLAMP (self->reconnect_delay * 2, RECONNECT_MIN_MS, RECONNECT_MAX_MS);
  self->reconnect_source = g_timeout_add (self->reconnect_delay, reconnect_cb, self);
}

static void
on_display_connected (CorralVncDisplay *display, CorralVncView *self)
{
  self->reconnect_delay = 0;
  self->ever_connected = TRUE;
  set_reconnecting (self, FALSE);
  update (self);
  g_object_notify_by_pspec (G_OBJECT (self), props[PROP_CONNECTED]);
}

static void
on_display_disconnected (CorralVncDisplay *display, CorralVncView *self)
{
  g_object_notify_by_pspec (G_OBJECT (self), props[PROP_CONNECTED]);
  if (vm_wants_display (self))
    {
      /* The VM still runs: the last picture stays while we get back in. */
      set_reconnecting (self, TRUE);
      schedule_reconnect (self);
    }
  update (self);
}

static void
update_actions (CorralVncView *self)
{
  gboolean connected = corral_vnc_display_is_connected (self->display);
  const char *names[] = { "screenshot", "send-keys" };

  for (guint i = 0; i < G_N_ELEMENTS (names); i++)
    g_simple_action_set_enabled (G_SIMPLE_ACTION (g_action_map_lookup_action (G_ACTION_MAP (self->actions),
                                                                              names[i])),
                                 connected);
}

/* Everything shown follows from the Vm's state and the connection. */
static void
update (CorralVncView *self)
{
  CorralVmState state;

  update_actions (self);

  if (self->vm == NULL)
    {
      corral_clipboard_sync_set_fd (self->clipboard, -1);
      self->clipboard_on = FALSE;
      stop_connecting (self);
      corral_vnc_display_close (self->display);
      show_placeholder (self, "computer-symbolic", _("No Virtual Machine"), NULL);
      return;
    }

  state = corral_vm_get_state (self->vm);
  if (state == CORRAL_VM_STATE_RUNNING && !self->clipboard_on)
    {
      corral_clipboard_sync_set_fd (self->clipboard, corral_vm_get_clipboard_fd (self->vm));
      self->clipboard_on = TRUE;
    }
  else if (state != CORRAL_VM_STATE_RUNNING && self->clipboard_on)
    {
      corral_clipboard_sync_set_fd (self->clipboard, -1);
      self->clipboard_on = FALSE;
    }
  if (state != CORRAL_VM_STATE_RUNNING && state != CORRAL_VM_STATE_STOPPING)
    {
      stop_connecting (self);
      corral_vnc_display_close (self->display);
      set_reconnecting (self, FALSE);
    }

  switch (state)
    {
    case CORRAL_VM_STATE_STOPPED:
      show_placeholder (self, "system-shutdown-symbolic",
                        _("The Virtual Machine Is Off"),
                        _("Start it to see its display."));
      break;

    case CORRAL_VM_STATE_STARTING:
      show_placeholder (self, "content-loading-symbolic", _("Starting…"), NULL);
      break;

    case CORRAL_VM_STATE_FAILED:
      show_placeholder (self, "dialog-error-symbolic",
                        _("The Virtual Machine Stopped"),
                        corral_vm_get_error_message (self->vm));
      break;

    case CORRAL_VM_STATE_STOPPING:
      if (corral_vnc_display_is_connected (self->display))
        show_display (self);
      else
        show_placeholder (self, "system-shutdown-symbolic", _("Shutting Down…"), NULL);
      break;

    case CORRAL_VM_STATE_RUNNING:
      if (!corral_vm_has_display (self->vm))
        {
          show_placeholder (self, "video-display-symbolic", _("No Display"),
                            _("This guest has no graphical console."));
          break;
        }
      if (corral_vnc_display_is_connected (self->display) || self->ever_connected)
        show_display (self);
      else
        show_placeholder (self, "video-display-symbolic",
                          _("Connecting to the Display…"), NULL);
      if (!corral_vnc_display_is_connected (self->display) && self->reconnect_source == 0)
        start_connecting (self);
      break;

    default:
      g_assert_not_reached ();
    }
}

static void
on_vm_changed (CorralVncView *self)
{
  if (self->vm && corral_vm_get_state (self->vm) != CORRAL_VM_STATE_RUNNING)
    self->ever_connected = FALSE;
  update (self);
}

/* ---- actions ---- */

gboolean
corral_vnc_view_save_screenshot (CorralVncView *self, GFile *file, GError **error)
{
  g_autoptr(GdkTexture) image = corral_vnc_display_get_image (self->display);
  g_autoptr(GBytes) png = NULL;

  if (image == NULL)
    {
      g_set_error_literal (error, G_IO_ERROR, G_IO_ERROR_NOT_FOUND,
                           _("The display shows nothing yet"));
      return FALSE;
    }
  png = gdk_texture_save_to_png_bytes (image);
  return g_file_replace_contents (file, g_bytes_get_data (png, NULL),
                                  g_bytes_get_size (png), NULL, FALSE,
                                  G_FILE_CREATE_NONE, NULL, NULL, error);
}

G_GNUC_BEGIN_IGNORE_DEPRECATIONS  /* GtkFileChooser: GtkFileDialog is 4.10 */
static void
screenshot_response (GtkNativeDialog *dialog, int response, gpointer data)
{
  CorralVncView *self = data;
  g_autoptr(GFile) file = NULL;
  g_autoptr(GError) error = NULL;

  if (response == GTK_RESPONSE_ACCEPT)
    file = gtk_file_chooser_get_file (GTK_FILE_CHOOSER (dialog));
  if (file && !corral_vnc_view_save_screenshot (self, file, &error))
    {
      g_autofree char *msg = g_strdup_printf (_("Could not save the screenshot: %s"),
                                              error->message);
      g_autofree char *escaped = g_markup_escape_text (msg, -1);

      /* A toast's title is markup (libadwaita 1.2); the message may
       * hold a file name. */
      adw_toast_overlay_add_toast (self->toasts, adw_toast_new (escaped));
    }
  else if (file)
    adw_toast_overlay_add_toast (self->toasts, adw_toast_new (_("Screenshot saved")));

  gtk_native_dialog_destroy (dialog);
  g_object_unref (dialog);
  g_object_unref (self);
}

static void
screenshot_action (GSimpleAction *action, GVariant *param, gpointer data)
{
  CorralVncView *self = CORRAL_VNC_VIEW (data);
  GtkWidget *widget = GTK_WIDGET (self->display);
  GtkFileChooserNative *chooser;
  const char *pictures = g_get_user_special_dir (G_USER_DIRECTORY_PICTURES);
  g_autoptr(GFile) folder = g_file_new_for_path (pictures ? pictures : g_get_home_dir ());
  g_autoptr(GDateTime) now = g_date_time_new_now_local ();
  /* Translators: a file name; %Y-%m-%d %H-%M-%S is the date and time
   * (g_date_time_format), keep it and ".png" */
  g_autofree char *file_name = g_date_time_format (now, _("Screenshot from %Y-%m-%d %H-%M-%S.png"));

  chooser = gtk_file_chooser_native_new (_("Save Screenshot"),
                                         GTK_WINDOW (gtk_widget_get_root (widget)),
                                         GTK_FILE_CHOOSER_ACTION_SAVE,
                                         _("_Save"), _("_Cancel"));
  gtk_native_dialog_set_modal (GTK_NATIVE_DIALOG (chooser), TRUE);
  gtk_file_chooser_set_current_folder (GTK_FILE_CHOOSER (chooser), folder, NULL);
  gtk_file_chooser_set_current_name (GTK_FILE_CHOOSER (chooser), file_name);
  g_signal_connect (chooser, "response", G_CALLBACK (screenshot_response), g_object_ref (self));
  gtk_native_dialog_show (GTK_NATIVE_DIALOG (chooser));
}
G_GNUC_END_IGNORE_DEPRECATIONS

static void
send_keys_action (GSimpleAction *action, GVariant *param, gpointer data)
{
  CorralVncView *self = CORRAL_VNC_VIEW (data);
  const guint16 *qnums;
  guint n = corral_vnc_view_lookup_keys (g_variant_get_string (param, NULL), &qnums);

  if (n > 0)
    corral_vnc_display_send_keys (self->display, qnums, n);
  gtk_widget_grab_focus (GTK_WIDGET (self->display));
}

static gboolean
shortcut_cb (GtkWidget *widget, GVariant *args, gpointer data)
{
  CorralVncView *self = g_object_get_data (G_OBJECT (widget), "corral-vnc-view");

  /* While the keyboard is grabbed every key belongs to the guest. */
  if (self == NULL || self->grab_keyboard)
    return FALSE;
  g_action_group_activate_action (G_ACTION_GROUP (self->actions), data, NULL);
  return TRUE;
}

/* ---- grab and fullscreen ---- */

static GdkToplevel *
get_toplevel (CorralVncView *self)
{
  GtkNative *native = gtk_widget_get_native (GTK_WIDGET (self->display));
  GdkSurface *surface = native ? gtk_native_get_surface (native) : NULL;

  return GDK_IS_TOPLEVEL (surface) ? GDK_TOPLEVEL (surface) : NULL;
}

static void sync_grab (CorralVncView *self);

static void
on_toplevel_state (GdkToplevel *toplevel, GParamSpec *pspec, CorralVncView *self)
{
  self->grab_retries = 0;
  sync_grab (self);
}

/* GTK lets go when X breaks the grab (another client grabbed, or the
 * window it was on went away); take it back while the focus is here. */
static void
on_toplevel_inhibited (GdkToplevel *toplevel, GParamSpec *pspec, CorralVncView *self)
{
  sync_grab (self);
}

static gboolean
grab_retry_cb (gpointer data)
{
  CorralVncView *self = data;

  self->grab_retry_source = 0;
  self->grab_retries++;
  sync_grab (self);
  return G_SOURCE_REMOVE;
}

static void
unwatch_toplevel (CorralVncView *self, gboolean restore)
{
  g_clear_handle_id (&self->grab_retry_source, g_source_remove);
  if (self->grab_toplevel != NULL)
    {
      g_signal_handler_disconnect (self->grab_toplevel, self->grab_state_handler);
      g_signal_handler_disconnect (self->grab_toplevel, self->grab_inhibited_handler);
      if (restore)
        gdk_toplevel_restore_system_shortcuts (self->grab_toplevel);
      g_clear_weak_pointer (&self->grab_toplevel);
    }
  self->grab_state_handler = 0;
  self->grab_inhibited_handler = 0;
}

/* Makes the toplevel the display is in inhibit system shortcuts while
 * the user wants the keyboard captured. GTK's X11 backend inhibits only
 * for a focused window (an active keyboard grab, which wins over the
 * window manager's key bindings) and drops it when the focus leaves, so
 * take it again whenever the focus comes back; a window just presented
 * (fullscreen) gets it once the window manager focuses it. */
static void
sync_grab (CorralVncView *self)
{
  GdkToplevel *toplevel = get_toplevel (self);

  if (toplevel != self->grab_toplevel)
    {
      unwatch_toplevel (self, TRUE);
      self->grab_retries = 0;
      if (toplevel != NULL)
        {
          g_set_weak_pointer (&self->grab_toplevel, toplevel);
          self->grab_state_handler = g_signal_connect (toplevel, "notify::state",
                                                       G_CALLBACK (on_toplevel_state), self);
          self->grab_inhibited_handler = g_signal_connect (toplevel, "notify::shortcuts-inhibited",
                                                           G_CALLBACK (on_toplevel_inhibited), self);
        }
    }
  if (toplevel == NULL)
    return;
  if (!self->grab_keyboard)
    {
      g_clear_handle_id (&self->grab_retry_source, g_source_remove);
      self->grab_retries = 0;
      gdk_toplevel_restore_system_shortcuts (toplevel);
    }
  else if (gdk_toplevel_get_state (toplevel) & GDK_TOPLEVEL_STATE_FOCUSED)
    {
      gboolean inhibited;

      gdk_toplevel_inhibit_system_shortcuts (toplevel, NULL);
      /* Right after a focus change the window manager may still hold
       * the keyboard (X says AlreadyGrabbed): try again shortly, for a
       * few seconds. */
      g_object_get (toplevel, "shortcuts-inhibited", &inhibited, NULL);
      if (!inhibited && self->grab_retry_source == 0 && self->grab_retries < GRAB_RETRIES)
        self->grab_retry_source = g_timeout_add (GRAB_RETRY_MS, grab_retry_cb, self);
    }
}

static void
set_grab_keyboard (CorralVncView *self, gboolean grab)
{
  grab = !!grab;
  if (self->grab_keyboard == grab)
    return;
  self->grab_keyboard = grab;
  if (grab)
    gtk_widget_grab_focus (GTK_WIDGET (self->display));
  sync_grab (self);
  restart_grab_hint (self);
  g_object_notify_by_pspec (G_OBJECT (self), props[PROP_GRAB_KEYBOARD]);
}

/* The clipboard is shared only where the user is at the display
 * (corral-clipboard-sync.h): its keyboard focus in the active window,
 * which GTK reports as focus entering and leaving it. (Not while the
 * view goes away.) */
static void
on_display_focus_enter (GtkEventControllerFocus *focus, CorralVncView *self)
{
  if (self->clipboard != NULL)
    corral_clipboard_sync_set_present (self->clipboard, TRUE);
}

static void
on_display_focus_leave (GtkEventControllerFocus *focus, CorralVncView *self)
{
  if (self->clipboard != NULL)
    corral_clipboard_sync_set_present (self->clipboard, FALSE);
}

static void
on_display_user_input (CorralVncDisplay *display, CorralVncView *self)
{
  if (self->clipboard != NULL)
    corral_clipboard_sync_user_input (self->clipboard);
}

static void
on_grab_toggle (CorralVncDisplay *display, CorralVncView *self)
{
  g_object_set (self, "grab-keyboard", !self->grab_keyboard, NULL);
}

static void set_fullscreen (CorralVncView *self, gboolean fullscreen);

static void
on_fullscreen_window_changed (GtkWindow *window, GParamSpec *pspec, CorralVncView *self)
{
  /* Left fullscreen some other way (the window manager): follow. */
  if (!gtk_window_is_fullscreen (window) && gtk_widget_get_mapped (GTK_WIDGET (window)))
    set_fullscreen (self, FALSE);
}

static gboolean
on_fullscreen_close (GtkWindow *window, CorralVncView *self)
{
  set_fullscreen (self, FALSE);
  return TRUE;
}

/* The display moves to a fullscreen window of its own and back, so the
 * window it lives in needs to know nothing about it. */
static void
set_fullscreen (CorralVncView *self, gboolean fullscreen)
{
  GtkWidget *content = GTK_WIDGET (self->toasts);

  fullscreen = !!fullscreen;
  if (self->fullscreen == fullscreen)
    return;
  self->fullscreen = fullscreen;
  gtk_widget_set_visible (self->fullscreen_menu, fullscreen);

  g_object_ref (content);
  if (fullscreen)
    {
      GtkRoot *root = gtk_widget_get_root (GTK_WIDGET (self));
      GtkWindow *window = GTK_WINDOW (gtk_window_new ());

      if (GTK_IS_WINDOW (root))
        {
          gtk_window_set_transient_for (window, GTK_WINDOW (root));
        }
      gtk_window_set_title (window, _("Display"));
      /* Where no window manager makes it fullscreen, at least cover the
       * monitor. */
      if (GTK_IS_WINDOW (root) && gtk_native_get_surface (GTK_NATIVE (root)))
        {
          GdkMonitor *monitor =
            gdk_display_get_monitor_at_surface (gtk_widget_get_display (GTK_WIDGET (root)),
                                                gtk_native_get_surface (GTK_NATIVE (root)));
          GdkRectangle geometry;

          if (monitor)
            {
              gdk_monitor_get_geometry (monitor, &geometry);
              gtk_window_set_default_size (window, geometry.width, geometry.height);
            }
        }
      gtk_widget_unparent (content);
      gtk_window_set_child (window, content);
      g_signal_connect (window, "notify::fullscreened",
                        G_CALLBACK (on_fullscreen_window_changed), self);
      g_signal_connect (window, "close-request", G_CALLBACK (on_fullscreen_close), self);
      self->fullscreen_window = window;
      gtk_window_fullscreen (window);
      gtk_window_present (window);
    }
  else
    {
      GtkWindow *window = g_steal_pointer (&self->fullscreen_window);

      g_signal_handlers_disconnect_by_data (window, self);
      gtk_window_set_child (window, NULL);
      gtk_widget_set_parent (content, GTK_WIDGET (self));
      gtk_window_destroy (window);
    }
  g_object_unref (content);

  /* The grab belongs to the toplevel the display is in now. */
  sync_grab (self);
  restart_grab_hint (self);
  gtk_widget_grab_focus (GTK_WIDGET (self->display));
  g_object_notify_by_pspec (G_OBJECT (self), props[PROP_FULLSCREEN]);
}

static void
set_scale_to_fit (CorralVncView *self, gboolean fit)
{
  fit = !!fit;
  if (self->scale_to_fit == fit)
    return;
  self->scale_to_fit = fit;
  corral_vnc_display_set_scale_mode (self->display,
                                     fit ? CORRAL_SCALE_FIT : CORRAL_SCALE_ORIGINAL);
  g_object_notify_by_pspec (G_OBJECT (self), props[PROP_SCALE_TO_FIT]);
}

/* ---- GObject / GtkWidget ---- */

static gboolean
is_own_shortcut (GdkEvent *event)
{
  guint keyval = gdk_key_event_get_keyval (event);
  GdkModifierType mods = gdk_event_get_modifier_state (event) & gtk_accelerator_get_default_mod_mask ();

  if (keyval == GDK_KEY_F11 && mods == 0)
    return TRUE;
  keyval = gdk_keyval_to_lower (keyval);
  return mods == (GDK_CONTROL_MASK | GDK_ALT_MASK) && (keyval == GDK_KEY_s || keyval == GDK_KEY_f);
}

/* The window's application shortcuts (Ctrl+Q, Ctrl+N...) run in the
 * capture phase, before any widget sees a key. While the display has the
 * focus the guest comes first: Ctrl+W closes a browser tab in the guest,
 * not the window. Only the display's own shortcuts stay, unless the
 * keyboard is captured. */
static gboolean
on_root_key (GtkEventControllerLegacy *controller, GdkEvent *event, CorralVncView *self)
{
  GdkEventType type = gdk_event_get_event_type (event);

  if (type != GDK_KEY_PRESS && type != GDK_KEY_RELEASE)
    return GDK_EVENT_PROPAGATE;
  if (!gtk_widget_has_focus (GTK_WIDGET (self->display)) || self->fullscreen)
    return GDK_EVENT_PROPAGATE;
  if (!self->grab_keyboard && type == GDK_KEY_PRESS && is_own_shortcut (event))
    return GDK_EVENT_PROPAGATE;
  return corral_vnc_display_handle_key (self->display, event);
}

static void
corral_vnc_view_root (GtkWidget *widget)
{
  CorralVncView *self = CORRAL_VNC_VIEW (widget);

  GTK_WIDGET_CLASS (corral_vnc_view_parent_class)->root (widget);
  self->root = GTK_WIDGET (gtk_widget_get_root (widget));
  self->root_keys = gtk_event_controller_legacy_new ();
  gtk_event_controller_set_propagation_phase (self->root_keys, GTK_PHASE_CAPTURE);
  g_signal_connect (self->root_keys, "event", G_CALLBACK (on_root_key), self);
  gtk_widget_add_controller (self->root, self->root_keys);
}

static void
corral_vnc_view_unroot (GtkWidget *widget)
{
  CorralVncView *self = CORRAL_VNC_VIEW (widget);

  if (self->root_keys != NULL)
    {
      gtk_widget_remove_controller (self->root, self->root_keys);
      self->root_keys = NULL;
      self->root = NULL;
    }
  GTK_WIDGET_CLASS (corral_vnc_view_parent_class)->unroot (widget);
}

static void
corral_vnc_view_realize (GtkWidget *widget)
{
  GTK_WIDGET_CLASS (corral_vnc_view_parent_class)->realize (widget);
  sync_grab (CORRAL_VNC_VIEW (widget));
}

static void
corral_vnc_view_unrealize (GtkWidget *widget)
{
  CorralVncView *self = CORRAL_VNC_VIEW (widget);

  /* Its toplevel goes away (unless the display is in the fullscreen
   * window, which the view keeps following). */
  if (!self->fullscreen)
    unwatch_toplevel (self, FALSE);
  GTK_WIDGET_CLASS (corral_vnc_view_parent_class)->unrealize (widget);
}

static gboolean
corral_vnc_view_grab_focus (GtkWidget *widget)
{
  CorralVncView *self = CORRAL_VNC_VIEW (widget);

  return gtk_widget_grab_focus (GTK_WIDGET (self->display));
}

static void
corral_vnc_view_dispose (GObject *object)
{
  CorralVncView *self = CORRAL_VNC_VIEW (object);

  corral_vnc_view_set_vm (self, NULL);
  stop_connecting (self);
  g_clear_handle_id (&self->hint_source, g_source_remove);
  if (self->fullscreen_window)
    set_fullscreen (self, FALSE);
  unwatch_toplevel (self, FALSE);
  g_clear_object (&self->actions);
  g_clear_object (&self->clipboard);
  gtk_widget_dispose_template (GTK_WIDGET (self), CORRAL_TYPE_VNC_VIEW);
  G_OBJECT_CLASS (corral_vnc_view_parent_class)->dispose (object);
}

static void
corral_vnc_view_get_property (GObject *object, guint prop_id,
                              GValue *value, GParamSpec *pspec)
{
  CorralVncView *self = CORRAL_VNC_VIEW (object);

  switch (prop_id)
    {
    case PROP_VM: g_value_set_object (value, self->vm); break;
    case PROP_GRAB_KEYBOARD: g_value_set_boolean (value, self->grab_keyboard); break;
    case PROP_FULLSCREEN: g_value_set_boolean (value, self->fullscreen); break;
    case PROP_SCALE_TO_FIT: g_value_set_boolean (value, self->scale_to_fit); break;
    case PROP_CONNECTED:
      g_value_set_boolean (value, corral_vnc_display_is_connected (self->display));
      break;
    default: G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
corral_vnc_view_set_property (GObject *object, guint prop_id,
                              const GValue *value, GParamSpec *pspec)
{
  CorralVncView *self = CORRAL_VNC_VIEW (object);

  switch (prop_id)
    {
    case PROP_VM:
      corral_vnc_view_set_vm (self, g_value_get_object (value));
      break;
    case PROP_GRAB_KEYBOARD:
      set_grab_keyboard (self, g_value_get_boolean (value));
      break;
    case PROP_FULLSCREEN:
      set_fullscreen (self, g_value_get_boolean (value));
      break;
    case PROP_SCALE_TO_FIT:
      set_scale_to_fit (self, g_value_get_boolean (value));
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
corral_vnc_view_class_init (CorralVncViewClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  GtkWidgetClass *widget_class = GTK_WIDGET_CLASS (klass);

  object_class->dispose = corral_vnc_view_dispose;
  object_class->get_property = corral_vnc_view_get_property;
  object_class->set_property = corral_vnc_view_set_property;
  widget_class->realize = corral_vnc_view_realize;
  widget_class->unrealize = corral_vnc_view_unrealize;
  widget_class->root = corral_vnc_view_root;
  widget_class->unroot = corral_vnc_view_unroot;
  widget_class->grab_focus = corral_vnc_view_grab_focus;

  props[PROP_VM] =
    g_param_spec_object ("vm", NULL, NULL, CORRAL_TYPE_VM,
                         G_PARAM_READWRITE | G_PARAM_STATIC_STRINGS | G_PARAM_EXPLICIT_NOTIFY);
  props[PROP_GRAB_KEYBOARD] =
    g_param_spec_boolean ("grab-keyboard", NULL, NULL, FALSE,
                          G_PARAM_READWRITE | G_PARAM_STATIC_STRINGS | G_PARAM_EXPLICIT_NOTIFY);
  props[PROP_FULLSCREEN] =
    g_param_spec_boolean ("fullscreen", NULL, NULL, FALSE,
                          G_PARAM_READWRITE | G_PARAM_STATIC_STRINGS | G_PARAM_EXPLICIT_NOTIFY);
  props[PROP_SCALE_TO_FIT] =
    g_param_spec_boolean ("scale-to-fit", NULL, NULL, TRUE,
                          G_PARAM_READWRITE | G_PARAM_STATIC_STRINGS | G_PARAM_EXPLICIT_NOTIFY);
  props[PROP_CONNECTED] =
    g_param_spec_boolean ("connected", NULL, NULL, FALSE,
                          G_PARAM_READABLE | G_PARAM_STATIC_STRINGS | G_PARAM_EXPLICIT_NOTIFY);
  g_object_class_install_properties (object_class, N_PROPS, props);


  /* Referencing the resources links them in wherever the view goes, also
   * into binaries that use nothing else from the static library. */
  g_assert (corral_display_get_resource () != NULL);
  g_type_ensure (CORRAL_TYPE_VNC_DISPLAY);
  gtk_widget_class_set_template_from_resource (widget_class, CORRAL_RESOURCE_PATH "/ui/corral-vnc-view.ui");
  gtk_widget_class_bind_template_child (widget_class, CorralVncView, toasts);
  gtk_widget_class_bind_template_child (widget_class, CorralVncView, stack);
  gtk_widget_class_bind_template_child (widget_class, CorralVncView, placeholder);
  gtk_widget_class_bind_template_child (widget_class, CorralVncView, scroller);
  gtk_widget_class_bind_template_child (widget_class, CorralVncView, display);
  gtk_widget_class_bind_template_child (widget_class, CorralVncView, hint);
  gtk_widget_class_bind_template_child (widget_class, CorralVncView, hint_label);
  gtk_widget_class_bind_template_child (widget_class, CorralVncView, fullscreen_menu);
  gtk_widget_class_bind_template_child (widget_class, CorralVncView, menu);
  gtk_widget_class_bind_template_callback (widget_class, on_display_connected);
  gtk_widget_class_bind_template_callback (widget_class, on_display_disconnected);
  gtk_widget_class_bind_template_callback (widget_class, on_grab_toggle);

  gtk_widget_class_set_layout_manager_type (widget_class, GTK_TYPE_BIN_LAYOUT);
  gtk_widget_class_set_css_name (widget_class, "corral-vnc-view");
}

static void
toggle_activate (GSimpleAction *action, GVariant *param, gpointer data)
{
  const char *property = g_action_get_name (G_ACTION (action));
  gboolean value;

  g_object_get (data, property, &value, NULL);
  g_object_set (data, property, !value, NULL);
}

static void
toggle_notify (GObject *object, GParamSpec *pspec, gpointer data)
{
  gboolean value;

  g_object_get (object, pspec->name, &value, NULL);
  g_simple_action_set_state (G_SIMPLE_ACTION (data), g_variant_new_boolean (value));
}

static void
add_shortcut (GtkShortcutController *controller, const char *accel, const char *action)
{
  gtk_shortcut_controller_add_shortcut (controller,
    gtk_shortcut_new (gtk_shortcut_trigger_parse_string (accel),
                      gtk_callback_action_new (shortcut_cb, (gpointer) action, NULL)));
}

static void
corral_vnc_view_init (CorralVncView *self)
{
  GtkEventController *shortcuts, *focus;

  self->scale_to_fit = TRUE;
  self->clipboard = corral_clipboard_sync_new (gtk_widget_get_clipboard (GTK_WIDGET (self)));
  self->actions = g_simple_action_group_new ();
  {
    const GActionEntry entries[] = {
      { .name = "screenshot", .activate = screenshot_action },
      { .name = "send-keys", .activate = send_keys_action, .parameter_type = "s" },
    };
    const char *properties[] = { "grab-keyboard", "fullscreen", "scale-to-fit" };

    g_action_map_add_action_entries (G_ACTION_MAP (self->actions), entries,
                                     G_N_ELEMENTS (entries), self);
    /* Like GPropertyAction, which would keep the view alive. */
    for (guint i = 0; i < G_N_ELEMENTS (properties); i++)
      {
        g_autoptr(GSimpleAction) action =
          g_simple_action_new_stateful (properties[i], NULL, g_variant_new_boolean (FALSE));
        g_autofree char *signal = g_strconcat ("notify::", properties[i], NULL);

        g_signal_connect (action, "activate", G_CALLBACK (toggle_activate), self);
        g_signal_connect (self, signal, G_CALLBACK (toggle_notify), action);
        g_action_map_add_action (G_ACTION_MAP (self->actions), G_ACTION (action));
        toggle_notify (G_OBJECT (self), g_object_class_find_property (G_OBJECT_GET_CLASS (self), properties[i]),
                       action);
      }
  }

  gtk_widget_init_template (GTK_WIDGET (self));

  focus = gtk_event_controller_focus_new ();
  g_signal_connect (focus, "enter", G_CALLBACK (on_display_focus_enter), self);
  g_signal_connect (focus, "leave", G_CALLBACK (on_display_focus_leave), self);
  gtk_widget_add_controller (GTK_WIDGET (self->display), focus);
  g_signal_connect (self->display, "user-input", G_CALLBACK (on_display_user_input), self);

  /* Capture phase: these win over the guest, except while grabbed. */
  shortcuts = gtk_shortcut_controller_new ();
  gtk_event_controller_set_propagation_phase (shortcuts, GTK_PHASE_CAPTURE);
  add_shortcut (GTK_SHORTCUT_CONTROLLER (shortcuts), "F11", "fullscreen");
  add_shortcut (GTK_SHORTCUT_CONTROLLER (shortcuts), "<Control><Alt>s", "screenshot");
  add_shortcut (GTK_SHORTCUT_CONTROLLER (shortcuts), "<Control><Alt>f", "fullscreen");
  gtk_widget_add_controller (GTK_WIDGET (self->toasts), shortcuts);
  g_object_set_data (G_OBJECT (self->toasts), "corral-vnc-view", self);
  gtk_widget_insert_action_group (GTK_WIDGET (self->toasts), "display",
                                  G_ACTION_GROUP (self->actions));

  update (self);
}

GtkWidget *
corral_vnc_view_new (void)
{
  return g_object_new (CORRAL_TYPE_VNC_VIEW, NULL);
}

void
corral_vnc_view_set_vm (CorralVncView *self, CorralVm *vm)
{
  g_return_if_fail (CORRAL_IS_VNC_VIEW (self));
  g_return_if_fail (vm == NULL || CORRAL_IS_VM (vm));

  if (self->vm == vm)
    return;
  if (self->vm)
    {
      g_clear_signal_handler (&self->state_handler, self->vm);
      g_clear_signal_handler (&self->display_handler, self->vm);
      stop_connecting (self);
      corral_vnc_display_close (self->display);
      g_clear_object (&self->vm);
    }
  self->ever_connected = FALSE;
  corral_clipboard_sync_set_fd (self->clipboard, -1);
  self->clipboard_on = FALSE;
  if (vm)
    {
      self->vm = g_object_ref (vm);
      self->state_handler = g_signal_connect_swapped (vm, "notify::state",
                                                      G_CALLBACK (on_vm_changed), self);
      self->display_handler = g_signal_connect_swapped (vm, "display-changed",
                                                        G_CALLBACK (on_vm_changed), self);
    }
  if (self->placeholder)
    update (self);
  g_object_notify_by_pspec (G_OBJECT (self), props[PROP_VM]);
}

CorralVm *
corral_vnc_view_get_vm (CorralVncView *self)
{
  g_return_val_if_fail (CORRAL_IS_VNC_VIEW (self), NULL);
  return self->vm;
}

gboolean
corral_vnc_view_get_connected (CorralVncView *self)
{
  g_return_val_if_fail (CORRAL_IS_VNC_VIEW (self), FALSE);
  return corral_vnc_display_is_connected (self->display);
}

CorralVncDisplay *
corral_vnc_view_get_display (CorralVncView *self)
{
  g_return_val_if_fail (CORRAL_IS_VNC_VIEW (self), NULL);
  return self->display;
}

GMenuModel *
corral_vnc_view_get_menu (CorralVncView *self)
{
  g_return_val_if_fail (CORRAL_IS_VNC_VIEW (self), NULL);
  return self->menu;
}

const char *
corral_vnc_view_get_page (CorralVncView *self)
{
  g_return_val_if_fail (CORRAL_IS_VNC_VIEW (self), NULL);
  return gtk_stack_get_visible_child_name (self->stack);
}

const char *
corral_vnc_view_get_placeholder_title (CorralVncView *self)
{
  g_return_val_if_fail (CORRAL_IS_VNC_VIEW (self), NULL);
  return adw_status_page_get_title (self->placeholder);
}

GActionGroup *
corral_vnc_view_get_actions (CorralVncView *self)
{
  g_return_val_if_fail (CORRAL_IS_VNC_VIEW (self), NULL);
  return G_ACTION_GROUP (self->actions);
}
