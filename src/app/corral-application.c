/* corral-application.c: the single-instance application; one window per project
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * Every launch after the first (a double-click, "Open With" in a file
 * manager, `corral DIR` in a shell) is forwarded to the running instance,
 * which opens the folder in a window or presents the window that has it.
 */
#include "config.h"

#include <glib/gi18n.h>
#include <glib-unix.h>
#include <signal.h>
#include <stdlib.h>

#include "corral-application.h"
#include "corral-jail.h"
#include "corral-cli.h"
#include "corral-guest-store.h"
#include "corral-app-resources.h"
#include "corral-preferences.h"
#include "corral-renderer.h"

#include "corral-project-paths.h"
#include "corral-window.h"

struct _CorralApplication
{
  AdwApplication parent_instance;

  GSettings     *settings;
  CorralContext *context;

  CorralGuestBuild *guest_build;   /* the context's, followed */
  gboolean          build_hold;    /* held while it runs */

  guint          signals_seen;   /* SIGTERM, SIGINT, SIGHUP received */
};

G_DEFINE_FINAL_TYPE (CorralApplication, corral_application, ADW_TYPE_APPLICATION)

static const GOptionEntry option_entries[] = {
  { "enter", 'e', 0, G_OPTION_ARG_NONE, NULL,
    N_("Open a second console in the running VM of PROJECT_DIR"), NULL },
  { "guest", 0, 0, G_OPTION_ARG_FILENAME, NULL,
    N_("The guest to boot (wins over the one chosen in Preferences)"), N_("FILE") },
  { "version", 0, 0, G_OPTION_ARG_NONE, NULL,
    N_("Show the version and exit"), NULL },
  /* The seed launcher's options: for the VM's first start only. */
  { "shell", 0, 0, G_OPTION_ARG_NONE, NULL,
    N_("Run a shell instead of the agent"), NULL },
  { "gh-token", 0, 0, G_OPTION_ARG_NONE, NULL,
    N_("Give the guest your GitHub token"), NULL },
  { "network", 0, 0, G_OPTION_ARG_STRING, NULL,
    N_("The guest’s network: off (no network device), allowlist (only the project’s allowed hosts, through Corral’s proxy) or full"), N_("MODE") },
  { "no-network", 0, 0, G_OPTION_ARG_NONE, NULL,
    N_("No network device in the guest (--network off)"), NULL },
  { "memory", 0, 0, G_OPTION_ARG_INT, NULL,
    N_("Guest memory"), N_("MiB") },
  { "cores", 0, 0, G_OPTION_ARG_INT, NULL,
    N_("Guest processor cores"), N_("N") },
  { "dry-run", 0, 0, G_OPTION_ARG_NONE, NULL,
    N_("Print the QEMU command and environment, run nothing"), NULL },
  { "download-guest", 0, 0, G_OPTION_ARG_NONE, NULL,
    N_("Download and install the guest system Corral offers, then exit"), NULL },
  { "build-guest", 0, 0, G_OPTION_ARG_NONE, NULL,
    N_("Build the Debian guest system on this computer (minutes), then exit"), NULL },
  { "terminal", 0, 0, G_OPTION_ARG_NONE, NULL,
    N_("Run the VM in this terminal, without a window (the default when there is no display)"), NULL },
  /* What followed "--", one argument each (see local_command_line). */
  { "agent-arg", 0, G_OPTION_FLAG_HIDDEN, G_OPTION_ARG_STRING_ARRAY, NULL, NULL, NULL },
  { G_OPTION_REMAINING, 0, 0, G_OPTION_ARG_FILENAME_ARRAY, NULL,
    NULL, N_("[PROJECT_DIR…] [-- AGENT_ARGS…]") },
  { NULL }
};

CorralApplication *
corral_application_new (void)
{
  return g_object_new (CORRAL_TYPE_APPLICATION,
                       "application-id", APPLICATION_ID,
                       "flags", G_APPLICATION_HANDLES_OPEN | G_APPLICATION_HANDLES_COMMAND_LINE,
                       "resource-base-path", CORRAL_RESOURCE_PATH,
                       NULL);
}

GSettings *
corral_application_get_settings (CorralApplication *self)
{
  g_return_val_if_fail (CORRAL_IS_APPLICATION (self), NULL);
  return self->settings;
}

