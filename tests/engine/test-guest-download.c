/* test-guest-download.c: the first-run guest download, end to end
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * `build-aux/build-guest --bundle` publishes the tiny test guest (its
 * initrd gzip-compressed) to a folder that guest-http-server.py serves on
 * 127.0.0.1 (the test's own server: Corral never listens). Corral then
 * downloads it into the user's guest store, finds it without --guest and
 * boots it in real QEMU; a damaged file, a server that drops the
 * connection, a 404, a cancel and a full disk each fail in words and
 * leave nothing installed, and a retry works.
 */
#include "config.h"

#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>
#include <glib/gstdio.h>
#include <gio/gio.h>

#include "corral-guest-download.h"
#include "corral-guest-store.h"
#include "corral-profile.h"
#include "corral-test-util.h"

static char *bundle_dir;
static char *catalogue_text;   /* with http://127.0.0.1:PORT/ok/ */
static GSubprocess *server;

static void
start_server (void)
{
  g_autofree char *script = g_test_build_filename (G_TEST_DIST, "util", "guest-http-server.py", NULL);
  g_autoptr(GError) error = NULL;
  g_autoptr(GDataInputStream) out = NULL;
  g_autofree char *line = NULL;

  server = g_subprocess_new (G_SUBPROCESS_FLAGS_STDIN_PIPE | G_SUBPROCESS_FLAGS_STDOUT_PIPE, &error,
                             "python3", script, bundle_dir, NULL);
  g_assert_no_error (error);
  out = g_data_input_stream_new (g_subprocess_get_stdout_pipe (server));
  line = g_data_input_stream_read_line (out, NULL, NULL, &error);
  g_assert_no_error (error);
  g_assert_nonnull (line);
  g_assert_true (g_str_has_prefix (line, "PORT "));

  /* The bundle names where it is published. */
  {
    g_autofree char *build_guest = g_test_build_filename (G_TEST_DIST, "..", "build-aux", "build-guest", NULL);
    g_autofree char *guest_dir = g_path_get_dirname (g_getenv ("CORRAL_TEST_GUEST"));
    g_autofree char *url = g_strdup_printf ("http://127.0.0.1:%s/ok/", line + strlen ("PORT "));
    g_autofree char *cat_path = g_build_filename (bundle_dir, "catalogue.ini", NULL);
    g_autoptr(GSubprocessLauncher) launcher = g_subprocess_launcher_new (G_SUBPROCESS_FLAGS_NONE);
    g_autoptr(GSubprocess) bundle = NULL;

    g_subprocess_launcher_setenv (launcher, "CORRAL_GUEST_DIR", guest_dir, TRUE);
    bundle = g_subprocess_launcher_spawn (launcher, &error, build_guest,
                                          "--bundle", bundle_dir, "--url", url, "--name", "debian", NULL);
    g_assert_no_error (error);
    g_assert_true (g_subprocess_wait_check (bundle, NULL, &error));
    g_assert_no_error (error);
    g_assert_true (g_file_get_contents (cat_path, &catalogue_text, NULL, &error));
    g_assert_no_error (error);
  }
}

static void
stop_server (void)
{
  /* Closing its stdin ends it. */
  g_output_stream_close (g_subprocess_get_stdin_pipe (server), NULL, NULL);
  g_subprocess_wait (server, NULL, NULL);
  g_clear_object (&server);
}

/* The bundle's catalogue, served in @mode ("ok", "drop", …). */
static CorralGuestCatalogue *
catalogue (const char *mode)
{
  g_autofree char *mode_path = g_strdup_printf ("/%s/", mode);
  g_auto(GStrv) parts = g_strsplit (catalogue_text, "/ok/", -1);
  g_autofree char *text = g_strjoinv (mode_path, parts);
  g_autoptr(GError) error = NULL;
  CorralGuestCatalogue *cat = corral_guest_catalogue_new_from_data (text, -1, "test", &error);

  g_assert_no_error (error);
  return cat;
}

