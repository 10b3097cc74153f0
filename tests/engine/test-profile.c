/* test-profile.c: settings survive a save and load; damaged files are kept */
#include "config.h"

#include <glib/gstdio.h>

#include "corral-profile.h"
#include "corral-project-paths.h"

static void notify_count (GObject *obj, GParamSpec *pspec, gpointer data);

static void
test_key (void)
{
  g_autofree char *key = corral_project_key ("/home/me/src/app");

  /* echo /home/me/src/app | sha256sum */
  g_assert_cmpstr (key, ==, "app-d2144a62e945");
}

/* A folder name of 240 bytes (found by the hostile-names test): the
 * profile's file name would have been 256 bytes, one too many, and the
 * settings could not be saved. The key cuts such names, at a character
 * boundary; shorter ones keep the seed's key. */
static void
test_key_long_name (void)
{
  g_autoptr(GString) name = g_string_new ("/tmp/");
  g_autoptr(CorralProfile) profile = NULL;
  g_autoptr(GError) error = NULL;
  g_autofree char *key = NULL;
  g_autofree char *base = NULL;

  for (guint i = 0; i < 120; i++)
    g_string_append (name, "\xc3\xa9");   /* é: two bytes each */
  key = corral_project_key (name->str);
  g_assert_cmpuint (strlen (key), ==, CORRAL_PROJECT_KEY_MAX_NAME + 13);
  g_assert_true (g_utf8_validate (key, -1, NULL));

  g_assert_cmpint (g_mkdir_with_parents (name->str, 0700), ==, 0);
  profile = corral_profile_new (name->str);
  g_assert_true (corral_profile_save (profile, &error));
  g_assert_no_error (error);
  base = g_path_get_basename (corral_profile_get_file_path (profile));
  g_assert_cmpuint (strlen (base), <=, 255);
  g_rmdir (name->str);
}

static void
test_defaults (void)
{
  g_autofree char *warning = NULL;
  g_autoptr(GError) error = NULL;
  g_autoptr(CorralProfile) p = corral_profile_load ("/tmp/nowhere/proj", &warning, &error);

  g_assert_no_error (error);
  g_assert_null (warning);
  g_assert_cmpuint (corral_profile_get_memory_mib (p), ==, 4096);
  g_assert_cmpuint (corral_profile_get_cores (p), ==, 4);
  g_assert_true (corral_profile_get_network (p));
  g_assert_cmpstr (corral_profile_get_agent_command (p), ==, "claude");
  g_assert_cmpint (corral_profile_get_entrypoint_mode (p), ==, CORRAL_ENTRYPOINT_AGENT);
  g_assert_cmpuint (g_strv_length ((char **) corral_profile_get_agent_args (p)), ==, 0);
  g_assert_false (corral_profile_get_forward_gh_token (p));
  /* Nothing is written by merely loading. */
  g_assert_false (g_file_test (corral_profile_get_file_path (p), G_FILE_TEST_EXISTS));
}

