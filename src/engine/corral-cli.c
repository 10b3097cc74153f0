/* corral-cli.c: the command line, compatible with the seed's launcher
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "config.h"

#include <errno.h>
#include <limits.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <glib/gi18n.h>
#include <gio/gio.h>
#include <glib-unix.h>
#include <glib/gstdio.h>

#include "corral-cli.h"
#include "corral-guest-download.h"
#include "corral-guest-store.h"
#include "corral-jail.h"

#include "corral-project-paths.h"
#include "corral-state-dir.h"
#include "corral-vm-terminal.h"

void
corral_cli_options_clear (CorralCliOptions *options)
{
  g_clear_pointer (&options->guest_manifest, g_free);
  g_clear_pointer (&options->project_dir, g_free);
  g_clear_pointer (&options->agent_args, g_strfreev);
}

static gboolean
parse_count (const char  *option,
             const char  *text,
             guint        min,
             guint        max,
             guint       *out,
             GError     **error)
{
  guint64 value;

  if (text == NULL || !g_ascii_string_to_unsigned (text, 10, min, max, &value, NULL))
    {
      g_set_error (error, G_OPTION_ERROR, G_OPTION_ERROR_BAD_VALUE,
                   _("%s needs a whole number from %u to %u, not “%s”"),
                   option, min, max, text ? text : "");
      return FALSE;
    }
  *out = value;
  return TRUE;
}

gboolean
corral_cli_parse (int                 argc,
                  char              **argv,
                  CorralCliOptions   *options,
                  GError            **error)
{
  g_autoptr(GOptionContext) context = NULL;
  g_autofree char *memory = NULL;
  g_autofree char *cores = NULL;
  g_autofree char *network = NULL;
  gboolean no_network = FALSE;
  g_auto(GStrv) positional = NULL;
  g_autoptr(GPtrArray) before = g_ptr_array_new ();
  g_autoptr(GPtrArray) after = NULL;
  g_autofree char *dir = NULL;
  char **args;
  int n_args;
  char resolved[PATH_MAX];
  const GOptionEntry entries[] = {
    { "shell", 0, 0, G_OPTION_ARG_NONE, &options->shell, N_("Run a shell instead of the agent"), NULL },
    { "gh-token", 0, 0, G_OPTION_ARG_NONE, &options->gh_token, N_("Give the guest your GitHub token"), NULL },
    { "unconfined", 0, 0, G_OPTION_ARG_NONE, &options->unconfined, N_("Run without confinement: QEMU outside its jail, for computers where none can be made (this run only)"), NULL },
    { "network", 0, 0, G_OPTION_ARG_STRING, &network, N_("The guest’s network: off (no network device), allowlist (only the project’s allowed hosts, through Corral’s proxy) or full"), N_("MODE") },
    { "no-network", 0, 0, G_OPTION_ARG_NONE, &no_network, N_("No network device in the guest (--network off)"), NULL },
    { "memory", 0, 0, G_OPTION_ARG_STRING, &memory, N_("Guest memory"), N_("MiB") },
    { "cores", 0, 0, G_OPTION_ARG_STRING, &cores, N_("Guest processor cores"), N_("N") },
    { "guest", 0, 0, G_OPTION_ARG_FILENAME, &options->guest_manifest, N_("Guest manifest to boot"), N_("FILE") },
    { "dry-run", 0, 0, G_OPTION_ARG_NONE, &options->dry_run, N_("Print the QEMU command and environment, run nothing"), NULL },
    { "download-guest", 0, 0, G_OPTION_ARG_NONE, &options->download_guest, N_("Download and install the guest system Corral offers, then exit"), NULL },
    { "build-guest", 0, 0, G_OPTION_ARG_NONE, &options->build_guest, N_("Build the Debian guest system on this computer (minutes), then exit"), NULL },
    { G_OPTION_REMAINING, 0, 0, G_OPTION_ARG_FILENAME_ARRAY, &positional, NULL, N_("[PROJECT_DIR] [-- AGENT_ARGS…]") },
    { NULL }
  };

  memset (options, 0, sizeof *options);

  /* Everything after the first "--" belongs to the agent, untouched. */
  for (int i = 0; i < argc; i++)
    {
      if (after == NULL && i > 0 && g_str_equal (argv[i], "--"))
        {
          after = g_ptr_array_new ();
          continue;
        }
      g_ptr_array_add (after != NULL ? after : before, argv[i]);
    }
  g_ptr_array_add (before, NULL);

  context = g_option_context_new (_("[PROJECT_DIR] [-- AGENT_ARGS…]"));
  g_option_context_set_summary (context, _("Run a coding agent in a virtual machine, on one project folder."));
  g_option_context_add_main_entries (context, entries, GETTEXT_PACKAGE);
  args = (char **) before->pdata;
  n_args = before->len - 1;
  if (!g_option_context_parse (context, &n_args, &args, error))
    return FALSE;

  if (memory != NULL && !parse_count ("--memory", memory, 64, 16 * 1024 * 1024, &options->memory_mib, error))
    return FALSE;
  if (cores != NULL && !parse_count ("--cores", cores, 1, 1024, &options->cores, error))
    return FALSE;
  if (network != NULL)
    {
      if (!corral_network_mode_from_string (network, &options->network_mode))
        {
          g_set_error (error, G_OPTION_ERROR, G_OPTION_ERROR_BAD_VALUE,
                       _("--network needs off, allowlist or full, not “%s”"), network);
          return FALSE;
        }
      if (no_network && options->network_mode != CORRAL_NETWORK_OFF)
        {
          g_set_error (error, G_OPTION_ERROR, G_OPTION_ERROR_BAD_VALUE,
                       _("--no-network and --network %s contradict each other"), network);
          return FALSE;
        }
      options->network_set = TRUE;
    }
  else if (no_network)
    {
      options->network_set = TRUE;
      options->network_mode = CORRAL_NETWORK_OFF;
    }

  if (positional != NULL && g_strv_length (positional) > 1)
    {
      g_set_error (error, G_OPTION_ERROR, G_OPTION_ERROR_FAILED,
                   _("Only one project folder, please (agent arguments go after “--”)"));
      return FALSE;
    }
  if (positional != NULL && positional[0] != NULL && g_str_has_prefix (positional[0], "-"))
    {
      g_set_error (error, G_OPTION_ERROR, G_OPTION_ERROR_UNKNOWN_OPTION,
                   _("Unknown option %s"), positional[0]);
      return FALSE;
    }

  dir = positional != NULL && positional[0] != NULL ? g_strdup (positional[0]) : g_get_current_dir ();
  if (!corral_project_folder_check (dir, error))
    return FALSE;
  /* The real path: the same project reached through a symlink is the
   * same project (same profile, same lock). */
  if (realpath (dir, resolved) == NULL)
    {
      int saved = errno;
      g_autofree char *display = g_filename_display_name (dir);
      g_set_error (error, G_FILE_ERROR, g_file_error_from_errno (saved),
                   _("Cannot open the project folder “%s”: %s"), display, g_strerror (saved));
      return FALSE;
    }
  /* Refused before anything (a profile, a state dir) is named after it. */
  if (!corral_project_path_check (resolved, error))
    return FALSE;
  options->project_dir = g_strdup (resolved);

  if (after != NULL)
    {
      g_ptr_array_add (after, NULL);
      options->agent_args = g_strdupv ((char **) after->pdata);
    }
  return TRUE;
}