typedef struct {
  gboolean      done;
  char         *manifest;
  GError       *error;
  GCancellable *cancel_on_progress;
  guint         notifies;
  guint64       last_received;
} Run;

static void
received_cb (CorralGuestDownload *download,
             GParamSpec          *pspec,
             Run                 *run)
{
  guint64 received = corral_guest_download_get_received (download);

  /* Progress only goes forward. */
  g_assert_cmpuint (received, >=, run->last_received);
  run->last_received = received;
  run->notifies++;
  if (run->cancel_on_progress != NULL && received > 0)
    g_cancellable_cancel (run->cancel_on_progress);
}

static void
done_cb (GObject      *source,
         GAsyncResult *result,
         gpointer      data)
{
  Run *run = data;

  run->manifest = corral_guest_download_finish (CORRAL_GUEST_DOWNLOAD (source), result, &run->error);
  run->done = TRUE;
}

static gboolean
run_done (gpointer data)
{
  return ((Run *) data)->done;
}

/* Downloads "debian" from @cat into @store_dir; returns the manifest or
 * NULL with @error set. */
static char *
download (CorralGuestCatalogue *cat,
          const char           *store_dir,
          gboolean              cancel,
          GError              **error)
{
  g_autoptr(CorralGuestDownload) dl = corral_guest_download_new (cat, "debian", store_dir);
  g_autoptr(GCancellable) cancellable = g_cancellable_new ();
  Run run = { 0 };

  run.cancel_on_progress = cancel ? cancellable : NULL;
  g_signal_connect (dl, "notify::received", G_CALLBACK (received_cb), &run);
  corral_guest_download_start (dl, cancellable, done_cb, &run);
  g_assert_true (corral_guest_download_get_running (dl));
  g_assert_true (corral_test_wait_until (run_done, &run, 300));
  g_assert_false (corral_guest_download_get_running (dl));
  if (run.manifest != NULL)
    {
      /* Every byte was counted, and the UI heard about it. */
      g_assert_cmpuint (corral_guest_download_get_received (dl), ==,
                        corral_guest_download_get_offer (dl)->download_size);
      g_assert_cmpuint (run.notifies, >, 0);
    }
  if (run.error != NULL)
    g_propagate_error (error, run.error);
  return run.manifest;
}

/* The store folder's entries, sorted, space-separated ("" when empty). */
static int
compare_names (gconstpointer a,
               gconstpointer b)
{
  return g_strcmp0 (*(const char * const *) a, *(const char * const *) b);
}

static char *
listing (const char *dir)
{
  g_autoptr(GDir) d = g_dir_open (dir, 0, NULL);
  g_autoptr(GPtrArray) names = g_ptr_array_new_with_free_func (g_free);
  const char *name;

  while (d != NULL && (name = g_dir_read_name (d)) != NULL)
    g_ptr_array_add (names, g_strdup (name));
  g_ptr_array_sort (names, compare_names);
  g_ptr_array_add (names, NULL);
  return g_strjoinv (" ", (char **) names->pdata);
}

static char *
fresh_store (const char *what)
{
  g_autofree char *template = g_strdup_printf ("corral-store-%s-XXXXXX", what);
  g_autofree char *dir = g_dir_make_tmp (template, NULL);

  g_assert_nonnull (dir);
  return g_build_filename (dir, "guests", NULL);
}

static void
remove_store (const char *store)
{
  g_autofree char *parent = g_path_get_dirname (store);
  corral_test_remove_tree (parent);
}

static void
assert_same_file (const char *a,
                  const char *b)
{
  g_autofree char *ca = NULL, *cb = NULL;
  gsize la, lb;

  g_assert_true (g_file_get_contents (a, &ca, &la, NULL));
  g_assert_true (g_file_get_contents (b, &cb, &lb, NULL));
  g_assert_cmpuint (la, ==, lb);
  g_assert_true (memcmp (ca, cb, la) == 0);
}

