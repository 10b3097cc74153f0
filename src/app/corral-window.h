/* corral-window.h: one window per project; the start page when it has none
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#pragma once

#include <adwaita.h>

#include "corral-cli.h"
#include "corral-context.h"

G_BEGIN_DECLS

#define CORRAL_TYPE_WINDOW (corral_window_get_type ())
G_DECLARE_FINAL_TYPE (CorralWindow, corral_window, CORRAL, WINDOW, AdwApplicationWindow)

/* @context gives the host's facts and the guest to boot. A window never
 * opens another folder itself: it emits ::open-folder (GFile *folder,
 * gboolean enter) and the application decides which window shows it. */
CorralWindow *corral_window_new              (GtkApplication *application,
                                              CorralContext  *context);
CorralContext *corral_window_get_context     (CorralWindow   *self);
/* Emits ::open-folder. */
void          corral_window_request_folder   (CorralWindow   *self,
                                              GFile          *folder,
                                              gboolean        enter);

/* Canonical path of the open project, NULL while the start page shows. */
const char   *corral_window_get_project_path (CorralWindow   *self);
/* Turns the start page into the project's window. FALSE (and a message in
 * @error) when the project cannot be opened; the window stays usable. */
gboolean      corral_window_open_project     (CorralWindow   *self,
                                              const char     *project_path,
                                              GError        **error);
/* Command-line overrides for the VM's next start only (never saved). */
void          corral_window_set_run_options  (CorralWindow   *self,
                                              const CorralCliOptions *options);
/* @message is plain text; it stays @timeout seconds (0: until dismissed). */
void          corral_window_add_toast        (CorralWindow   *self,
                                              const char     *message);
void          corral_window_add_toast_full   (CorralWindow   *self,
                                              const char     *message,
                                              guint           timeout);
void          corral_window_refresh_recent   (CorralWindow   *self);
/* Ends the window without asking (the application is told to quit: a
 * signal, a logout): its VM is shut down (ACPI, then forced after the
 * power-down timeout) or, with @force, ended at once; the window goes
 * now, the application stays until the VM is off and its run folder
 * removed. A window without a running VM is destroyed at once. */
void          corral_window_shut_down_and_close (CorralWindow *self,
                                                 gboolean      force);
/* Shows the second console (ttyS1) tab, creating it if needed. */
void          corral_window_show_second_console (CorralWindow *self);

/* The box that holds the guest's display (the VNC view goes in here): next
 * to the console or in its own tab, as the user chose. */
GtkWidget    *corral_window_get_display_area (CorralWindow   *self);

/* Drag and drop (corral-window-dnd.c): folders open, other files are
 * refused with a message. Returns whether anything was opened or offered. */
gboolean      corral_window_drop_files       (CorralWindow   *self,
                                              GdkFileList    *files);

G_END_DECLS
