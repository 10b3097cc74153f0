/* test-guest-build.c: CorralGuestBuild runs the builder and follows it
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * With tests/util/fake-build-guest, which speaks the real builder's
 * protocol and installs the tiny test guest in seconds: progress by
 * phase, success, a failure, missing tools, Cancel (nothing left in the
 * store), and no build where there is no builder or in a sandbox.
 */
#include "config.h"

#include <locale.h>
#include <signal.h>
#include <stdlib.h>
#include <glib/gstdio.h>

#include "corral-guest-build.h"
#include "corral-test-util.h"

typedef struct {
  char *root;
  char *store;
  char *output;
  char *args_file;
  CorralGuestBuild *build;
  GMainLoop *loop;
  guint phases_seen;
  guint fraction_changes;
  gboolean cancel_at_first_progress;
  gboolean connected;
} Fixture;

static void
setup (Fixture *f, gconstpointer data)
{
  g_autofree char *fake = g_test_build_filename (G_TEST_DIST, "util", "fake-build-guest", NULL);
  g_autofree char *recipe = g_test_build_filename (G_TEST_DIST, "..", "data", "guests", "debian", NULL);
  g_autofree char *guest = g_path_get_dirname (g_getenv ("CORRAL_TEST_GUEST"));

  f->root = g_dir_make_tmp ("corral-build-XXXXXX", NULL);
  f->store = g_build_filename (f->root, "guests", NULL);
  f->output = g_build_filename (f->store, "debian", NULL);
  f->args_file = g_build_filename (f->root, "args", NULL);
  g_setenv ("CORRAL_FAKE_GUEST", guest, TRUE);
  g_setenv ("CORRAL_FAKE_ARGS", f->args_file, TRUE);
  g_setenv ("CORRAL_FAKE_BUILD", data != NULL ? data : "ok", TRUE);
  f->build = corral_guest_build_new (fake, recipe, f->output, FALSE);
  f->loop = g_main_loop_new (NULL, FALSE);
}

static void
teardown (Fixture *f, gconstpointer data)
{
  g_autofree char *cmd = g_strdup_printf ("rm -rf '%s'", f->root);

  g_clear_object (&f->build);
  g_main_loop_unref (f->loop);
  g_assert_true (g_spawn_command_line_sync (cmd, NULL, NULL, NULL, NULL));
  g_free (f->root);
  g_free (f->store);
  g_free (f->output);
  g_free (f->args_file);
}

static void
phase_cb (CorralGuestBuild *build, GParamSpec *pspec, Fixture *f)
{
  const CorralGuestBuildProgress *p = corral_guest_build_get_progress (build);

  if (p->phase != CORRAL_GUEST_BUILD_PHASE_NONE)
    {
      /* In order, numbered, out of five. */
      g_assert_cmpuint (p->index, ==, f->phases_seen + 1);
      g_assert_cmpuint (p->count, ==, 5);
      f->phases_seen++;
    }
}

static void
fraction_cb (CorralGuestBuild *build, GParamSpec *pspec, Fixture *f)
{
  if (corral_guest_build_get_progress (build)->fraction > 0.0)
    {
      f->fraction_changes++;
      if (f->cancel_at_first_progress)
        corral_guest_build_cancel (build);
    }
}

static void
finished_cb (CorralGuestBuild *build, Fixture *f)
{
  g_main_loop_quit (f->loop);
}

static gboolean
timeout_cb (gpointer data)
{
  g_assert_not_reached ();
  return G_SOURCE_REMOVE;
}

static void
run (Fixture *f)
{
  guint timeout = g_timeout_add_seconds (120, timeout_cb, NULL);

  if (!f->connected)
    {
      g_signal_connect (f->build, "notify::phase", G_CALLBACK (phase_cb), f);
      g_signal_connect (f->build, "notify::fraction", G_CALLBACK (fraction_cb), f);
      g_signal_connect (f->build, "finished", G_CALLBACK (finished_cb), f);
      f->connected = TRUE;
    }
  corral_guest_build_start (f->build);
  g_assert_true (corral_guest_build_get_running (f->build));
  g_main_loop_run (f->loop);
  g_source_remove (timeout);
  g_assert_false (corral_guest_build_get_running (f->build));
}

/* The store's entries, hidden ones too ("" when empty). */
static char *
listing (Fixture *f)
{
  g_autoptr(GDir) dir = g_dir_open (f->store, 0, NULL);
  g_autoptr(GPtrArray) names = g_ptr_array_new_with_free_func (g_free);
  const char *name;

  while (dir != NULL && (name = g_dir_read_name (dir)) != NULL)
    g_ptr_array_add (names, g_strdup (name));
  g_ptr_array_sort (names, (GCompareFunc) g_strcmp0);
  g_ptr_array_add (names, NULL);
  return g_strjoinv (" ", (char **) names->pdata);
}

