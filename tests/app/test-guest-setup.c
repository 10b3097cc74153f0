/* test-guest-setup.c: no guest installed → the window offers the download
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * The tiny test guest is published with `build-aux/build-guest --bundle`
 * to a folder that ../guest-http-server.py serves on 127.0.0.1 (the test's
 * server; Corral itself never listens), and $CORRAL_GUEST_CATALOGUE points
 * the app at it. A user with no guest sees the offer on the start page;
 * cancel and a damaged download say so and install nothing; a project
 * whose Start found no guest downloads it and boots it.
 */
#include "config.h"

#include <adwaita.h>
#include <glib/gstdio.h>

#include "corral-application.h"
#include "corral-guest-setup.h"
#include "corral-guest-store.h"
#include "corral-profile.h"
#include "corral-vm.h"
#include "corral-window.h"
#include "corral-window-private.h"
#include "gui-test-util.h"

static CorralApplication *app;
static char *bundle_dir;
static char *catalogue_text;
static GSubprocess *server;

static void
start_server (void)
{
  g_autofree char *script = g_test_build_filename (G_TEST_DIST, "util", "guest-http-server.py", NULL);
  g_autofree char *build_guest = g_test_build_filename (G_TEST_DIST, "..", "build-aux", "build-guest", NULL);
  g_autofree char *guest_dir = g_path_get_dirname (g_getenv ("CORRAL_TEST_GUEST"));
  g_autofree char *cat_path = NULL;
  g_autofree char *line = NULL;
  g_autofree char *url = NULL;
  g_autoptr(GDataInputStream) out = NULL;
  g_autoptr(GSubprocessLauncher) launcher = g_subprocess_launcher_new (G_SUBPROCESS_FLAGS_NONE);
  g_autoptr(GSubprocess) bundle = NULL;
  g_autoptr(GError) error = NULL;

  bundle_dir = g_dir_make_tmp ("corral-gui-bundle-XXXXXX", NULL);
  server = g_subprocess_new (G_SUBPROCESS_FLAGS_STDIN_PIPE | G_SUBPROCESS_FLAGS_STDOUT_PIPE, &error,
                             "python3", script, bundle_dir, NULL);
  g_assert_no_error (error);
  out = g_data_input_stream_new (g_subprocess_get_stdout_pipe (server));
  line = g_data_input_stream_read_line (out, NULL, NULL, &error);
  g_assert_no_error (error);
  g_assert_true (g_str_has_prefix (line, "PORT "));

  url = g_strdup_printf ("http://127.0.0.1:%s/ok/", line + strlen ("PORT "));
  g_subprocess_launcher_setenv (launcher, "CORRAL_GUEST_DIR", guest_dir, TRUE);
  bundle = g_subprocess_launcher_spawn (launcher, &error, build_guest,
                                        "--bundle", bundle_dir, "--url", url, "--name", "debian", NULL);
  g_assert_no_error (error);
  g_assert_true (g_subprocess_wait_check (bundle, NULL, &error));
  cat_path = g_build_filename (bundle_dir, "catalogue.ini", NULL);
  g_assert_true (g_file_get_contents (cat_path, &catalogue_text, NULL, &error));
}

/* Points the app at the bundle served in @mode ("ok", "slow", …). */
static void
use_catalogue (const char *mode)
{
  g_autofree char *mode_path = g_strdup_printf ("/%s/", mode);
  g_auto(GStrv) parts = g_strsplit (catalogue_text, "/ok/", -1);
  g_autofree char *text = g_strjoinv (mode_path, parts);
  g_autofree char *name = g_strdup_printf ("catalogue-%s.ini", mode);
  g_autofree char *path = g_build_filename (bundle_dir, name, NULL);

  g_assert_true (g_file_set_contents (path, text, -1, NULL));
  g_setenv ("CORRAL_GUEST_CATALOGUE", path, TRUE);
}

static int
compare_names (gconstpointer a,
               gconstpointer b)
{
  return g_strcmp0 (*(const char * const *) a, *(const char * const *) b);
}

static char *
store_listing (void)
{
  g_autoptr(CorralGuestStore) store = corral_guest_store_new_default ();
  g_autoptr(GDir) dir = g_dir_open (corral_guest_store_get_user_dir (store), 0, NULL);
  g_autoptr(GPtrArray) names = g_ptr_array_new_with_free_func (g_free);
  const char *name;

  while (dir != NULL && (name = g_dir_read_name (dir)) != NULL)
    g_ptr_array_add (names, g_strdup (name));
  g_ptr_array_sort (names, compare_names);
  g_ptr_array_add (names, NULL);
  return g_strjoinv (" ", (char **) names->pdata);
}

static void
close_all_windows (void)
{
  GList *windows = g_list_copy (gtk_application_get_windows (GTK_APPLICATION (app)));

  for (GList *l = windows; l != NULL; l = l->next)
    gtk_window_destroy (l->data);
  g_list_free (windows);
  corral_test_iterate (200);
}

