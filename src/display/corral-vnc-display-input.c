/* corral-vnc-display-input.c: the guest's keyboard and pointer
 *
 * Keys go by QEMU key number (the host's hardware keycode mapped through
 * corral-keymap.c), buttons and wheel as RFB's pointer bits; what the
 * guest believes is held is remembered, and released when focus goes.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "config.h"

#include "corral-keymap.h"
#include "corral-vnc-display-private.h"

static guint8
state_buttons (CorralVncDisplay *self)
{
  return self->buttons;
}

static void
send_pointer (CorralVncDisplay *self, double wx, double wy)
{
  int gx, gy;

  if (!self->initialized)
    return;
  if (!corral_vnc_display_widget_to_guest (self, wx, wy, &gx, &gy)
      && self->buttons == 0)
    return;  /* outside the image, nothing held: the guest needn't know */
  self->last_gx = gx;
  self->last_gy = gy;
  vnc_connection_pointer_event (self->conn, state_buttons (self), gx, gy);
}

static void
send_wheel (CorralVncDisplay *self, guint8 bit, int clicks)
{
  for (int i = 0; i < clicks; i++)
    {
      vnc_connection_pointer_event (self->conn, self->buttons | bit,
                                    self->last_gx, self->last_gy);
      vnc_connection_pointer_event (self->conn, self->buttons,
                                    self->last_gx, self->last_gy);
    }
}

static void
send_key (CorralVncDisplay *self, gboolean down, guint keyval, guint16 qnum)
{
  if (!self->initialized || qnum == 0)
    return;
  if (down)
    g_hash_table_insert (self->held_keys, GUINT_TO_POINTER (qnum), GUINT_TO_POINTER (keyval));
  else if (!g_hash_table_remove (self->held_keys, GUINT_TO_POINTER (qnum)))
    return;  /* pressed before we had focus: the guest never saw it */
  vnc_connection_key_event (self->conn, down, keyval, qnum);
}

void
corral_vnc_display_release_all (CorralVncDisplay *self)
{
  GHashTableIter iter;
  gpointer key, value;

  g_return_if_fail (CORRAL_IS_VNC_DISPLAY (self));

  if (self->initialized)
    {
      g_hash_table_iter_init (&iter, self->held_keys);
      while (g_hash_table_iter_next (&iter, &key, &value))
        vnc_connection_key_event (self->conn, FALSE, GPOINTER_TO_UINT (value),
                                  GPOINTER_TO_UINT (key));
      if (self->buttons)
        vnc_connection_pointer_event (self->conn, 0, self->last_gx, self->last_gy);
    }
  g_hash_table_remove_all (self->held_keys);
  self->buttons = 0;
  self->ctrl_alt_alone = FALSE;
}

void
corral_vnc_display_send_keys (CorralVncDisplay *self,
                              const guint16    *qnums,
                              guint             n_qnums)
{
  g_return_if_fail (CORRAL_IS_VNC_DISPLAY (self));

  if (!self->initialized)
    return;
  /* The keysym is only a fallback for servers without extended key
   * events; QEMU uses the key number. */
  for (guint i = 0; i < n_qnums; i++)
    vnc_connection_key_event (self->conn, TRUE, 0, qnums[i]);
  for (guint i = n_qnums; i > 0; i--)
    vnc_connection_key_event (self->conn, FALSE, 0, qnums[i - 1]);
}

/* Caps Lock and Num Lock as on the host: the guest's state comes from
 * QEMU's LED messages (polled: gvnc's vnc-led-state signal is declared
 * wrong). One correction per LED state, so a guest that ignores it is
 * not toggled on every key. */