/* The guest chosen in Preferences, if the app's settings are installed
 * (the terminal run has no window, but the same user's choice applies). */
static char *
dup_preferred_guest (void)
{
  GSettingsSchemaSource *source = g_settings_schema_source_get_default ();
  g_autoptr(GSettingsSchema) schema = NULL;
  g_autoptr(GSettings) settings = NULL;

  if (source == NULL)
    return NULL;
  schema = g_settings_schema_source_lookup (source, APPLICATION_ID, TRUE);
  if (schema == NULL || !g_settings_schema_has_key (schema, "guest-manifest"))
    return NULL;
  settings = g_settings_new_full (schema, NULL, NULL);
  return g_settings_get_string (settings, "guest-manifest");
}

char *
corral_cli_dup_guest_manifest (const CorralCliOptions *options,
                               GError                **error)
{
  g_autoptr(CorralGuestStore) store = corral_guest_store_new_default ();
  g_autofree char *preference = NULL;

  if (options->guest_manifest == NULL)
    preference = dup_preferred_guest ();
  return corral_guest_store_resolve (store, options->guest_manifest, preference, NULL, error);
}

void
corral_cli_apply (const CorralCliOptions *options,
                  CorralProfile          *profile)
{
  if (options->shell)
    corral_profile_set_entrypoint_mode (profile, CORRAL_ENTRYPOINT_SHELL);
  if (options->gh_token)
    corral_profile_set_forward_gh_token (profile, TRUE);
  if (options->unconfined)
    corral_profile_set_unconfined (profile, TRUE);
  if (options->network_set)
    corral_profile_set_network_mode (profile, options->network_mode);
  if (options->memory_mib > 0)
    corral_profile_set_memory_mib (profile, options->memory_mib);
  if (options->cores > 0)
    corral_profile_set_cores (profile, options->cores);
  if (options->agent_args != NULL)
    corral_profile_set_agent_args (profile, (const char * const *) options->agent_args);
}

