/* test-guest-build.c: no guest installed → the window builds it
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * The application is pointed at tests/util/fake-build-guest
 * ($CORRAL_GUEST_BUILDER), which speaks the real builder's protocol and
 * installs the tiny test guest in seconds. What a user sees: the offer
 * with its cost, the build's steps and how far each is, the log a click
 * away, Cancel leaving nothing, a failure and a missing tool said in
 * words with Try Again, the build going on after its window closed and
 * another window showing it, the project that waited booting; and in a
 * Flatpak, why there is no build.
 */
#include "config.h"

#include <adwaita.h>
#include <glib/gstdio.h>

#include "corral-application.h"
#include "corral-build-log-window.h"
#include "corral-guest-setup.h"
#include "corral-guest-store.h"
#include "corral-profile.h"
#include "corral-vm.h"
#include "corral-window.h"
#include "corral-window-private.h"
#include "gui-test-util.h"

static CorralApplication *app;

static char *
store_listing (void)
{
  g_autoptr(CorralGuestStore) store = corral_guest_store_new_default ();
  g_autoptr(GDir) dir = g_dir_open (corral_guest_store_get_user_dir (store), 0, NULL);
  g_autoptr(GPtrArray) names = g_ptr_array_new_with_free_func (g_free);
  const char *name;

  while (dir != NULL && (name = g_dir_read_name (dir)) != NULL)
    g_ptr_array_add (names, g_strdup (name));
  g_ptr_array_sort (names, (GCompareFunc) g_strcmp0);
  g_ptr_array_add (names, NULL);
  return g_strjoinv (" ", (char **) names->pdata);
}

static void
remove_store (void)
{
  g_autoptr(CorralGuestStore) store = corral_guest_store_new_default ();
  g_autofree char *cmd = g_strdup_printf ("rm -rf '%s'", corral_guest_store_get_user_dir (store));

  g_assert_true (g_spawn_command_line_sync (cmd, NULL, NULL, NULL, NULL));
}