static void
sync_lock_keys (CorralVncDisplay *self, GdkEvent *event, guint keyval)
{
  GdkDevice *device = gdk_event_get_device (event);
  int leds;
  gboolean sent = FALSE;

  if (device == NULL || keyval == GDK_KEY_Caps_Lock || keyval == GDK_KEY_Num_Lock)
    return;
  leds = vnc_connection_get_ledstate (self->conn);
  if (leds == self->led_acted_on)
    return;
  if (!!(leds & VNC_LEDSTATE_CAPS_LOCK) != !!gdk_device_get_caps_lock_state (device))
    {
      vnc_connection_key_event (self->conn, TRUE, GDK_KEY_Caps_Lock, 0x3a);
      vnc_connection_key_event (self->conn, FALSE, GDK_KEY_Caps_Lock, 0x3a);
      sent = TRUE;
    }
  if (!!(leds & VNC_LEDSTATE_NUM_LOCK) != !!gdk_device_get_num_lock_state (device))
    {
      vnc_connection_key_event (self->conn, TRUE, GDK_KEY_Num_Lock, 0x45);
      vnc_connection_key_event (self->conn, FALSE, GDK_KEY_Num_Lock, 0x45);
      sent = TRUE;
    }
  if (sent)
    self->led_acted_on = leds;
}

static gboolean
is_ctrl_or_alt (guint keyval)
{
  return keyval == GDK_KEY_Control_L || keyval == GDK_KEY_Control_R
      || keyval == GDK_KEY_Alt_L || keyval == GDK_KEY_Alt_R
      || keyval == GDK_KEY_Meta_L || keyval == GDK_KEY_Meta_R;
}

static gboolean
on_key_event (GtkEventControllerLegacy *controller,
              GdkEvent                 *event,
              CorralVncDisplay         *self)
{
  GdkEventType type = gdk_event_get_event_type (event);
  gboolean down = type == GDK_KEY_PRESS;
  guint keyval, keycode;
  GdkModifierType mods;

  keyval = gdk_key_event_get_keyval (event);
  keycode = gdk_key_event_get_keycode (event);
  mods = gdk_event_get_modifier_state (event);

  /* Ctrl+Alt pressed and released with nothing else toggles the grab, as
   * in GNOME Boxes; the keys still reach the guest. */
  if (down && is_ctrl_or_alt (keyval))
    {
      GdkModifierType other = (keyval == GDK_KEY_Control_L || keyval == GDK_KEY_Control_R)
                              ? GDK_ALT_MASK : GDK_CONTROL_MASK;
      self->ctrl_alt_alone = (mods & other) != 0
                             && (mods & (GDK_SHIFT_MASK | GDK_SUPER_MASK)) == 0;
    }
  else if (down)
    self->ctrl_alt_alone = FALSE;

  if (down)
    sync_lock_keys (self, event, keyval);
  send_key (self, down, keyval, corral_keymap_qnum_from_hardware (keycode));
  if (down)
    g_signal_emit_by_name (self, "user-input");

  if (!down && self->ctrl_alt_alone && is_ctrl_or_alt (keyval))
    {
      self->ctrl_alt_alone = FALSE;
      g_signal_emit_by_name (self, "grab-toggle");
    }
  return GDK_EVENT_STOP;
}