CorralContext *
corral_application_get_context (CorralApplication *self)
{
  g_return_val_if_fail (CORRAL_IS_APPLICATION (self), NULL);
  return self->context;
}

GtkWindow *
corral_application_find_project (CorralApplication *self,
                                 const char        *project_path)
{
  for (GList *l = gtk_application_get_windows (GTK_APPLICATION (self)); l != NULL; l = l->next)
    {
      if (CORRAL_IS_WINDOW (l->data) &&
          g_strcmp0 (corral_window_get_project_path (l->data), project_path) == 0)
        return l->data;
    }
  return NULL;
}

static CorralWindow *
new_window (CorralApplication *self)
{
  return corral_window_new (GTK_APPLICATION (self), self->context);
}

/* A window for a message or a project: @parent when it shows the start
 * page, else the active window when it does, else a new one. */
static CorralWindow *
start_window (CorralApplication *self,
              GtkWindow         *parent)
{
  GtkWindow *active = gtk_application_get_active_window (GTK_APPLICATION (self));

  if (CORRAL_IS_WINDOW (parent) && corral_window_get_project_path (CORRAL_WINDOW (parent)) == NULL)
    return CORRAL_WINDOW (parent);
  if (CORRAL_IS_WINDOW (active) && corral_window_get_project_path (CORRAL_WINDOW (active)) == NULL)
    return CORRAL_WINDOW (active);
  return new_window (self);
}

static CorralWindow *
message_window (CorralApplication *self,
                GtkWindow         *parent)
{
  GtkWindow *active = gtk_application_get_active_window (GTK_APPLICATION (self));

  if (CORRAL_IS_WINDOW (parent))
    return CORRAL_WINDOW (parent);
  if (CORRAL_IS_WINDOW (active))
    return CORRAL_WINDOW (active);
  return new_window (self);
}

/* Why @file cannot be a project, in words a person reads; NULL if it can. */
static char *
check_folder (GFile *file)
{
  g_autofree char *path = g_file_get_path (file);
  g_autofree char *name = NULL;
  GFileType type;

  if (path == NULL)
    {
      g_autofree char *uri = g_file_get_uri (file);
      return g_strdup_printf (_("“%s” is not on this computer. Corral opens local folders only."), uri);
    }

  name = g_filename_display_name (path);
  type = g_file_query_file_type (file, G_FILE_QUERY_INFO_NONE, NULL);
  if (type == G_FILE_TYPE_UNKNOWN)
    return g_strdup_printf (_("“%s” does not exist."), name);
  if (type != G_FILE_TYPE_DIRECTORY)
    return g_strdup_printf (_("“%s” is a file, not a folder. Corral opens project folders."), name);
  {
    g_autoptr(GError) error = NULL;

    if (!corral_project_path_check (path, &error))
      return g_strdup (error->message);
  }
  return NULL;
}

static void
open_folder_full (CorralApplication      *self,
                  GFile                  *folder,
                  gboolean                enter,
                  const CorralCliOptions *overrides,
                  GtkWindow              *parent)
{
  g_autofree char *problem = NULL;
  g_autofree char *path = NULL;
  g_autofree char *real = NULL;
  g_autoptr(GError) error = NULL;
  CorralWindow *window;
  GtkWindow *existing;

  g_return_if_fail (CORRAL_IS_APPLICATION (self));
  g_return_if_fail (G_IS_FILE (folder));

  problem = check_folder (folder);
  if (problem != NULL)
    {
      window = message_window (self, parent);
      gtk_window_present (GTK_WINDOW (window));
      corral_window_add_toast (window, problem);
      return;
    }

  /* One window (and one VM) per folder, however it is spelled. */
  path = g_file_get_path (folder);
  real = realpath (path, NULL);
  if (real == NULL)
    real = g_canonicalize_filename (path, NULL);

  /* A name the VM cannot take is refused before a profile or a state
   * folder is made for it. */
  if (!corral_project_path_check (real, &error))
    {
      window = message_window (self, parent);
      gtk_window_present (GTK_WINDOW (window));
      corral_window_add_toast (window, error->message);
      return;
    }

  existing = corral_application_find_project (self, real);
  if (existing != NULL)
    {
      gtk_window_present (existing);
      if (enter)
        corral_window_show_second_console (CORRAL_WINDOW (existing));
      return;
    }

  window = start_window (self, parent);
  if (overrides != NULL)
    corral_window_set_run_options (window, overrides);
  if (!corral_window_open_project (window, real, &error))
    {
      g_autofree char *display = g_filename_display_name (real);
      g_autofree char *msg = g_strdup_printf (_("Could not open “%s”: %s"), display, error->message);
      corral_window_add_toast (window, msg);
    }
  else if (enter)
    corral_window_show_second_console (window);
  gtk_window_present (GTK_WINDOW (window));
}