static void
test_success_boots (void)
{
  g_autoptr(CorralGuestCatalogue) cat = catalogue ("ok");
  g_autoptr(CorralGuestStore) store = corral_guest_store_new_default ();
  g_autoptr(GError) error = NULL;
  g_autofree char *manifest = NULL;
  g_autofree char *found = NULL;
  g_autofree char *guest_dir = g_path_get_dirname (g_getenv ("CORRAL_TEST_GUEST"));
  g_autofree char *initrd = g_build_filename (guest_dir, "initrd.cpio", NULL);
  g_autofree char *got_initrd = NULL;
  g_autofree char *project = corral_test_make_project ("download", "proj");
  g_autoptr(CorralProfile) profile = corral_profile_new (project);
  g_autoptr(GSubprocessLauncher) launcher = NULL;
  g_autoptr(GSubprocess) corral = NULL;
  g_autofree char *out = NULL, *err = NULL;
  g_autofree char *entries = NULL;
  const char *user_dir = corral_guest_store_get_user_dir (store);

  /* Nothing installed in this test's own XDG_DATA_HOME. */
  g_assert_null (corral_guest_store_resolve (store, NULL, NULL, NULL, NULL));

  manifest = download (cat, user_dir, FALSE, &error);
  g_assert_no_error (error);
  g_assert_true (g_str_has_prefix (manifest, user_dir));
  /* The gzip-compressed initrd arrived unpacked, byte for byte. */
  got_initrd = g_build_filename (user_dir, "debian", "initrd.cpio", NULL);
  assert_same_file (got_initrd, initrd);
  /* Blocks of zeros became holes again (the kernel image has ~30 MB of
   * them; a disk image has gigabytes). */
  {
    g_autofree char *kernel = g_build_filename (user_dir, "debian", "vmlinux", NULL);
    GStatBuf st;

    g_assert_cmpint (g_stat (kernel, &st), ==, 0);
    g_test_message ("vmlinux: %" G_GINT64_FORMAT " bytes, %" G_GINT64_FORMAT " on disk",
                    (gint64) st.st_size, (gint64) st.st_blocks * 512);
    g_assert_cmpint ((gint64) st.st_blocks * 512, <, (gint64) st.st_size * 3 / 4);
  }
  /* Only the guest: no work folder left behind. */
  entries = listing (user_dir);
  g_assert_cmpstr (entries, ==, "debian");

  /* Found without --guest... */
  found = corral_guest_store_resolve (store, NULL, NULL, NULL, &error);
  g_assert_no_error (error);
  g_assert_cmpstr (found, ==, manifest);

  /* ...by `corral` too, which boots it in QEMU and runs the entrypoint. */
  g_assert_cmpint (g_mkdir_with_parents (project, 0700), ==, 0);
  corral_profile_set_entrypoint_mode (profile, CORRAL_ENTRYPOINT_CUSTOM);
  corral_profile_set_custom_command (profile, "echo booted-the-downloaded-guest");
  g_assert_true (corral_profile_save (profile, &error));
  launcher = corral_test_corral_launcher (G_SUBPROCESS_FLAGS_STDOUT_PIPE | G_SUBPROCESS_FLAGS_STDERR_PIPE);
  g_subprocess_launcher_setenv (launcher, "XDG_DATA_HOME", g_get_user_data_dir (), TRUE);
  g_subprocess_launcher_setenv (launcher, "XDG_DATA_DIRS", g_get_system_data_dirs ()[0], TRUE);
  g_subprocess_launcher_unsetenv (launcher, "CORRAL_GUEST_PATH");
  corral = g_subprocess_launcher_spawn (launcher, &error, g_getenv ("CORRAL_BIN"),
                                        "--terminal", "--memory", "256", "--cores", "1", "--no-network",
                                        project, NULL);
  g_assert_no_error (error);
  g_assert_true (g_subprocess_communicate_utf8 (corral, NULL, NULL, &out, &err, &error));
  g_assert_no_error (error);
  g_test_message ("stdout: %s\nstderr: %s", out, err);
  g_assert_true (g_subprocess_get_if_exited (corral));
  g_assert_cmpint (g_subprocess_get_exit_status (corral), ==, 0);
  g_assert_nonnull (strstr (out, CORRAL_TEST_READY_LINE));
  g_assert_nonnull (strstr (out, "booted-the-downloaded-guest"));
  g_assert_nonnull (strstr (out, "CORRAL-ENTRYPOINT-EXIT 0"));

  {
    g_autofree char *parent = g_path_get_dirname (project);
    corral_test_remove_tree (parent);
  }
}