static void
test_builds (Fixture *f, gconstpointer data)
{
  g_autofree char *manifest = g_build_filename (f->output, "guest.ini", NULL);
  g_autofree char *args = NULL;
  g_autofree char *names = NULL;
  g_autofree char *log = NULL;

  g_setenv ("ANTHROPIC_API_KEY", "sk-ant-test-secret", TRUE);
  g_assert_cmpint (corral_guest_build_get_availability (f->build), ==, CORRAL_GUEST_BUILD_AVAILABLE);
  run (f);
  g_unsetenv ("ANTHROPIC_API_KEY");

  g_assert_cmpint (corral_guest_build_get_state (f->build), ==, CORRAL_GUEST_BUILD_STATE_SUCCEEDED);
  g_assert_cmpuint (f->phases_seen, ==, 5);
  g_assert_cmpuint (f->fraction_changes, >=, 5);
  g_assert_cmpstr (corral_guest_build_get_manifest (f->build), ==, manifest);
  g_assert_true (g_file_test (manifest, G_FILE_TEST_IS_REGULAR));
  {
    g_autofree char *log = g_build_filename (f->output, "build.log", NULL);
    g_assert_cmpstr (corral_guest_build_get_progress (f->build)->log_path, ==, log);
  }
  names = listing (f);
  g_assert_cmpstr (names, ==, "debian");

  /* The recipe it was given, the progress on fd 3, and no secret. */
  g_assert_true (g_file_get_contents (f->args_file, &args, NULL, NULL));
  g_assert_true (g_str_has_prefix (args, "--recipe /"));
  g_assert_nonnull (strstr (args, "data/guests/debian --progress-fd 3\n"));
  g_assert_nonnull (strstr (args, "key=\n"));

  log = corral_guest_build_dup_log_text (f->build, 64 * 1024);
  g_assert_nonnull (strstr (log, "[5/5] image"));
}

static void
test_fails (Fixture *f, gconstpointer data)
{
  g_autofree char *names = NULL;
  g_autofree char *log = NULL;
  const char *message;

  run (f);
  g_assert_cmpint (corral_guest_build_get_state (f->build), ==, CORRAL_GUEST_BUILD_STATE_FAILED);
  message = corral_guest_build_get_message (f->build);
  g_test_message ("%s", message);
  /* Which step, and the log's own words. */
  g_assert_nonnull (strstr (message, "Downloading Debian packages"));
  g_assert_nonnull (strstr (message, "404  Not Found"));
  g_assert_null (corral_guest_build_get_manifest (f->build));
  /* The log stays readable where the builder kept it; no guest. */
  g_assert_true (g_str_has_suffix (corral_guest_build_get_progress (f->build)->log_path, "/.debian.failed.log"));
  log = corral_guest_build_dup_log_text (f->build, 1024);
  g_assert_nonnull (strstr (log, "E: Failed to fetch"));
  names = listing (f);
  g_assert_cmpstr (names, ==, ".debian.failed.log");

  /* And again, this time fine. */
  g_setenv ("CORRAL_FAKE_BUILD", "ok", TRUE);
  f->phases_seen = 0;
  run (f);
  g_assert_cmpint (corral_guest_build_get_state (f->build), ==, CORRAL_GUEST_BUILD_STATE_SUCCEEDED);
  g_free (names);
  names = listing (f);
  g_assert_cmpstr (names, ==, "debian");
}

static void
test_missing_tools (Fixture *f, gconstpointer data)
{
  const char *message;
  g_autofree char *names = NULL;

  run (f);
  g_assert_cmpint (corral_guest_build_get_state (f->build), ==, CORRAL_GUEST_BUILD_STATE_FAILED);
  g_assert_cmpuint (f->phases_seen, ==, 0);
  message = corral_guest_build_get_message (f->build);
  g_test_message ("%s", message);
  g_assert_nonnull (strstr (message, "sudo apt install mmdebstrap uidmap"));
  g_assert_nonnull (strstr (message, "sudo usermod --add-subuids 100000-165535"));
  names = listing (f);
  g_assert_cmpstr (names, ==, "");
}

/* A builder that exits leaving a process with its pipes open: the build
 * ends all the same, said as a failure. */