static CorralWindow *
new_start_window (void)
{
  CorralWindow *window = corral_window_new (GTK_APPLICATION (app), corral_application_get_context (app));

  gtk_window_present (GTK_WINDOW (window));
  corral_test_wait_mapped (GTK_WIDGET (window));
  return window;
}

static void
test_start_page_offers (void)
{
  CorralWindow *window;

  use_catalogue ("ok");
  window = new_start_window ();
  /* Said plainly, with what it costs, and one button to fix it. */
  g_assert_true (gtk_revealer_get_reveal_child (window->guest_revealer));
  g_assert_true (corral_test_wait_for_text (GTK_WIDGET (window), "No Guest System Installed", 5));
  g_assert_true (corral_test_wait_for_text (GTK_WIDGET (window), "Download Corral tiny test guest now", 5));
  g_assert_true (corral_test_wait_for_text (GTK_WIDGET (window), "to download", 5));
  g_assert_nonnull (corral_test_wait_for_button (GTK_WIDGET (window), "_Download", 5));
  corral_test_iterate (500);
  corral_test_screenshot ("guest-offer");
  close_all_windows ();
}

static void
test_cancel (void)
{
  CorralWindow *window;
  GtkWidget *button;
  g_autofree char *listing = NULL;

  use_catalogue ("slow");
  window = new_start_window ();
  gtk_widget_activate (corral_test_wait_for_button (GTK_WIDGET (window), "_Download", 5));
  /* Progress in bytes while it comes in. */
  g_assert_true (corral_test_wait_for_text (GTK_WIDGET (window), "Downloading Corral tiny test guest", 5));
  button = corral_test_wait_for_button (GTK_WIDGET (window), "_Cancel", 5);
  g_assert_nonnull (button);
  {
    gint64 deadline = g_get_monotonic_time () + 30 * G_USEC_PER_SEC;
    GtkProgressBar *bar = NULL;
    GtkWidget *setup = window->guest_setup;

    for (GtkWidget *w = gtk_widget_get_first_child (setup); w != NULL; w = gtk_widget_get_next_sibling (w))
      if (GTK_IS_PROGRESS_BAR (w))
        bar = GTK_PROGRESS_BAR (w);
    g_assert_nonnull (bar);
    while (gtk_progress_bar_get_fraction (bar) <= 0.0 && g_get_monotonic_time () < deadline)
      corral_test_iterate (100);
    g_assert_cmpfloat (gtk_progress_bar_get_fraction (bar), >, 0.0);
    g_assert_nonnull (strstr (gtk_progress_bar_get_text (bar), " of "));
  }
  corral_test_screenshot ("guest-downloading");
  gtk_widget_activate (button);
  g_assert_true (corral_test_wait_for_text (GTK_WIDGET (window), "The download was cancelled. Nothing was installed.", 30));
  g_assert_nonnull (corral_test_wait_for_button (GTK_WIDGET (window), "_Try Again", 5));
  listing = store_listing ();
  g_assert_cmpstr (listing, ==, "");
  close_all_windows ();
}

/* Closing the window mid-download stops it, and nothing stays behind. */
static void
test_window_closed_mid_download (void)
{
  CorralWindow *window;
  g_autofree char *listing = NULL;
  gint64 deadline;

  use_catalogue ("slow");
  window = new_start_window ();
  gtk_widget_activate (corral_test_wait_for_button (GTK_WIDGET (window), "_Download", 5));
  g_assert_true (corral_test_wait_for_text (GTK_WIDGET (window), "Downloading", 5));
  corral_test_iterate (500);
  listing = store_listing ();
  g_assert_true (g_str_has_prefix (listing, ".download-debian-"));
  gtk_window_destroy (GTK_WINDOW (window));

  deadline = g_get_monotonic_time () + 30 * G_USEC_PER_SEC;
  while (g_get_monotonic_time () < deadline)
    {
      g_free (listing);
      listing = store_listing ();
      if (listing[0] == '\0')
        break;
      corral_test_iterate (100);
    }
  g_assert_cmpstr (listing, ==, "");
  close_all_windows ();
}

static void
test_checksum_mismatch (void)
{
  CorralWindow *window;
  g_autofree char *listing = NULL;

  use_catalogue ("corrupt");
  window = new_start_window ();
  gtk_widget_activate (corral_test_wait_for_button (GTK_WIDGET (window), "_Download", 5));
  g_assert_true (corral_test_wait_for_text (GTK_WIDGET (window), "does not match its checksum", 60));
  g_assert_true (corral_test_wait_for_text (GTK_WIDGET (window), "Nothing was installed.", 5));
  g_assert_nonnull (corral_test_wait_for_button (GTK_WIDGET (window), "_Try Again", 5));
  corral_test_iterate (300);
  corral_test_screenshot ("guest-download-failed");
  listing = store_listing ();
  g_assert_cmpstr (listing, ==, "");
  close_all_windows ();
}