static void
test_round_trip (void)
{
  const char *path = "/tmp/some where/my,proj";
  const char *args[] = { "--model", "opus", "a b", NULL };
  g_autoptr(CorralProfile) p = corral_profile_new (path);
  g_autoptr(CorralProfile) q = NULL;
  g_autoptr(GError) error = NULL;
  g_autofree char *warning = NULL;
  g_autofree char *contents = NULL;
  g_autofree char *dir = corral_project_profiles_dir ();
  g_autofree char *key = corral_project_key (path);
  g_autofree char *expected_file = NULL;
  GStatBuf st;

  corral_profile_set_memory_mib (p, 2048);
  corral_profile_set_cores (p, 2);
  corral_profile_set_network (p, FALSE);
  corral_profile_set_entrypoint_mode (p, CORRAL_ENTRYPOINT_CUSTOM);
  corral_profile_set_agent_command (p, "codex");
  corral_profile_set_agent_args (p, args);
  corral_profile_set_custom_command (p, "make test");
  corral_profile_set_shares (p, CORRAL_SHARE_GIT_CONFIG);
  corral_profile_set_forward_gh_token (p, TRUE);
  corral_profile_set_last_used (p, 1234);
  g_assert_true (corral_profile_save (p, &error));
  g_assert_no_error (error);

  expected_file = g_strdup_printf ("%s/%s.ini", dir, key);
  g_assert_cmpstr (corral_profile_get_file_path (p), ==, expected_file);
  g_assert_true (g_file_get_contents (expected_file, &contents, NULL, NULL));
  g_assert_nonnull (strstr (contents, "Path=/tmp/some where/my,proj\n"));
  g_assert_cmpint (g_stat (expected_file, &st), ==, 0);
  g_assert_cmpint (st.st_mode & 0777, ==, 0600);

  q = corral_profile_load (path, &warning, &error);
  g_assert_no_error (error);
  g_assert_null (warning);
  g_assert_cmpuint (corral_profile_get_memory_mib (q), ==, 2048);
  g_assert_cmpuint (corral_profile_get_cores (q), ==, 2);
  g_assert_false (corral_profile_get_network (q));
  g_assert_cmpint (corral_profile_get_entrypoint_mode (q), ==, CORRAL_ENTRYPOINT_CUSTOM);
  g_assert_cmpstr (corral_profile_get_agent_command (q), ==, "codex");
  g_assert_true (g_strv_equal (corral_profile_get_agent_args (q), args));
  g_assert_cmpstr (corral_profile_get_custom_command (q), ==, "make test");
  g_assert_cmpuint (corral_profile_get_shares (q), ==, CORRAL_SHARE_GIT_CONFIG);
  g_assert_true (corral_profile_get_forward_gh_token (q));
  g_assert_cmpint (corral_profile_get_last_used (q), ==, 1234);
}

static void
test_unknown_keys_kept (void)
{
  const char *path = "/tmp/proj-unknown";
  g_autoptr(CorralProfile) p = corral_profile_new (path);
  g_autoptr(CorralProfile) q = NULL;
  g_autoptr(GError) error = NULL;
  g_autofree char *contents = NULL;
  g_autofree char *edited = NULL;

  g_assert_true (corral_profile_save (p, &error));
  g_assert_true (g_file_get_contents (corral_profile_get_file_path (p), &contents, NULL, NULL));
  /* A newer Corral (or the user) added these. */
  edited = g_strconcat ("# my comment\n", contents,
                        "\n[Future]\nThing=42\n", NULL);
  g_assert_true (g_file_set_contents (corral_profile_get_file_path (p), edited, -1, NULL));
  {
    g_autoptr(GKeyFile) kf = g_key_file_new ();
    g_assert_true (g_key_file_load_from_file (kf, corral_profile_get_file_path (p), G_KEY_FILE_KEEP_COMMENTS, NULL));
    g_key_file_set_string (kf, "VM", "Balloon", "yes");
    g_assert_true (g_key_file_save_to_file (kf, corral_profile_get_file_path (p), NULL));
  }

  q = corral_profile_load (path, NULL, &error);
  g_assert_no_error (error);
  corral_profile_set_memory_mib (q, 1024);
  g_assert_true (corral_profile_save (q, &error));

  g_clear_pointer (&contents, g_free);
  g_assert_true (g_file_get_contents (corral_profile_get_file_path (q), &contents, NULL, NULL));
  g_assert_nonnull (strstr (contents, "# my comment"));
  g_assert_nonnull (strstr (contents, "[Future]\nThing=42"));
  g_assert_nonnull (strstr (contents, "Balloon=yes"));
  g_assert_nonnull (strstr (contents, "MemoryMiB=1024"));
}

