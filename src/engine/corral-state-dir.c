/* corral-state-dir.c: a project's persistent state, outside the project
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include <glib/gi18n.h>
#include <glib/gstdio.h>
#include <gio/gio.h>

#include "corral-project-paths.h"
#include "corral-state-dir.h"

struct _CorralStateDir
{
  GObject parent_instance;

  char *path;
  int lock_fd;
};

G_DEFINE_FINAL_TYPE (CorralStateDir, corral_state_dir, G_TYPE_OBJECT)
G_DEFINE_QUARK (corral-state-dir-error-quark, corral_state_dir_error)

static const char cachedir_tag[] =
  "Signature: 8a477f597d28d172789f06886806bc55\n"
  "# This file is a cache directory tag created by Corral.\n"
  "# For information about cache directory tags, see:\n"
  "#\thttps://bford.info/cachedir/\n";

static void
corral_state_dir_finalize (GObject *object)
{
  CorralStateDir *self = CORRAL_STATE_DIR (object);

  corral_state_dir_release (self);
  g_free (self->path);

  G_OBJECT_CLASS (corral_state_dir_parent_class)->finalize (object);
}

static void
corral_state_dir_class_init (CorralStateDirClass *klass)
{
  G_OBJECT_CLASS (klass)->finalize = corral_state_dir_finalize;
}

static void
corral_state_dir_init (CorralStateDir *self)
{
  self->lock_fd = -1;
}

/* The project a state dir records in its `path`. The guest can write
 * there (the state dir is a share): the file may have become a FIFO (an
 * open that never returns), a link to /dev/zero (a read that never ends)
 * or a link to any file of the user's. So only a regular file, not
 * followed, and only as much as a path can be. NULL: none. */
static char *
read_recorded_path (const char *path_file)
{
  char buffer[PATH_MAX + 2];
  struct stat st;
  ssize_t n;
  int fd = open (path_file, O_RDONLY | O_NOFOLLOW | O_NONBLOCK | O_CLOEXEC);

  if (fd < 0)
    return NULL;
  if (fstat (fd, &st) != 0 || !S_ISREG (st.st_mode))
    {
      close (fd);
      return NULL;
    }
  n = read (fd, buffer, sizeof buffer - 1);
  close (fd);
  return n < 0 ? NULL : g_strndup (buffer, n);
}

/* The first <key>[-N] whose `path` is @project_path or that is unused. */
char *
corral_state_dir_lookup (const char *project_path)
{
  g_autofree char *base = corral_project_states_dir ();
  g_autofree char *key = corral_project_key (project_path);

  for (guint n = 1; ; n++)
    {
      g_autofree char *name = n == 1 ? g_strdup (key) : g_strdup_printf ("%s-%u", key, n);
      g_autofree char *dir = g_build_filename (base, name, NULL);
      g_autofree char *path_file = g_build_filename (dir, "path", NULL);
      g_autofree char *recorded = read_recorded_path (path_file);
      gsize length;

      if (recorded == NULL)
        return g_steal_pointer (&dir);  /* new, never finished, or not a file: rewritten */
      length = strlen (recorded);
      if (length > 0 && recorded[length - 1] == '\n')
        recorded[length - 1] = '\0';
      if (g_str_equal (recorded, project_path))
        return g_steal_pointer (&dir);
    }
}

static gboolean
fail (GError     **error,
      const char  *what,
      const char  *path)
{
  int saved = errno;
  g_autofree char *display = g_filename_display_name (path);

  g_set_error (error, CORRAL_STATE_DIR_ERROR, CORRAL_STATE_DIR_ERROR_FAILED,
               "%s “%s”: %s", what, display, g_strerror (saved));
  return FALSE;
}

CorralStateDir *
corral_state_dir_acquire (const char  *project_path,
                          GError     **error)
{
  g_autoptr(CorralStateDir) self = g_object_new (CORRAL_TYPE_STATE_DIR, NULL);
  g_autofree char *path_file = NULL;
  g_autofree char *tag_file = NULL;
  g_autofree char *lock_file = NULL;
  g_autofree char *path_line = NULL;
  struct flock lock = { .l_type = F_WRLCK, .l_whence = SEEK_SET };
  GStatBuf st;

  g_return_val_if_fail (project_path != NULL, NULL);

  self->path = corral_state_dir_lookup (project_path);
  if (g_mkdir_with_parents (self->path, 0700) != 0)
    {
      fail (error, _("Could not create the folder"), self->path);
      return NULL;
    }

  /* Lock first: whoever holds it owns the files below. */
  lock_file = g_build_filename (self->path, "lock", NULL);
  self->lock_fd = open (lock_file, O_RDWR | O_CREAT | O_CLOEXEC | O_NOFOLLOW, 0600);
  if (self->lock_fd < 0)
    {
      fail (error, _("Could not open the lock file"), lock_file);
      return NULL;
    }
  /* An open-file-description lock belongs to this fd, not to the process:
   * a second acquire in the same process is refused too, and QEMU never
   * inherits it (O_CLOEXEC). */
  if (fcntl (self->lock_fd, F_OFD_SETLK, &lock) != 0)
    {
      if (errno == EAGAIN || errno == EACCES)
        g_set_error (error, CORRAL_STATE_DIR_ERROR, CORRAL_STATE_DIR_ERROR_BUSY,
                     _("This project’s virtual machine is already running"));
      else
        fail (error, _("Could not lock"), lock_file);
      return NULL;
    }

  path_file = g_build_filename (self->path, "path", NULL);
  path_line = g_strconcat (project_path, "\n", NULL);
  /* (Not followed: a link the guest left is replaced.) */
  if ((g_lstat (path_file, &st) != 0 || !S_ISREG (st.st_mode)) &&
      !g_file_set_contents_full (path_file, path_line, -1,
                                 G_FILE_SET_CONTENTS_CONSISTENT, 0600, error))
    return NULL;

  tag_file = g_build_filename (self->path, "CACHEDIR.TAG", NULL);
  if (!g_file_test (tag_file, G_FILE_TEST_IS_REGULAR) &&
      !g_file_set_contents_full (tag_file, cachedir_tag, -1,
                                 G_FILE_SET_CONTENTS_CONSISTENT, 0644, error))
    return NULL;

  return g_steal_pointer (&self);
}

const char *
corral_state_dir_get_path (CorralStateDir *self)
{
  g_return_val_if_fail (CORRAL_IS_STATE_DIR (self), NULL);
  return self->path;
}

void
corral_state_dir_release (CorralStateDir *self)
{
  g_return_if_fail (CORRAL_IS_STATE_DIR (self));

  if (self->lock_fd >= 0)
    {
      close (self->lock_fd);  /* drops the lock */
      self->lock_fd = -1;
    }
}
