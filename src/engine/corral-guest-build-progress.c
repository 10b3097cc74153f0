/* corral-guest-build-progress.c: what the guest builder says, line by line
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * The builder is Corral's own script, but its lines are still read as
 * data: bounded, typed, and anything unexpected ignored rather than
 * trusted (a fraction outside 0..1 is clamped, an unknown phase skipped).
 */
#include "config.h"

#include <string.h>
#include <glib/gi18n.h>

#include "corral-guest-build-progress.h"

#define MAX_LINE 4096

static const char *phase_ids[] = {
  [CORRAL_GUEST_BUILD_PHASE_BASE] = "base",
  [CORRAL_GUEST_BUILD_PHASE_DOWNLOAD] = "download",
  [CORRAL_GUEST_BUILD_PHASE_INSTALL] = "install",
  [CORRAL_GUEST_BUILD_PHASE_AGENT] = "agent",
  [CORRAL_GUEST_BUILD_PHASE_IMAGE] = "image",
};

CorralGuestBuildPhase
corral_guest_build_phase_from_id (const char *id)
{
  for (guint i = CORRAL_GUEST_BUILD_PHASE_BASE; i < G_N_ELEMENTS (phase_ids); i++)
    if (g_strcmp0 (id, phase_ids[i]) == 0)
      return i;
  return CORRAL_GUEST_BUILD_PHASE_NONE;
}

const char *
corral_guest_build_phase_title (CorralGuestBuildPhase phase)
{
  switch (phase)
    {
    case CORRAL_GUEST_BUILD_PHASE_BASE:
      return _("Installing the base system");
    case CORRAL_GUEST_BUILD_PHASE_DOWNLOAD:
      return _("Downloading Debian packages");
    case CORRAL_GUEST_BUILD_PHASE_INSTALL:
      return _("Installing Debian packages");
    case CORRAL_GUEST_BUILD_PHASE_AGENT:
      return _("Installing Claude Code");
    case CORRAL_GUEST_BUILD_PHASE_IMAGE:
      return _("Making the disk image");
    case CORRAL_GUEST_BUILD_PHASE_NONE:
    default:
      return _("Checking what the build needs");
    }
}

static void
missing_free (gpointer data)
{
  CorralGuestBuildMissing *missing = data;

  g_free (missing->what);
  g_free (missing->package);
  g_free (missing->command);
  g_free (missing);
}

static void
space_free (gpointer data)
{
  CorralGuestBuildSpace *space = data;

  g_free (space->path);
  g_free (space);
}

void
corral_guest_build_progress_init (CorralGuestBuildProgress *self)
{
  memset (self, 0, sizeof *self);
  self->missing = g_ptr_array_new_with_free_func (missing_free);
  self->space = g_ptr_array_new_with_free_func (space_free);
}

void
corral_guest_build_progress_clear (CorralGuestBuildProgress *self)
{
  g_clear_pointer (&self->log_path, g_free);
  g_clear_pointer (&self->manifest, g_free);
  g_clear_pointer (&self->missing, g_ptr_array_unref);
  g_clear_pointer (&self->space, g_ptr_array_unref);
}

static gboolean
parse_uint (const char *text,
            guint64     max,
            guint64    *out)
{
  return text != NULL && g_ascii_string_to_unsigned (text, 10, 0, max, out, NULL);
}

static gboolean
set_path (char       **slot,
          const char  *path)
{
  if (path == NULL || path[0] != '/' || g_strcmp0 (*slot, path) == 0)
    return FALSE;
  g_free (*slot);
  *slot = g_strdup (path);
  return TRUE;
}

/* "KEYWORD REST": @rest points past the keyword and its one space. */
static gboolean
keyword (const char  *line,
         const char  *word,
         const char **rest)
{
  gsize n = strlen (word);

  if (strncmp (line, word, n) != 0)
    return FALSE;
  if (line[n] == '\0')
    *rest = line + n;
  else if (line[n] == ' ')
    *rest = line + n + 1;
  else
    return FALSE;
  return TRUE;
}