/* A failed download: the right kind of error, a message a person can act
 * on, and the store exactly as it was. */
static void
assert_fails (const char *mode,
              gboolean    cancel,
              GQuark      domain,
              int         code,
              const char *says)
{
  g_autoptr(CorralGuestCatalogue) cat = catalogue (mode);
  g_autofree char *store = fresh_store (mode);
  g_autoptr(GError) error = NULL;
  g_autofree char *manifest = NULL;
  g_autofree char *entries = NULL;

  manifest = download (cat, store, cancel, &error);
  g_test_message ("%s: %s", mode, error != NULL ? error->message : "(no error)");
  g_assert_null (manifest);
  g_assert_error (error, domain, code);
  g_assert_nonnull (strstr (error->message, says));
  entries = listing (store);
  g_assert_cmpstr (entries, ==, "");
  g_clear_error (&error);

  /* The same store takes a good download afterwards. */
  {
    g_autoptr(CorralGuestCatalogue) ok = catalogue ("ok");
    g_autofree char *retried = download (ok, store, FALSE, &error);

    g_assert_no_error (error);
    g_assert_nonnull (retried);
    g_clear_pointer (&entries, g_free);
    entries = listing (store);
    g_assert_cmpstr (entries, ==, "debian");
  }
  remove_store (store);
}

static void
test_checksum_mismatch (void)
{
  assert_fails ("corrupt", FALSE, CORRAL_GUEST_DOWNLOAD_ERROR, CORRAL_GUEST_DOWNLOAD_ERROR_CHECKSUM,
                "does not match its checksum");
}

static void
test_server_drops (void)
{
  assert_fails ("drop", FALSE, CORRAL_GUEST_DOWNLOAD_ERROR, CORRAL_GUEST_DOWNLOAD_ERROR_NETWORK, "received");
}

static void
test_cancel (void)
{
  assert_fails ("slow", TRUE, G_IO_ERROR, G_IO_ERROR_CANCELLED, "cancelled");
}

static void
test_not_found (void)
{
  assert_fails ("missing", FALSE, CORRAL_GUEST_DOWNLOAD_ERROR, CORRAL_GUEST_DOWNLOAD_ERROR_HTTP, "404");
}

/* What a download killed with the app left behind is removed by the next
 * one; a download still running in another process is left alone. */
static void
test_sweeps_killed_download (void)
{
  g_autoptr(CorralGuestCatalogue) cat = catalogue ("ok");
  g_autofree char *store = fresh_store ("sweep");
  g_autofree char *dead = NULL, *dead_old = NULL, *alive = NULL;
  g_autofree char *manifest = NULL;
  g_autofree char *entries = NULL;
  g_autofree char *expected = NULL;
  g_autoptr(GError) error = NULL;
  pid_t dead_pid;

  /* A process id that no longer runs: a child that exited, reaped. */
  dead_pid = fork ();
  g_assert_cmpint (dead_pid, >=, 0);
  if (dead_pid == 0)
    _exit (0);
  g_assert_cmpint (waitpid (dead_pid, NULL, 0), ==, dead_pid);
  dead = g_strdup_printf ("%s/.download-debian-%d-AbC123", store, (int) dead_pid);
  dead_old = g_strdup_printf ("%s/.old-debian-%d", store, (int) dead_pid);
  alive = g_strdup_printf ("%s/.download-debian-%d-XyZ789", store, (int) getppid ());
  {
    const char *dirs[] = { dead, dead_old, alive };

    for (guint i = 0; i < G_N_ELEMENTS (dirs); i++)
      {
        g_autofree char *partial = g_build_filename (dirs[i], "rootfs.img", NULL);

        g_assert_cmpint (g_mkdir_with_parents (dirs[i], 0755), ==, 0);
        g_assert_true (g_file_set_contents (partial, "partial", -1, NULL));
      }
  }

  manifest = download (cat, store, FALSE, &error);
  g_assert_no_error (error);
  entries = listing (store);
  expected = g_strdup_printf (".download-debian-%d-XyZ789 debian", (int) getppid ());
  g_assert_cmpstr (entries, ==, expected);
  remove_store (store);
}

