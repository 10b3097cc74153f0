/* corral-vnc-display.h: draws one VNC connection and sends it input
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#pragma once

#include <gtk/gtk.h>

G_BEGIN_DECLS

typedef enum {
  CORRAL_SCALE_FIT,       /* whole guest visible, aspect ratio kept */
  CORRAL_SCALE_ORIGINAL,  /* one guest pixel per device pixel, scrolls */
} CorralScaleMode;

#define CORRAL_TYPE_VNC_DISPLAY (corral_vnc_display_get_type ())
G_DECLARE_FINAL_TYPE (CorralVncDisplay, corral_vnc_display, CORRAL, VNC_DISPLAY, GtkWidget)

/*
 * Properties:
 *   connected      bool, read-only: the VNC session is initialized
 *   scale-mode     CorralScaleMode
 *   resize-guest   bool: ask the guest to take the widget's size (debounced)
 *   guest-width, guest-height  int, read-only
 *
 * Signals:
 *   connected ()     the session is initialized and showing the guest
 *   disconnected ()  the connection closed or failed
 *   grab-toggle ()   the user pressed and released Ctrl+Alt alone
 */

GtkWidget  *corral_vnc_display_new            (void);

/* Takes ownership of @fd, a connected socket to a VNC server that lets
 * us in without authentication. Drops any previous connection. */
void        corral_vnc_display_open_fd        (CorralVncDisplay *self, int fd);
void        corral_vnc_display_close          (CorralVncDisplay *self);
gboolean    corral_vnc_display_is_connected   (CorralVncDisplay *self);

void        corral_vnc_display_set_scale_mode (CorralVncDisplay *self,
                                               CorralScaleMode   mode);
CorralScaleMode corral_vnc_display_get_scale_mode (CorralVncDisplay *self);
void        corral_vnc_display_set_resize_guest (CorralVncDisplay *self,
                                                 gboolean          resize);

int         corral_vnc_display_get_guest_width  (CorralVncDisplay *self);
int         corral_vnc_display_get_guest_height (CorralVncDisplay *self);

/* Presses the QEMU key numbers in order, then releases them in reverse. */
void        corral_vnc_display_send_keys      (CorralVncDisplay *self,
                                               const guint16    *qnums,
                                               guint             n_qnums);

/* Sends a key event to the guest as if the display had received it;
 * FALSE when it is not a key event or there is no session. */
gboolean    corral_vnc_display_handle_key     (CorralVncDisplay *self,
                                               GdkEvent         *event);

/* Releases every key and button the guest believes is held. */
void        corral_vnc_display_release_all    (CorralVncDisplay *self);

/* Where guest pixel (@gx, @gy) is in widget coordinates, and back. */
void        corral_vnc_display_guest_to_widget (CorralVncDisplay *self,
                                                double gx, double gy,
                                                double *wx, double *wy);
gboolean    corral_vnc_display_widget_to_guest (CorralVncDisplay *self,
                                                double wx, double wy,
                                                int *gx, int *gy);

/* A copy of the current guest image, or NULL when there is none. */
GdkTexture *corral_vnc_display_get_image      (CorralVncDisplay *self);

/* The connection's socket, owned by the connection; -1 when none. Tests
 * break it to check that the view reconnects. */
int         corral_vnc_display_get_socket_fd  (CorralVncDisplay *self);

/* Counters for tests and benchmarks. */
guint64     corral_vnc_display_get_frames_drawn  (CorralVncDisplay *self);
guint64     corral_vnc_display_get_tiles_built   (CorralVncDisplay *self);
/* Nodes made for a whole row of tiles (cairo only). */
guint64     corral_vnc_display_get_rows_built    (CorralVncDisplay *self);
/* Tiles the X server copied into the window itself (X11, cairo only). */
guint64     corral_vnc_display_get_tiles_put     (CorralVncDisplay *self);

G_END_DECLS