void
corral_cli_runtime (CorralRuntime            *runtime,
                    const CorralShareSources *sources,
                    const char               *meta_dir,
                    const char               *state_dir,
                    CorralNetBackend          backend,
                    char                    **parent_env)
{
  corral_runtime_init (runtime);
  runtime->meta_dir = meta_dir;
  runtime->state_dir = state_dir;
  /* The shape of CorralVm's run (which the terminal run uses too): both
   * consoles on PTYs the Vm opens at start, inherited as fds 5 and 6, QMP
   * on the socket QEMU inherits as fd 3, passt's socket as fd 7. */
  runtime->agent_fd = 5;
  runtime->enter_fd = 6;
  /* A virtio agent console's boot messages (the agent serial port): 10. */
  runtime->boot_fd = 10;
  runtime->qmp_fd = 3;
  runtime->net_backend = backend;
  runtime->net_fd = CORRAL_JAIL_NET_FD;
  /* A graphical guest's clipboard channel: the socket QEMU inherits as 4. */
  runtime->clipboard_chardev = "socket,fd=4";
  /* The agent session's channel, every guest: fd 11 (7-9 are the jail's). */
  runtime->session_chardev = "socket,fd=11";
  runtime->parent_env = (const char * const *) parent_env;
  corral_share_sources_apply (sources, runtime);
}

static void
print_error (const char *message)
{
  g_autofree char *one_line = g_strdup (message);

  g_strdelimit (one_line, "\n", ' ');
  g_printerr ("corral: %s\n", one_line);
}

/* What the run would use, built the same way for --dry-run and a real run. */
typedef struct {
  CorralProfile *profile;
  CorralGuest *guest;
  CorralHost *host;
} Setup;

static void
setup_clear (Setup *setup)
{
  g_clear_object (&setup->profile);
  g_clear_object (&setup->guest);
  g_clear_pointer (&setup->host, corral_host_free);
}

/* @flags: CORRAL_PROFILE_LOAD_READ_ONLY for --dry-run, which promises
 * to create and change nothing. */
static gboolean
setup_load (Setup                  *setup,
            const CorralCliOptions *options,
            CorralProfileLoadFlags  flags,
            GError                **error)
{
  g_autofree char *warning = NULL;
  g_autofree char *manifest = corral_cli_dup_guest_manifest (options, error);

  if (manifest == NULL)
    return FALSE;
  setup->guest = corral_guest_load (manifest, error);
  if (setup->guest == NULL)
    return FALSE;
  setup->profile = corral_profile_load_full (options->project_dir, flags, &warning, error);
  if (setup->profile == NULL)
    return FALSE;
  if (warning != NULL)
    g_printerr ("corral: %s\n", warning);
  corral_cli_apply (options, setup->profile);
  setup->host = corral_host_probe (NULL);
  return TRUE;
}

/* A graphical guest gets the clipboard channel (fd 4), a headless one not. */
static gboolean
has_clipboard_channel (const CorralQemuCommand *command)
{
  for (guint i = 0; command->argv[i] != NULL; i++)
    if (g_str_has_suffix (command->argv[i], ",id=clipboard"))
      return TRUE;
  return FALSE;
}

static void
print_command (const char * const *argv)
{
  g_autofree char *line = corral_shell_join (argv);

  g_print ("%s\n", line);
}

