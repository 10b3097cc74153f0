/* corral-profile.c: per-project settings, saved as a GKeyFile
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * The file is $XDG_CONFIG_HOME/corral/projects/<key>.ini (see
 * corral-project-paths.h) with the project's full path inside. Should two
 * projects ever share a key (same basename, same 48-bit hash prefix), the
 * second one uses <key>-2.ini and so on: the Path key decides which file is
 * whose. The key file read at load time is kept, so keys and groups this
 * version does not know survive a save.
 */
#include "config.h"

#include <errno.h>
#include <glib/gi18n.h>
#include <glib/gstdio.h>
#include <gio/gio.h>

#include "corral-host-matcher.h"

#include "corral-key-file.h"
#include "corral-profile.h"
#include "corral-project-paths.h"
#include "corral-text.h"

#define DEFAULT_MEMORY_MIB 4096
#define DEFAULT_CORES      4
#define DEFAULT_AGENT      "claude"

struct _CorralProfile
{
  GObject parent_instance;

  char *project_path;
  char *file_path;
  GKeyFile *keyfile;   /* as loaded: unknown keys are written back */

  guint memory_mib;
  guint cores;
  CorralNetworkMode network_mode;
  char **network_presets;  /* preset ids ticked */
  char **network_allow;    /* free-form entries, normalized */
  CorralEntrypointMode entrypoint_mode;
  char *agent_command;
  char **agent_args;
  char *custom_command;
  CorralShares shares;
  gboolean forward_gh_token;
  gboolean unconfined;
  gint64 last_used;
};

G_DEFINE_FINAL_TYPE (CorralProfile, corral_profile, G_TYPE_OBJECT)

enum {
  PROP_0,
  PROP_PROJECT_PATH,
  PROP_MEMORY_MIB,
  PROP_CORES,
  PROP_NETWORK_MODE,
  PROP_NETWORK_PRESETS,
  PROP_NETWORK_ALLOW,
  PROP_ENTRYPOINT_MODE,
  PROP_AGENT_COMMAND,
  PROP_AGENT_ARGS,
  PROP_CUSTOM_COMMAND,
  PROP_SHARES,
  PROP_FORWARD_GH_TOKEN,
  PROP_UNCONFINED,
  PROP_LAST_USED,
  N_PROPS
};

static GParamSpec *properties[N_PROPS];

GType
corral_entrypoint_mode_get_type (void)
{
  static gsize type = 0;
  static const GEnumValue values[] = {
    { CORRAL_ENTRYPOINT_AGENT, "CORRAL_ENTRYPOINT_AGENT", "agent" },
    { CORRAL_ENTRYPOINT_SHELL, "CORRAL_ENTRYPOINT_SHELL", "shell" },
    { CORRAL_ENTRYPOINT_CUSTOM, "CORRAL_ENTRYPOINT_CUSTOM", "custom" },
    { 0, NULL, NULL }
  };

  if (g_once_init_enter (&type))
    g_once_init_leave (&type, g_enum_register_static ("CorralEntrypointMode", values));
  return type;
}

GType
corral_shares_get_type (void)
{
  static gsize type = 0;
  static const GFlagsValue values[] = {
    { CORRAL_SHARE_NONE, "CORRAL_SHARE_NONE", "none" },
    { CORRAL_SHARE_CLAUDE, "CORRAL_SHARE_CLAUDE", "claude" },
    { CORRAL_SHARE_GIT_CONFIG, "CORRAL_SHARE_GIT_CONFIG", "git-config" },
    { CORRAL_SHARE_GH_CONFIG, "CORRAL_SHARE_GH_CONFIG", "gh-config" },
    { CORRAL_SHARE_SSH, "CORRAL_SHARE_SSH", "ssh" },
    { 0, NULL, NULL }
  };

  if (g_once_init_enter (&type))
    g_once_init_leave (&type, g_flags_register_static ("CorralShares", values));
  return type;
}

/* Group, key, flag: the on-disk names of the shares. */
static const struct {
  const char *key;
  CorralShares flag;
} share_keys[] = {
  { "Claude", CORRAL_SHARE_CLAUDE },
  { "GitConfig", CORRAL_SHARE_GIT_CONFIG },
  { "GhConfig", CORRAL_SHARE_GH_CONFIG },
  { "Ssh", CORRAL_SHARE_SSH },
};

static void
corral_profile_finalize (GObject *object)
{
  CorralProfile *self = CORRAL_PROFILE (object);

  g_free (self->project_path);
  g_free (self->file_path);
  g_clear_pointer (&self->keyfile, g_key_file_unref);
  g_free (self->agent_command);
  g_strfreev (self->agent_args);
  g_free (self->custom_command);
  g_strfreev (self->network_presets);
  g_strfreev (self->network_allow);

  G_OBJECT_CLASS (corral_profile_parent_class)->finalize (object);
}