void
corral_application_open_folder (CorralApplication *self,
                                GFile             *folder,
                                gboolean           enter,
                                GtkWindow         *parent)
{
  open_folder_full (self, folder, enter, NULL, parent);
}

static void
corral_application_activate (GApplication *app)
{
  GtkWindow *window = gtk_application_get_active_window (GTK_APPLICATION (app));

  if (window == NULL)
    window = GTK_WINDOW (new_window (CORRAL_APPLICATION (app)));
  gtk_window_present (window);
}

static void
corral_application_open (GApplication  *app,
                         GFile        **files,
                         int            n_files,
                         const char    *hint)
{
  for (int i = 0; i < n_files; i++)
    corral_application_open_folder (CORRAL_APPLICATION (app), files[i], FALSE, NULL);
}

static int
corral_application_command_line (GApplication            *app,
                                 GApplicationCommandLine *cmdline)
{
  CorralApplication *self = CORRAL_APPLICATION (app);
  GVariantDict *options = g_application_command_line_get_options_dict (cmdline);
  g_autofree const char **args = NULL;
  gboolean enter = g_variant_dict_contains (options, "enter");
  const char *guest = NULL;
  g_auto(CorralCliOptions) overrides = { 0 };
  gboolean has_overrides;
  int number;
  const char *network = NULL;

  overrides.shell = g_variant_dict_contains (options, "shell");
  overrides.gh_token = g_variant_dict_contains (options, "gh-token");
  /* Checked in local_command_line already: forwarded as --network=MODE. */
  if (g_variant_dict_lookup (options, "network", "&s", &network))
    overrides.network_set = corral_network_mode_from_string (network, &overrides.network_mode);
  else if (g_variant_dict_contains (options, "no-network"))
    {
      overrides.network_set = TRUE;
      overrides.network_mode = CORRAL_NETWORK_OFF;
    }
  if (g_variant_dict_lookup (options, "memory", "i", &number) && number > 0)
    overrides.memory_mib = number;
  if (g_variant_dict_lookup (options, "cores", "i", &number) && number > 0)
    overrides.cores = number;
  g_variant_dict_lookup (options, "agent-arg", "^as", &overrides.agent_args);
  has_overrides = overrides.shell || overrides.gh_token || overrides.network_set ||
                  overrides.memory_mib > 0 || overrides.cores > 0 || overrides.agent_args != NULL;

  if (g_variant_dict_lookup (options, "guest", "^&ay", &guest))
    {
      g_autoptr(GFile) file = g_application_command_line_create_file_for_arg (cmdline, guest);

      g_autofree char *path = g_file_get_path (file);

      corral_context_set_guest_override (self->context, path);
    }

  g_variant_dict_lookup (options, G_OPTION_REMAINING, "^a&ay", &args);
  if (args == NULL || args[0] == NULL)
    {
      if (enter)
        {
          g_application_command_line_printerr (cmdline, "%s\n",
                                               _("--enter needs the project folder whose VM to enter"));
          return EXIT_FAILURE;
        }
      g_application_activate (app);
      return EXIT_SUCCESS;
    }

  for (guint i = 0; args[i] != NULL; i++)
    {
      g_autoptr(GFile) file = g_application_command_line_create_file_for_arg (cmdline, args[i]);
      g_autofree char *problem = check_folder (file);

      /* The shell that asked hears about a bad argument too. */
      if (problem != NULL)
        g_application_command_line_printerr (cmdline, "corral: %s\n", problem);
      open_folder_full (self, file, enter, has_overrides ? &overrides : NULL, NULL);
    }
  return EXIT_SUCCESS;
}