static int
dry_run (const CorralCliOptions *options)
{
  Setup setup = { 0 };
  g_autoptr(GError) error = NULL;
  g_autofree char *run_dir = NULL;
  g_autofree char *meta_dir = NULL;
  g_autofree char *state_dir = NULL;
  g_autofree char *proxy_socket = NULL;
  g_autoptr(CorralShareSources) sources = NULL;
  g_autoptr(CorralQemuCommand) command = NULL;
  g_autoptr(CorralJailCommand) jail = NULL;
  g_autoptr(GPtrArray) security = g_ptr_array_new_with_free_func (g_free);
  g_auto(GStrv) env = g_get_environ ();
  CorralConfinement confinement;
  CorralNetBackend backend;
  CorralJailSpec spec = { 0 };
  CorralRuntime runtime;
  int status = 1;

  /* Reads, never writes: a profile is loaded, not saved (a damaged one
   * is not even moved aside); dirs are named, not made. */
  if (!setup_load (&setup, options, CORRAL_PROFILE_LOAD_READ_ONLY, &error) ||
      !corral_jail_check_project (options->project_dir, &error))
    goto out;
  if (!corral_jail_choose (setup.host, corral_profile_get_network_mode (setup.profile),
                           corral_profile_get_unconfined (setup.profile),
                           &confinement, &backend, security, &error))
    goto out;

  run_dir = corral_meta_dir_path_for (options->project_dir);
  meta_dir = g_build_filename (run_dir, "meta", NULL);
  state_dir = corral_state_dir_lookup (options->project_dir);
  sources = corral_share_sources_probe (setup.host, run_dir);
  corral_cli_runtime (&runtime, sources, meta_dir, state_dir, backend, env);

  command = corral_qemu_command_build (setup.profile, setup.guest, setup.host, &runtime, &error);
  if (command == NULL)
    goto out;
  /* As CorralVm's run: the proxy's socket in the run dir, the jail's
   * /var/tmp in the cache. */
  proxy_socket = g_build_filename (run_dir, "proxy.sock", NULL);
  spec.confinement = confinement;
  spec.network = corral_profile_get_network_mode (setup.profile);
  spec.backend = backend;
  spec.proxy_socket = proxy_socket;
  spec.lifeline = confinement != CORRAL_CONFINEMENT_NONE;
  spec.log_fd = confinement == CORRAL_CONFINEMENT_JAIL;
  if (confinement == CORRAL_CONFINEMENT_JAIL)
    {
      g_autofree char *key = g_path_get_basename (run_dir);
      spec.tmp_dir = g_build_filename (g_get_user_cache_dir (), "corral", "tmp", key, NULL);
    }
  jail = corral_jail_command_build (&spec, setup.host, command, &error);
  g_free ((char *) spec.tmp_dir);
  if (jail == NULL)
    goto out;

  for (guint i = 0; command->warnings[i] != NULL; i++)
    g_printerr ("corral: %s\n", command->warnings[i]);
  for (guint i = 0; i < security->len; i++)
    g_printerr ("corral: %s\n", (const char *) security->pdata[i]);

  /* The bwrap argv, the network helpers' argv, then QEMU's: together
   * (the jail's line, then QEMU's) the exact command. */
  if (jail->jail_argv != NULL)
    {
      g_print ("# %s\n", confinement == CORRAL_CONFINEMENT_JAIL
               ? _("The jail: bubblewrap, then Corral’s helper in it (QEMU’s command follows):")
               : _("Corral’s helper (QEMU’s command follows):"));
      print_command ((const char * const *) jail->jail_argv);
    }
  if (jail->pasta_argv != NULL || jail->passt_argv != NULL)
    g_print ("# %s\n", _("The guest’s network, in the jail’s network namespace (pasta gets that namespace’s process id):"));
  if (jail->pasta_argv != NULL)
    print_command ((const char * const *) jail->pasta_argv);
  if (jail->passt_argv != NULL)
    print_command ((const char * const *) jail->passt_argv);
  if (jail->relay != NULL)
    g_print ("# %s %s\n", _("Relay:"), jail->relay);
  /* Not translated: scripts and tests find QEMU's line after it. */
  g_print ("# QEMU:\n");
  print_command ((const char * const *) command->argv);
  if (has_clipboard_channel (command))
    g_print ("%s\n", _("(fd 3 is the QMP socket, fd 4 the clipboard channel, fds 5 and 6 the consoles’ PTYs, fd 11 the agent session channel: all made at start.)"));
  else
    g_print ("%s\n", _("(fd 3 is the QMP socket, fds 5 and 6 the consoles’ PTYs, fd 11 the agent session channel: all made at start.)"));
  g_print ("%s\n", _("Environment:"));
  for (guint i = 0; command->envp[i] != NULL; i++)
    {
      const char *word[] = { command->envp[i], NULL };
      g_autofree char *quoted = corral_shell_join (word);
      g_print ("  %s\n", quoted);
    }
  {
    g_autofree char *entrypoint = corral_entrypoint_for_profile (setup.profile);
    g_print ("%s %s\n", _("Entrypoint:"), entrypoint);
  }
  {
    CorralNetworkMode mode = corral_profile_get_network_mode (setup.profile);
    g_autoptr(CorralHostMatcher) matcher =
      corral_network_policy_matcher (mode, corral_profile_get_network_presets (setup.profile),
                                     corral_profile_get_network_allow (setup.profile));
    g_autofree char *socket = g_build_filename (run_dir, "proxy.sock", NULL);

    /* The proxy is not a process of its own: Corral runs it. */
    if (mode == CORRAL_NETWORK_OFF)
      g_print ("%s\n", _("Network: off (no network device)"));
    else if (mode == CORRAL_NETWORK_FULL)
      g_print (_("Network: full; Corral’s proxy on %s lets every host name through and adds the API key\n"),
               socket);
    else
      g_print (_("Network: allowlist; Corral’s proxy on %s lets %u entries through and adds the API key\n"),
               socket, corral_host_matcher_get_n_entries (matcher));
  }
  status = 0;

out:
  if (error != NULL)
    print_error (error->message);
  setup_clear (&setup);
  return status;
}