static void
corral_profile_get_property (GObject    *object,
                             guint       prop_id,
                             GValue     *value,
                             GParamSpec *pspec)
{
  CorralProfile *self = CORRAL_PROFILE (object);

  switch (prop_id)
    {
    case PROP_PROJECT_PATH: g_value_set_string (value, self->project_path); break;
    case PROP_MEMORY_MIB: g_value_set_uint (value, self->memory_mib); break;
    case PROP_CORES: g_value_set_uint (value, self->cores); break;
    case PROP_NETWORK_MODE: g_value_set_enum (value, self->network_mode); break;
    case PROP_NETWORK_PRESETS: g_value_set_boxed (value, self->network_presets); break;
    case PROP_NETWORK_ALLOW: g_value_set_boxed (value, self->network_allow); break;
    case PROP_ENTRYPOINT_MODE: g_value_set_enum (value, self->entrypoint_mode); break;
    case PROP_AGENT_COMMAND: g_value_set_string (value, self->agent_command); break;
    case PROP_AGENT_ARGS: g_value_set_boxed (value, self->agent_args); break;
    case PROP_CUSTOM_COMMAND: g_value_set_string (value, self->custom_command); break;
    case PROP_SHARES: g_value_set_flags (value, self->shares); break;
    case PROP_FORWARD_GH_TOKEN: g_value_set_boolean (value, self->forward_gh_token); break;
    case PROP_UNCONFINED: g_value_set_boolean (value, self->unconfined); break;
    case PROP_LAST_USED: g_value_set_int64 (value, self->last_used); break;
    default: G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
corral_profile_set_property (GObject      *object,
                             guint         prop_id,
                             const GValue *value,
                             GParamSpec   *pspec)
{
  CorralProfile *self = CORRAL_PROFILE (object);

  switch (prop_id)
    {
    case PROP_PROJECT_PATH: self->project_path = g_value_dup_string (value); break;
    case PROP_MEMORY_MIB: corral_profile_set_memory_mib (self, g_value_get_uint (value)); break;
    case PROP_CORES: corral_profile_set_cores (self, g_value_get_uint (value)); break;
    case PROP_NETWORK_MODE: corral_profile_set_network_mode (self, g_value_get_enum (value)); break;
    case PROP_NETWORK_PRESETS: corral_profile_set_network_presets (self, g_value_get_boxed (value)); break;
    case PROP_NETWORK_ALLOW: corral_profile_set_network_allow (self, g_value_get_boxed (value)); break;
    case PROP_ENTRYPOINT_MODE: corral_profile_set_entrypoint_mode (self, g_value_get_enum (value)); break;
    case PROP_AGENT_COMMAND: corral_profile_set_agent_command (self, g_value_get_string (value)); break;
    case PROP_AGENT_ARGS: corral_profile_set_agent_args (self, g_value_get_boxed (value)); break;
    case PROP_CUSTOM_COMMAND: corral_profile_set_custom_command (self, g_value_get_string (value)); break;
    case PROP_SHARES: corral_profile_set_shares (self, g_value_get_flags (value)); break;
    case PROP_FORWARD_GH_TOKEN: corral_profile_set_forward_gh_token (self, g_value_get_boolean (value)); break;
    case PROP_UNCONFINED: corral_profile_set_unconfined (self, g_value_get_boolean (value)); break;
    case PROP_LAST_USED: corral_profile_set_last_used (self, g_value_get_int64 (value)); break;
    default: G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
corral_profile_class_init (CorralProfileClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  GParamFlags rw = G_PARAM_READWRITE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS;

  object_class->finalize = corral_profile_finalize;
  object_class->get_property = corral_profile_get_property;
  object_class->set_property = corral_profile_set_property;

  properties[PROP_PROJECT_PATH] =
    g_param_spec_string ("project-path", NULL, NULL, NULL,
                         G_PARAM_READWRITE | G_PARAM_CONSTRUCT_ONLY | G_PARAM_STATIC_STRINGS);
  properties[PROP_MEMORY_MIB] =
    g_param_spec_uint ("memory-mib", NULL, NULL, 64, G_MAXUINT, DEFAULT_MEMORY_MIB, rw);
  properties[PROP_CORES] =
    g_param_spec_uint ("cores", NULL, NULL, 1, 1024, DEFAULT_CORES, rw);
  properties[PROP_NETWORK_MODE] =
    g_param_spec_enum ("network-mode", NULL, NULL, CORRAL_TYPE_NETWORK_MODE,
                       CORRAL_NETWORK_ALLOWLIST, rw);
  properties[PROP_NETWORK_PRESETS] =
    g_param_spec_boxed ("network-presets", NULL, NULL, G_TYPE_STRV, rw);
  properties[PROP_NETWORK_ALLOW] =
    g_param_spec_boxed ("network-allow", NULL, NULL, G_TYPE_STRV, rw);
  properties[PROP_ENTRYPOINT_MODE] =
    g_param_spec_enum ("entrypoint-mode", NULL, NULL, CORRAL_TYPE_ENTRYPOINT_MODE,
                       CORRAL_ENTRYPOINT_AGENT, rw);
  properties[PROP_AGENT_COMMAND] =
    g_param_spec_string ("agent-command", NULL, NULL, DEFAULT_AGENT, rw);
  properties[PROP_AGENT_ARGS] =
    g_param_spec_boxed ("agent-args", NULL, NULL, G_TYPE_STRV, rw);
  properties[PROP_CUSTOM_COMMAND] =
    g_param_spec_string ("custom-command", NULL, NULL, NULL, rw);
  properties[PROP_SHARES] =
    g_param_spec_flags ("shares", NULL, NULL, CORRAL_TYPE_SHARES, CORRAL_SHARES_DEFAULT, rw);
  properties[PROP_FORWARD_GH_TOKEN] =
    g_param_spec_boolean ("forward-gh-token", NULL, NULL, FALSE, rw);
  properties[PROP_UNCONFINED] =
    g_param_spec_boolean ("unconfined", NULL, NULL, FALSE, rw);
  properties[PROP_LAST_USED] =
    g_param_spec_int64 ("last-used", NULL, NULL, 0, G_MAXINT64, 0, rw);

  g_object_class_install_properties (object_class, N_PROPS, properties);
}

static void
corral_profile_init (CorralProfile *self)
{
  self->memory_mib = DEFAULT_MEMORY_MIB;
  self->cores = DEFAULT_CORES;
  /* A new project: the allowlist, with the agent's hosts and every
   * developer preset (Docker Sandboxes' "Balanced" default). */
  self->network_mode = CORRAL_NETWORK_ALLOWLIST;
  self->network_presets = corral_network_preset_ids ();
  self->network_allow = g_new0 (char *, 1);
  self->entrypoint_mode = CORRAL_ENTRYPOINT_AGENT;
  self->agent_command = g_strdup (DEFAULT_AGENT);
  self->agent_args = g_new0 (char *, 1);
  self->shares = CORRAL_SHARES_DEFAULT;
  self->keyfile = g_key_file_new ();
}

CorralProfile *
corral_profile_new (const char *project_path)
{
  g_return_val_if_fail (project_path != NULL, NULL);

  return g_object_new (CORRAL_TYPE_PROFILE, "project-path", project_path, NULL);
}

/* The path recorded in a profile. A path that is not UTF-8 cannot be a
 * key file string, so it is also stored as a file:// URI, which can. */
static char *
keyfile_get_path (GKeyFile *keyfile)
{
  g_autofree char *uri = g_key_file_get_string (keyfile, "Project", "PathURI", NULL);

  if (uri != NULL)
    return g_filename_from_uri (uri, NULL, NULL);
  return g_key_file_get_string (keyfile, "Project", "Path", NULL);
}

static void
keyfile_set_path (GKeyFile   *keyfile,
                  const char *path)
{
  if (g_utf8_validate (path, -1, NULL))
    {
      g_key_file_set_string (keyfile, "Project", "Path", path);
      g_key_file_remove_key (keyfile, "Project", "PathURI", NULL);
    }
  else
    {
      g_autofree char *display = g_filename_display_name (path);
      g_autofree char *uri = g_filename_to_uri (path, NULL, NULL);

      g_key_file_set_string (keyfile, "Project", "Path", display);
      g_key_file_set_string (keyfile, "Project", "PathURI", uri);
    }
}

/* Reads the settings out of a parsed key file. Missing keys keep their
 * defaults; a key with a bad value does too, and is reported. */
static void
apply_keyfile (CorralProfile *self,
               GKeyFile      *kf,
               GString       *bad_keys)
{
  g_autoptr(GError) error = NULL;
  g_autofree char *mode = NULL;
  g_autofree char *command = NULL;
  g_auto(GStrv) args = NULL;
  g_auto(GStrv) list = NULL;
  g_autofree char *custom = NULL;
  guint64 u;
  gboolean b;

#define BAD(group, key)                                                  \
  G_STMT_START {                                                         \
    if (!g_error_matches (error, G_KEY_FILE_ERROR, G_KEY_FILE_ERROR_KEY_NOT_FOUND) && \
        !g_error_matches (error, G_KEY_FILE_ERROR, G_KEY_FILE_ERROR_GROUP_NOT_FOUND)) \
      g_string_append_printf (bad_keys, "%s%s", bad_keys->len ? ", " : "", key); \
    g_clear_error (&error);                                              \
  } G_STMT_END

  u = g_key_file_get_uint64 (kf, "VM", "MemoryMiB", &error);
  if (error == NULL && u >= 64 && u <= G_MAXUINT)
    self->memory_mib = u;
  else if (error == NULL)
    g_string_append_printf (bad_keys, "%sMemoryMiB", bad_keys->len ? ", " : "");
  else
    BAD ("VM", "MemoryMiB");

  u = g_key_file_get_uint64 (kf, "VM", "Cores", &error);
  if (error == NULL && u >= 1 && u <= 1024)
    self->cores = u;
  else if (error == NULL)
    g_string_append_printf (bad_keys, "%sCores", bad_keys->len ? ", " : "");
  else
    BAD ("VM", "Cores");

  /* [Network] Mode; a profile from before it has only [VM] Network,
   * and Network=true (the old default) keeps full: nobody's setup
   * changes silently. */
  mode = g_key_file_get_string (kf, "Network", "Mode", &error);
  if (mode != NULL)
    {
      if (!corral_network_mode_from_string (mode, &self->network_mode))
        g_string_append_printf (bad_keys, "%sMode", bad_keys->len ? ", " : "");
    }
  else
    {
      BAD ("Network", "Mode");
      b = g_key_file_get_boolean (kf, "VM", "Network", &error);
      if (error == NULL)
        self->network_mode = b ? CORRAL_NETWORK_FULL : CORRAL_NETWORK_OFF;
      else
        BAD ("VM", "Network");
    }
  g_clear_pointer (&mode, g_free);

  list = g_key_file_get_string_list (kf, "Network", "Presets", NULL, &error);
  if (list != NULL)
    {
      g_autoptr(GStrvBuilder) known = g_strv_builder_new ();

      /* A preset a newer Corral knows and this one does not is dropped. */
      for (guint i = 0; list[i] != NULL; i++)
        if (corral_network_preset_lookup (list[i]) != NULL)
          g_strv_builder_add (known, list[i]);
      g_strfreev (self->network_presets);
      self->network_presets = g_strv_builder_end (known);
    }
  else
    BAD ("Network", "Presets");
  g_clear_pointer (&list, g_strfreev);

  list = g_key_file_get_string_list (kf, "Network", "Allow", NULL, &error);
  if (list != NULL)
    {
      g_autoptr(GStrvBuilder) valid = g_strv_builder_new ();
      gboolean bad_entry = FALSE;

      for (guint i = 0; list[i] != NULL; i++)
        {
          g_autofree char *entry = corral_host_entry_normalize (list[i], NULL);

          if (entry != NULL)
            g_strv_builder_add (valid, entry);
          else
            bad_entry = TRUE;
        }
      if (bad_entry)
        g_string_append_printf (bad_keys, "%sAllow", bad_keys->len ? ", " : "");
      g_strfreev (self->network_allow);
      self->network_allow = g_strv_builder_end (valid);
    }
  else
    BAD ("Network", "Allow");
  g_clear_pointer (&list, g_strfreev);

  /* GLib 2.74 can return a value and set an error both (a bad escape
   * sequence such as "\`"): only a value without an error counts. */
  mode = g_key_file_get_string (kf, "Agent", "Entrypoint", &error);
  if (mode != NULL && error == NULL)
    {
      GEnumClass *klass = g_type_class_ref (CORRAL_TYPE_ENTRYPOINT_MODE);
      GEnumValue *value = g_enum_get_value_by_nick (klass, mode);

      if (value != NULL)
        self->entrypoint_mode = value->value;
      else
        g_string_append_printf (bad_keys, "%sEntrypoint", bad_keys->len ? ", " : "");
      g_type_class_unref (klass);
    }
  else
    BAD ("Agent", "Entrypoint");

  command = g_key_file_get_string (kf, "Agent", "Command", &error);
  if (command != NULL && *command != '\0' && error == NULL)
    {
      g_free (self->agent_command);
      self->agent_command = g_steal_pointer (&command);
    }
  else
    BAD ("Agent", "Command");

  args = g_key_file_get_string_list (kf, "Agent", "Args", NULL, &error);
  if (args != NULL && error == NULL)
    {
      g_strfreev (self->agent_args);
      self->agent_args = g_steal_pointer (&args);
    }
  else
    BAD ("Agent", "Args");

  custom = g_key_file_get_string (kf, "Agent", "CustomCommand", &error);
  if (custom != NULL && error == NULL)
    {
      g_free (self->custom_command);
      self->custom_command = *custom ? g_steal_pointer (&custom) : NULL;
    }
  else
    BAD ("Agent", "CustomCommand");

  for (guint i = 0; i < G_N_ELEMENTS (share_keys); i++)
    {
      b = g_key_file_get_boolean (kf, "Shares", share_keys[i].key, &error);
      if (error == NULL)
        self->shares = b ? (self->shares | share_keys[i].flag) : (self->shares & ~share_keys[i].flag);
      else
        BAD ("Shares", share_keys[i].key);
    }

  b = g_key_file_get_boolean (kf, "Shares", "ForwardGhToken", &error);
  if (error == NULL)
    self->forward_gh_token = b;
  else
    BAD ("Shares", "ForwardGhToken");

  /* Absent (every profile before the jail) means confined. */
  b = g_key_file_get_boolean (kf, "VM", "Unconfined", &error);
  if (error == NULL)
    self->unconfined = b;
  else
    BAD ("VM", "Unconfined");

  self->last_used = g_key_file_get_int64 (kf, "Project", "LastUsed", NULL);
  if (self->last_used < 0)
    self->last_used = 0;
#undef BAD
}

static gboolean
load_file (GKeyFile    *kf,
           const char  *path,
           GError     **error)
{
  g_autofree char *data = NULL;
  gsize length;

  if (!g_file_get_contents (path, &data, &length, error))
    return FALSE;
  return corral_key_file_load_from_data (kf, data, length, G_KEY_FILE_KEEP_COMMENTS, error);
}

/* The profile file of @project_path: the first <key>[-N].ini that records
 * this path, else the first that does not exist. Sets *keyfile when the
 * chosen file exists and parses, *unparsable when it exists but does not. */
static char *
find_profile_file (const char  *project_path,
                   GKeyFile   **keyfile,
                   gboolean    *unparsable,
                   GError     **load_error)
{
  g_autofree char *dir = corral_project_profiles_dir ();
  g_autofree char *key = corral_project_key (project_path);

  *keyfile = NULL;
  *unparsable = FALSE;
  for (guint n = 1; ; n++)
    {
      g_autofree char *name = n == 1 ? g_strdup_printf ("%s.ini", key)
                                     : g_strdup_printf ("%s-%u.ini", key, n);
      g_autofree char *file = g_build_filename (dir, name, NULL);
      g_autoptr(GKeyFile) kf = g_key_file_new ();
      g_autofree char *recorded = NULL;
      g_autoptr(GError) error = NULL;

      if (!g_file_test (file, G_FILE_TEST_EXISTS))
        return g_steal_pointer (&file);

      if (!load_file (kf, file, &error))
        {
          /* Ours by name but unreadable: it is this project's (a collision
           * is far less likely than a damaged file). */
          *unparsable = TRUE;
          g_propagate_error (load_error, g_steal_pointer (&error));
          return g_steal_pointer (&file);
        }
      recorded = keyfile_get_path (kf);
      if (recorded == NULL || g_str_equal (recorded, project_path))
        {
          *keyfile = g_steal_pointer (&kf);
          return g_steal_pointer (&file);
        }
      /* Another project with the same key: try the next name. */
    }
}

/* The settings of @kf, and in *warning (when wanted) which values made
 * no sense. */
static void
apply_keyfile_warn (CorralProfile *self,
                    GKeyFile      *kf,
                    const char    *source,
                    char         **warning)
{
  g_autoptr(GString) bad = g_string_new (NULL);

  apply_keyfile (self, kf, bad);
  if (bad->len > 0 && warning != NULL)
    *warning = g_strdup_printf (_("Some settings in “%s” have values that make no sense (%s); their defaults are used."),
                                source, bad->str);
}

CorralProfile *
corral_profile_new_from_data (const char  *project_path,
                              const char  *data,
                              gsize        length,
                              char       **warning,
                              GError     **error)
{
  g_autoptr(CorralProfile) self = NULL;
  g_autoptr(GKeyFile) kf = g_key_file_new ();

  g_return_val_if_fail (project_path != NULL, NULL);
  g_return_val_if_fail (data != NULL, NULL);

  if (warning != NULL)
    *warning = NULL;
  if (!corral_key_file_load_from_data (kf, data, length, G_KEY_FILE_KEEP_COMMENTS, error))
    return NULL;
  self = corral_profile_new (project_path);
  apply_keyfile_warn (self, kf, _("(text)"), warning);
  g_key_file_unref (self->keyfile);
  self->keyfile = g_steal_pointer (&kf);
  return g_steal_pointer (&self);
}

/* How much of a parser's complaint about a damaged file is quoted: the
 * complaint quotes the bad line, and the line can be anything. */
#define MAX_QUOTED_CHARS 200

CorralProfile *
corral_profile_load_full (const char          *project_path,
                          CorralProfileLoadFlags flags,
                          char               **warning,
                          GError             **error)
{
  g_autoptr(CorralProfile) self = NULL;
  g_autoptr(GKeyFile) kf = NULL;
  g_autoptr(GError) load_error = NULL;
  gboolean unparsable;

  g_return_val_if_fail (project_path != NULL, NULL);

  if (warning != NULL)
    *warning = NULL;

  self = corral_profile_new (project_path);
  self->file_path = find_profile_file (project_path, &kf, &unparsable, &load_error);

  if (unparsable)
    {
      g_autoptr(GError) rename_error = NULL;
      g_autofree char *aside = NULL;
      g_autofree char *display = g_filename_display_name (self->file_path);
      g_autofree char *why = corral_text_for_display (load_error->message, -1, MAX_QUOTED_CHARS);

      if (flags & CORRAL_PROFILE_LOAD_READ_ONLY)
        {
          /* Nothing is renamed: the next real run keeps it aside. The
           * file path is forgotten, so this profile cannot be saved over
           * the damaged file by mistake. */
          if (warning != NULL)
            *warning = g_strdup_printf (_("The settings file “%s” could not be read (%s); default settings are used."),
                                        display, why);
          g_clear_pointer (&self->file_path, g_free);
          return g_steal_pointer (&self);
        }
      aside = corral_rename_aside (self->file_path, "corrupt", &rename_error);
      if (aside == NULL)
        {
          g_set_error (error, G_IO_ERROR, G_IO_ERROR_FAILED,
                       _("The settings file “%s” is damaged and could not be moved aside: %s"),
                       display, rename_error->message);
          return NULL;
        }
      if (warning != NULL)
        {
          g_autofree char *aside_display = g_filename_display_name (aside);
          *warning = g_strdup_printf (_("The settings file “%s” could not be read (%s). It was kept as “%s” and default settings are used."),
                                      display, why, aside_display);
        }
      return g_steal_pointer (&self);
    }

  if (kf != NULL)
    {
      g_autofree char *display = g_filename_display_name (self->file_path);

      apply_keyfile_warn (self, kf, display, warning);
      g_key_file_unref (self->keyfile);
      self->keyfile = g_steal_pointer (&kf);
    }
  return g_steal_pointer (&self);
}

CorralProfile *
corral_profile_load (const char  *project_path,
                     char       **warning,
                     GError     **error)
{
  return corral_profile_load_full (project_path, CORRAL_PROFILE_LOAD_DEFAULT, warning, error);
}

char *
corral_profile_to_data (CorralProfile *self,
                        gsize         *length)
{
  GKeyFile *kf;

  g_return_val_if_fail (CORRAL_IS_PROFILE (self), NULL);

  kf = self->keyfile;
  keyfile_set_path (kf, self->project_path);
  g_key_file_set_int64 (kf, "Project", "LastUsed", self->last_used);
  g_key_file_set_uint64 (kf, "VM", "MemoryMiB", self->memory_mib);
  g_key_file_set_uint64 (kf, "VM", "Cores", self->cores);
  /* [VM] Network stays for an older Corral reading this file. */
  g_key_file_set_boolean (kf, "VM", "Network", self->network_mode != CORRAL_NETWORK_OFF);
  g_key_file_set_string (kf, "Network", "Mode", corral_network_mode_to_string (self->network_mode));
  g_key_file_set_string_list (kf, "Network", "Presets",
                              (const char * const *) self->network_presets,
                              g_strv_length (self->network_presets));
  g_key_file_set_string_list (kf, "Network", "Allow",
                              (const char * const *) self->network_allow,
                              g_strv_length (self->network_allow));
  {
    GEnumClass *klass = g_type_class_ref (CORRAL_TYPE_ENTRYPOINT_MODE);
    g_key_file_set_string (kf, "Agent", "Entrypoint",
                           g_enum_get_value (klass, self->entrypoint_mode)->value_nick);
    g_type_class_unref (klass);
  }
  g_key_file_set_string (kf, "Agent", "Command", self->agent_command);
  g_key_file_set_string_list (kf, "Agent", "Args",
                              (const char * const *) self->agent_args,
                              g_strv_length (self->agent_args));
  g_key_file_set_string (kf, "Agent", "CustomCommand", self->custom_command ? self->custom_command : "");
  for (guint i = 0; i < G_N_ELEMENTS (share_keys); i++)
    g_key_file_set_boolean (kf, "Shares", share_keys[i].key, (self->shares & share_keys[i].flag) != 0);
  g_key_file_set_boolean (kf, "Shares", "ForwardGhToken", self->forward_gh_token);
  g_key_file_set_boolean (kf, "VM", "Unconfined", self->unconfined);

  return g_key_file_to_data (kf, length, NULL);
}

gboolean
corral_profile_save (CorralProfile  *self,
                     GError        **error)
{
  g_autofree char *data = NULL;
  g_autofree char *dir = NULL;
  gsize length;

  g_return_val_if_fail (CORRAL_IS_PROFILE (self), FALSE);

  if (self->file_path == NULL)
    {
      gboolean unparsable;
      g_autoptr(GKeyFile) existing = NULL;

      /* A profile made with _new() that is saved for the first time. */
      self->file_path = find_profile_file (self->project_path, &existing, &unparsable, NULL);
      if (unparsable)
        {
          g_autofree char *aside = corral_rename_aside (self->file_path, "corrupt", error);
          if (aside == NULL)
            return FALSE;
        }
      if (existing != NULL)
        {
          g_key_file_unref (self->keyfile);
          self->keyfile = g_steal_pointer (&existing);
        }
    }

  data = corral_profile_to_data (self, &length);
  dir = g_path_get_dirname (self->file_path);
  if (g_mkdir_with_parents (dir, 0700) != 0)
    {
      int saved = errno;
      g_autofree char *display = g_filename_display_name (dir);
      g_set_error (error, G_IO_ERROR, g_io_error_from_errno (saved),
                   _("Could not create the folder “%s”: %s"), display, g_strerror (saved));
      return FALSE;
    }
  /* Written to a temporary file and renamed over: a crash leaves either
   * the old or the new settings, never half of them. */
  return g_file_set_contents_full (self->file_path, data, length,
                                   G_FILE_SET_CONTENTS_CONSISTENT, 0600, error);
}

static int
compare_last_used (gconstpointer a,
                   gconstpointer b)
{
  CorralProfile *pa = *(CorralProfile **) a;
  CorralProfile *pb = *(CorralProfile **) b;

  if (pa->last_used != pb->last_used)
    return pa->last_used > pb->last_used ? -1 : 1;
  return g_strcmp0 (pa->project_path, pb->project_path);
}

GPtrArray *
corral_profile_list_saved (void)
{
  GPtrArray *list = g_ptr_array_new_with_free_func (g_object_unref);
  g_autofree char *dir_path = corral_project_profiles_dir ();
  g_autoptr(GDir) dir = g_dir_open (dir_path, 0, NULL);
  const char *name;

  while (dir != NULL && (name = g_dir_read_name (dir)) != NULL)
    {
      g_autofree char *file = NULL;
      g_autoptr(GKeyFile) kf = NULL;
      g_autofree char *path = NULL;
      CorralProfile *profile;
      g_autoptr(GString) bad = NULL;

      if (!g_str_has_suffix (name, ".ini"))
        continue;
      file = g_build_filename (dir_path, name, NULL);
      kf = g_key_file_new ();
      if (!load_file (kf, file, NULL))
        continue;
      path = keyfile_get_path (kf);
      if (path == NULL || !g_path_is_absolute (path))
        continue;

      profile = corral_profile_new (path);
      bad = g_string_new (NULL);
      apply_keyfile (profile, kf, bad);
      profile->file_path = g_steal_pointer (&file);
      g_key_file_unref (profile->keyfile);
      profile->keyfile = g_steal_pointer (&kf);
      g_ptr_array_add (list, profile);
    }
  g_ptr_array_sort (list, compare_last_used);
  return list;
}

const char *
corral_profile_get_project_path (CorralProfile *self)
{
  g_return_val_if_fail (CORRAL_IS_PROFILE (self), NULL);
  return self->project_path;
}

/* NULL until loaded or saved. */
const char *
corral_profile_get_file_path (CorralProfile *self)
{
  g_return_val_if_fail (CORRAL_IS_PROFILE (self), NULL);
  return self->file_path;
}

#define SCALAR_ACCESSORS(type, name, field, PROP)                        \
  type                                                                   \
  corral_profile_get_##name (CorralProfile *self)                        \
  {                                                                      \
    g_return_val_if_fail (CORRAL_IS_PROFILE (self), 0);                  \
    return self->field;                                                  \
  }                                                                      \
  void                                                                   \
  corral_profile_set_##name (CorralProfile *self, type value)            \
  {                                                                      \
    g_return_if_fail (CORRAL_IS_PROFILE (self));                         \
    if (self->field == value)                                            \
      return;                                                            \
    self->field = value;                                                 \
    g_object_notify_by_pspec (G_OBJECT (self), properties[PROP]);        \
  }

SCALAR_ACCESSORS (guint, memory_mib, memory_mib, PROP_MEMORY_MIB)
SCALAR_ACCESSORS (guint, cores, cores, PROP_CORES)
SCALAR_ACCESSORS (CorralNetworkMode, network_mode, network_mode, PROP_NETWORK_MODE)
SCALAR_ACCESSORS (CorralEntrypointMode, entrypoint_mode, entrypoint_mode, PROP_ENTRYPOINT_MODE)
SCALAR_ACCESSORS (CorralShares, shares, shares, PROP_SHARES)
SCALAR_ACCESSORS (gboolean, forward_gh_token, forward_gh_token, PROP_FORWARD_GH_TOKEN)
SCALAR_ACCESSORS (gboolean, unconfined, unconfined, PROP_UNCONFINED)
SCALAR_ACCESSORS (gint64, last_used, last_used, PROP_LAST_USED)

const char *
corral_profile_get_agent_command (CorralProfile *self)
{
  g_return_val_if_fail (CORRAL_IS_PROFILE (self), NULL);
  return self->agent_command;
}

void
corral_profile_set_agent_command (CorralProfile *self,
                                  const char    *command)
{
  g_return_if_fail (CORRAL_IS_PROFILE (self));

  if (command == NULL || *command == '\0')
    command = DEFAULT_AGENT;
  if (g_strcmp0 (self->agent_command, command) == 0)
    return;
  g_free (self->agent_command);
  self->agent_command = g_strdup (command);
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_AGENT_COMMAND]);
}

const char * const *
corral_profile_get_agent_args (CorralProfile *self)
{
  g_return_val_if_fail (CORRAL_IS_PROFILE (self), NULL);
  return (const char * const *) self->agent_args;
}

void
corral_profile_set_agent_args (CorralProfile      *self,
                               const char * const *args)
{
  static const char * const empty[] = { NULL };

  g_return_if_fail (CORRAL_IS_PROFILE (self));

  if (args == NULL)
    args = empty;
  if (g_strv_equal ((const char * const *) self->agent_args, args))
    return;
  g_strfreev (self->agent_args);
  self->agent_args = g_strdupv ((char **) args);
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_AGENT_ARGS]);
}

