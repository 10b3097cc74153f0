/* corral-project-paths.c: where a project's profile, state and run dirs live
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <gio/gio.h>
#include <glib/gi18n.h>
#include <glib/gstdio.h>

#include "corral-project-paths.h"

char *
corral_project_key (const char *project_path)
{
  g_autoptr(GChecksum) sum = g_checksum_new (G_CHECKSUM_SHA256);
  g_autofree char *base = g_path_get_basename (project_path);
  char hash[13];

  g_checksum_update (sum, (const guchar *) project_path, strlen (project_path));
  g_checksum_update (sum, (const guchar *) "\n", 1);
  g_strlcpy (hash, g_checksum_get_string (sum), sizeof hash);

  /* "/" has no useful basename. */
  if (g_str_equal (base, G_DIR_SEPARATOR_S) || g_str_equal (base, "."))
    {
      g_free (base);
      base = g_strdup ("root");
    }
  /* A file name holds at most 255 bytes, and the key gets "-<hash>" and
   * ".ini" or "-2.ini": a longer name is cut (at a character boundary
   * when it is UTF-8; the hash keeps it unique). Shorter names keep the
   * seed's key unchanged. */
  if (strlen (base) > CORRAL_PROJECT_KEY_MAX_NAME)
    {
      const char *end = base + CORRAL_PROJECT_KEY_MAX_NAME;

      if (g_utf8_validate (base, -1, NULL))
        end = g_utf8_find_prev_char (base, end + 1);
      base[end - base] = '\0';
    }
  return g_strdup_printf ("%s-%s", base, hash);
}

gboolean
corral_project_path_check (const char  *path,
                           GError     **error)
{
  g_autofree char *display = NULL;

  g_return_val_if_fail (path != NULL, FALSE);

  display = g_filename_display_name (path);
  if (!g_path_is_absolute (path))
    {
      g_set_error (error, G_IO_ERROR, G_IO_ERROR_INVALID_FILENAME,
                   _("The project folder “%s” is not an absolute path"), display);
      return FALSE;
    }
  if (strpbrk (path, "\n\r") != NULL)
    {
      g_autofree char *escaped = g_strescape (display, NULL);
      g_set_error (error, G_IO_ERROR, G_IO_ERROR_INVALID_FILENAME,
                   _("The project folder “%s” has a line break in its name, which cannot be shared with the virtual machine; rename it"),
                   escaped);
      return FALSE;
    }
  return TRUE;
}

gboolean
corral_project_folder_check (const char  *path,
                             GError     **error)
{
  g_autofree char *display = NULL;
  GStatBuf st;
  int saved;

  g_return_val_if_fail (path != NULL, FALSE);

  if (g_stat (path, &st) == 0)
    {
      if (S_ISDIR (st.st_mode))
        return TRUE;
      display = g_filename_display_name (path);
      g_set_error (error, G_FILE_ERROR, G_FILE_ERROR_NOTDIR, _("“%s” is not a folder"), display);
      return FALSE;
    }
  saved = errno;
  display = g_filename_display_name (path);
  /* "Does not exist" only when it does not: a folder the user may not
   * reach (EACCES on the way) says so. */
  if (saved == ENOENT)
    g_set_error (error, G_FILE_ERROR, G_FILE_ERROR_NOENT,
                 _("The project folder “%s” does not exist"), display);
  else
    g_set_error (error, G_FILE_ERROR, g_file_error_from_errno (saved),
                 _("Cannot open the project folder “%s”: %s"), display, g_strerror (saved));
  return FALSE;
}

char *
corral_project_profiles_dir (void)
{
  return g_build_filename (g_get_user_config_dir (), "corral", "projects", NULL);
}

char *
corral_project_states_dir (void)
{
  return g_build_filename (g_get_user_state_dir (), "corral", "projects", NULL);
}

char *
corral_runtime_base_dir (void)
{
  const char *runtime = g_get_user_runtime_dir ();

  /* GLib answers the cache dir when there is no runtime dir (a bare root
   * shell, a container): then a folder of its own there, not next to the
   * guest images kept in ~/.cache/corral. */
  if (g_strcmp0 (runtime, g_get_user_cache_dir ()) == 0)
    return g_build_filename (runtime, "corral", "run", NULL);
  return g_build_filename (runtime, "corral", NULL);
}

char *
corral_rename_aside (const char  *path,
                     const char  *what,
                     GError     **error)
{
  g_autoptr(GDateTime) now = g_date_time_new_now_local ();
  g_autofree char *stamp = g_date_time_format (now, "%Y%m%d-%H%M%S");

  for (guint n = 0; n < 1000; n++)
    {
      g_autofree char *target = n == 0
        ? g_strdup_printf ("%s.%s-%s", path, what, stamp)
        : g_strdup_printf ("%s.%s-%s-%u", path, what, stamp, n);

      /* NOREPLACE: the file being kept aside must never clobber an older
       * one kept aside in the same second. */
      if (renameat2 (AT_FDCWD, path, AT_FDCWD, target, RENAME_NOREPLACE) == 0)
        return g_steal_pointer (&target);
      if (errno == EEXIST)
        continue;
      if (errno == EINVAL || errno == ENOSYS)
        {
          /* File system without RENAME_NOREPLACE: check, then rename. */
          if (g_file_test (target, G_FILE_TEST_EXISTS))
            continue;
          if (rename (path, target) == 0)
            return g_steal_pointer (&target);
        }
      {
        int saved = errno;
        g_autofree char *display = g_filename_display_name (path);
        g_set_error (error, G_IO_ERROR, g_io_error_from_errno (saved),
                     _("Could not rename “%s” aside: %s"), display, g_strerror (saved));
        return NULL;
      }
    }
  g_set_error (error, G_IO_ERROR, G_IO_ERROR_EXISTS, _("Too many files kept aside"));
  return NULL;
}
