/* corral-meta-dir.c: the private per-run folder the guest reads at boot
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <dirent.h>
#include <signal.h>
#include <sys/stat.h>
#include <unistd.h>
#include <glib/gi18n.h>
#include <glib/gstdio.h>
#include <gio/gio.h>

#include "corral-meta-dir.h"
#include "corral-project-paths.h"

struct _CorralMetaDir
{
  GObject parent_instance;

  char *path;
  char *meta_path;
  char *gitconfig_path;
  gboolean destroyed;
};

G_DEFINE_FINAL_TYPE (CorralMetaDir, corral_meta_dir, G_TYPE_OBJECT)

static void
corral_meta_dir_finalize (GObject *object)
{
  CorralMetaDir *self = CORRAL_META_DIR (object);

  /* Secrets must not outlive the run, even if the owner forgot. */
  corral_meta_dir_destroy (self);
  g_free (self->path);
  g_free (self->meta_path);
  g_free (self->gitconfig_path);

  G_OBJECT_CLASS (corral_meta_dir_parent_class)->finalize (object);
}

static void
corral_meta_dir_class_init (CorralMetaDirClass *klass)
{
  G_OBJECT_CLASS (klass)->finalize = corral_meta_dir_finalize;
}

static void
corral_meta_dir_init (CorralMetaDir *self)
{
}

char *
corral_meta_dir_path_for (const char *project_path)
{
  g_autofree char *base = corral_runtime_base_dir ();
  g_autofree char *key = corral_project_key (project_path);

  return g_build_filename (base, key, NULL);
}

/* How deep the removal goes before it moves a folder up to the top. */
#define REMOVE_MAX_DEPTH 32

/* The folder @name in @parent, opened to be emptied: not through a link,
 * and made ours to list and change first (QEMU may have left it 0000;
 * chmod through /proc, since the folder was opened without following). */
