/* corral-console-view.c: a VTE terminal on one of the guest's serial consoles
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * The Vm owns the PTY whose other side is the guest's serial port; this
 * view attaches a VteTerminal to a dup() of the master while the VM runs.
 * A serial line carries no SIGWINCH: the guest learns the terminal's size by
 * asking (cursor position report after moving to 999;999, or CSI 18 t),
 * which VTE answers itself, so nothing is injected into the agent's input.
 * Both consoles' sizes also go to the Vm, which tells a guest that takes
 * them over the session channel: then the guest stops asking.
 */
#include "config.h"

#include <glib/gi18n.h>
#include <adwaita.h>
#include <unistd.h>
#define PCRE2_CODE_UNIT_WIDTH 0
#include <pcre2.h>

#include "corral-console-view.h"
#include "corral-safe-text.h"
#include "corral-terminal.h"

/* Scheme, host, and the characters a URL may contain; trailing punctuation
 * is left out so "see https://x.org." does not take the dot. */
/* Web links only: the only ones opened from the guest's text (corral_safe_link). */
#define URL_REGEX "https?://[-[:alnum:]._~:/?#@!$&'()*+,;=%]*[-[:alnum:]_~/#@$&*+=%]"

struct _CorralConsoleView
{
  GtkWidget       parent_instance;

  GtkWidget      *box;
  GtkSearchBar   *search_bar;
  GtkSearchEntry *search_entry;
  GtkStack       *stack;
  VteTerminal    *terminal;
  GtkPopoverMenu *popover;
  GtkWidget      *banner;

  GSettings      *settings;
  CorralVm       *vm;
  CorralConsole   console;
  gboolean        attached;
  gboolean        ever_attached;
  char           *link;       /* under the pointer at the last right click */
  VtePty         *eof_pty;    /* not a reference: compared only */
  int             url_tag;
};

G_DEFINE_FINAL_TYPE (CorralConsoleView, corral_console_view, GTK_TYPE_WIDGET)

enum {
  PROP_0,
  PROP_VM,
  PROP_CONSOLE,
  PROP_ATTACHED,
  N_PROPS
};

static GParamSpec *properties[N_PROPS];

static void
set_attached (CorralConsoleView *self,
              gboolean           attached)
{
  if (self->attached == attached)
    return;
  self->attached = attached;
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_ATTACHED]);
}

/* VTE 0.70 crashes when a PTY whose other side is still open is unset
 * (vte_terminal_set_pty (NULL)); replacing it or unsetting it after its
 * end-of-file is fine. So a stopped VM's PTY is let go at its EOF (QEMU
 * closed the guest side), or replaced by the next start's. */
static gboolean
release_pty_cb (gpointer data)
{
  g_autoptr(CorralConsoleView) self = data;

  if (self->eof_pty != NULL && vte_terminal_get_pty (self->terminal) == self->eof_pty)
    vte_terminal_set_pty (self->terminal, NULL);
  self->eof_pty = NULL;
  return G_SOURCE_REMOVE;
}

static void
eof_cb (CorralConsoleView *self)
{
  self->eof_pty = vte_terminal_get_pty (self->terminal);
  set_attached (self, FALSE);
  g_idle_add (release_pty_cb, g_object_ref (self));
}

static void
detach (CorralConsoleView *self)
{
  if (!self->attached)
    return;
  /* Keep the output for reading back; mark where this run ended. */
  vte_terminal_feed (self->terminal, "\r\n", -1);
  set_attached (self, FALSE);
}

static void
try_attach (CorralConsoleView *self)
{
  g_autoptr(VtePty) pty = NULL;
  g_autoptr(GError) error = NULL;
  int fd;

  if (self->attached || self->vm == NULL)
    return;
  self->eof_pty = NULL;

  fd = corral_vm_get_console_fd (self->vm, self->console);
  if (fd < 0)
    return;

  fd = dup (fd);
  if (fd < 0)
    {
      g_warning ("Could not duplicate the console descriptor: %s", g_strerror (errno));
      return;
    }

  pty = vte_pty_new_foreign_sync (fd, NULL, &error);
  if (pty == NULL)
    {
      g_warning ("Could not attach the console: %s", error->message);
      return;
    }

  if (self->ever_attached)
    vte_terminal_reset (self->terminal, FALSE, FALSE);
  vte_terminal_set_pty (self->terminal, pty);
  self->ever_attached = TRUE;
  gtk_stack_set_visible_child_name (self->stack, "terminal");
  set_attached (self, TRUE);
}