static void
test_corrupt_kept_aside (void)
{
  const char *path = "/tmp/proj-corrupt";
  g_autoptr(CorralProfile) p = corral_profile_new (path);
  g_autoptr(CorralProfile) q = NULL;
  g_autoptr(GError) error = NULL;
  g_autofree char *warning = NULL;
  g_autofree char *dir = NULL;
  g_autoptr(GDir) d = NULL;
  const char *garbage = "this is [not a key file\n\xff\xfe";
  const char *name;
  guint n_aside = 0;

  g_assert_true (corral_profile_save (p, &error));
  g_assert_true (g_file_set_contents (corral_profile_get_file_path (p), garbage, -1, NULL));

  q = corral_profile_load (path, &warning, &error);
  g_assert_no_error (error);
  g_assert_nonnull (warning);
  g_assert_nonnull (strstr (warning, "default"));
  g_assert_cmpuint (corral_profile_get_memory_mib (q), ==, 4096);
  g_assert_false (g_file_test (corral_profile_get_file_path (q), G_FILE_TEST_EXISTS));

  dir = g_path_get_dirname (corral_profile_get_file_path (q));
  d = g_dir_open (dir, 0, NULL);
  while ((name = g_dir_read_name (d)) != NULL)
    if (strstr (name, "proj-corrupt") && strstr (name, ".ini.corrupt-"))
      {
        g_autofree char *file = g_build_filename (dir, name, NULL);
        g_autofree char *kept = NULL;

        g_assert_true (g_file_get_contents (file, &kept, NULL, NULL));
        g_assert_cmpstr (kept, ==, garbage);
        g_assert_nonnull (strstr (warning, name));
        n_aside++;
      }
  g_assert_cmpuint (n_aside, ==, 1);

  /* Saving now writes a fresh file; the damaged one stays. A second damaged
   * file in the same second is kept next to it, not over it. */
  g_assert_true (corral_profile_save (q, &error));
  g_assert_true (g_file_set_contents (corral_profile_get_file_path (q), "[[[", -1, NULL));
  g_clear_object (&q);
  g_clear_pointer (&warning, g_free);
  q = corral_profile_load (path, &warning, &error);
  g_assert_nonnull (warning);
  g_dir_rewind (d);
  n_aside = 0;
  while ((name = g_dir_read_name (d)) != NULL)
    if (strstr (name, "proj-corrupt") && strstr (name, ".ini.corrupt-"))
      n_aside++;
  g_assert_cmpuint (n_aside, ==, 2);
}

/* A damaged file's bad line is quoted in the warning: a megabyte of
 * garbage with terminal escapes in it once gave a 2 MB warning holding
 * 4148 ESC bytes, printed raw to the user's terminal. Now the quote is
 * short and nothing in it acts on a terminal. */
static void
test_corrupt_warning_safe (void)
{
  const char *path = "/tmp/proj-escapes";
  g_autoptr(CorralProfile) p = corral_profile_new (path);
  g_autoptr(CorralProfile) q = NULL;
  g_autoptr(GError) error = NULL;
  g_autofree char *warning = NULL;
  gsize n = 1024 * 1024;
  char *garbage = g_malloc (n + 1);

  for (gsize i = 0; i < n; i++)
    garbage[i] = "\x1b]0;owned\x07\x1b[2J\xc2\x9b\xff"[i % 17];
  garbage[n] = '\0';
  g_assert_true (corral_profile_save (p, &error));
  g_assert_true (g_file_set_contents (corral_profile_get_file_path (p), garbage, n, NULL));
  g_free (garbage);

  q = corral_profile_load (path, &warning, &error);
  g_assert_no_error (error);
  g_assert_nonnull (warning);
  g_test_message ("warning (%zu bytes): %s", strlen (warning), warning);
  g_assert_nonnull (strstr (warning, "could not be read"));
  g_assert_cmpuint (strlen (warning), <, 2000);
  g_assert_true (g_utf8_validate (warning, -1, NULL));
  for (const char *c = warning; *c != '\0'; c = g_utf8_next_char (c))
    {
      gunichar u = g_utf8_get_char (c);
      g_assert_false (u < 0x20 || (u >= 0x7f && u <= 0x9f));
    }
  g_assert_nonnull (strstr (warning, "\\x1B"));
}

/* --dry-run's load changes nothing on disk: a damaged file stays where
 * and as it is, and the warning says defaults are used. */
static void
test_corrupt_read_only (void)
{
  const char *path = "/tmp/proj-read-only";
  g_autoptr(CorralProfile) p = corral_profile_new (path);
  g_autoptr(CorralProfile) q = NULL;
  g_autoptr(GError) error = NULL;
  g_autofree char *warning = NULL;
  g_autofree char *file = NULL;
  g_autofree char *dir = NULL;
  g_autofree char *kept = NULL;
  guint n_before, n_after = 0;
  g_autoptr(GDir) d = NULL;

  g_assert_true (corral_profile_save (p, &error));
  file = g_strdup (corral_profile_get_file_path (p));
  g_assert_true (g_file_set_contents (file, "[[[ damaged", -1, NULL));
  dir = g_path_get_dirname (file);
  d = g_dir_open (dir, 0, NULL);
  for (n_before = 0; g_dir_read_name (d) != NULL; n_before++)
    ;

  q = corral_profile_load_full (path, CORRAL_PROFILE_LOAD_READ_ONLY, &warning, &error);
  g_assert_no_error (error);
  g_assert_nonnull (warning);
  g_assert_nonnull (strstr (warning, "default settings are used"));
  g_assert_null (strstr (warning, "kept as"));
  g_assert_cmpuint (corral_profile_get_memory_mib (q), ==, 4096);
  g_assert_true (g_file_get_contents (file, &kept, NULL, NULL));
  g_assert_cmpstr (kept, ==, "[[[ damaged");
  g_dir_rewind (d);
  while (g_dir_read_name (d) != NULL)
    n_after++;
  g_assert_cmpuint (n_after, ==, n_before);
}