static gboolean
is_run_option (const char *arg)
{
  static const char *names[] = { "--shell", "--gh-token", "--network", "--no-network", "--memory", "--cores" };

  for (guint i = 0; i < G_N_ELEMENTS (names); i++)
    {
      gsize n = strlen (names[i]);
      if (strncmp (arg, names[i], n) == 0 && (arg[n] == '\0' || arg[n] == '='))
        return TRUE;
    }
  return FALSE;
}

/* Runs in the launching process, before any display is opened:
 * --dry-run is the engine's command line, all of it; the seed launcher's
 * run options are checked by the same parser (same messages) and passed
 * on to the running instance in a form GApplication can forward. */
static gboolean
corral_application_local_command_line (GApplication   *app,
                                       char         ***arguments,
                                       int            *exit_status)
{
  char **argv = *arguments;
  int argc = g_strv_length (argv);
  gboolean dry_run = FALSE, run_options = FALSE, enter = FALSE, terminal = FALSE, help = FALSE;

  for (int i = 1; i < argc; i++)
    {
      if (g_str_equal (argv[i], "--"))
        {
          run_options = TRUE;
          break;
        }
      if (g_str_equal (argv[i], "--dry-run") || g_str_equal (argv[i], "--download-guest") ||
          g_str_equal (argv[i], "--build-guest"))
        dry_run = TRUE;  /* the engine's command line too, in this process */
      else if (g_str_equal (argv[i], "--terminal"))
        terminal = TRUE;
      else if (g_str_has_prefix (argv[i], "--help") || g_str_equal (argv[i], "-h") ||
               g_str_equal (argv[i], "--version"))
        help = TRUE;
      else if (g_str_equal (argv[i], "--enter") || g_str_equal (argv[i], "-e"))
        enter = TRUE;
      else if (is_run_option (argv[i]))
        run_options = TRUE;
    }

  /* Without a display (an SSH session, a text console) Corral is the
   * seed's launcher: the agent console is this terminal. */
  if (!help && !g_getenv ("DISPLAY") && !g_getenv ("WAYLAND_DISPLAY"))
    terminal = TRUE;

  if (dry_run || terminal)
    {
      g_autoptr(GPtrArray) cli_args = g_ptr_array_new ();
      gboolean after_dashes = FALSE;

      for (int i = 0; i < argc; i++)
        {
          after_dashes = after_dashes || g_str_equal (argv[i], "--");
          if (after_dashes || !g_str_equal (argv[i], "--terminal"))
            g_ptr_array_add (cli_args, argv[i]);
        }
      g_ptr_array_add (cli_args, NULL);
      *exit_status = corral_cli_main (cli_args->len - 1, (char **) cli_args->pdata);
      return TRUE;
    }

  if (run_options)
    {
      g_autoptr(GPtrArray) cli_args = g_ptr_array_new ();
      g_autoptr(GPtrArray) forward = g_ptr_array_new_with_free_func (g_free);
      g_auto(CorralCliOptions) options = { 0 };
      g_autoptr(GError) error = NULL;
      gboolean after_dashes = FALSE;

      for (int i = 0; i < argc; i++)
        {
          if (g_str_equal (argv[i], "--"))
            after_dashes = TRUE;
          if (after_dashes || (!g_str_equal (argv[i], "--enter") && !g_str_equal (argv[i], "-e")))
            g_ptr_array_add (cli_args, argv[i]);
        }
      g_ptr_array_add (cli_args, NULL);

      if (!corral_cli_parse (cli_args->len - 1, (char **) cli_args->pdata, &options, &error))
        {
          g_strdelimit (error->message, "\n", ' ');
          g_printerr ("corral: %s\n", error->message);
          *exit_status = EXIT_FAILURE;
          return TRUE;
        }

      g_ptr_array_add (forward, g_strdup (argv[0]));
      if (enter)
        g_ptr_array_add (forward, g_strdup ("--enter"));
      if (options.shell)
        g_ptr_array_add (forward, g_strdup ("--shell"));
      if (options.gh_token)
        g_ptr_array_add (forward, g_strdup ("--gh-token"));
      if (options.network_set)
        g_ptr_array_add (forward, g_strconcat ("--network=",
                                               corral_network_mode_to_string (options.network_mode), NULL));
      if (options.memory_mib > 0)
        g_ptr_array_add (forward, g_strdup_printf ("--memory=%u", options.memory_mib));
      if (options.cores > 0)
        g_ptr_array_add (forward, g_strdup_printf ("--cores=%u", options.cores));
      if (options.guest_manifest != NULL)
        {
          g_autofree char *abs = g_canonicalize_filename (options.guest_manifest, NULL);
          g_ptr_array_add (forward, g_strconcat ("--guest=", abs, NULL));
        }
      for (guint i = 0; options.agent_args != NULL && options.agent_args[i] != NULL; i++)
        g_ptr_array_add (forward, g_strconcat ("--agent-arg=", options.agent_args[i], NULL));
      /* Here the project defaults to the current folder, as in the seed. */
      g_ptr_array_add (forward, g_strdup (options.project_dir));
      g_ptr_array_add (forward, NULL);

      g_strfreev (*arguments);
      *arguments = (char **) g_ptr_array_steal (forward, NULL);
    }

  return G_APPLICATION_CLASS (corral_application_parent_class)->local_command_line (app, arguments, exit_status);
}