CorralGuestBuildChange
corral_guest_build_progress_feed (CorralGuestBuildProgress *self,
                                  const char               *line)
{
  const char *rest;

  g_return_val_if_fail (self != NULL && self->missing != NULL, CORRAL_GUEST_BUILD_CHANGED_NOTHING);

  if (line == NULL || strnlen (line, MAX_LINE + 1) > MAX_LINE || !g_utf8_validate (line, -1, NULL))
    return CORRAL_GUEST_BUILD_CHANGED_NOTHING;

  if (keyword (line, "phase", &rest))
    {
      g_auto(GStrv) f = g_strsplit (rest, " ", 4);
      CorralGuestBuildPhase phase;
      guint64 index, count;

      if (g_strv_length (f) != 3 ||
          (phase = corral_guest_build_phase_from_id (f[0])) == CORRAL_GUEST_BUILD_PHASE_NONE ||
          !parse_uint (f[1], 100, &index) || !parse_uint (f[2], 100, &count) ||
          index < 1 || index > count)
        return CORRAL_GUEST_BUILD_CHANGED_NOTHING;
      self->phase = phase;
      self->index = index;
      self->count = count;
      self->fraction = 0.0;
      self->waiting = FALSE;
      return CORRAL_GUEST_BUILD_CHANGED_PHASE | CORRAL_GUEST_BUILD_CHANGED_FRACTION;
    }

  if (keyword (line, "progress", &rest))
    {
      char *end = NULL;
      double fraction = g_ascii_strtod (rest, &end);

      if (end == rest || *end != '\0' || fraction != fraction)  /* not a number, NaN */
        return CORRAL_GUEST_BUILD_CHANGED_NOTHING;
      fraction = CLAMP (fraction, 0.0, 1.0);
      /* A bar that goes back looks broken; within a phase it never does. */
      if (fraction <= self->fraction)
        return CORRAL_GUEST_BUILD_CHANGED_NOTHING;
      self->fraction = fraction;
      return CORRAL_GUEST_BUILD_CHANGED_FRACTION;
    }

  if (keyword (line, "log", &rest))
    return set_path (&self->log_path, rest) ? CORRAL_GUEST_BUILD_CHANGED_LOG : CORRAL_GUEST_BUILD_CHANGED_NOTHING;

  if (keyword (line, "waiting", &rest) && *rest == '\0')
    {
      self->waiting = TRUE;
      return CORRAL_GUEST_BUILD_CHANGED_WAITING;
    }

  if (keyword (line, "missing", &rest))
    {
      g_auto(GStrv) f = g_strsplit (rest, " ", 3);
      CorralGuestBuildMissing *missing;

      if (g_strv_length (f) != 3 || f[0][0] == '\0' || f[2][0] == '\0')
        return CORRAL_GUEST_BUILD_CHANGED_NOTHING;
      missing = g_new0 (CorralGuestBuildMissing, 1);
      missing->what = g_strdup (f[0]);
      if (g_str_equal (f[1], "package") && strchr (f[2], ' ') == NULL)
        missing->package = g_strdup (f[2]);
      else if (g_str_equal (f[1], "command"))
        missing->command = g_strdup (f[2]);
      else
        {
          missing_free (missing);
          return CORRAL_GUEST_BUILD_CHANGED_NOTHING;
        }
      g_ptr_array_add (self->missing, missing);
      return CORRAL_GUEST_BUILD_CHANGED_PROBLEMS;
    }

  if (keyword (line, "space", &rest))
    {
      g_auto(GStrv) f = g_strsplit (rest, " ", 3);
      CorralGuestBuildSpace *space;
      guint64 need, free_bytes;

      if (g_strv_length (f) != 3 || !parse_uint (f[0], G_MAXUINT64, &need) ||
          !parse_uint (f[1], G_MAXUINT64, &free_bytes) || f[2][0] != '/')
        return CORRAL_GUEST_BUILD_CHANGED_NOTHING;
      space = g_new0 (CorralGuestBuildSpace, 1);
      space->need = need;
      space->free = free_bytes;
      space->path = g_strdup (f[2]);
      g_ptr_array_add (self->space, space);
      return CORRAL_GUEST_BUILD_CHANGED_PROBLEMS;
    }

  if (keyword (line, "failed", &rest))
    {
      self->failed = TRUE;
      self->failed_phase = corral_guest_build_phase_from_id (rest);
      return CORRAL_GUEST_BUILD_CHANGED_FAILED;
    }

  if (keyword (line, "done", &rest))
    return set_path (&self->manifest, rest) ? CORRAL_GUEST_BUILD_CHANGED_DONE : CORRAL_GUEST_BUILD_CHANGED_NOTHING;

  return CORRAL_GUEST_BUILD_CHANGED_NOTHING;
}