/* The saved text parses back to the same settings (what the profile
 * fuzz target checks for any text that parses). */
static void
test_data_round_trip (void)
{
  g_autoptr(CorralProfile) p = corral_profile_new ("/tmp/proj-data");
  g_autoptr(CorralProfile) q = NULL;
  g_autoptr(GError) error = NULL;
  g_autofree char *warning = NULL;
  g_autofree char *data = NULL, *again = NULL;
  const char *args[] = { "--model", "a;b", "", NULL };
  gsize length;

  corral_profile_set_memory_mib (p, 777);
  corral_profile_set_agent_args (p, args);
  corral_profile_set_custom_command (p, "echo 'hi'\tthere");
  corral_profile_set_shares (p, CORRAL_SHARE_SSH);
  data = corral_profile_to_data (p, &length);
  q = corral_profile_new_from_data ("/tmp/proj-data", data, length, &warning, &error);
  g_assert_no_error (error);
  g_assert_null (warning);
  g_assert_cmpuint (corral_profile_get_memory_mib (q), ==, 777);
  g_assert_cmpstrv (corral_profile_get_agent_args (q), args);
  g_assert_cmpstr (corral_profile_get_custom_command (q), ==, "echo 'hi'\tthere");
  g_assert_cmpuint (corral_profile_get_shares (q), ==, CORRAL_SHARE_SSH);
  again = corral_profile_to_data (q, NULL);
  g_assert_cmpstr (again, ==, data);

  g_assert_null (corral_profile_new_from_data ("/tmp/proj-data", "[[[", 3, NULL, &error));
  g_assert_error (error, G_KEY_FILE_ERROR, G_KEY_FILE_ERROR_PARSE);
}

/* Found by fuzzing: a value with a bad escape that also ends in a lone
 * backslash made GLib 2.74 set a GError twice (a warning, an abort under
 * fatal warnings). Such a file is damaged: kept aside, defaults used. */
static void
test_corrupt_escapes (void)
{
  const char *path = "/tmp/proj-escape";
  g_autoptr(CorralProfile) p = corral_profile_new (path);
  g_autoptr(CorralProfile) q = NULL;
  g_autoptr(GError) error = NULL;
  g_autofree char *warning = NULL;

  g_assert_true (corral_profile_save (p, &error));
  g_assert_true (g_file_set_contents (corral_profile_get_file_path (p),
                                      "[Agent]\nArgs=a\\3b;c\\\n[VM]\nMemoryMiB=512\n", -1, NULL));
  q = corral_profile_load (path, &warning, &error);
  g_assert_no_error (error);
  g_assert_nonnull (warning);
  g_test_message ("%s", warning);
  g_assert_nonnull (strstr (warning, "lone backslash"));
  g_assert_cmpuint (corral_profile_get_memory_mib (q), ==, 4096);
}

static void
test_bad_values (void)
{
  const char *path = "/tmp/proj-bad";
  g_autoptr(CorralProfile) p = corral_profile_new (path);
  g_autoptr(CorralProfile) q = NULL;
  g_autoptr(GError) error = NULL;
  g_autofree char *warning = NULL;
  g_autoptr(GKeyFile) kf = g_key_file_new ();

  corral_profile_set_cores (p, 2);
  g_assert_true (corral_profile_save (p, &error));
  g_assert_true (g_key_file_load_from_file (kf, corral_profile_get_file_path (p), 0, NULL));
  g_key_file_set_string (kf, "VM", "MemoryMiB", "lots");
  g_key_file_set_string (kf, "VM", "Network", "maybe");
  g_assert_true (g_key_file_save_to_file (kf, corral_profile_get_file_path (p), NULL));

  q = corral_profile_load (path, &warning, &error);
  g_assert_no_error (error);
  g_assert_nonnull (warning);
  g_assert_nonnull (strstr (warning, "MemoryMiB"));
  /* [VM] Network is only read when [Network] Mode is missing */
  g_assert_null (strstr (warning, "Network"));
  g_assert_cmpuint (corral_profile_get_memory_mib (q), ==, 4096);
  g_assert_true (corral_profile_get_network (q));
  g_assert_cmpuint (corral_profile_get_cores (q), ==, 2);
}