static int
corral_application_handle_local_options (GApplication *app,
                                         GVariantDict *options)
{
  if (g_variant_dict_contains (options, "version"))
    {
      g_print ("%s %s\n", PACKAGE_NAME, PACKAGE_VERSION);
      return EXIT_SUCCESS;
    }
  return -1;
}

/* Actions */

static void
new_window_action (GSimpleAction *action,
                   GVariant      *param,
                   gpointer       user_data)
{
  gtk_window_present (GTK_WINDOW (new_window (CORRAL_APPLICATION (user_data))));
}

static void
preferences_action (GSimpleAction *action,
                    GVariant      *param,
                    gpointer       user_data)
{
  CorralApplication *self = CORRAL_APPLICATION (user_data);
  g_autofree char *installed = corral_context_dup_installed_guest (self->context);
  GtkWindow *dialog = GTK_WINDOW (corral_preferences_new (self->settings, installed,
                                                          corral_context_get_guest_override (self->context)));
  g_autofree char *confinement = corral_jail_describe_host (corral_context_get_host (self->context));

  corral_preferences_set_confinement (CORRAL_PREFERENCES (dialog), confinement);

  gtk_window_set_transient_for (dialog, gtk_application_get_active_window (GTK_APPLICATION (self)));
  gtk_window_present (dialog);
}

static void
about_action (GSimpleAction *action,
              GVariant      *param,
              gpointer       user_data)
{
  static const char *developers[] = { "The Corral authors", NULL };
  GtkWindow *parent = gtk_application_get_active_window (GTK_APPLICATION (user_data));

  adw_show_about_window (parent,
                         "application-name", _("Corral"),
                         "application-icon", APPLICATION_ID,
                         "version", PACKAGE_VERSION,
                         "comments", _("Run a coding agent inside a virtual machine, one per project folder."),
                         "developers", developers,
                         "license-type", GTK_LICENSE_GPL_3_0,
                         "website", "https://github.com/corral/corral",
                         /* Translators: your names, one per line */
                         "translator-credits", _("translator-credits"),
                         NULL);
}

static void
quit_action (GSimpleAction *action,
             GVariant      *param,
             gpointer       user_data)
{
  CorralApplication *self = CORRAL_APPLICATION (user_data);

  /* Quit means quit: a guest build stops too (its work files removed),
   * where closing the windows would let it go on. */
  if (self->guest_build != NULL && corral_guest_build_get_running (self->guest_build))
    corral_guest_build_cancel (self->guest_build);

  /* Each window asks before it stops a running VM. */
  for (GList *l = gtk_application_get_windows (GTK_APPLICATION (user_data)); l != NULL; )
    {
      GtkWindow *window = l->data;
      l = l->next;
      gtk_window_close (window);
    }
}