static int
open_to_empty (int         parent,
               const char *name)
{
  int path = openat (parent, name, O_PATH | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
  char proc[64];
  int fd;

  if (path < 0)
    return -1;
  g_snprintf (proc, sizeof proc, "/proc/self/fd/%d", path);
  chmod (proc, 0700);
  fd = openat (path, ".", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  close (path);
  return fd;
}

/* Empties the folder @fd (closed here) by descriptors, never by path and
 * never through a link. The jail's /var/tmp is QEMU's to fill: a folder
 * in it may be swapped for a link while we go (a QEMU killed a moment
 * ago), and its tree may be deeper than any path (or than the folders we
 * may hold open): one deeper than REMOVE_MAX_DEPTH is moved into @top
 * (the same file system) and emptied from there. Counts in @moved. */
static void
remove_contents (int    top,
                 int    fd,
                 guint  depth,
                 guint *serial,
                 guint *moved)
{
  DIR *dir = fdopendir (fd);
  struct dirent *e;

  if (dir == NULL)
    {
      close (fd);
      return;
    }
  while ((e = readdir (dir)) != NULL)
    {
      int sub;

      if (g_str_equal (e->d_name, ".") || g_str_equal (e->d_name, ".."))
        continue;
      /* Keep going on errors: remove as much as possible. */
      if (unlinkat (dirfd (dir), e->d_name, 0) == 0 || errno != EISDIR)
        continue;
      if (depth >= REMOVE_MAX_DEPTH)
        {
          char name[64];

          g_snprintf (name, sizeof name, ".corral-removing-%u", (*serial)++);
          if (renameat (dirfd (dir), e->d_name, top, name) == 0)
            (*moved)++;
          continue;
        }
      sub = open_to_empty (dirfd (dir), e->d_name);
      if (sub >= 0)
        remove_contents (top, sub, depth + 1, serial, moved);
      unlinkat (dirfd (dir), e->d_name, AT_REMOVEDIR);
    }
  closedir (dir);
}

gboolean
corral_remove_tree (const char  *path,
                    GError     **error)
{
  GStatBuf st;
  guint serial = 0;

  if (g_lstat (path, &st) != 0)
    return TRUE;
  if (S_ISDIR (st.st_mode))
    {
      int top = open_to_empty (AT_FDCWD, path);

      /* Each pass empties what it reaches; what was moved up, the next. */
      for (guint pass = 0; top >= 0 && pass < 10000; pass++)
        {
          int fd = openat (top, ".", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
          guint moved = 0;

          if (fd < 0)
            break;
          remove_contents (top, fd, 0, &serial, &moved);
          if (moved == 0)
            break;
        }
      if (top >= 0)
        close (top);
      rmdir (path);
    }
  else
    unlink (path);
  if (g_lstat (path, &st) == 0)
    {
      g_autofree char *display = g_filename_display_name (path);
      g_set_error (error, G_IO_ERROR, G_IO_ERROR_FAILED,
                   _("Could not remove “%s”"), display);
      return FALSE;
    }
  return TRUE;
}

/* Start time of @pid in clock ticks since boot (field 22 of
 * /proc/PID/stat), so that a recycled pid is not taken for the owner. */
static guint64
process_start_time (int pid)
{
  g_autofree char *path = g_strdup_printf ("/proc/%d/stat", pid);
  g_autofree char *stat = NULL;
  const char *p;
  g_auto(GStrv) fields = NULL;

  if (!g_file_get_contents (path, &stat, NULL, NULL))
    return 0;
  /* The command name may hold spaces and parentheses: skip past the last ')'. */
  p = strrchr (stat, ')');
  if (p == NULL)
    return 0;
  fields = g_strsplit (p + 2, " ", 0);
  /* fields[0] is field 3 (state), so field 22 is fields[19]. */
  if (g_strv_length (fields) < 20)
    return 0;
  return g_ascii_strtoull (fields[19], NULL, 10);
}

static char *
owner_line (void)
{
  int pid = getpid ();

  return g_strdup_printf ("%d %" G_GUINT64_FORMAT "\n", pid, process_start_time (pid));
}

/* Whether the process that wrote @owner_file still runs. */
static gboolean
owner_alive (const char *owner_file)
{
  g_autofree char *text = NULL;
  int pid;
  guint64 start = 0;

  if (!g_file_get_contents (owner_file, &text, NULL, NULL))
    return FALSE;
  if (sscanf (text, "%d %" G_GUINT64_FORMAT, &pid, &start) < 1 || pid <= 0)
    return FALSE;
  if (kill (pid, 0) != 0 && errno == ESRCH)
    return FALSE;
  return start == 0 || process_start_time (pid) == start;
}

guint
corral_meta_dir_sweep_stale (void)
{
  g_autofree char *base = corral_runtime_base_dir ();
  g_autoptr(GDir) dir = g_dir_open (base, 0, NULL);
  const char *name;
  guint removed = 0;

  while (dir != NULL && (name = g_dir_read_name (dir)) != NULL)
    {
      g_autofree char *path = g_build_filename (base, name, NULL);
      g_autofree char *owner = g_build_filename (path, "owner", NULL);

      /* Only run dirs (they have an owner file); anything else under
       * corral/ is somebody else's business. */
      if (!g_file_test (owner, G_FILE_TEST_IS_REGULAR) || owner_alive (owner))
        continue;
      if (corral_remove_tree (path, NULL))
        removed++;
    }
  return removed;
}

/* A folder only we can enter; with @parents, the folders above it too
 * (and one that exists is fine). */
static gboolean
make_private_dir (const char  *path,
                  gboolean     parents,
                  GError     **error)
{
  if ((parents ? g_mkdir_with_parents (path, 0700) : g_mkdir (path, 0700)) != 0)
    {
      int saved = errno;
      g_autofree char *display = g_filename_display_name (path);
      g_set_error (error, G_IO_ERROR, g_io_error_from_errno (saved),
                   _("Could not create the folder “%s”: %s"), display, g_strerror (saved));
      return FALSE;
    }
  /* mkdir's mode is filtered by the umask; make sure. */
  chmod (path, 0700);
  return TRUE;
}

static gboolean
write_private_file (const char  *path,
                    const char  *contents,
                    gssize       length,
                    GError     **error)
{
  /* Mode 0600 from creation: the file is never readable by others, not
   * even between the write and a chmod. */
  if (length < 0)
    length = strlen (contents);
  return g_file_set_contents_full (path, contents, length,
                                   G_FILE_SET_CONTENTS_CONSISTENT, 0600, error);
}

CorralMetaDir *
corral_meta_dir_create (const char  *project_path,
                        GError     **error)
{
  g_autoptr(CorralMetaDir) self = g_object_new (CORRAL_TYPE_META_DIR, NULL);
  g_autofree char *base = corral_runtime_base_dir ();
  g_autofree char *owner = NULL;
  g_autofree char *line = NULL;

  g_return_val_if_fail (project_path != NULL, NULL);

  if (!make_private_dir (base, TRUE, error))
    return NULL;

  self->path = corral_meta_dir_path_for (project_path);
  self->meta_path = g_build_filename (self->path, "meta", NULL);
  self->gitconfig_path = g_build_filename (self->path, "gitconfig", NULL);
  owner = g_build_filename (self->path, "owner", NULL);

  if (g_file_test (self->path, G_FILE_TEST_EXISTS))
    {
      if (owner_alive (owner))
        {
          self->destroyed = TRUE;  /* not ours: never remove it */
          g_set_error (error, G_IO_ERROR, G_IO_ERROR_BUSY,
                       _("This project’s virtual machine is already running"));
          return NULL;
        }
      if (!corral_remove_tree (self->path, error))
        {
          self->destroyed = TRUE;
          return NULL;
        }
    }

  if (!make_private_dir (self->path, FALSE, error))
    {
      self->destroyed = TRUE;
      return NULL;
    }
  line = owner_line ();
  if (!write_private_file (owner, line, -1, error) ||
      !make_private_dir (self->meta_path, FALSE, error) ||
      !make_private_dir (self->gitconfig_path, FALSE, error))
    return NULL;

  return g_steal_pointer (&self);
}

gboolean
corral_meta_dir_write (CorralMetaDir  *self,
                       const char     *name,
                       const char     *contents,
                       gssize          length,
                       GError        **error)
{
  g_autofree char *path = NULL;

  g_return_val_if_fail (CORRAL_IS_META_DIR (self), FALSE);
  g_return_val_if_fail (strchr (name, '/') == NULL, FALSE);

  path = g_build_filename (self->meta_path, name, NULL);
  return write_private_file (path, contents, length, error);
}

/* Copies @source (a regular file) to @target, 0600; a missing source is
 * not an error. */
static gboolean
copy_if_exists (const char  *source,
                const char  *target,
                GError     **error)
{
  g_autofree char *contents = NULL;
  gsize length;
  g_autoptr(GError) local = NULL;

  if (!g_file_test (source, G_FILE_TEST_IS_REGULAR))
    return TRUE;
  if (!g_file_get_contents (source, &contents, &length, &local))
    {
      /* Unreadable (permissions, vanished): the guest does without it. */
      return TRUE;
    }
  return write_private_file (target, contents, length, error);
}

char *
corral_entrypoint_for_profile (CorralProfile *profile)
{
  switch (corral_profile_get_entrypoint_mode (profile))
    {
    case CORRAL_ENTRYPOINT_SHELL:
      return g_strdup ("bash");
    case CORRAL_ENTRYPOINT_CUSTOM:
      if (corral_profile_get_custom_command (profile) != NULL)
        return g_strdup (corral_profile_get_custom_command (profile));
      return g_strdup ("bash");
    case CORRAL_ENTRYPOINT_AGENT:
    default:
      {
        g_autoptr(GPtrArray) words = g_ptr_array_new ();
        const char * const *args = corral_profile_get_agent_args (profile);

        g_ptr_array_add (words, (gpointer) corral_profile_get_agent_command (profile));
        for (guint i = 0; args[i] != NULL; i++)
          g_ptr_array_add (words, (gpointer) args[i]);
        g_ptr_array_add (words, NULL);
        return corral_shell_join ((const char * const *) words->pdata);
      }
    }
}

gboolean
corral_meta_dir_populate (CorralMetaDir    *self,
                          CorralProfile    *profile,
                          const CorralHost *host,
                          const char       *api_key,
                          const char       *gh_token,
                          GError          **error)
{
  g_autofree char *entrypoint = NULL;
  g_autofree char *uid = NULL;
  g_autofree char *gid = NULL;
  g_autofree char *claude_json = NULL;
  g_autofree char *claude_json_copy = NULL;
  g_autofree char *gitconfig = NULL;
  g_autofree char *gitconfig_copy = NULL;

  g_return_val_if_fail (CORRAL_IS_META_DIR (self), FALSE);
  g_return_val_if_fail (CORRAL_IS_PROFILE (profile), FALSE);

  entrypoint = corral_entrypoint_for_profile (profile);
  uid = g_strdup_printf ("%u", host->uid);
  gid = g_strdup_printf ("%u", host->gid);

  if (!corral_meta_dir_write (self, "entrypoint", entrypoint, -1, error) ||
      !corral_meta_dir_write (self, "host_home", host->home ? host->home : "", -1, error) ||
      !corral_meta_dir_write (self, "host_project", corral_profile_get_project_path (profile), -1, error) ||
      !corral_meta_dir_write (self, "lang", host->lang ? host->lang : "", -1, error) ||
      !corral_meta_dir_write (self, "lc_all", host->lc_all ? host->lc_all : "", -1, error) ||
      !corral_meta_dir_write (self, "uid", uid, -1, error) ||
      !corral_meta_dir_write (self, "gid", gid, -1, error))
    return FALSE;

  /* The API key stays on the host, in every mode: the guest gets a
   * placeholder, which Corral's proxy swaps for the key. */
  if (api_key != NULL && *api_key != '\0' &&
      !corral_meta_dir_write (self, "apikey", CORRAL_PROXY_PLACEHOLDER_KEY, -1, error))
    return FALSE;
  if (corral_profile_get_network (profile))
    {
      if (!corral_meta_dir_write (self, "proxy", CORRAL_PROXY_GUEST_URL, -1, error) ||
          !corral_meta_dir_write (self, "no_proxy", "localhost,127.0.0.1,::1," CORRAL_PROXY_GUEST_ADDRESS, -1, error) ||
          !corral_meta_dir_write (self, "api_base_url", CORRAL_PROXY_GUEST_URL, -1, error))
        return FALSE;
    }
  else
    {
      const char *names[] = { "proxy", "no_proxy", "api_base_url" };

      for (guint i = 0; i < G_N_ELEMENTS (names); i++)
        {
          g_autofree char *path = g_build_filename (self->meta_path, names[i], NULL);
          g_unlink (path);
        }
    }
  if (corral_profile_get_forward_gh_token (profile) && gh_token != NULL && *gh_token != '\0' &&
      !corral_meta_dir_write (self, "gh_token", gh_token, -1, error))
    return FALSE;

  if (host->home != NULL)
    {
      claude_json = g_build_filename (host->home, ".claude.json", NULL);
      claude_json_copy = g_build_filename (self->meta_path, "claude.json", NULL);
      if (!copy_if_exists (claude_json, claude_json_copy, error))
        return FALSE;

      if (corral_profile_get_shares (profile) & CORRAL_SHARE_GIT_CONFIG)
        {
          gitconfig = g_build_filename (host->home, ".gitconfig", NULL);
          gitconfig_copy = g_build_filename (self->gitconfig_path, ".gitconfig", NULL);
          if (!copy_if_exists (gitconfig, gitconfig_copy, error))
            return FALSE;
        }
    }
  return TRUE;
}

const char *
corral_meta_dir_get_path (CorralMetaDir *self)
{
  g_return_val_if_fail (CORRAL_IS_META_DIR (self), NULL);
  return self->path;
}

const char *
corral_meta_dir_get_meta_path (CorralMetaDir *self)
{
  g_return_val_if_fail (CORRAL_IS_META_DIR (self), NULL);
  return self->meta_path;
}

const char *
corral_meta_dir_get_gitconfig_path (CorralMetaDir *self)
{
  g_return_val_if_fail (CORRAL_IS_META_DIR (self), NULL);
  return self->gitconfig_path;
}

void
corral_meta_dir_destroy (CorralMetaDir *self)
{
  g_return_if_fail (CORRAL_IS_META_DIR (self));

  if (self->destroyed || self->path == NULL)
    return;
  self->destroyed = TRUE;
  corral_remove_tree (self->path, NULL);
}

CorralShareSources *
corral_share_sources_probe (const CorralHost *host,
                            const char       *run_dir)
{
  CorralShareSources *sources = g_new0 (CorralShareSources, 1);
  g_autofree char *gitconfig = NULL;
  /* In a Flatpak the app's config dir is its own; the host's is
   * HOST_XDG_CONFIG_HOME, or ~/.config (git's and gh's folders are
   * granted there). */
  const char *host_config = g_getenv ("HOST_XDG_CONFIG_HOME");
  g_autofree char *flatpak_config = host->home != NULL && g_file_test ("/.flatpak-info", G_FILE_TEST_EXISTS)
    ? g_build_filename (host->home, ".config", NULL) : NULL;
  const char *config = host_config != NULL && *host_config != '\0' ? host_config
    : flatpak_config != NULL ? flatpak_config : g_get_user_config_dir ();
  struct {
    CorralShareId id;
    char *path;
  } dirs[] = {
    { CORRAL_SHARE_ID_CLAUDE_AUTH, host->home ? g_build_filename (host->home, ".claude", NULL) : NULL },
    { CORRAL_SHARE_ID_GIT_CONFIG_DIR, g_build_filename (config, "git", NULL) },
    { CORRAL_SHARE_ID_GH_CONFIG_DIR, g_build_filename (config, "gh", NULL) },
    { CORRAL_SHARE_ID_SSH_DIR, host->home ? g_build_filename (host->home, ".ssh", NULL) : NULL },
  };

  for (guint i = 0; i < G_N_ELEMENTS (dirs); i++)
    {
      if (dirs[i].path != NULL && g_file_test (dirs[i].path, G_FILE_TEST_IS_DIR))
        sources->paths[dirs[i].id] = g_steal_pointer (&dirs[i].path);
      g_free (dirs[i].path);
    }

  if (host->home != NULL && run_dir != NULL)
    {
      gitconfig = g_build_filename (host->home, ".gitconfig", NULL);
      if (g_file_test (gitconfig, G_FILE_TEST_IS_REGULAR))
        sources->paths[CORRAL_SHARE_ID_GIT_CONFIG] = g_build_filename (run_dir, "gitconfig", NULL);
    }
  return sources;
}

void
corral_share_sources_apply (const CorralShareSources *sources,
                            CorralRuntime            *runtime)
{
  for (guint i = 0; i < CORRAL_N_SHARE_IDS; i++)
    runtime->share_sources[i] = sources->paths[i];
}

void
corral_share_sources_free (CorralShareSources *sources)
{
  if (sources == NULL)
    return;
  for (guint i = 0; i < CORRAL_N_SHARE_IDS; i++)
    g_free (sources->paths[i]);
  g_free (sources);
}