static void
grid_changed_cb (CorralConsoleView *self,
                 long               rows,
                 long               columns)
{
  if (self->vm == NULL)
    return;
  if (self->console == CORRAL_CONSOLE_AGENT)
    corral_vm_set_agent_console_size (self->vm, rows, columns);
  else
    corral_vm_set_second_console_size (self->vm, rows, columns);
}

static void
vm_state_changed_cb (CorralConsoleView *self)
{
  switch (corral_vm_get_state (self->vm))
    {
    case CORRAL_VM_STATE_STARTING:
    case CORRAL_VM_STATE_RUNNING:
    case CORRAL_VM_STATE_STOPPING:
      try_attach (self);
      break;

    case CORRAL_VM_STATE_STOPPED:
    case CORRAL_VM_STATE_FAILED:
    default:
      detach (self);
      break;
    }
}

void
corral_console_view_set_vm (CorralConsoleView *self,
                            CorralVm          *vm)
{
  g_return_if_fail (CORRAL_IS_CONSOLE_VIEW (self));
  g_return_if_fail (vm == NULL || CORRAL_IS_VM (vm));

  if (self->vm == vm)
    return;

  if (self->vm != NULL)
    {
      g_signal_handlers_disconnect_by_data (self->vm, self);
      detach (self);
    }
  g_set_object (&self->vm, vm);
  if (vm != NULL)
    {
      g_signal_connect_object (vm, "notify::state",
                               G_CALLBACK (vm_state_changed_cb), self,
                               G_CONNECT_SWAPPED);
      vm_state_changed_cb (self);
      grid_changed_cb (self, vte_terminal_get_row_count (self->terminal),
                       vte_terminal_get_column_count (self->terminal));
    }
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_VM]);
}

CorralVm *
corral_console_view_get_vm (CorralConsoleView *self)
{
  g_return_val_if_fail (CORRAL_IS_CONSOLE_VIEW (self), NULL);
  return self->vm;
}

gboolean
corral_console_view_get_attached (CorralConsoleView *self)
{
  g_return_val_if_fail (CORRAL_IS_CONSOLE_VIEW (self), FALSE);
  return self->attached;
}

VteTerminal *
corral_console_view_get_terminal (CorralConsoleView *self)
{
  g_return_val_if_fail (CORRAL_IS_CONSOLE_VIEW (self), NULL);
  return self->terminal;
}

void
corral_console_view_set_banner (CorralConsoleView *self,
                                GtkWidget         *banner)
{
  g_return_if_fail (CORRAL_IS_CONSOLE_VIEW (self));

  if (self->banner == banner)
    return;
  if (self->banner != NULL)
    gtk_box_remove (GTK_BOX (self->box), self->banner);
  self->banner = banner;
  if (banner != NULL)
    gtk_box_insert_child_after (GTK_BOX (self->box), banner, GTK_WIDGET (self->search_bar));
}

GtkWidget *
corral_console_view_new (CorralConsole console)
{
  return g_object_new (CORRAL_TYPE_CONSOLE_VIEW, "console", console, NULL);
}

/* Search */

static void
search (CorralConsoleView *self,
        gboolean           backwards)
{
  if (backwards)
    vte_terminal_search_find_previous (self->terminal);
  else
    vte_terminal_search_find_next (self->terminal);
}