const char *
corral_profile_get_custom_command (CorralProfile *self)
{
  g_return_val_if_fail (CORRAL_IS_PROFILE (self), NULL);
  return self->custom_command;
}

void
corral_profile_set_custom_command (CorralProfile *self,
                                   const char    *command)
{
  g_return_if_fail (CORRAL_IS_PROFILE (self));

  if (command != NULL && *command == '\0')
    command = NULL;
  if (g_strcmp0 (self->custom_command, command) == 0)
    return;
  g_free (self->custom_command);
  self->custom_command = g_strdup (command);
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_CUSTOM_COMMAND]);
}

gboolean
corral_profile_get_network (CorralProfile *self)
{
  g_return_val_if_fail (CORRAL_IS_PROFILE (self), FALSE);
  return self->network_mode != CORRAL_NETWORK_OFF;
}

void
corral_profile_set_network (CorralProfile *self,
                            gboolean       network)
{
  g_return_if_fail (CORRAL_IS_PROFILE (self));

  if (!network)
    corral_profile_set_network_mode (self, CORRAL_NETWORK_OFF);
  else if (self->network_mode == CORRAL_NETWORK_OFF)
    corral_profile_set_network_mode (self, CORRAL_NETWORK_ALLOWLIST);
}

static gboolean
set_strv (char               ***field,
          const char * const   *value)
{
  static const char * const empty[] = { NULL };

  if (value == NULL)
    value = empty;
  if (g_strv_equal ((const char * const *) *field, value))
    return FALSE;
  g_strfreev (*field);
  *field = g_strdupv ((char **) value);
  return TRUE;
}