/* A catalogue can name a local folder (a mirror, a USB stick). */
static void
test_file_url (void)
{
  g_autofree char *bundle_uri = g_filename_to_uri (bundle_dir, NULL, NULL);
  g_auto(GStrv) lines = g_strsplit (catalogue_text, "\n", -1);
  g_autoptr(CorralGuestCatalogue) cat = NULL;
  g_autofree char *store = fresh_store ("file");
  g_autoptr(GError) error = NULL;
  g_autofree char *text = NULL;
  g_autofree char *manifest = NULL;

  for (guint i = 0; lines[i] != NULL; i++)
    if (g_str_has_prefix (lines[i], "URL="))
      {
        g_free (lines[i]);
        lines[i] = g_strconcat ("URL=", bundle_uri, "/", NULL);
      }
  text = g_strjoinv ("\n", lines);
  cat = corral_guest_catalogue_new_from_data (text, -1, "test", &error);
  g_assert_no_error (error);
  manifest = download (cat, store, FALSE, &error);
  g_assert_no_error (error);
  g_assert_true (g_file_test (manifest, G_FILE_TEST_IS_REGULAR));
  remove_store (store);
}

static void
test_no_space (void)
{
  g_auto(GStrv) lines = g_strsplit (catalogue_text, "\n", -1);
  g_autoptr(CorralGuestCatalogue) cat = NULL;
  g_autofree char *store = fresh_store ("space");
  g_autoptr(GError) error = NULL;
  g_autofree char *text = NULL;
  g_autofree char *entries = NULL;
  char *manifest;

  /* A guest larger than any disk here: refused before downloading. */
  for (guint i = 0; lines[i] != NULL; i++)
    if (g_str_has_prefix (lines[i], "InstalledSize="))
      {
        g_free (lines[i]);
        lines[i] = g_strdup ("InstalledSize=9000000000000000000");
      }
  text = g_strjoinv ("\n", lines);
  cat = corral_guest_catalogue_new_from_data (text, -1, "test", &error);
  g_assert_no_error (error);
  manifest = download (cat, store, FALSE, &error);
  g_assert_null (manifest);
  g_assert_error (error, CORRAL_GUEST_DOWNLOAD_ERROR, CORRAL_GUEST_DOWNLOAD_ERROR_NO_SPACE);
  g_assert_nonnull (strstr (error->message, "disk space"));
  entries = listing (store);
  g_assert_cmpstr (entries, ==, "");
  remove_store (store);
}

/* A newer download replaces an installed guest in one step; a failed one
 * leaves it alone. */