static void
search_changed_cb (CorralConsoleView *self)
{
  const char *text = gtk_editable_get_text (GTK_EDITABLE (self->search_entry));
  g_autoptr(VteRegex) regex = NULL;
  g_autoptr(GError) error = NULL;
  g_autofree char *escaped = NULL;

  if (text == NULL || *text == '\0')
    {
      vte_terminal_search_set_regex (self->terminal, NULL, 0);
      return;
    }

  escaped = g_regex_escape_string (text, -1);
  regex = vte_regex_new_for_search (escaped, -1,
                                    PCRE2_UTF | PCRE2_NO_UTF_CHECK | PCRE2_MULTILINE | PCRE2_CASELESS,
                                    &error);
  if (regex == NULL)
    {
      g_debug ("Search pattern rejected: %s", error->message);
      return;
    }
  vte_terminal_search_set_regex (self->terminal, regex, 0);
  vte_terminal_search_set_wrap_around (self->terminal, TRUE);
  /* Newest output is at the bottom: look upwards first. */
  search (self, TRUE);
}

static void
search_activate_cb (CorralConsoleView *self)
{
  search (self, TRUE);
}

static void
search_stop_cb (CorralConsoleView *self)
{
  gtk_search_bar_set_search_mode (self->search_bar, FALSE);
  gtk_widget_grab_focus (GTK_WIDGET (self->terminal));
}

/* Actions */

static void
copy_action (GtkWidget *widget, const char *name, GVariant *param)
{
  CorralConsoleView *self = CORRAL_CONSOLE_VIEW (widget);

  if (vte_terminal_get_has_selection (self->terminal))
    vte_terminal_copy_clipboard_format (self->terminal, VTE_FORMAT_TEXT);
}

static void
paste_action (GtkWidget *widget, const char *name, GVariant *param)
{
  vte_terminal_paste_clipboard (CORRAL_CONSOLE_VIEW (widget)->terminal);
}

static void
select_all_action (GtkWidget *widget, const char *name, GVariant *param)
{
  vte_terminal_select_all (CORRAL_CONSOLE_VIEW (widget)->terminal);
}

static void
zoom_action (GtkWidget *widget, const char *name, GVariant *param)
{
  CorralConsoleView *self = CORRAL_CONSOLE_VIEW (widget);
  double scale = vte_terminal_get_font_scale (self->terminal);

  if (g_str_equal (name, "console.zoom-in"))
    scale = MIN (scale * 1.1, 4.0);
  else if (g_str_equal (name, "console.zoom-out"))
    scale = MAX (scale / 1.1, 0.5);
  else
    scale = 1.0;
  /* Bound to the font-scale setting: every console zooms together. */
  vte_terminal_set_font_scale (self->terminal, scale);
}

static void
find_action (GtkWidget *widget, const char *name, GVariant *param)
{
  CorralConsoleView *self = CORRAL_CONSOLE_VIEW (widget);

  gtk_search_bar_set_search_mode (self->search_bar, TRUE);
  gtk_widget_grab_focus (GTK_WIDGET (self->search_entry));
}

static void
find_step_action (GtkWidget *widget, const char *name, GVariant *param)
{
  search (CORRAL_CONSOLE_VIEW (widget), g_str_equal (name, "console.find-previous"));
}

static void
open_link_action (GtkWidget *widget, const char *name, GVariant *param)
{
  CorralConsoleView *self = CORRAL_CONSOLE_VIEW (widget);
  GtkRoot *root = gtk_widget_get_root (widget);

  /* The guest's words: a link elsewhere than the web can be copied, not
   * opened (corral-safe-text.h says why). */
  if (!corral_safe_link (self->link))
    gtk_widget_error_bell (widget);
  else
    gtk_show_uri (GTK_IS_WINDOW (root) ? GTK_WINDOW (root) : NULL, self->link, GDK_CURRENT_TIME);
}

static void
copy_link_action (GtkWidget *widget, const char *name, GVariant *param)
{
  CorralConsoleView *self = CORRAL_CONSOLE_VIEW (widget);

  if (self->link != NULL)
    gdk_clipboard_set_text (gtk_widget_get_clipboard (widget), self->link);
}

static void
selection_changed_cb (CorralConsoleView *self)
{
  gtk_widget_action_set_enabled (GTK_WIDGET (self), "console.copy",
                                 vte_terminal_get_has_selection (self->terminal));
}

