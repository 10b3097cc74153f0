/* corral-window-private.h: CorralWindow's instance, shared by its files
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#pragma once

#include "corral-profile.h"
#include "corral-window.h"

G_BEGIN_DECLS

struct _CorralWindow
{
  AdwApplicationWindow parent_instance;

  /* Template children */
  AdwToastOverlay *toast_overlay;
  AdwWindowTitle  *window_title;
  GtkWidget       *start_button;
  GtkWidget       *stop_button;
  GtkWidget       *spinner;
  GtkInfoBar      *error_bar;
  GtkLabel        *error_label;
  GtkWidget       *stderr_expander;
  GtkLabel        *stderr_label;
  GtkWidget       *force_off_button;
  GtkWidget       *preferences_button;
  GtkInfoBar      *kvm_bar;
  GtkRevealer     *guest_revealer;
  GtkWidget       *guest_setup;    /* CorralGuestSetup */
  GtkInfoBar      *control_lost_bar;
  GtkInfoBar      *project_missing_bar;   /* the folder went away under the VM */
  GtkLabel        *project_missing_label;
  GtkInfoBar      *security_bar;   /* what weakens this run's containment */
  GtkLabel        *security_label;
  GtkInfoBar      *signin_bar;
  GtkLabel        *signin_label;
  GtkStack        *stack;
  GtkWidget       *start_page;
  GtkWidget       *recent_box;
  GtkListBox      *recent_list;
  GtkPaned        *paned;
  AdwTabView      *tab_view;

  GSettings       *settings;
  CorralContext   *context;

  /* The project; NULL on the start page. */
  char            *project_path;
  CorralProfile   *profile;

  GtkWidget       *display_area;   /* holds the VNC view */
  GtkWidget       *vnc_view;       /* CorralVncView, in display_area */
  AdwTabPage      *display_page;   /* when the layout is tabs */
  AdwTabPage      *console_page;
  AdwTabPage      *enter_page;
  GtkWidget       *console;        /* CorralConsoleView on ttyS0 */
  GtkWidget       *enter_console;  /* CorralConsoleView on ttyS1, or NULL */
  gboolean         closing_display_page;
  gboolean         vm_running;

  /* corral-window-vm.c */
  struct _CorralVm *vm;
  GCancellable    *cancellable;
  guint            stop_timeout_id;
  gboolean         kvm_dismissed;
  gboolean         close_after_stop;
  CorralCliOptions *run_options;   /* for the next start only, or NULL */
  gpointer         held_start;     /* a start waiting on the sign-in notice */

  /* corral-window-session.c */
  GtkWidget       *agent_banner;   /* CorralAgentBanner, over the agent console */
  gboolean         sign_in_accepted; /* "Start and Sign In": no notice again here */

  GtkDropTarget   *drop_target;

  /* corral-window-network.c */
  GtkWidget       *network_button;
  GtkLabel        *network_label;
  GtkRevealer     *network_revealer;
  GtkWidget       *network_panel;  /* CorralNetworkPanel */
};

void corral_window_set_vm_running (CorralWindow *self,
                                   gboolean      running);
void corral_window_update_layout  (CorralWindow *self);

/* The project's settings dialog, opened (NULL without a project). */
GtkWindow *corral_window_open_settings   (CorralWindow   *self);

/* corral-window-network.c: the network mode in the header, the panel */
void       corral_window_class_init_network (GtkWidgetClass *widget_class);
void       corral_window_init_network    (CorralWindow   *self);
void       corral_window_network_set_vm  (CorralWindow   *self,
                                          struct _CorralVm *vm);
void       corral_window_update_network  (CorralWindow   *self);

/* corral-window-vm.c: the VM's controls, state and errors */
void       corral_window_class_init_vm   (GtkWidgetClass *widget_class);
void       corral_window_init_vm         (CorralWindow   *self);
void       corral_window_dispose_vm      (CorralWindow   *self);
GtkWidget *corral_window_create_console  (CorralWindow   *self,
                                          int             which);
struct _CorralVm *corral_window_get_vm      (CorralWindow *self);
/* CORRAL_CONSOLE_AGENT or CORRAL_CONSOLE_ENTER; NULL when not open. */
GtkWidget *corral_window_get_console     (CorralWindow   *self,
                                          int             which);
/* Starts the VM if the preferences say so (called once a project opens). */
void       corral_window_project_opened  (CorralWindow   *self);
/* Asks before closing a window whose VM runs; TRUE = close now. */
gboolean   corral_window_may_close       (CorralWindow   *self);

/* corral-window-vm.c: a start held by the sign-in notice goes on (with
 * @api_key when one was entered, else without) or is dropped. */
void       corral_window_resume_start    (CorralWindow   *self,
                                          const char     *api_key);
void       corral_window_drop_start      (CorralWindow   *self);

/* corral-window-session.c: the agent's session (banner, restart, shell,
 * the preference) and the sign-in notice before a start */
void       corral_window_class_init_session (GtkWidgetClass *widget_class);
void       corral_window_init_session    (CorralWindow   *self);
void       corral_window_session_set_vm  (CorralWindow   *self,
                                          struct _CorralVm *vm);
/* Shows the notice when the agent would start with neither a key nor its
 * sign-in files in the shared ~/.claude; TRUE = the start waits on it. */
gboolean   corral_window_offer_sign_in   (CorralWindow   *self);

/* corral-window-guest.c: the offer to build or download a guest when none is found */
void corral_window_class_init_guest (GtkWidgetClass *widget_class);
void corral_window_init_guest       (CorralWindow   *self);
/* Once the window has its context: shows the context's guest build. */
void corral_window_constructed_guest (CorralWindow  *self);
/* Shows the offer if no guest is installed. */
void corral_window_check_guest      (CorralWindow   *self);
void corral_window_offer_guest      (CorralWindow   *self);

/* corral-window-dnd.c */
void corral_window_init_dnd (CorralWindow *self);

G_END_DECLS