static void
test_replaces_only_when_complete (void)
{
  g_autoptr(CorralGuestCatalogue) ok = catalogue ("ok");
  g_autoptr(CorralGuestCatalogue) bad = catalogue ("drop");
  g_autofree char *store = fresh_store ("replace");
  g_autofree char *old = g_build_filename (store, "debian", NULL);
  g_autofree char *marker = g_build_filename (old, "guest.ini", NULL);
  g_autofree char *contents = NULL;
  g_autofree char *manifest = NULL;
  g_autofree char *entries = NULL;
  g_autoptr(GError) error = NULL;

  g_assert_cmpint (g_mkdir_with_parents (old, 0755), ==, 0);
  g_assert_true (g_file_set_contents (marker, "[Guest]\nName=older\nKernel=vmlinux\n", -1, NULL));

  g_assert_null (download (bad, store, FALSE, &error));
  g_assert_nonnull (error);
  g_clear_error (&error);
  g_assert_true (g_file_get_contents (marker, &contents, NULL, NULL));
  g_assert_nonnull (strstr (contents, "Name=older"));
  g_clear_pointer (&contents, g_free);

  manifest = download (ok, store, FALSE, &error);
  g_assert_no_error (error);
  g_assert_true (g_file_get_contents (manifest, &contents, NULL, NULL));
  g_assert_null (strstr (contents, "Name=older"));
  entries = listing (store);
  g_assert_cmpstr (entries, ==, "debian");
  remove_store (store);
}

/* `corral --download-guest` with the bundle served in @mode; returns its
 * exit status, what it printed in @out. */
static int
cli_download (const char  *mode,
              char       **out)
{
  g_autofree char *mode_path = g_strdup_printf ("/%s/", mode);
  g_auto(GStrv) parts = g_strsplit (catalogue_text, "/ok/", -1);
  g_autofree char *text = g_strjoinv (mode_path, parts);
  g_autofree char *path = g_build_filename (g_get_user_cache_dir (), "catalogue.ini", NULL);
  g_autoptr(GSubprocessLauncher) launcher = NULL;
  g_autoptr(GSubprocess) corral = NULL;
  g_autoptr(GError) error = NULL;

  g_assert_cmpint (g_mkdir_with_parents (g_get_user_cache_dir (), 0700), ==, 0);
  g_assert_true (g_file_set_contents (path, text, -1, NULL));
  launcher = corral_test_corral_launcher (G_SUBPROCESS_FLAGS_STDOUT_PIPE | G_SUBPROCESS_FLAGS_STDERR_MERGE);
  g_subprocess_launcher_setenv (launcher, "XDG_DATA_HOME", g_get_user_data_dir (), TRUE);
  g_subprocess_launcher_setenv (launcher, "CORRAL_GUEST_CATALOGUE", path, TRUE);
  g_subprocess_launcher_setenv (launcher, "GIO_USE_PROXY_RESOLVER", "dummy", TRUE);
  corral = g_subprocess_launcher_spawn (launcher, &error, g_getenv ("CORRAL_BIN"), "--download-guest", NULL);
  g_assert_no_error (error);
  g_assert_true (g_subprocess_communicate_utf8 (corral, NULL, NULL, out, NULL, &error));
  g_assert_no_error (error);
  g_test_message ("%s", *out);
  return g_subprocess_get_exit_status (corral);
}