static void
test_project_downloads_then_starts (void)
{
  g_autoptr(GSettings) settings = g_settings_new (APPLICATION_ID);
  g_autofree char *dir = g_build_filename (g_get_home_dir (), "needs-a-guest", NULL);
  g_autoptr(CorralProfile) profile = NULL;
  g_autoptr(GFile) file = NULL;
  g_autofree char *listing = NULL;
  CorralWindow *window;
  gint64 deadline;

  g_assert_cmpint (g_mkdir_with_parents (dir, 0700), ==, 0);
  profile = corral_profile_load (dir, NULL, NULL);
  corral_profile_set_entrypoint_mode (profile, CORRAL_ENTRYPOINT_SHELL);
  corral_profile_set_memory_mib (profile, 256);
  corral_profile_set_cores (profile, 1);
  corral_profile_set_network (profile, FALSE);
  g_assert_true (corral_profile_save (profile, NULL));

  use_catalogue ("ok");
  g_settings_set_boolean (settings, "start-on-open", TRUE);
  file = g_file_new_for_path (dir);
  corral_application_open_folder (app, file, FALSE, NULL);
  window = CORRAL_WINDOW (corral_application_find_project (app, dir));
  g_assert_nonnull (window);
  corral_test_wait_mapped (GTK_WIDGET (window));

  /* Start found no guest: the offer, not a dead end. */
  g_assert_true (gtk_revealer_get_reveal_child (window->guest_revealer));
  g_assert_false (gtk_info_bar_get_revealed (window->error_bar));
  gtk_widget_activate (corral_test_wait_for_button (GTK_WIDGET (window), "_Download", 5));

  /* Installed, found without --guest or Preferences, and booted. */
  deadline = g_get_monotonic_time () + 180 * G_USEC_PER_SEC;
  while ((window->vm == NULL || corral_vm_get_state (window->vm) != CORRAL_VM_STATE_RUNNING) &&
         g_get_monotonic_time () < deadline)
    corral_test_iterate (100);
  g_assert_nonnull (window->vm);
  g_assert_cmpint (corral_vm_get_state (window->vm), ==, CORRAL_VM_STATE_RUNNING);
  g_assert_false (gtk_revealer_get_reveal_child (window->guest_revealer));
  listing = store_listing ();
  g_assert_cmpstr (listing, ==, "debian");
  corral_test_iterate (1000);
  corral_test_screenshot ("guest-downloaded-running");

  gtk_widget_activate_action (GTK_WIDGET (window), "win.force-off", NULL);
  deadline = g_get_monotonic_time () + 60 * G_USEC_PER_SEC;
  while (corral_vm_get_state (window->vm) != CORRAL_VM_STATE_STOPPED && g_get_monotonic_time () < deadline)
    corral_test_iterate (100);
  g_assert_cmpint (corral_vm_get_state (window->vm), ==, CORRAL_VM_STATE_STOPPED);

  /* A new window has nothing to offer now. */
  {
    CorralWindow *other = new_start_window ();
    g_assert_false (gtk_revealer_get_reveal_child (other->guest_revealer));
  }
  g_settings_set_boolean (settings, "start-on-open", FALSE);
  close_all_windows ();
}

int
main (int argc, char **argv)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(GSettings) settings = NULL;
  int status;

  /* The desktop's proxy settings are GSettings the isolated dirs hide; a
   * loopback server needs no proxy. */
  g_setenv ("GIO_USE_PROXY_RESOLVER", "dummy", TRUE);
  g_content_type_set_mime_dirs (NULL);
  g_test_init (&argc, &argv, G_TEST_OPTION_ISOLATE_DIRS, NULL);
  g_setenv ("LANGUAGE", "C", TRUE);
  g_unsetenv ("CORRAL_GUEST_PATH");
  g_unsetenv ("ANTHROPIC_API_KEY");
  g_assert_nonnull (g_getenv ("CORRAL_TEST_GUEST"));

  app = corral_application_new ();
  g_assert_true (g_application_register (G_APPLICATION (app), NULL, &error));
  g_assert_no_error (error);
  g_application_hold (G_APPLICATION (app));
  corral_test_init ();
  settings = g_settings_new (APPLICATION_ID);
  g_settings_set_boolean (settings, "start-on-open", FALSE);

  start_server ();

  g_test_add_func ("/guest-setup/start-page-offers", test_start_page_offers);
  g_test_add_func ("/guest-setup/cancel", test_cancel);
  g_test_add_func ("/guest-setup/window-closed-mid-download", test_window_closed_mid_download);
  g_test_add_func ("/guest-setup/checksum-mismatch", test_checksum_mismatch);
  g_test_add_func ("/guest-setup/project-downloads-then-starts", test_project_downloads_then_starts);
  status = g_test_run ();

  g_output_stream_close (g_subprocess_get_stdin_pipe (server), NULL, NULL);
  g_subprocess_wait (server, NULL, NULL);
  g_clear_object (&server);
  g_free (catalogue_text);
  /* The bundle (a kernel and an initrd): one per run otherwise. */
  corral_test_remove_tree (bundle_dir);
  g_free (bundle_dir);
  return status;
}