/* The link (OSC 8 hyperlink or matched URL) at a point, or NULL. */
static char *
link_at (CorralConsoleView *self,
         double             x,
         double             y)
{
  char *uri = vte_terminal_check_hyperlink_at (self->terminal, x, y);
  int tag;

  if (uri == NULL)
    uri = vte_terminal_check_match_at (self->terminal, x, y, &tag);
  return uri;
}

static void
set_link (CorralConsoleView *self,
          char              *link)
{
  g_free (self->link);
  self->link = link;
  gtk_widget_action_set_enabled (GTK_WIDGET (self), "console.open-link", corral_safe_link (link));
  gtk_widget_action_set_enabled (GTK_WIDGET (self), "console.copy-link", link != NULL);
}

static void
click_pressed_cb (GtkGestureClick   *gesture,
                  int                n_press,
                  double             x,
                  double             y,
                  CorralConsoleView *self)
{
  guint button = gtk_gesture_single_get_current_button (GTK_GESTURE_SINGLE (gesture));
  GdkModifierType state = gtk_event_controller_get_current_event_state (GTK_EVENT_CONTROLLER (gesture));

  if (button == GDK_BUTTON_PRIMARY && (state & GDK_CONTROL_MASK))
    {
      set_link (self, link_at (self, x, y));
      if (self->link != NULL)
        {
          open_link_action (GTK_WIDGET (self), "console.open-link", NULL);
          gtk_gesture_set_state (GTK_GESTURE (gesture), GTK_EVENT_SEQUENCE_CLAIMED);
        }
    }
  else if (button == GDK_BUTTON_SECONDARY)
    {
      graphene_point_t p;

      set_link (self, link_at (self, x, y));
      if (!gtk_widget_compute_point (GTK_WIDGET (self->terminal), GTK_WIDGET (self),
                                     &GRAPHENE_POINT_INIT (x, y), &p))
        p = GRAPHENE_POINT_INIT (x, y);
      gtk_popover_set_pointing_to (GTK_POPOVER (self->popover),
                                   &(GdkRectangle) { p.x, p.y, 1, 1 });
      gtk_popover_popup (GTK_POPOVER (self->popover));
      gtk_gesture_set_state (GTK_GESTURE (gesture), GTK_EVENT_SEQUENCE_CLAIMED);
    }
}

static void
update_colors (CorralConsoleView *self)
{
  gboolean dark = adw_style_manager_get_dark (adw_style_manager_get_default ());
  GdkRGBA fg, bg;

  /* GNOME Console's plain scheme. */
  gdk_rgba_parse (&fg, dark ? "#ffffff" : "#000000");
  gdk_rgba_parse (&bg, dark ? "#1e1e1e" : "#ffffff");
  vte_terminal_set_colors (self->terminal, &fg, &bg, NULL, 0);
}

static void
corral_console_view_dispose (GObject *object)
{
  CorralConsoleView *self = CORRAL_CONSOLE_VIEW (object);

  corral_console_view_set_vm (self, NULL);
  self->banner = NULL;  /* a child of the box: goes with the template */
  gtk_widget_dispose_template (GTK_WIDGET (self), CORRAL_TYPE_CONSOLE_VIEW);
  g_clear_object (&self->settings);
  g_clear_pointer (&self->link, g_free);

  G_OBJECT_CLASS (corral_console_view_parent_class)->dispose (object);
}