gboolean
corral_guest_build_progress_has_problems (const CorralGuestBuildProgress *self)
{
  return self->missing->len > 0 || self->space->len > 0;
}

char *
corral_guest_build_progress_describe_problems (const CorralGuestBuildProgress *self)
{
  g_autoptr(GString) text = g_string_new (NULL);
  g_autoptr(GPtrArray) packages = g_ptr_array_new ();
  g_autoptr(GString) programs = g_string_new (NULL);
  g_autofree char *package_list = NULL;

  for (guint i = 0; i < self->missing->len; i++)
    {
      CorralGuestBuildMissing *m = g_ptr_array_index (self->missing, i);

      if (m->package == NULL)
        continue;
      if (programs->len > 0)
        g_string_append (programs, ", ");
      g_string_append (programs, m->what);
      /* One package may bring two of them (unshare and flock). */
      if (!g_ptr_array_find_with_equal_func (packages, m->package, g_str_equal, NULL))
        g_ptr_array_add (packages, m->package);
    }
  g_ptr_array_add (packages, NULL);
  package_list = g_strjoinv (" ", (char **) packages->pdata);
  if (programs->len > 0)
    {
      /* Translators: %s lists programs ("mmdebstrap, mkfs.ext4"), then the
       * Debian packages that bring them ("mmdebstrap e2fsprogs") */
      g_string_append_printf (text, _("Building the guest needs %s. Install them with:\n    sudo apt install %s"),
                              programs->str, package_list);
    }

  for (guint i = 0; i < self->missing->len; i++)
    {
      const CorralGuestBuildMissing *m = g_ptr_array_index (self->missing, i);
      const char *why;

      if (m->command == NULL)
        continue;
      if (g_str_equal (m->what, "subuid"))
        why = _("A build as an ordinary user needs subordinate user and group ids (/etc/subuid, /etc/subgid). Add them with:");
      else if (g_str_equal (m->what, "userns"))
        why = _("A build as an ordinary user needs user namespaces, which are turned off. Turn them on with:");
      else
        why = _("Building the guest needs a change to this computer. Make it with:");
      if (text->len > 0)
        g_string_append (text, "\n");
      g_string_append_printf (text, "%s\n    %s", why, m->command);
    }

  for (guint i = 0; i < self->space->len; i++)
    {
      const CorralGuestBuildSpace *s = g_ptr_array_index (self->space, i);
      g_autofree char *need = g_format_size (s->need);
      g_autofree char *free_text = g_format_size (s->free);
      g_autofree char *where = g_filename_display_name (s->path);

      if (text->len > 0)
        g_string_append (text, "\n");
      /* Translators: a folder, then two sizes ("9.7 GB", "2.1 GB") */
      g_string_append_printf (text, _("Not enough free disk space in %s: the build needs %s there, and %s is free."),
                              where, need, free_text);
    }

  return text->len > 0 ? g_string_free (g_steal_pointer (&text), FALSE) : NULL;
}
