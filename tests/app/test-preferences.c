/* test-preferences.c: application preferences, keys in the keyring
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * gui-wrapper.sh runs an unlocked gnome-keyring in the test's own D-Bus
 * session: what is stored here never touches the user's keyring.
 */
#include "config.h"

#include <glib/gstdio.h>

#include <adwaita.h>

#include "corral-application.h"
#include "corral-preferences.h"
#include "corral-secrets.h"
#include "gui-test-util.h"

static CorralApplication *app;

typedef struct {
  gboolean done;
  char    *value;
  GError  *error;
} Lookup;

static void
lookup_cb (GObject *source, GAsyncResult *result, gpointer data)
{
  Lookup *l = data;

  l->value = corral_secrets_lookup_finish (result, &l->error);
  l->done = TRUE;
}

/* What the VM gets at its next start. */
static char *
lookup (CorralSecret which)
{
  Lookup l = { 0 };

  corral_secrets_lookup_async (which, NULL, lookup_cb, &l);
  corral_test_wait_for_flag (&l.done, 20);
  g_assert_no_error (l.error);
  return l.value;
}

static GtkWidget *
child (GtkWidget  *dialog,
       const char *name)
{
  GObject *object = gtk_widget_get_template_child (dialog, CORRAL_TYPE_PREFERENCES, name);

  g_assert_nonnull (object);
  return GTK_WIDGET (object);
}

static void
test_keys_in_keyring (void)
{
  GtkWidget *prefs, *api_row, *gh_row;
  char *value;

  g_unsetenv ("ANTHROPIC_API_KEY");
  g_unsetenv ("GH_TOKEN");
  g_unsetenv ("GITHUB_TOKEN");

  g_action_group_activate_action (G_ACTION_GROUP (app), "preferences", NULL);
  prefs = corral_test_find_toplevel (CORRAL_TYPE_PREFERENCES);
  g_assert_nonnull (prefs);
  corral_test_wait_mapped (prefs);
  api_row = child (prefs, "api_key_row");
  gh_row = child (prefs, "gh_token_row");
  g_assert_true (corral_test_wait_for_text (api_row, "Not set", 20));

  /* The user pastes a key and applies it. */
  gtk_editable_set_text (GTK_EDITABLE (api_row), "sk-ant-stored-in-keyring");
  g_signal_emit_by_name (api_row, "apply");
  g_assert_true (corral_test_wait_for_text (prefs, "Saved in the keyring", 20));
  g_assert_true (corral_test_wait_for_text (api_row, "In the keyring", 20));
  /* Not left on screen. */
  g_assert_cmpstr (gtk_editable_get_text (GTK_EDITABLE (api_row)), ==, "");
  corral_test_screenshot ("preferences");

  value = lookup (CORRAL_SECRET_API_KEY);
  g_assert_cmpstr (value, ==, "sk-ant-stored-in-keyring");
  g_free (value);

  gtk_editable_set_text (GTK_EDITABLE (gh_row), "ghp_token_from_keyring");
  g_signal_emit_by_name (gh_row, "apply");
  g_assert_true (corral_test_wait_for_text (gh_row, "In the keyring", 20));
  value = lookup (CORRAL_SECRET_GH_TOKEN);
  g_assert_cmpstr (value, ==, "ghp_token_from_keyring");
  g_free (value);

  /* The environment wins when it has the variable (a shell launch). */
  g_setenv ("ANTHROPIC_API_KEY", "sk-ant-from-environment", TRUE);
  value = lookup (CORRAL_SECRET_API_KEY);
  g_assert_cmpstr (value, ==, "sk-ant-from-environment");
  g_free (value);
  g_unsetenv ("ANTHROPIC_API_KEY");

  /* Applying an empty field removes the key. */
  g_signal_emit_by_name (api_row, "apply");
  g_assert_true (corral_test_wait_for_text (prefs, "Removed from the keyring", 20));
  g_assert_true (corral_test_wait_for_text (api_row, "Not set", 20));
  value = lookup (CORRAL_SECRET_API_KEY);
  g_assert_null (value);

  gtk_window_destroy (GTK_WINDOW (prefs));
}

static void
test_settings (void)
{
  g_autoptr(GSettings) settings = g_settings_new (APPLICATION_ID);
  g_autofree char *layout = NULL;
  g_autofree char *qemu = NULL;
  GtkWidget *prefs;

  g_autofree char *store_guest = g_build_filename (g_get_user_data_dir (), "corral", "guests", "debian", NULL);
  g_autofree char *store_manifest = g_build_filename (store_guest, "guest.ini", NULL);

  /* Nothing installed, nothing chosen: the row says so. */
  g_action_group_activate_action (G_ACTION_GROUP (app), "preferences", NULL);
  prefs = corral_test_find_toplevel (CORRAL_TYPE_PREFERENCES);
  corral_test_wait_mapped (prefs);
  g_assert_true (corral_test_wait_for_text (prefs, "Default: none installed yet", 5));
  gtk_window_destroy (GTK_WINDOW (prefs));

  /* A guest in the user's store: the row names the one that is used. */
  g_assert_cmpint (g_mkdir_with_parents (store_guest, 0755), ==, 0);
  g_assert_true (g_file_set_contents (store_manifest, "[Guest]\nKernel=vmlinuz\n", -1, NULL));
  g_action_group_activate_action (G_ACTION_GROUP (app), "preferences", NULL);
  prefs = corral_test_find_toplevel (CORRAL_TYPE_PREFERENCES);
  corral_test_wait_mapped (prefs);
  g_assert_true (corral_test_wait_for_text (prefs, store_manifest, 5));

  gtk_editable_set_text (GTK_EDITABLE (child (prefs, "qemu_row")), " /opt/qemu/bin/qemu-system-x86_64 ");
  g_signal_emit_by_name (child (prefs, "qemu_row"), "apply");
  qemu = g_settings_get_string (settings, "qemu-binary");
  g_assert_cmpstr (qemu, ==, "/opt/qemu/bin/qemu-system-x86_64");

  adw_combo_row_set_selected (ADW_COMBO_ROW (child (prefs, "layout_row")), 1);
  layout = g_settings_get_string (settings, "layout");
  g_assert_cmpstr (layout, ==, "tabs");

  gtk_switch_set_active (GTK_SWITCH (child (prefs, "start_on_open_switch")), FALSE);
  g_assert_false (g_settings_get_boolean (settings, "start-on-open"));

  g_settings_set_string (settings, "guest-manifest", "/srv/guests/other.ini");
  g_assert_true (corral_test_wait_for_text (prefs, "/srv/guests/other.ini", 5));

  g_settings_reset (settings, "qemu-binary");
  g_settings_reset (settings, "guest-manifest");
  gtk_window_destroy (GTK_WINDOW (prefs));
  g_unlink (store_manifest);
  g_rmdir (store_guest);
}

int
main (int argc, char **argv)
{
  g_autoptr(GError) error = NULL;

  g_content_type_set_mime_dirs (NULL);
  g_test_init (&argc, &argv, G_TEST_OPTION_ISOLATE_DIRS, NULL);

  app = corral_application_new ();
  g_assert_true (g_application_register (G_APPLICATION (app), NULL, &error));
  g_assert_no_error (error);
  g_application_hold (G_APPLICATION (app));
  corral_test_init ();

  g_test_add_func ("/preferences/keys-in-keyring", test_keys_in_keyring);
  g_test_add_func ("/preferences/settings", test_settings);

  return g_test_run ();
}