static void
corral_console_view_get_property (GObject    *object,
                                  guint       prop_id,
                                  GValue     *value,
                                  GParamSpec *pspec)
{
  CorralConsoleView *self = CORRAL_CONSOLE_VIEW (object);

  switch (prop_id)
    {
    case PROP_VM:
      g_value_set_object (value, self->vm);
      break;
    case PROP_CONSOLE:
      g_value_set_int (value, self->console);
      break;
    case PROP_ATTACHED:
      g_value_set_boolean (value, self->attached);
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
corral_console_view_set_property (GObject      *object,
                                  guint         prop_id,
                                  const GValue *value,
                                  GParamSpec   *pspec)
{
  CorralConsoleView *self = CORRAL_CONSOLE_VIEW (object);

  switch (prop_id)
    {
    case PROP_VM:
      corral_console_view_set_vm (self, g_value_get_object (value));
      break;
    case PROP_CONSOLE:
      self->console = g_value_get_int (value);
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static gboolean
corral_console_view_grab_focus (GtkWidget *widget)
{
  CorralConsoleView *self = CORRAL_CONSOLE_VIEW (widget);

  if (gtk_stack_get_visible_child_name (self->stack) != NULL &&
      g_str_equal (gtk_stack_get_visible_child_name (self->stack), "terminal"))
    return gtk_widget_grab_focus (GTK_WIDGET (self->terminal));
  return FALSE;
}

static void
corral_console_view_class_init (CorralConsoleViewClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  GtkWidgetClass *widget_class = GTK_WIDGET_CLASS (klass);

  object_class->dispose = corral_console_view_dispose;
  object_class->get_property = corral_console_view_get_property;
  object_class->set_property = corral_console_view_set_property;
  widget_class->grab_focus = corral_console_view_grab_focus;

  properties[PROP_VM] =
    g_param_spec_object ("vm", NULL, NULL, G_TYPE_OBJECT,
                         G_PARAM_READWRITE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS);
  properties[PROP_CONSOLE] =
    g_param_spec_int ("console", NULL, NULL,
                      CORRAL_CONSOLE_AGENT, CORRAL_CONSOLE_ENTER, CORRAL_CONSOLE_AGENT,
                      G_PARAM_READWRITE | G_PARAM_CONSTRUCT_ONLY | G_PARAM_STATIC_STRINGS);
  properties[PROP_ATTACHED] =
    g_param_spec_boolean ("attached", NULL, NULL, FALSE,
                          G_PARAM_READABLE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS);
  g_object_class_install_properties (object_class, N_PROPS, properties);

  g_type_ensure (CORRAL_TYPE_TERMINAL);
  gtk_widget_class_set_template_from_resource (widget_class, CORRAL_RESOURCE_PATH "/ui/corral-console-view.ui");
  gtk_widget_class_bind_template_child (widget_class, CorralConsoleView, box);
  gtk_widget_class_bind_template_child (widget_class, CorralConsoleView, search_bar);
  gtk_widget_class_bind_template_child (widget_class, CorralConsoleView, search_entry);
  gtk_widget_class_bind_template_child (widget_class, CorralConsoleView, stack);
  gtk_widget_class_bind_template_child (widget_class, CorralConsoleView, terminal);
  gtk_widget_class_bind_template_child (widget_class, CorralConsoleView, popover);
  gtk_widget_class_bind_template_callback (widget_class, search_changed_cb);
  gtk_widget_class_bind_template_callback (widget_class, search_activate_cb);
  gtk_widget_class_bind_template_callback (widget_class, search_stop_cb);
  gtk_widget_class_bind_template_callback (widget_class, selection_changed_cb);

  gtk_widget_class_install_action (widget_class, "console.copy", NULL, copy_action);
  gtk_widget_class_install_action (widget_class, "console.paste", NULL, paste_action);
  gtk_widget_class_install_action (widget_class, "console.select-all", NULL, select_all_action);
  gtk_widget_class_install_action (widget_class, "console.zoom-in", NULL, zoom_action);
  gtk_widget_class_install_action (widget_class, "console.zoom-out", NULL, zoom_action);
  gtk_widget_class_install_action (widget_class, "console.zoom-reset", NULL, zoom_action);
  gtk_widget_class_install_action (widget_class, "console.find", NULL, find_action);
  gtk_widget_class_install_action (widget_class, "console.find-next", NULL, find_step_action);
  gtk_widget_class_install_action (widget_class, "console.find-previous", NULL, find_step_action);
  gtk_widget_class_install_action (widget_class, "console.open-link", NULL, open_link_action);
  gtk_widget_class_install_action (widget_class, "console.copy-link", NULL, copy_link_action);

  gtk_widget_class_set_layout_manager_type (widget_class, GTK_TYPE_BIN_LAYOUT);
  gtk_widget_class_set_css_name (widget_class, "corral-console");
}

/* The terminal sends every key it sees to the guest (Ctrl+Shift+C would
 * arrive as ^C), so our shortcuts run in the capture phase, before it.
 * Plain Ctrl+C is not bound: it stays the guest's interrupt. */
static void
add_shortcuts (CorralConsoleView *self)
{
  static const struct { const char *accel; const char *action; } table[] = {
    { "<Control><Shift>c", "console.copy" },
    { "<Control><Shift>v", "console.paste" },
    { "<Shift>Insert", "console.paste" },
    { "<Control><Shift>a", "console.select-all" },
    { "<Control><Shift>f", "console.find" },
    { "<Control><Shift>g", "console.find-previous" },
    { "<Control>plus", "console.zoom-in" },
    { "<Control>equal", "console.zoom-in" },
    { "<Control>KP_Add", "console.zoom-in" },
    { "<Control>minus", "console.zoom-out" },
    { "<Control>KP_Subtract", "console.zoom-out" },
    { "<Control>0", "console.zoom-reset" },
    { "<Control>KP_0", "console.zoom-reset" },
  };
  GtkEventController *controller = gtk_shortcut_controller_new ();

  gtk_event_controller_set_propagation_phase (controller, GTK_PHASE_CAPTURE);
  for (guint i = 0; i < G_N_ELEMENTS (table); i++)
    gtk_shortcut_controller_add_shortcut (GTK_SHORTCUT_CONTROLLER (controller),
                                          gtk_shortcut_new (gtk_shortcut_trigger_parse_string (table[i].accel),
                                                            gtk_named_action_new (table[i].action)));
  gtk_widget_add_controller (GTK_WIDGET (self), controller);
}

static void
corral_console_view_init (CorralConsoleView *self)
{
  g_autoptr(VteRegex) url = NULL;
  g_autoptr(GError) error = NULL;
  GtkGesture *click;

  gtk_widget_init_template (GTK_WIDGET (self));

  self->settings = g_settings_new (APPLICATION_ID);
  g_settings_bind (self->settings, "font-scale", self->terminal, "font-scale", G_SETTINGS_BIND_DEFAULT);
  g_settings_bind (self->settings, "scrollback-lines", self->terminal, "scrollback-lines", G_SETTINGS_BIND_GET);

  gtk_search_bar_connect_entry (self->search_bar, GTK_EDITABLE (self->search_entry));
  gtk_search_bar_set_key_capture_widget (self->search_bar, NULL);

  url = vte_regex_new_for_match (URL_REGEX, -1, PCRE2_UTF | PCRE2_NO_UTF_CHECK | PCRE2_MULTILINE | PCRE2_CASELESS, &error);
  if (url != NULL)
    {
      self->url_tag = vte_terminal_match_add_regex (self->terminal, url, 0);
      vte_terminal_match_set_cursor_name (self->terminal, self->url_tag, "pointer");
    }
  else
    g_warning ("URL pattern rejected: %s", error->message);

  click = gtk_gesture_click_new ();
  gtk_gesture_single_set_button (GTK_GESTURE_SINGLE (click), 0);
  gtk_event_controller_set_propagation_phase (GTK_EVENT_CONTROLLER (click), GTK_PHASE_CAPTURE);
  g_signal_connect (click, "pressed", G_CALLBACK (click_pressed_cb), self);
  gtk_widget_add_controller (GTK_WIDGET (self->terminal), GTK_EVENT_CONTROLLER (click));

  add_shortcuts (self);
  set_link (self, NULL);
  selection_changed_cb (self);

  g_signal_connect_object (self->terminal, "eof", G_CALLBACK (eof_cb), self, G_CONNECT_SWAPPED);
  g_signal_connect_object (self->terminal, "grid-changed", G_CALLBACK (grid_changed_cb), self, G_CONNECT_SWAPPED);
  g_signal_connect_object (adw_style_manager_get_default (), "notify::dark",
                           G_CALLBACK (update_colors), self, G_CONNECT_SWAPPED);
  update_colors (self);
}