static GtkProgressBar *
progress_bar (CorralWindow *window)
{
  for (GtkWidget *w = gtk_widget_get_first_child (window->guest_setup); w != NULL; w = gtk_widget_get_next_sibling (w))
    if (GTK_IS_PROGRESS_BAR (w))
      return GTK_PROGRESS_BAR (w);
  g_assert_not_reached ();
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

/* A button's activation clicks it after a short press. */
static GtkWidget *
wait_for_toplevel (GType type)
{
  gint64 deadline = g_get_monotonic_time () + 5 * G_USEC_PER_SEC;
  GtkWidget *found;

  while ((found = corral_test_find_toplevel (type)) == NULL && g_get_monotonic_time () < deadline)
    corral_test_iterate (50);
  return found;
}

static CorralGuestBuild *
the_build (void)
{
  return corral_context_get_guest_build (corral_application_get_context (app));
}

static void
wait_build_done (guint seconds)
{
  gint64 deadline = g_get_monotonic_time () + seconds * G_USEC_PER_SEC;

  while (corral_guest_build_get_running (the_build ()) && g_get_monotonic_time () < deadline)
    corral_test_iterate (100);
  g_assert_false (corral_guest_build_get_running (the_build ()));
}

static void
test_offer (void)
{
  CorralWindow *window;

  window = new_start_window ();
  g_assert_true (gtk_revealer_get_reveal_child (window->guest_revealer));
  g_assert_true (corral_test_wait_for_text (GTK_WIDGET (window), "No Guest System Installed", 5));
  /* What it costs, before it starts: time, download and from where, disk. */
  g_assert_true (corral_test_wait_for_text (GTK_WIDGET (window), "Corral can build one on this computer", 5));
  g_assert_true (corral_test_wait_for_text (GTK_WIDGET (window), "minutes", 1));
  g_assert_true (corral_test_wait_for_text (GTK_WIDGET (window), "deb.debian.org", 1));
  g_assert_true (corral_test_wait_for_text (GTK_WIDGET (window), "npm registry", 1));
  g_assert_true (corral_test_wait_for_text (GTK_WIDGET (window), "of free disk space", 1));
  g_assert_nonnull (corral_test_wait_for_button (GTK_WIDGET (window), "_Build the Debian Guest", 5));
  /* No catalogue entry: nothing to download. */
  g_assert_null (corral_test_find_button (GTK_WIDGET (window), "_Download"));
  corral_test_screenshot ("guest-build-offer");
  close_all_windows ();
}

/* Progress by step, the log one click away, then Cancel: nothing left. */
static void
test_progress_log_cancel (void)
{
  CorralWindow *window;
  GtkProgressBar *bar;
  GtkWidget *log_window;
  g_autofree char *listing = NULL;
  gint64 deadline;

  g_setenv ("CORRAL_FAKE_BUILD", "slow", TRUE);
  window = new_start_window ();
  gtk_widget_activate (corral_test_wait_for_button (GTK_WIDGET (window), "_Build the Debian Guest", 5));
  g_assert_true (corral_test_wait_for_text (GTK_WIDGET (window), "Building the Debian Guest…", 5));
  g_assert_true (corral_test_wait_for_text (GTK_WIDGET (window), "Step 1 of 5: Installing the base system", 10));
  g_assert_true (corral_test_wait_for_text (GTK_WIDGET (window), "You can close this window", 1));
  bar = progress_bar (window);
  deadline = g_get_monotonic_time () + 20 * G_USEC_PER_SEC;
  while (gtk_progress_bar_get_fraction (bar) < 0.39 && g_get_monotonic_time () < deadline)
    corral_test_iterate (100);
  g_assert_cmpfloat (gtk_progress_bar_get_fraction (bar), >=, 0.39);
  g_assert_true (g_str_has_suffix (gtk_progress_bar_get_text (bar), " %"));
  corral_test_screenshot ("guest-build-progress");

  gtk_widget_activate (corral_test_wait_for_button (GTK_WIDGET (window), "Show _Log", 5));
  log_window = wait_for_toplevel (CORRAL_TYPE_BUILD_LOG_WINDOW);
  g_assert_nonnull (log_window);
  corral_test_wait_mapped (log_window);
  g_assert_true (gtk_window_get_transient_for (GTK_WINDOW (log_window)) == GTK_WINDOW (window));
  /* The log's own lines, as the builder wrote them. */
  {
    gint64 until = g_get_monotonic_time () + 10 * G_USEC_PER_SEC;
    gboolean found = FALSE;

    while (!found && g_get_monotonic_time () < until)
      {
        GtkTextView *view = GTK_TEXT_VIEW (corral_test_find_descendant (log_window, GTK_TYPE_TEXT_VIEW));
        g_autofree char *text = NULL;
        GtkTextIter start, end;

        gtk_text_buffer_get_bounds (gtk_text_view_get_buffer (view), &start, &end);
        text = gtk_text_buffer_get_text (gtk_text_view_get_buffer (view), &start, &end, FALSE);
        found = strstr (text, "Get:1 base") != NULL;
        corral_test_iterate (200);
      }
    g_assert_true (found);
  }
  corral_test_screenshot ("guest-build-log");
  gtk_window_destroy (GTK_WINDOW (log_window));

  listing = store_listing ();
  g_assert_true (g_str_has_prefix (listing, ".debian.build."));
  gtk_widget_activate (corral_test_wait_for_button (GTK_WIDGET (window), "_Cancel", 5));
  g_assert_true (corral_test_wait_for_text (GTK_WIDGET (window), "The build was cancelled. Nothing was installed.", 30));
  g_assert_nonnull (corral_test_wait_for_button (GTK_WIDGET (window), "_Try Again", 5));
  g_free (listing);
  listing = store_listing ();
  g_assert_cmpstr (listing, ==, "");
  corral_test_screenshot ("guest-build-cancelled");
  close_all_windows ();
}

static void
test_failure (void)
{
  CorralWindow *window;
  GtkWidget *log_window;

  g_setenv ("CORRAL_FAKE_BUILD", "fail", TRUE);
  window = new_start_window ();
  /* The last build's end is what a new window shows, too. */
  g_assert_nonnull (corral_test_wait_for_button (GTK_WIDGET (window), "_Try Again", 5));
  gtk_widget_activate (corral_test_wait_for_button (GTK_WIDGET (window), "_Try Again", 5));
  g_assert_true (corral_test_wait_for_text (GTK_WIDGET (window), "The guest could not be built.", 30));
  g_assert_true (corral_test_wait_for_text (GTK_WIDGET (window), "Downloading Debian packages", 1));
  g_assert_true (corral_test_wait_for_text (GTK_WIDGET (window), "404  Not Found", 1));
  g_assert_true (corral_test_wait_for_text (GTK_WIDGET (window), "Nothing was installed.", 1));
  g_assert_nonnull (corral_test_wait_for_button (GTK_WIDGET (window), "_Try Again", 5));
  corral_test_screenshot ("guest-build-failed");

  /* The failed build's log stays one click away. */
  gtk_widget_activate (corral_test_wait_for_button (GTK_WIDGET (window), "Show _Log", 5));
  log_window = wait_for_toplevel (CORRAL_TYPE_BUILD_LOG_WINDOW);
  g_assert_nonnull (log_window);
  corral_test_wait_mapped (log_window);
  g_assert_true (g_str_has_suffix (corral_guest_build_get_progress (the_build ())->log_path, ".debian.failed.log"));
  gtk_window_destroy (GTK_WINDOW (log_window));
  close_all_windows ();
  remove_store ();
}

static void
test_missing_tool (void)
{
  CorralWindow *window;
  g_autofree char *listing = NULL;

  g_setenv ("CORRAL_FAKE_BUILD", "missing", TRUE);
  window = new_start_window ();
  gtk_widget_activate (corral_test_wait_for_button (GTK_WIDGET (window), "_Try Again", 5));
  /* Checked before anything starts, with what fixes it. */
  g_assert_true (corral_test_wait_for_text (GTK_WIDGET (window), "sudo apt install mmdebstrap uidmap", 10));
  g_assert_true (corral_test_wait_for_text (GTK_WIDGET (window), "sudo usermod --add-subuids", 1));
  g_assert_nonnull (corral_test_wait_for_button (GTK_WIDGET (window), "_Try Again", 5));
  corral_test_screenshot ("guest-build-missing-tools");
  listing = store_listing ();
  g_assert_cmpstr (listing, ==, "");
  close_all_windows ();
}

/* The build is the application's: its window closes, it goes on; a new
 * window shows it; the project that waited for it boots. */
static void
test_survives_window_then_project_starts (void)
{
  g_autoptr(GSettings) settings = g_settings_new (APPLICATION_ID);
  g_autofree char *dir = g_build_filename (g_get_home_dir (), "waits-for-a-guest", NULL);
  g_autoptr(CorralProfile) profile = NULL;
  g_autoptr(GFile) file = NULL;
  g_autofree char *listing = NULL;
  CorralWindow *window;
  gint64 deadline;

  g_setenv ("CORRAL_FAKE_BUILD", "slow", TRUE);
  window = new_start_window ();
  gtk_widget_activate (corral_test_wait_for_button (GTK_WIDGET (window), "_Try Again", 5));
  g_assert_true (corral_test_wait_for_text (GTK_WIDGET (window), "Step 1 of 5", 10));
  close_all_windows ();
  g_assert_null (gtk_application_get_windows (GTK_APPLICATION (app)));
  corral_test_iterate (1500);
  g_assert_true (corral_guest_build_get_running (the_build ()));

  /* Quicker from here on: the next phases of this build stay slow, so
   * the project opens while it runs. */
  g_assert_cmpint (g_mkdir_with_parents (dir, 0700), ==, 0);
  profile = corral_profile_load (dir, NULL, NULL);
  corral_profile_set_entrypoint_mode (profile, CORRAL_ENTRYPOINT_SHELL);
  corral_profile_set_memory_mib (profile, 256);
  corral_profile_set_cores (profile, 1);
  corral_profile_set_network (profile, FALSE);
  g_assert_true (corral_profile_save (profile, NULL));
  g_settings_set_boolean (settings, "start-on-open", TRUE);
  file = g_file_new_for_path (dir);
  corral_application_open_folder (app, file, FALSE, NULL);
  window = CORRAL_WINDOW (corral_application_find_project (app, dir));
  g_assert_nonnull (window);
  corral_test_wait_mapped (GTK_WIDGET (window));
  g_assert_true (gtk_revealer_get_reveal_child (window->guest_revealer));
  g_assert_true (corral_test_wait_for_text (GTK_WIDGET (window), "Building the Debian Guest…", 5));
  g_assert_true (corral_test_wait_for_text (GTK_WIDGET (window), "of 5:", 5));
  corral_test_screenshot ("guest-build-other-window");

  wait_build_done (120);
  g_assert_cmpint (corral_guest_build_get_state (the_build ()), ==, CORRAL_GUEST_BUILD_STATE_SUCCEEDED);
  deadline = g_get_monotonic_time () + 180 * G_USEC_PER_SEC;
  while ((window->vm == NULL || corral_vm_get_state (window->vm) != CORRAL_VM_STATE_RUNNING) &&
         g_get_monotonic_time () < deadline)
    corral_test_iterate (100);
  g_assert_nonnull (window->vm);
  g_assert_cmpint (corral_vm_get_state (window->vm), ==, CORRAL_VM_STATE_RUNNING);
  g_assert_false (gtk_revealer_get_reveal_child (window->guest_revealer));
  listing = store_listing ();
  g_assert_cmpstr (listing, ==, "debian");

  gtk_widget_activate_action (GTK_WIDGET (window), "win.force-off", NULL);
  deadline = g_get_monotonic_time () + 60 * G_USEC_PER_SEC;
  while (corral_vm_get_state (window->vm) != CORRAL_VM_STATE_STOPPED && g_get_monotonic_time () < deadline)
    corral_test_iterate (100);
  g_assert_cmpint (corral_vm_get_state (window->vm), ==, CORRAL_VM_STATE_STOPPED);
  g_settings_set_boolean (settings, "start-on-open", FALSE);
  close_all_windows ();
  remove_store ();
}

/* In a Flatpak: no build, and the page says why. */
static void
test_sandboxed (void)
{
  g_autoptr(CorralGuestBuild) sandboxed = corral_guest_build_new ("/app/libexec/corral/build-guest",
                                                                  "/app/share/corral/guests/debian",
                                                                  "/nonexistent/debian", TRUE);
  CorralWindow *window;

  corral_context_set_guest_build (corral_application_get_context (app), sandboxed);
  window = new_start_window ();
  g_assert_true (corral_test_wait_for_text (GTK_WIDGET (window), "Inside its Flatpak sandbox Corral cannot build one", 5));
  g_assert_true (corral_test_wait_for_text (GTK_WIDGET (window), "choose a guest manifest in Preferences", 1));
  g_assert_null (corral_test_find_button (GTK_WIDGET (window), "_Build the Debian Guest"));
  g_assert_nonnull (corral_test_wait_for_button (GTK_WIDGET (window), "_Preferences", 5));
  corral_test_screenshot ("guest-build-flatpak");
  close_all_windows ();
}

int
main (int argc, char **argv)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(GSettings) settings = NULL;
  g_autofree char *fake = NULL;
  g_autofree char *guest = NULL;
  g_autofree char *empty = NULL;
  int status;

  g_content_type_set_mime_dirs (NULL);
  g_test_init (&argc, &argv, G_TEST_OPTION_ISOLATE_DIRS, NULL);
  g_setenv ("LANGUAGE", "C", TRUE);
  g_unsetenv ("CORRAL_GUEST_PATH");
  g_unsetenv ("ANTHROPIC_API_KEY");
  g_assert_nonnull (g_getenv ("CORRAL_TEST_GUEST"));

  /* The app builds with the fake builder, which installs the tiny guest;
   * an empty catalogue offers nothing to download. */
  fake = g_test_build_filename (G_TEST_DIST, "util", "fake-build-guest", NULL);
  guest = g_path_get_dirname (g_getenv ("CORRAL_TEST_GUEST"));
  g_setenv ("CORRAL_GUEST_BUILDER", fake, TRUE);
  {
    g_autofree char *recipe = g_test_build_filename (G_TEST_DIST, "..", "data", "guests", "debian", NULL);
    g_setenv ("CORRAL_GUEST_RECIPE", recipe, TRUE);
  }
  g_setenv ("CORRAL_FAKE_GUEST", guest, TRUE);
  g_close (g_file_open_tmp ("corral-empty-catalogue-XXXXXX.ini", &empty, &error), NULL);
  g_assert_no_error (error);
  g_assert_true (g_file_set_contents (empty, "# nothing to download\n", -1, NULL));
  g_setenv ("CORRAL_GUEST_CATALOGUE", empty, TRUE);

  app = corral_application_new ();
  g_assert_true (g_application_register (G_APPLICATION (app), NULL, &error));
  g_assert_no_error (error);
  g_application_hold (G_APPLICATION (app));
  corral_test_init ();
  settings = g_settings_new (APPLICATION_ID);
  g_settings_set_boolean (settings, "start-on-open", FALSE);

  g_test_add_func ("/guest-build/offer", test_offer);
  g_test_add_func ("/guest-build/progress-log-cancel", test_progress_log_cancel);
  g_test_add_func ("/guest-build/failure", test_failure);
  g_test_add_func ("/guest-build/missing-tool", test_missing_tool);
  g_test_add_func ("/guest-build/survives-window-then-project-starts", test_survives_window_then_project_starts);
  g_test_add_func ("/guest-build/sandboxed", test_sandboxed);
  status = g_test_run ();
  g_unlink (empty);
  return status;
}
