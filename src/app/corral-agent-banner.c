/* corral-agent-banner.c: over the agent console, what happened when the agent ended
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * GNOME Console shows "process exited" with a way to start it again;
 * this is that for the agent, whose VM keeps running. It learns
 * everything from the Vm's properties; its buttons are the window's
 * actions, so they are enabled exactly when the Vm can do them.
 */
#include "config.h"

#include <glib/gi18n.h>

#include "corral-agent-banner.h"
#include "corral-session-protocol.h"

struct _CorralAgentBanner
{
  GtkWidget   parent_instance;

  GtkInfoBar *bar;
  GtkLabel   *title_label;

  CorralVm   *vm;
  gboolean    dismissed;   /* closed by the user, until the next end */
  char       *text;
};

G_DEFINE_FINAL_TYPE (CorralAgentBanner, corral_agent_banner, GTK_TYPE_WIDGET)

static CorralSessionWho
who_ended (CorralVm *vm)
{
  if (!corral_vm_get_agent_was_entrypoint (vm))
    return CORRAL_SESSION_WHO_SHELL;
  switch (corral_profile_get_entrypoint_mode (corral_vm_get_profile (vm)))
    {
    case CORRAL_ENTRYPOINT_SHELL:
      return CORRAL_SESSION_WHO_SHELL;
    case CORRAL_ENTRYPOINT_CUSTOM:
      return CORRAL_SESSION_WHO_COMMAND;
    case CORRAL_ENTRYPOINT_AGENT:
    default:
      return CORRAL_SESSION_WHO_AGENT;
    }
}

static void
update (CorralAgentBanner *self)
{
  gboolean ended = self->vm != NULL &&
                   corral_vm_get_state (self->vm) == CORRAL_VM_STATE_RUNNING &&
                   corral_vm_get_agent_state (self->vm) == CORRAL_AGENT_STATE_ENDED &&
                   corral_vm_get_agent_exit_action (self->vm) == CORRAL_AGENT_EXIT_WAIT;

  if (ended)
    {
      int status = corral_vm_get_agent_exit_status (self->vm);
      int signal = corral_vm_get_agent_exit_signal (self->vm);

      g_free (self->text);
      self->text = corral_session_describe_end (who_ended (self->vm), status, signal);
      gtk_label_set_text (self->title_label, self->text);
      gtk_info_bar_set_message_type (self->bar, signal == 0 && status == 0
                                     ? GTK_MESSAGE_INFO : GTK_MESSAGE_WARNING);
    }
  else
    self->dismissed = FALSE;
  gtk_info_bar_set_revealed (self->bar, ended && !self->dismissed);
}

static void
response_cb (CorralAgentBanner *self,
             int                response)
{
  /* Closed: the console is all the user wants to see for now; the
   * window's menu still has the actions. */
  if (response == GTK_RESPONSE_CLOSE)
    {
      self->dismissed = TRUE;
      gtk_info_bar_set_revealed (self->bar, FALSE);
    }
}

void
corral_agent_banner_set_vm (CorralAgentBanner *self,
                            CorralVm          *vm)
{
  g_return_if_fail (CORRAL_IS_AGENT_BANNER (self));
  g_return_if_fail (vm == NULL || CORRAL_IS_VM (vm));

  if (self->vm == vm)
    return;
  if (self->vm != NULL)
    g_signal_handlers_disconnect_by_data (self->vm, self);
  g_set_object (&self->vm, vm);
  self->dismissed = FALSE;
  if (vm != NULL)
    {
      g_signal_connect_object (vm, "notify::state", G_CALLBACK (update), self, G_CONNECT_SWAPPED);
      g_signal_connect_object (vm, "notify::agent-state", G_CALLBACK (update), self, G_CONNECT_SWAPPED);
      g_signal_connect_object (vm, "notify::agent-exit-action", G_CALLBACK (update), self, G_CONNECT_SWAPPED);
    }
  update (self);
}

gboolean
corral_agent_banner_get_shown (CorralAgentBanner *self)
{
  g_return_val_if_fail (CORRAL_IS_AGENT_BANNER (self), FALSE);
  return gtk_info_bar_get_revealed (self->bar);
}

const char *
corral_agent_banner_get_text (CorralAgentBanner *self)
{
  g_return_val_if_fail (CORRAL_IS_AGENT_BANNER (self), NULL);
  return self->text;
}

GtkWidget *
corral_agent_banner_new (void)
{
  return g_object_new (CORRAL_TYPE_AGENT_BANNER, NULL);
}

static void
corral_agent_banner_dispose (GObject *object)
{
  CorralAgentBanner *self = CORRAL_AGENT_BANNER (object);

  corral_agent_banner_set_vm (self, NULL);
  gtk_widget_dispose_template (GTK_WIDGET (self), CORRAL_TYPE_AGENT_BANNER);
  g_clear_pointer (&self->text, g_free);

  G_OBJECT_CLASS (corral_agent_banner_parent_class)->dispose (object);
}

static void
corral_agent_banner_class_init (CorralAgentBannerClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  GtkWidgetClass *widget_class = GTK_WIDGET_CLASS (klass);

  object_class->dispose = corral_agent_banner_dispose;

  gtk_widget_class_set_template_from_resource (widget_class, CORRAL_RESOURCE_PATH "/ui/corral-agent-banner.ui");
  gtk_widget_class_bind_template_child (widget_class, CorralAgentBanner, bar);
  gtk_widget_class_bind_template_child (widget_class, CorralAgentBanner, title_label);
  gtk_widget_class_bind_template_callback (widget_class, response_cb);
  gtk_widget_class_set_layout_manager_type (widget_class, GTK_TYPE_BIN_LAYOUT);
}

static void
corral_agent_banner_init (CorralAgentBanner *self)
{
  gtk_widget_init_template (GTK_WIDGET (self));
}