static void
test_orphan (Fixture *f, gconstpointer data)
{
  g_autofree char *pid_file = g_strconcat (f->args_file, ".orphan", NULL);
  g_autofree char *pid = NULL;
  gint64 started = g_get_monotonic_time ();

  run (f);
  g_assert_cmpint (corral_guest_build_get_state (f->build), ==, CORRAL_GUEST_BUILD_STATE_FAILED);
  g_assert_cmpint (g_get_monotonic_time () - started, <, 30 * G_USEC_PER_SEC);
  g_assert_nonnull (strstr (corral_guest_build_get_message (f->build), "Installing the base system"));
  g_assert_true (g_file_get_contents (pid_file, &pid, NULL, NULL));
  kill (atoi (pid), SIGTERM);
}

static void
test_cancel (Fixture *f, gconstpointer data)
{
  g_autofree char *names = NULL;
  gint64 started = g_get_monotonic_time ();

  f->cancel_at_first_progress = TRUE;
  run (f);
  g_assert_cmpint (corral_guest_build_get_state (f->build), ==, CORRAL_GUEST_BUILD_STATE_CANCELLED);
  g_assert_cmpstr (corral_guest_build_get_message (f->build), ==, "The build was cancelled. Nothing was installed.");
  /* Stopped at once, not after the minute the slow build takes. */
  g_assert_cmpint (g_get_monotonic_time () - started, <, 20 * G_USEC_PER_SEC);
  names = listing (f);
  g_assert_cmpstr (names, ==, "");
}

static void
test_unavailable (void)
{
  g_autoptr(CorralGuestBuild) sandboxed = corral_guest_build_new ("/bin/true", "/", "/nonexistent/debian", TRUE);
  g_autoptr(CorralGuestBuild) missing = corral_guest_build_new ("/nonexistent/build-guest", "/nonexistent/recipe",
                                                                "/nonexistent/debian", FALSE);

  g_assert_cmpint (corral_guest_build_get_availability (sandboxed), ==, CORRAL_GUEST_BUILD_UNAVAILABLE_SANDBOXED);
  g_assert_cmpint (corral_guest_build_get_availability (missing), ==, CORRAL_GUEST_BUILD_UNAVAILABLE_MISSING);

  /* Starting anyway fails in words, at once. */
  corral_guest_build_start (missing);
  g_assert_cmpint (corral_guest_build_get_state (missing), ==, CORRAL_GUEST_BUILD_STATE_FAILED);
  g_assert_nonnull (strstr (corral_guest_build_get_message (missing), "/nonexistent/build-guest"));
}

static void
test_default_paths (void)
{
  g_autoptr(CorralGuestBuild) build = NULL;

  g_unsetenv ("CORRAL_GUEST_BUILDER");
  build = corral_guest_build_new_default ();
  g_assert_cmpstr (corral_guest_build_get_builder (build), ==, LIBEXECDIR "/corral/build-guest");
  {
    g_autofree char *output = corral_guest_build_dup_output_dir (build);
    g_autofree char *expected = g_build_filename (g_get_user_data_dir (), "corral", "guests", "debian", NULL);
    g_assert_cmpstr (output, ==, expected);
  }
  g_clear_object (&build);

  g_setenv ("CORRAL_GUEST_BUILDER", "/somewhere/build-guest", TRUE);
  build = corral_guest_build_new_default ();
  g_assert_cmpstr (corral_guest_build_get_builder (build), ==, "/somewhere/build-guest");
  g_unsetenv ("CORRAL_GUEST_BUILDER");
}

/* corral --build-guest: the same build, as lines in a terminal. */
static void
run_cli (Fixture     *f,
         const char **env_extra,
         char       **err,
         int         *status)
{
  g_autoptr(GSubprocessLauncher) launcher = g_subprocess_launcher_new (G_SUBPROCESS_FLAGS_STDERR_PIPE |
                                                                       G_SUBPROCESS_FLAGS_STDOUT_SILENCE);
  g_autoptr(GSubprocess) p = NULL;
  g_autoptr(GError) error = NULL;
  g_autofree char *data_home = g_build_filename (f->root, "data", NULL);
  g_autofree char *recipe = g_test_build_filename (G_TEST_DIST, "..", "data", "guests", "debian", NULL);

  g_subprocess_launcher_setenv (launcher, "CORRAL_GUEST_RECIPE", recipe, TRUE);
  g_subprocess_launcher_unsetenv (launcher, "DISPLAY");
  g_subprocess_launcher_unsetenv (launcher, "WAYLAND_DISPLAY");
  g_subprocess_launcher_setenv (launcher, "XDG_DATA_HOME", data_home, TRUE);
  g_subprocess_launcher_setenv (launcher, "CORRAL_GUEST_BUILDER", corral_guest_build_get_builder (f->build), TRUE);
  for (guint i = 0; env_extra != NULL && env_extra[i] != NULL; i += 2)
    g_subprocess_launcher_setenv (launcher, env_extra[i], env_extra[i + 1], TRUE);
  p = g_subprocess_launcher_spawn (launcher, &error, g_getenv ("CORRAL_BIN"), "--build-guest", NULL);
  g_assert_no_error (error);
  g_assert_true (g_subprocess_communicate_utf8 (p, NULL, NULL, NULL, err, &error));
  g_assert_no_error (error);
  *status = g_subprocess_get_exit_status (p);
  g_test_message ("%s", *err);
}