const char * const *
corral_profile_get_network_presets (CorralProfile *self)
{
  g_return_val_if_fail (CORRAL_IS_PROFILE (self), NULL);
  return (const char * const *) self->network_presets;
}

void
corral_profile_set_network_presets (CorralProfile      *self,
                                    const char * const *presets)
{
  g_return_if_fail (CORRAL_IS_PROFILE (self));

  if (set_strv (&self->network_presets, presets))
    g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_NETWORK_PRESETS]);
}

gboolean
corral_profile_get_network_preset (CorralProfile *self,
                                   const char    *id)
{
  g_return_val_if_fail (CORRAL_IS_PROFILE (self), FALSE);
  return g_strv_contains ((const char * const *) self->network_presets, id);
}

void
corral_profile_set_network_preset (CorralProfile *self,
                                   const char    *id,
                                   gboolean       ticked)
{
  g_autoptr(GStrvBuilder) builder = g_strv_builder_new ();
  g_auto(GStrv) presets = NULL;

  g_return_if_fail (CORRAL_IS_PROFILE (self));
  g_return_if_fail (corral_network_preset_lookup (id) != NULL);

  if (corral_profile_get_network_preset (self, id) == ticked)
    return;
  for (guint i = 0; self->network_presets[i] != NULL; i++)
    if (!g_str_equal (self->network_presets[i], id))
      g_strv_builder_add (builder, self->network_presets[i]);
  if (ticked)
    g_strv_builder_add (builder, id);
  presets = g_strv_builder_end (builder);
  corral_profile_set_network_presets (self, (const char * const *) presets);
}