static char *
github_token (void)
{
  const char *env = g_getenv ("GH_TOKEN");
  g_autofree char *gh = NULL;
  g_autofree char *out = NULL;
  const char *argv[] = { NULL, "auth", "token", NULL };
  int wait_status;

  if (env == NULL || *env == '\0')
    env = g_getenv ("GITHUB_TOKEN");
  if (env != NULL && *env != '\0')
    return g_strdup (env);
  gh = g_find_program_in_path ("gh");
  if (gh == NULL)
    return NULL;
  argv[0] = gh;
  if (!g_spawn_sync (NULL, (char **) argv, NULL, G_SPAWN_STDERR_TO_DEV_NULL,
                     NULL, NULL, &out, NULL, &wait_status, NULL) ||
      !g_spawn_check_wait_status (wait_status, NULL))
    return NULL;
  return g_strstrip (g_steal_pointer (&out));
}

/* A run in this terminal, as the seed's launcher does it: the Vm takes
 * the lock, writes the metadata and removes it however QEMU ends; the
 * agent console is relayed to this terminal. */
static int
run_in_terminal (const CorralCliOptions *options)
{
  Setup setup = { 0 };
  g_autoptr(GError) error = NULL;
  g_autoptr(CorralVm) vm = NULL;
  g_autofree char *gh = NULL;
  int status = 1;

  if (!setup_load (&setup, options, CORRAL_PROFILE_LOAD_DEFAULT, &error))
    goto out;

  vm = corral_vm_new (setup.profile, setup.guest, setup.host);
  corral_vm_set_secret (vm, CORRAL_SECRET_API_KEY, g_getenv ("ANTHROPIC_API_KEY"));
  if (corral_profile_get_forward_gh_token (setup.profile))
    {
      gh = github_token ();
      corral_vm_set_secret (vm, CORRAL_SECRET_GH_TOKEN, gh);
      if (gh != NULL)
        memset (gh, 0, strlen (gh));
    }

  /* Remember when this project was last used (the saved settings, not
   * this run's command-line overrides). Failing that (a full disk, a
   * read-only config folder) the run goes on, but the user hears it,
   * in the window's words. */
  {
    g_autoptr(GError) save_error = NULL;
    g_autoptr(CorralProfile) saved = corral_profile_load (options->project_dir, NULL, &save_error);

    if (saved != NULL)
      {
        corral_profile_set_last_used (saved, g_get_real_time () / G_USEC_PER_SEC);
        corral_profile_save (saved, &save_error);
      }
    if (save_error != NULL)
      {
        g_autofree char *message = g_strdup_printf (_("The project’s settings could not be saved: %s"),
                                                    save_error->message);
        print_error (message);
      }
  }

  status = corral_vm_run_in_terminal (vm, STDIN_FILENO, STDOUT_FILENO);

out:
  if (error != NULL)
    print_error (error->message);
  g_clear_object (&vm);
  setup_clear (&setup);
  return status;
}

/* --download-guest: the window's first-run download, for a terminal
 * (an SSH session has no window to offer it). */