/* Ctrl+C in the terminal cancels, in words, with nothing installed. */
static void
test_cli_download_interrupted (void)
{
  g_autofree char *mode_path = g_strdup ("/slow/");
  g_auto(GStrv) parts = g_strsplit (catalogue_text, "/ok/", -1);
  g_autofree char *text = g_strjoinv (mode_path, parts);
  g_autofree char *path = g_build_filename (g_get_user_cache_dir (), "catalogue.ini", NULL);
  g_autoptr(CorralGuestStore) store = corral_guest_store_new_default ();
  g_autoptr(GSubprocessLauncher) launcher = NULL;
  g_autoptr(GSubprocess) corral = NULL;
  g_autoptr(GDataInputStream) lines = NULL;
  g_autoptr(GError) error = NULL;
  g_autofree char *first = NULL, *rest = NULL, *entries = NULL;

  g_assert_cmpint (g_mkdir_with_parents (g_get_user_cache_dir (), 0700), ==, 0);
  g_assert_true (g_file_set_contents (path, text, -1, NULL));
  launcher = corral_test_corral_launcher (G_SUBPROCESS_FLAGS_STDOUT_PIPE | G_SUBPROCESS_FLAGS_STDERR_MERGE);
  g_subprocess_launcher_setenv (launcher, "XDG_DATA_HOME", g_get_user_data_dir (), TRUE);
  g_subprocess_launcher_setenv (launcher, "CORRAL_GUEST_CATALOGUE", path, TRUE);
  g_subprocess_launcher_setenv (launcher, "GIO_USE_PROXY_RESOLVER", "dummy", TRUE);
  corral = g_subprocess_launcher_spawn (launcher, &error, g_getenv ("CORRAL_BIN"), "--download-guest", NULL);
  g_assert_no_error (error);
  lines = g_data_input_stream_new (g_subprocess_get_stdout_pipe (corral));
  first = g_data_input_stream_read_line (lines, NULL, NULL, &error);
  g_assert_no_error (error);
  g_assert_nonnull (strstr (first, "Ctrl+C cancels"));
  g_usleep (G_USEC_PER_SEC);
  g_subprocess_send_signal (corral, SIGINT);
  rest = g_data_input_stream_read_upto (lines, "", 0, NULL, NULL, &error);
  g_assert_true (g_subprocess_wait (corral, NULL, &error));
  g_test_message ("%s\n%s", first, rest);
  g_assert_cmpint (g_subprocess_get_exit_status (corral), ==, 1);
  g_assert_nonnull (strstr (rest, "The download was cancelled. Nothing was installed."));
  entries = listing (corral_guest_store_get_user_dir (store));
  g_assert_cmpstr (entries, ==, "");
}

/* A terminal (an SSH session) gets the same download: a damaged one
 * fails in words with nothing installed, a good one is then found. */
static void
test_cli_download (void)
{
  g_autoptr(CorralGuestStore) store = corral_guest_store_new_default ();
  g_autofree char *out = NULL;
  g_autofree char *entries = NULL;
  g_autofree char *found = NULL;

  g_assert_cmpint (cli_download ("corrupt", &out), ==, 1);
  g_assert_nonnull (strstr (out, "does not match its checksum"));
  g_assert_nonnull (strstr (out, "Nothing was installed."));
  entries = listing (corral_guest_store_get_user_dir (store));
  g_assert_cmpstr (entries, ==, "");
  g_clear_pointer (&out, g_free);

  g_assert_cmpint (cli_download ("ok", &out), ==, 0);
  g_assert_nonnull (strstr (out, "Downloading Corral tiny test guest"));
  found = corral_guest_store_resolve (store, NULL, NULL, NULL, NULL);
  g_assert_nonnull (found);
  g_assert_nonnull (strstr (out, found));
}

/* `corral --dry-run` with a guest chosen in Preferences (a keyfile
 * GSettings backend, so this process can set what corral reads); returns
 * corral's exit status, its output in @out. */
static int
dry_run_with_preference (const char  *preference,
                         const char  *guest,
                         const char  *project,
                         char       **out)
{
  g_autofree char *settings_dir = g_build_filename (g_get_user_config_dir (), "glib-2.0", "settings", NULL);
  g_autofree char *keyfile = g_build_filename (settings_dir, "keyfile", NULL);
  g_autofree char *contents = g_strdup_printf ("[io/github/corral/Corral]\nguest-manifest='%s'\n", preference);
  g_autofree char *schemas = g_build_filename (g_getenv ("G_TEST_BUILDDIR"), "..", "data", NULL);
  g_autoptr(GSubprocessLauncher) launcher = NULL;
  g_autoptr(GSubprocess) corral = NULL;
  g_autoptr(GError) error = NULL;
  g_autofree char *err = NULL;

  g_assert_cmpint (g_mkdir_with_parents (settings_dir, 0700), ==, 0);
  g_assert_true (g_file_set_contents (keyfile, contents, -1, NULL));
  launcher = corral_test_corral_launcher (G_SUBPROCESS_FLAGS_STDOUT_PIPE | G_SUBPROCESS_FLAGS_STDERR_MERGE);
  g_subprocess_launcher_setenv (launcher, "GSETTINGS_BACKEND", "keyfile", TRUE);
  g_subprocess_launcher_setenv (launcher, "GSETTINGS_SCHEMA_DIR", schemas, TRUE);
  g_subprocess_launcher_setenv (launcher, "XDG_DATA_HOME", g_get_user_data_dir (), TRUE);
  if (guest != NULL)
    corral = g_subprocess_launcher_spawn (launcher, &error, g_getenv ("CORRAL_BIN"), "--dry-run",
                                          "--guest", guest, project, NULL);
  else
    corral = g_subprocess_launcher_spawn (launcher, &error, g_getenv ("CORRAL_BIN"), "--dry-run",
                                          project, NULL);
  g_assert_no_error (error);
  g_assert_true (g_subprocess_communicate_utf8 (corral, NULL, NULL, out, &err, &error));
  g_assert_no_error (error);
  g_test_message ("%s", *out);
  return g_subprocess_get_exit_status (corral);
}

