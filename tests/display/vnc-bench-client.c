/* vnc-bench-client.c: CorralVncDisplay alone in a window, connected to a
 * VNC server on a Unix socket; build-aux/bench measures its CPU use.
 *
 *   vnc-bench-client SOCKET WIDTH HEIGHT
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "config.h"

#include <stdlib.h>
#include <unistd.h>

#include <gio/gunixsocketaddress.h>
#include <gtk/gtk.h>

#include "corral-renderer.h"
#include "corral-vnc-display.h"

static char **args;

static void
on_disconnected (CorralVncDisplay *display, GtkApplication *app)
{
  g_application_quit (G_APPLICATION (app));
}

/* Says which renderer GTK picked: the bench labels its figures with it. */
static void
on_realize (GtkWidget *window)
{
  GskRenderer *renderer = gtk_native_get_renderer (GTK_NATIVE (window));

  g_printerr ("renderer: %s\n", G_OBJECT_TYPE_NAME (renderer));
}

static void
activate (GtkApplication *app)
{
  GtkWidget *window = gtk_application_window_new (app);
  GtkWidget *display = corral_vnc_display_new ();
  g_autoptr(GSocketClient) client = g_socket_client_new ();
  g_autoptr(GSocketAddress) address = g_unix_socket_address_new (args[1]);
  g_autoptr(GSocketConnection) conn = NULL;
  g_autoptr(GError) error = NULL;
  GSocket *socket;

  conn = g_socket_client_connect (client, G_SOCKET_CONNECTABLE (address), NULL, &error);
  if (conn == NULL)
    g_error ("%s: %s", args[1], error->message);
  socket = g_socket_connection_get_socket (conn);

  /* The image exactly fills the window: 1:1, as gvncviewer shows it. */
  corral_vnc_display_set_resize_guest (CORRAL_VNC_DISPLAY (display), FALSE);
  gtk_window_set_default_size (GTK_WINDOW (window), atoi (args[2]), atoi (args[3]));
  gtk_window_set_decorated (GTK_WINDOW (window), FALSE);
  gtk_window_set_child (GTK_WINDOW (window), display);
  g_signal_connect_after (window, "realize", G_CALLBACK (on_realize), NULL);
  g_signal_connect (display, "disconnected", G_CALLBACK (on_disconnected), app);
  corral_vnc_display_open_fd (CORRAL_VNC_DISPLAY (display), dup (g_socket_get_fd (socket)));
  gtk_window_present (GTK_WINDOW (window));
}

int
main (int argc, char **argv)
{
  g_autoptr(GtkApplication) app = NULL;

  if (argc != 4)
    {
      g_printerr ("usage: %s SOCKET WIDTH HEIGHT\n", argv[0]);
      return 2;
    }
  args = argv;
  gtk_init ();
  g_free (corral_renderer_choose (gdk_display_get_default ()));
  app = gtk_application_new (NULL, G_APPLICATION_NON_UNIQUE);
  g_signal_connect (app, "activate", G_CALLBACK (activate), NULL);
  return g_application_run (G_APPLICATION (app), 1, argv);
}
