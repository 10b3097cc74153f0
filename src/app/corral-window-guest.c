/* corral-window-guest.c: the window's "no guest installed" offer
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * A window shows CorralGuestSetup above its pages when no guest is found:
 * on the start page as soon as it opens, in a project window when Start
 * finds none. The setup shows the context's guest build, the same in
 * every window. Once a guest is installed the offer goes, and a project
 * window that was waiting for it starts its VM.
 */
#include "config.h"

#include <glib/gi18n.h>

#include "corral-guest-setup.h"
#include "corral-guest-store.h"
#include "corral-window-private.h"

void
corral_window_offer_guest (CorralWindow *self)
{
  g_return_if_fail (CORRAL_IS_WINDOW (self));
  gtk_revealer_set_reveal_child (self->guest_revealer, TRUE);
}

void
corral_window_check_guest (CorralWindow *self)
{
  g_autoptr(GError) error = NULL;
  g_autofree char *manifest = NULL;

  manifest = corral_context_dup_guest_manifest (self->context, &error);
  if (manifest == NULL && g_error_matches (error, CORRAL_GUEST_STORE_ERROR, CORRAL_GUEST_STORE_ERROR_NONE_INSTALLED))
    corral_window_offer_guest (self);
}

static void
installed_cb (CorralWindow *self,
              const char   *manifest)
{
  GtkApplication *app = gtk_window_get_application (GTK_WINDOW (self));

  /* A build ends in every window at once; only those that offered a
   * guest have something to say about it. */
  if (!gtk_revealer_get_reveal_child (self->guest_revealer))
    return;
  gtk_revealer_set_reveal_child (self->guest_revealer, FALSE);
  corral_window_add_toast (self, _("The guest system is installed."));

  /* Other windows showing the offer have their guest now, too. */
  for (GList *l = app != NULL ? gtk_application_get_windows (app) : NULL; l != NULL; l = l->next)
    if (CORRAL_IS_WINDOW (l->data) && l->data != (gpointer) self &&
        !corral_guest_setup_get_busy (CORRAL_GUEST_SETUP (CORRAL_WINDOW (l->data)->guest_setup)))
      gtk_revealer_set_reveal_child (CORRAL_WINDOW (l->data)->guest_revealer, FALSE);

  /* The project was waiting for a guest: start it now. */
  if (self->project_path != NULL)
    gtk_widget_activate_action (GTK_WIDGET (self), "win.start", NULL);
}

void
corral_window_class_init_guest (GtkWidgetClass *widget_class)
{
  g_type_ensure (CORRAL_TYPE_GUEST_SETUP);
  gtk_widget_class_bind_template_child (widget_class, CorralWindow, guest_revealer);
  gtk_widget_class_bind_template_child (widget_class, CorralWindow, guest_setup);
}

void
corral_window_constructed_guest (CorralWindow *self)
{
  corral_guest_setup_set_build (CORRAL_GUEST_SETUP (self->guest_setup),
                                corral_context_get_guest_build (self->context));
}

void
corral_window_init_guest (CorralWindow *self)
{
  g_signal_connect_object (self->guest_setup, "installed", G_CALLBACK (installed_cb),
                           self, G_CONNECT_SWAPPED);
}