/* SIGTERM (a logout, systemd, kill), SIGINT (Ctrl+C in the shell that
 * started Corral) and SIGHUP (that terminal closed), as the terminal run
 * takes them: every VM is shut down (the guest's ACPI power button; the
 * power-down timeout forces it off), each run folder, with the key in
 * it, is removed as its QEMU ends, and then the application quits. Left
 * to the default action, the app died at once: QEMU followed it
 * (PDEATHSIG), but the run folders stayed on disk until the next start.
 * A second signal ends the VMs at once. */
static gboolean
quit_signal_cb (gpointer user_data)
{
  CorralApplication *self = CORRAL_APPLICATION (user_data);
  g_autoptr(GList) windows = NULL;
  gboolean force = ++self->signals_seen > 1;

  g_message ("Signal received: %s the virtual machines, then quitting",
             force ? "forcing off" : "shutting down");
  /* As Quit: a guest build stops too (its work files removed). */
  if (self->guest_build != NULL && corral_guest_build_get_running (self->guest_build))
    corral_guest_build_cancel (self->guest_build);
  windows = g_list_copy (gtk_application_get_windows (GTK_APPLICATION (self)));
  for (GList *l = windows; l != NULL; l = l->next)
    {
      if (CORRAL_IS_WINDOW (l->data))
        corral_window_shut_down_and_close (l->data, force);
      else
        gtk_window_destroy (l->data);
    }
  return G_SOURCE_CONTINUE;
}

static const GActionEntry app_actions[] = {
  { "new-window", new_window_action },
  { "preferences", preferences_action },
  { "about", about_action },
  { "quit", quit_action },
};

/* A window asks for a folder (its Open button, a drop, a recent project):
 * the application decides which window shows it. */
static void
window_open_folder_cb (CorralWindow      *window,
                       GFile             *folder,
                       gboolean           enter,
                       CorralApplication *self)
{
  corral_application_open_folder (self, folder, enter, GTK_WINDOW (window));
}

static void
corral_application_window_added (GtkApplication *app,
                                 GtkWindow      *window)
{
  GTK_APPLICATION_CLASS (corral_application_parent_class)->window_added (app, window);

  if (CORRAL_IS_WINDOW (window))
    g_signal_connect_object (window, "open-folder",
                             G_CALLBACK (window_open_folder_cb), app, 0);
}

/* The guest build belongs to the application: it keeps Corral running
 * when its windows close, and says how it ended when none is left. */
static void
guest_build_state_cb (CorralApplication *self)
{
  if (corral_guest_build_get_running (self->guest_build) && !self->build_hold)
    {
      self->build_hold = TRUE;
      g_application_hold (G_APPLICATION (self));
    }
}

static void
guest_build_finished_cb (CorralApplication *self)
{
  CorralGuestBuildState state = corral_guest_build_get_state (self->guest_build);

  if (gtk_application_get_windows (GTK_APPLICATION (self)) == NULL &&
      state != CORRAL_GUEST_BUILD_STATE_CANCELLED)
    {
      g_autoptr(GNotification) notification = NULL;

      if (state == CORRAL_GUEST_BUILD_STATE_SUCCEEDED)
        {
          notification = g_notification_new (_("The Debian guest is built"));
          g_notification_set_body (notification, _("Corral is ready to run your projects."));
        }
      else
        {
          notification = g_notification_new (_("The Debian guest could not be built"));
          g_notification_set_body (notification, corral_guest_build_get_message (self->guest_build));
        }
      g_application_send_notification (G_APPLICATION (self), "guest-build", notification);
    }
  if (self->build_hold)
    {
      self->build_hold = FALSE;
      g_application_release (G_APPLICATION (self));
    }
}

static void
follow_guest_build (CorralApplication *self)
{
  CorralGuestBuild *build = corral_context_get_guest_build (self->context);

  if (build == self->guest_build)
    return;
  if (self->guest_build != NULL)
    g_signal_handlers_disconnect_by_data (self->guest_build, self);
  g_set_object (&self->guest_build, build);
  g_signal_connect_object (build, "notify::state", G_CALLBACK (guest_build_state_cb), self, G_CONNECT_SWAPPED);
  g_signal_connect_object (build, "finished", G_CALLBACK (guest_build_finished_cb), self, G_CONNECT_SWAPPED);
}