static void
test_cli (Fixture *f, gconstpointer data)
{
  g_autofree char *err = NULL;
  g_autofree char *manifest = g_build_filename (f->root, "data", "corral", "guests", "debian", "guest.ini", NULL);
  g_autofree char *installed = g_strdup_printf ("corral: Installed: %s\n", manifest);
  int status;

  run_cli (f, NULL, &err, &status);
  g_assert_cmpint (status, ==, 0);
  /* The cost first, then each step and each tenth of it, then where. */
  g_assert_nonnull (strstr (err, "downloads about 700 MB"));
  g_assert_nonnull (strstr (err, "corral: [1/5] Installing the base system\n"));
  g_assert_nonnull (strstr (err, "corral: [2/5] Downloading Debian packages: 40 %\n"));
  g_assert_nonnull (strstr (err, "corral: [5/5] Making the disk image: 100 %\n"));
  g_assert_true (g_str_has_suffix (err, installed));
  g_assert_true (g_file_test (manifest, G_FILE_TEST_IS_REGULAR));
  g_free (err);

  {
    const char *missing[] = { "CORRAL_FAKE_BUILD", "missing", NULL };
    run_cli (f, missing, &err, &status);
  }
  g_assert_cmpint (status, ==, 1);
  g_assert_nonnull (strstr (err, "    sudo apt install mmdebstrap uidmap\n"));
  g_assert_nonnull (strstr (err, "Nothing was installed."));
}

/* Uninstalled (build-aux/run), the build tree's catalogues speak. */
static void
test_cli_german_from_build_tree (void)
{
  g_autofree char *po = g_test_build_filename (G_TEST_BUILT, "..", "po", NULL);
  g_autofree char *out = NULL;
  const char *argv[] = { g_getenv ("CORRAL_BIN"), "--help-all", NULL };
  g_auto(GStrv) env = g_get_environ ();
  int wait_status;

  env = g_environ_setenv (env, "CORRAL_LOCALEDIR", po, TRUE);
  env = g_environ_setenv (env, "LOCPATH", corral_test_german_locpath (), TRUE);
  env = g_environ_setenv (env, "LANG", "de_DE.UTF-8", TRUE);
  env = g_environ_unsetenv (env, "LC_ALL");
  env = g_environ_unsetenv (env, "LANGUAGE");
  env = g_environ_unsetenv (env, "DISPLAY");
  g_assert_true (g_spawn_sync (NULL, (char **) argv, env, G_SPAWN_DEFAULT, NULL, NULL,
                               &out, NULL, &wait_status, NULL));
  g_test_message ("%s", out);
  g_assert_nonnull (strstr (out, "Das Debian-Gastsystem auf diesem Computer bauen"));
}

int
main (int argc, char **argv)
{
  setlocale (LC_ALL, "C.UTF-8");
  g_test_init (&argc, &argv, G_TEST_OPTION_ISOLATE_DIRS, NULL);
  g_assert_nonnull (g_getenv ("CORRAL_TEST_GUEST"));

  g_test_add ("/guest-build/builds", Fixture, "ok", setup, test_builds, teardown);
  g_test_add ("/guest-build/fails", Fixture, "fail", setup, test_fails, teardown);
  g_test_add ("/guest-build/missing-tools", Fixture, "missing", setup, test_missing_tools, teardown);
  g_test_add ("/guest-build/cancel", Fixture, "slow", setup, test_cancel, teardown);
  g_test_add ("/guest-build/orphan", Fixture, "orphan", setup, test_orphan, teardown);
  g_test_add ("/guest-build/cli", Fixture, "ok", setup, test_cli, teardown);
  g_test_add_func ("/guest-build/cli-german-from-build-tree", test_cli_german_from_build_tree);
  g_test_add_func ("/guest-build/unavailable", test_unavailable);
  g_test_add_func ("/guest-build/default-paths", test_default_paths);
  return g_test_run ();
}