const char * const *
corral_profile_get_network_allow (CorralProfile *self)
{
  g_return_val_if_fail (CORRAL_IS_PROFILE (self), NULL);
  return (const char * const *) self->network_allow;
}

void
corral_profile_set_network_allow (CorralProfile      *self,
                                  const char * const *entries)
{
  g_autoptr(GPtrArray) valid = g_ptr_array_new_with_free_func (g_free);

  g_return_if_fail (CORRAL_IS_PROFILE (self));

  /* Kept normalized and without duplicates; what is not an entry is
   * dropped (the dialog checks each entry as it is typed). */
  for (guint i = 0; entries != NULL && entries[i] != NULL; i++)
    {
      char *entry = corral_host_entry_normalize (entries[i], NULL);

      if (entry != NULL && !g_ptr_array_find_with_equal_func (valid, entry, g_str_equal, NULL))
        g_ptr_array_add (valid, entry);
      else
        g_free (entry);
    }
  g_ptr_array_add (valid, NULL);
  if (set_strv (&self->network_allow, (const char * const *) valid->pdata))
    g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_NETWORK_ALLOW]);
}

gboolean
corral_profile_add_network_allow (CorralProfile  *self,
                                  const char     *entry,
                                  GError        **error)
{
  g_autofree char *normal = NULL;
  g_autoptr(GStrvBuilder) builder = NULL;
  g_auto(GStrv) entries = NULL;

  g_return_val_if_fail (CORRAL_IS_PROFILE (self), FALSE);

  normal = corral_host_entry_normalize (entry, error);
  if (normal == NULL)
    return FALSE;
  if (g_strv_contains ((const char * const *) self->network_allow, normal))
    return TRUE;
  builder = g_strv_builder_new ();
  g_strv_builder_addv (builder, (const char **) self->network_allow);
  g_strv_builder_add (builder, normal);
  entries = g_strv_builder_end (builder);
  corral_profile_set_network_allow (self, (const char * const *) entries);
  return TRUE;
}