static void
corral_application_startup (GApplication *app)
{
  CorralApplication *self = CORRAL_APPLICATION (app);
  g_autoptr(GAction) layout = NULL;
  static const char *quit_accels[] = { "<Control>q", NULL };
  static const char *new_window_accels[] = { "<Control>n", NULL };
  static const char *preferences_accels[] = { "<Control>comma", NULL };
  static const char *settings_accels[] = { "<Control><Shift>comma", NULL };
  GSettingsSchema *schema;

  /* Only the primary instance needs settings: --dry-run and --version
   * work without the schema installed. */
  schema = g_settings_schema_source_lookup (g_settings_schema_source_get_default (), APPLICATION_ID, TRUE);
  if (schema == NULL)
    {
      g_printerr ("corral: ");
      g_printerr (_("The settings schema %s is not installed: run “meson install”, or start Corral with build-aux/run"),
                  APPLICATION_ID);
      g_printerr ("\n");
      exit (EXIT_FAILURE);
    }
  g_settings_schema_unref (schema);
  self->settings = g_settings_new (APPLICATION_ID);

  G_APPLICATION_CLASS (corral_application_parent_class)->startup (app);

  /* Before any window is realized: cairo where GL would be software. */
  if (gdk_display_get_default () != NULL)
    {
      g_autofree char *gl = corral_renderer_choose (gdk_display_get_default ());

      g_debug ("GL renderer: %s", gl ? gl : "none");
    }

  g_action_map_add_action_entries (G_ACTION_MAP (app), app_actions, G_N_ELEMENTS (app_actions), app);
  layout = g_settings_create_action (self->settings, "layout");
  g_action_map_add_action (G_ACTION_MAP (app), layout);

  gtk_application_set_accels_for_action (GTK_APPLICATION (app), "app.quit", quit_accels);
  gtk_application_set_accels_for_action (GTK_APPLICATION (app), "app.new-window", new_window_accels);
  gtk_application_set_accels_for_action (GTK_APPLICATION (app), "app.preferences", preferences_accels);
  gtk_application_set_accels_for_action (GTK_APPLICATION (app), "win.settings", settings_accels);

  g_settings_bind (self->settings, "qemu-binary", self->context, "qemu-binary",
                   G_SETTINGS_BIND_GET);

  /* Only the primary instance runs VMs; the sources live as long as it. */
  g_unix_signal_add (SIGTERM, quit_signal_cb, self);
  g_unix_signal_add (SIGINT, quit_signal_cb, self);
  g_unix_signal_add (SIGHUP, quit_signal_cb, self);
  g_settings_bind (self->settings, "guest-manifest", self->context, "guest-preference",
                   G_SETTINGS_BIND_GET);

  follow_guest_build (self);
  g_signal_connect_object (self->context, "notify::guest-build",
                           G_CALLBACK (follow_guest_build), self, G_CONNECT_SWAPPED);
}

static void
corral_application_finalize (GObject *object)
{
  CorralApplication *self = CORRAL_APPLICATION (object);

  g_clear_object (&self->settings);
  g_clear_object (&self->guest_build);
  g_clear_object (&self->context);

  G_OBJECT_CLASS (corral_application_parent_class)->finalize (object);
}

static void
corral_application_class_init (CorralApplicationClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  GApplicationClass *app_class = G_APPLICATION_CLASS (klass);
  GtkApplicationClass *gtk_app_class = GTK_APPLICATION_CLASS (klass);

  /* The resources live in a static library, where their constructor
   * would be dropped by the linker: register them by hand. */
  g_resources_register (corral_app_get_resource ());

  object_class->finalize = corral_application_finalize;
  app_class->activate = corral_application_activate;
  app_class->open = corral_application_open;
  app_class->command_line = corral_application_command_line;
  app_class->handle_local_options = corral_application_handle_local_options;
  app_class->local_command_line = corral_application_local_command_line;
  app_class->startup = corral_application_startup;
  gtk_app_class->window_added = corral_application_window_added;
}

static void
corral_application_init (CorralApplication *self)
{
  self->context = corral_context_new ();
  g_application_add_main_option_entries (G_APPLICATION (self), option_entries);
  g_application_set_option_context_summary (G_APPLICATION (self),
                                            _("Runs a coding agent in a virtual machine that sees only PROJECT_DIR."));
}