typedef struct {
  GMainLoop    *loop;
  GCancellable *cancellable;
  char         *manifest;
  GError       *error;
  gint64        last_report;
} Download;

static void
download_progress_cb (CorralGuestDownload *download,
                      GParamSpec          *pspec,
                      Download            *d)
{
  gint64 now = g_get_monotonic_time ();
  g_autofree char *got = NULL, *of = NULL;

  if (now - d->last_report < 5 * G_USEC_PER_SEC)
    return;
  d->last_report = now;
  got = g_format_size (corral_guest_download_get_received (download));
  of = g_format_size (corral_guest_download_get_offer (download)->download_size);
  g_printerr ("corral: ");
  /* Translators: "120.5 MB of 1.1 GB" */
  g_printerr (_("%s of %s"), got, of);
  g_printerr ("\n");
}

static void
download_done_cb (GObject      *source,
                  GAsyncResult *result,
                  gpointer      data)
{
  Download *d = data;

  d->manifest = corral_guest_download_finish (CORRAL_GUEST_DOWNLOAD (source), result, &d->error);
  g_main_loop_quit (d->loop);
}

static gboolean
download_interrupt_cb (gpointer data)
{
  g_cancellable_cancel (((Download *) data)->cancellable);
  return G_SOURCE_CONTINUE;
}

static int
download_guest (void)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(CorralGuestCatalogue) catalogue = corral_guest_catalogue_load_default (&error);
  g_autoptr(CorralGuestStore) store = corral_guest_store_new_default ();
  g_autoptr(CorralGuestDownload) download = NULL;
  const CorralGuestOffer *offer;
  Download d = { 0 };
  g_autofree char *size = NULL, *installed = NULL;
  guint sigint, sigterm;

  if (catalogue == NULL)
    {
      print_error (error->message);
      return 1;
    }
  offer = corral_guest_catalogue_get_default (catalogue);
  if (offer == NULL)
    {
      print_error (_("This copy of Corral offers no guest to download: build one with corral --build-guest, or pass --guest."));
      return 1;
    }

  size = g_format_size (offer->download_size);
  installed = g_format_size (offer->installed_size);
  g_printerr ("corral: ");
  /* Translators: the guest's name, what is downloaded, the space it takes */
  g_printerr (_("Downloading %s: %s, %s on disk (Ctrl+C cancels)"), offer->title, size, installed);
  g_printerr ("\n");

  d.loop = g_main_loop_new (NULL, FALSE);
  d.cancellable = g_cancellable_new ();
  d.last_report = g_get_monotonic_time ();
  download = corral_guest_download_new (catalogue, offer->id, corral_guest_store_get_user_dir (store));
  g_signal_connect (download, "notify::received", G_CALLBACK (download_progress_cb), &d);
  sigint = g_unix_signal_add (SIGINT, download_interrupt_cb, &d);
  sigterm = g_unix_signal_add (SIGTERM, download_interrupt_cb, &d);
  corral_guest_download_start (download, d.cancellable, download_done_cb, &d);
  g_main_loop_run (d.loop);
  g_source_remove (sigint);
  g_source_remove (sigterm);
  g_main_loop_unref (d.loop);
  g_object_unref (d.cancellable);

  if (d.manifest == NULL)
    {
      g_autofree char *why = g_strdup (d.error->message);
      g_autofree char *message = NULL;

      /* The same words as the window's. */
      if (g_str_has_suffix (why, "."))
        why[strlen (why) - 1] = '\0';
      if (g_error_matches (d.error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
        message = g_strdup (_("The download was cancelled. Nothing was installed."));
      else
        message = g_strdup_printf (_("The download failed: %s.\nNothing was installed."), why);
      print_error (message);
      g_error_free (d.error);
      return 1;
    }
  g_printerr ("corral: ");
  /* Translators: %s is the installed guest's manifest */
  g_printerr (_("Installed: %s"), d.manifest);
  g_printerr ("\n");
  g_free (d.manifest);
  return 0;
}

int
corral_cli_main (int    argc,
                 char **argv)
{
  g_auto(CorralCliOptions) options = { 0 };
  g_autoptr(GError) error = NULL;

  if (!corral_cli_parse (argc, argv, &options, &error))
    {
      print_error (error->message);
      return 2;
    }
  if (options.download_guest)
    return download_guest ();
  if (options.build_guest)
    return corral_cli_build_guest ();
  if (options.dry_run)
    return dry_run (&options);
  return run_in_terminal (&options);
}