static void
test_collision (void)
{
  const char *path = "/tmp/a/proj";
  g_autofree char *dir = corral_project_profiles_dir ();
  g_autofree char *key = corral_project_key (path);
  g_autofree char *file = g_strdup_printf ("%s/%s.ini", dir, key);
  g_autofree char *other = g_strdup_printf ("[Project]\nPath=/elsewhere/proj\n[VM]\nCores=3\n");
  g_autoptr(CorralProfile) p = NULL;
  g_autoptr(GError) error = NULL;
  g_autofree char *kept = NULL;

  /* Another project's file under this project's name is left alone. */
  g_assert_cmpint (g_mkdir_with_parents (dir, 0700), ==, 0);
  g_assert_true (g_file_set_contents (file, other, -1, NULL));
  p = corral_profile_load (path, NULL, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (corral_profile_get_cores (p), ==, 4);
  g_assert_cmpstr (corral_profile_get_file_path (p), !=, file);
  g_assert_true (corral_profile_save (p, &error));
  g_assert_true (g_file_get_contents (file, &kept, NULL, NULL));
  g_assert_cmpstr (kept, ==, other);
}

static void
test_non_utf8_path (void)
{
  const char *path = "/tmp/caf\xe9";
  g_autoptr(CorralProfile) p = corral_profile_new (path);
  g_autoptr(CorralProfile) q = NULL;
  g_autoptr(GError) error = NULL;

  corral_profile_set_cores (p, 3);
  g_assert_true (corral_profile_save (p, &error));
  g_assert_no_error (error);
  q = corral_profile_load (path, NULL, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (corral_profile_get_cores (q), ==, 3);
}

static void
test_list_saved (void)
{
  g_autoptr(GPtrArray) list = NULL;
  const char *paths[] = { "/tmp/list-a", "/tmp/list-b", "/tmp/list-c" };
  gint64 used[] = { 10, 30, 20 };

  for (guint i = 0; i < 3; i++)
    {
      g_autoptr(CorralProfile) p = corral_profile_new (paths[i]);
      corral_profile_set_last_used (p, used[i]);
      g_assert_true (corral_profile_save (p, NULL));
    }
  list = corral_profile_list_saved ();
  g_assert_cmpuint (list->len, >=, 3);
  g_assert_cmpstr (corral_profile_get_project_path (list->pdata[0]), ==, "/tmp/list-b");
  g_assert_cmpstr (corral_profile_get_project_path (list->pdata[1]), ==, "/tmp/list-c");
  g_assert_cmpstr (corral_profile_get_project_path (list->pdata[2]), ==, "/tmp/list-a");
}

/* New projects get the allowlist with every preset; a profile saved
 * before network modes existed keeps what Network meant then. */
static void
test_network_defaults_and_migration (void)
{
  g_autoptr(CorralProfile) fresh = corral_profile_load ("/tmp/net-new", NULL, NULL);
  g_auto(GStrv) all = corral_network_preset_ids ();
  const char *old_on = "/tmp/net-old-on", *old_off = "/tmp/net-old-off";
  g_autofree char *dir = corral_project_profiles_dir ();

  g_assert_cmpint (corral_profile_get_network_mode (fresh), ==, CORRAL_NETWORK_ALLOWLIST);
  g_assert_true (g_strv_equal (corral_profile_get_network_presets (fresh), (const char * const *) all));
  g_assert_cmpuint (g_strv_length (all), ==, 5);
  g_assert_cmpuint (g_strv_length ((char **) corral_profile_get_network_allow (fresh)), ==, 0);

  for (guint i = 0; i < 2; i++)
    {
      const char *path = i == 0 ? old_on : old_off;
      g_autofree char *key = corral_project_key (path);
      g_autofree char *file = g_strdup_printf ("%s/%s.ini", dir, key);
      g_autofree char *old = g_strdup_printf ("[Project]\nPath=%s\n[VM]\nMemoryMiB=1024\nNetwork=%s\n",
                                              path, i == 0 ? "true" : "false");
      g_autoptr(CorralProfile) p = NULL;
      g_autoptr(CorralProfile) again = NULL;
      g_autofree char *warning = NULL;
      g_autofree char *saved = NULL;

      g_assert_cmpint (g_mkdir_with_parents (dir, 0700), ==, 0);
      g_assert_true (g_file_set_contents (file, old, -1, NULL));
      p = corral_profile_load (path, &warning, NULL);
      g_assert_null (warning);
      g_assert_cmpint (corral_profile_get_network_mode (p), ==,
                       i == 0 ? CORRAL_NETWORK_FULL : CORRAL_NETWORK_OFF);
      /* Saved again, it says so in the new key, and the old key stays
       * for an older Corral. */
      g_assert_true (corral_profile_save (p, NULL));
      g_assert_true (g_file_get_contents (file, &saved, NULL, NULL));
      g_assert_nonnull (strstr (saved, i == 0 ? "Mode=full" : "Mode=off"));
      g_assert_nonnull (strstr (saved, i == 0 ? "Network=true" : "Network=false"));
      again = corral_profile_load (path, NULL, NULL);
      g_assert_cmpint (corral_profile_get_network_mode (again), ==,
                       i == 0 ? CORRAL_NETWORK_FULL : CORRAL_NETWORK_OFF);
    }
}

static void
test_network_lists (void)
{
  const char *path = "/tmp/net-lists";
  const char *presets[] = { "npm", NULL };
  const char *allow[] = { "Example.COM.", "https://gitlab.example/x", "*.corp.example:8443",
                          "example.com", "not a host", "127.0.0.1", NULL };
  const char *expected[] = { "example.com", "gitlab.example", "*.corp.example:8443", NULL };
  g_autoptr(CorralProfile) p = corral_profile_new (path);
  g_autoptr(CorralProfile) q = NULL;
  g_autoptr(GError) error = NULL;
  g_autofree char *warning = NULL;
  guint count = 0;

  g_signal_connect (p, "notify::network-allow", G_CALLBACK (notify_count), &count);
  corral_profile_set_network_mode (p, CORRAL_NETWORK_FULL);
  corral_profile_set_network_presets (p, presets);
  corral_profile_set_network_allow (p, allow);
  g_assert_true (g_strv_equal (corral_profile_get_network_allow (p), expected));
  g_assert_cmpuint (count, ==, 1);
  corral_profile_set_network_allow (p, expected);
  g_assert_cmpuint (count, ==, 1);

  /* One click on "Allow" in the log */
  g_assert_true (corral_profile_add_network_allow (p, "Registry.Example", &error));
  g_assert_no_error (error);
  g_assert_true (corral_profile_add_network_allow (p, "registry.example", &error));
  g_assert_cmpuint (count, ==, 2);
  g_assert_false (corral_profile_add_network_allow (p, "10.0.0.1", &error));
  g_assert_error (error, CORRAL_HOST_ENTRY_ERROR, CORRAL_HOST_ENTRY_ERROR_INVALID);
  g_clear_error (&error);

  corral_profile_set_network_preset (p, "github", TRUE);
  corral_profile_set_network_preset (p, "npm", FALSE);
  g_assert_true (corral_profile_get_network_preset (p, "github"));
  g_assert_false (corral_profile_get_network_preset (p, "npm"));
  g_assert_true (corral_profile_save (p, &error));

  q = corral_profile_load (path, &warning, &error);
  g_assert_no_error (error);
  g_assert_null (warning);
  g_assert_cmpint (corral_profile_get_network_mode (q), ==, CORRAL_NETWORK_FULL);
  g_assert_cmpuint (g_strv_length ((char **) corral_profile_get_network_presets (q)), ==, 1);
  g_assert_true (corral_profile_get_network_preset (q, "github"));
  g_assert_cmpuint (g_strv_length ((char **) corral_profile_get_network_allow (q)), ==, 4);
  g_assert_cmpstr (corral_profile_get_network_allow (q)[3], ==, "registry.example");

  /* set_network (the old switch): off, and back on to the allowlist */
  corral_profile_set_network (q, FALSE);
  g_assert_cmpint (corral_profile_get_network_mode (q), ==, CORRAL_NETWORK_OFF);
  g_assert_false (corral_profile_get_network (q));
  corral_profile_set_network (q, TRUE);
  g_assert_cmpint (corral_profile_get_network_mode (q), ==, CORRAL_NETWORK_ALLOWLIST);
}

/* A hand-edited [Network] group: bad values are reported and skipped */
static void
test_network_bad_values (void)
{
  const char *path = "/tmp/net-bad";
  g_autoptr(CorralProfile) p = corral_profile_new (path);
  g_autoptr(CorralProfile) q = NULL;
  g_autoptr(GKeyFile) kf = g_key_file_new ();
  g_autofree char *warning = NULL;

  g_assert_true (corral_profile_save (p, NULL));
  g_assert_true (g_key_file_load_from_file (kf, corral_profile_get_file_path (p), 0, NULL));
  g_key_file_set_string (kf, "Network", "Mode", "wide-open");
  g_key_file_set_string (kf, "Network", "Presets", "github;future-preset;");
  g_key_file_set_string (kf, "Network", "Allow", "ok.example;*;bad host;");
  g_assert_true (g_key_file_save_to_file (kf, corral_profile_get_file_path (p), NULL));

  q = corral_profile_load (path, &warning, NULL);
  g_assert_nonnull (warning);
  g_assert_nonnull (strstr (warning, "Mode"));
  g_assert_nonnull (strstr (warning, "Allow"));
  g_assert_cmpint (corral_profile_get_network_mode (q), ==, CORRAL_NETWORK_ALLOWLIST);
  g_assert_cmpuint (g_strv_length ((char **) corral_profile_get_network_presets (q)), ==, 1);
  g_assert_cmpuint (g_strv_length ((char **) corral_profile_get_network_allow (q)), ==, 1);
  g_assert_cmpstr (corral_profile_get_network_allow (q)[0], ==, "ok.example");
}

static void
notify_count (GObject *obj, GParamSpec *pspec, gpointer data)
{
  (*(guint *) data)++;
}

static void
test_properties_notify (void)
{
  g_autoptr(CorralProfile) p = corral_profile_new ("/tmp/notify");
  guint count = 0;
  guint memory = 0;

  g_signal_connect (p, "notify::memory-mib", G_CALLBACK (notify_count), &count);
  g_object_set (p, "memory-mib", 1000, NULL);
  corral_profile_set_memory_mib (p, 1000);
  g_object_get (p, "memory-mib", &memory, NULL);
  g_assert_cmpuint (memory, ==, 1000);
  g_assert_cmpuint (count, ==, 1);
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, G_TEST_OPTION_ISOLATE_DIRS, NULL);
  g_test_add_func ("/profile/key", test_key);
  g_test_add_func ("/profile/key-long-name", test_key_long_name);
  g_test_add_func ("/profile/defaults", test_defaults);
  g_test_add_func ("/profile/round-trip", test_round_trip);
  g_test_add_func ("/profile/unknown-keys-kept", test_unknown_keys_kept);
  g_test_add_func ("/profile/corrupt-kept-aside", test_corrupt_kept_aside);
  g_test_add_func ("/profile/corrupt-warning-safe", test_corrupt_warning_safe);
  g_test_add_func ("/profile/corrupt-read-only", test_corrupt_read_only);
  g_test_add_func ("/profile/data-round-trip", test_data_round_trip);
  g_test_add_func ("/profile/corrupt-escapes", test_corrupt_escapes);
  g_test_add_func ("/profile/bad-values", test_bad_values);
  g_test_add_func ("/profile/collision", test_collision);
  g_test_add_func ("/profile/non-utf8-path", test_non_utf8_path);
  g_test_add_func ("/profile/list-saved", test_list_saved);
  g_test_add_func ("/profile/properties-notify", test_properties_notify);
  g_test_add_func ("/profile/network-defaults-and-migration", test_network_defaults_and_migration);
  g_test_add_func ("/profile/network-lists", test_network_lists);
  g_test_add_func ("/profile/network-bad-values", test_network_bad_values);
  return g_test_run ();
}