static gboolean
on_event (GtkEventControllerLegacy *controller,
          GdkEvent                 *event,
          CorralVncDisplay         *self)
{
  GdkEventType type = gdk_event_get_event_type (event);
  double x, y;

  switch ((int) type)
    {
    case GDK_KEY_PRESS:
    case GDK_KEY_RELEASE:
      if (!self->initialized)
        return GDK_EVENT_PROPAGATE;
      return on_key_event (controller, event, self);

    case GDK_BUTTON_PRESS:
    case GDK_BUTTON_RELEASE:
      {
        guint button = gdk_button_event_get_button (event);
        guint8 bit;

        if (!self->initialized)
          return GDK_EVENT_PROPAGATE;
        if (type == GDK_BUTTON_PRESS)
          gtk_widget_grab_focus (GTK_WIDGET (self));
        /* GDK: 1 left, 2 middle, 3 right; RFB bits 0, 1, 2; 8/9 side
         * buttons have no RFB bit. */
        if (button < 1 || button > 3)
          return GDK_EVENT_STOP;
        bit = 1 << (button - 1);
        if (type == GDK_BUTTON_PRESS)
          self->buttons |= bit;
        else
          self->buttons &= ~bit;
        if (gdk_event_get_position (event, &x, &y))
          {
            graphene_point_t p;
            GtkNative *native = gtk_widget_get_native (GTK_WIDGET (self));
            double nx, ny;

            /* Legacy events come in surface coordinates. */
            gtk_native_get_surface_transform (native, &nx, &ny);
            if (gtk_widget_compute_point (GTK_WIDGET (native), GTK_WIDGET (self),
                                          &GRAPHENE_POINT_INIT (x - nx, y - ny), &p))
              {
                int gx, gy;

                corral_vnc_display_widget_to_guest (self, p.x, p.y, &gx, &gy);
                self->last_gx = gx;
                self->last_gy = gy;
              }
          }
        g_debug ("button %u %s at %d,%d", button,
                 type == GDK_BUTTON_PRESS ? "down" : "up", self->last_gx, self->last_gy);
        vnc_connection_pointer_event (self->conn, self->buttons,
                                      self->last_gx, self->last_gy);
        if (type == GDK_BUTTON_PRESS)
          g_signal_emit_by_name (self, "user-input");
        return GDK_EVENT_STOP;
      }

    case GDK_SCROLL:
      {
        GdkScrollDirection dir = gdk_scroll_event_get_direction (event);
        double dx = 0, dy = 0;
        int n;

        if (!self->initialized)
          return GDK_EVENT_PROPAGATE;
        /* RFB wheel: buttons 4-7 (bits 3-6), one press+release a notch */
        switch (dir)
          {
          case GDK_SCROLL_UP: send_wheel (self, 1 << 3, 1); break;
          case GDK_SCROLL_DOWN: send_wheel (self, 1 << 4, 1); break;
          case GDK_SCROLL_LEFT: send_wheel (self, 1 << 5, 1); break;
          case GDK_SCROLL_RIGHT: send_wheel (self, 1 << 6, 1); break;
          case GDK_SCROLL_SMOOTH:
            gdk_scroll_event_get_deltas (event, &dx, &dy);
            self->scroll_dx += dx;
            self->scroll_dy += dy;
            if ((n = (int) self->scroll_dy) != 0)
              {
                send_wheel (self, n < 0 ? 1 << 3 : 1 << 4, ABS (n));
                self->scroll_dy -= n;
              }
            if ((n = (int) self->scroll_dx) != 0)
              {
                send_wheel (self, n < 0 ? 1 << 5 : 1 << 6, ABS (n));
                self->scroll_dx -= n;
              }
            break;
          default:
            break;
          }
        return GDK_EVENT_STOP;
      }

    default:
      return GDK_EVENT_PROPAGATE;
    }
}

static void
on_motion (GtkEventControllerMotion *motion, double x, double y,
           CorralVncDisplay *self)
{
  send_pointer (self, x, y);
}

static void
on_focus_leave (GtkEventControllerFocus *focus, CorralVncDisplay *self)
{
  /* Alt+Tab away must not leave Alt held down in the guest. */
  corral_vnc_display_release_all (self);
}

gboolean
corral_vnc_display_handle_key (CorralVncDisplay *self, GdkEvent *event)
{
  GdkEventType type;

  g_return_val_if_fail (CORRAL_IS_VNC_DISPLAY (self), FALSE);

  type = gdk_event_get_event_type (event);
  if (!self->initialized || (type != GDK_KEY_PRESS && type != GDK_KEY_RELEASE))
    return FALSE;
  return on_key_event (NULL, event, self);
}

void
corral_vnc_display_init_input (CorralVncDisplay *self)
{
  GtkEventController *controller;

  /* Keys, buttons and wheel in one place, raw: the guest wants every key
   * including Tab and arrows, which would otherwise move focus. */
  controller = gtk_event_controller_legacy_new ();
  g_signal_connect (controller, "event", G_CALLBACK (on_event), self);
  gtk_widget_add_controller (GTK_WIDGET (self), controller);

  controller = gtk_event_controller_motion_new ();
  g_signal_connect (controller, "motion", G_CALLBACK (on_motion), self);
  gtk_widget_add_controller (GTK_WIDGET (self), controller);

  controller = gtk_event_controller_focus_new ();
  g_signal_connect (controller, "leave", G_CALLBACK (on_focus_leave), self);
  gtk_widget_add_controller (GTK_WIDGET (self), controller);
}