/* The guest chosen in Preferences is used, but --guest wins for its run. */
static void
test_command_line_wins (void)
{
  g_autofree char *project = corral_test_make_project ("choice", "proj");
  g_autofree char *out = NULL;
  const char *tiny = g_getenv ("CORRAL_TEST_GUEST");

  g_assert_cmpint (g_mkdir_with_parents (project, 0700), ==, 0);

  /* Preferences name a guest that is gone: that is what corral uses (and
   * says), not some other guest. */
  g_assert_cmpint (dry_run_with_preference ("/srv/chosen/guest.ini", NULL, project, &out), !=, 0);
  g_assert_nonnull (strstr (out, "/srv/chosen/guest.ini"));
  g_clear_pointer (&out, g_free);

  /* --guest wins over Preferences. */
  g_assert_cmpint (dry_run_with_preference ("/srv/chosen/guest.ini", tiny, project, &out), ==, 0);
  g_assert_null (strstr (out, "/srv/chosen"));
  g_assert_nonnull (strstr (out, "vmlinux"));

  {
    g_autofree char *parent = g_path_get_dirname (project);
    corral_test_remove_tree (parent);
  }
}

int
main (int argc, char **argv)
{
  int status;

  /* The desktop's proxy settings are GSettings whose schemas the isolated
   * XDG dirs hide; a loopback server needs no proxy. */
  g_setenv ("GIO_USE_PROXY_RESOLVER", "dummy", TRUE);
  g_test_init (&argc, &argv, G_TEST_OPTION_ISOLATE_DIRS, NULL);
  g_assert_nonnull (g_getenv ("CORRAL_TEST_GUEST"));
  g_unsetenv ("CORRAL_GUEST_PATH");

  bundle_dir = g_dir_make_tmp ("corral-bundle-XXXXXX", NULL);
  start_server ();

  g_test_add_func ("/guest-download/checksum-mismatch", test_checksum_mismatch);
  g_test_add_func ("/guest-download/server-drops", test_server_drops);
  g_test_add_func ("/guest-download/cancel", test_cancel);
  g_test_add_func ("/guest-download/not-found", test_not_found);
  g_test_add_func ("/guest-download/no-space", test_no_space);
  g_test_add_func ("/guest-download/file-url", test_file_url);
  g_test_add_func ("/guest-download/sweeps-killed-download", test_sweeps_killed_download);
  g_test_add_func ("/guest-download/replaces-only-when-complete", test_replaces_only_when_complete);
  g_test_add_func ("/guest-download/success-boots", test_success_boots);
  g_test_add_func ("/guest-download/command-line", test_cli_download);
  g_test_add_func ("/guest-download/command-line-interrupted", test_cli_download_interrupted);
  g_test_add_func ("/guest-choice/command-line-wins", test_command_line_wins);
  status = g_test_run ();

  stop_server ();
  corral_test_remove_tree (bundle_dir);
  g_free (catalogue_text);
  g_free (bundle_dir);
  return status;
}
