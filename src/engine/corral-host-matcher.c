/* corral-host-matcher.c: which host names and ports the guest may reach
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "config.h"

#include <string.h>
#include <gio/gio.h>
#include <glib/gi18n.h>

#include "corral-host-matcher.h"

#define MAX_NAME  253
#define MAX_LABEL 63

G_DEFINE_QUARK (corral-host-entry-error-quark, corral_host_entry_error)

typedef struct {
  char    *name;      /* lower case, ASCII, no trailing dot */
  gboolean wildcard;  /* "*.name": names under it */
  guint16  port;      /* 0: 443 and 80 */
} Entry;

struct _CorralHostMatcher
{
  gboolean allow_all;
  GArray *entries;  /* of Entry */
};

static void
entry_clear (gpointer data)
{
  g_free (((Entry *) data)->name);
}

CorralHostMatcher *
corral_host_matcher_new (gboolean allow_all)
{
  CorralHostMatcher *self = g_rc_box_new0 (CorralHostMatcher);

  self->allow_all = allow_all;
  self->entries = g_array_new (FALSE, FALSE, sizeof (Entry));
  g_array_set_clear_func (self->entries, entry_clear);
  return self;
}

CorralHostMatcher *
corral_host_matcher_ref (CorralHostMatcher *self)
{
  return g_rc_box_acquire (self);
}

static void
matcher_clear (gpointer data)
{
  CorralHostMatcher *self = data;

  g_array_unref (self->entries);
}

void
corral_host_matcher_unref (CorralHostMatcher *self)
{
  g_rc_box_release_full (self, matcher_clear);
}

G_DEFINE_BOXED_TYPE (CorralHostMatcher, corral_host_matcher,
                     corral_host_matcher_ref, corral_host_matcher_unref)

guint
corral_host_matcher_get_n_entries (CorralHostMatcher *self)
{
  return self->entries->len;
}

gboolean
corral_host_is_ip_literal (const char *host)
{
  const char *last, *end;
  gsize n;

  if (host == NULL || *host == '\0')
    return FALSE;
  if (strchr (host, ':') != NULL || host[0] == '[' || g_hostname_is_ip_address (host))
    return TRUE;

  /* getaddrinfo() takes inet_aton()'s forms too: "127.1", "0x7f.0.0.1",
   * "017700000001", "2130706433". A real name's last label is never a
   * number, so a numeric or 0x-hex last label is taken for an address. */
  n = strlen (host);
  end = host + n;
  if (end[-1] == '.')
    end--;
  last = end;
  while (last > host && last[-1] != '.')
    last--;
  if (last == end)
    return FALSE;
  if (end - last >= 2 && last[0] == '0' && (last[1] == 'x' || last[1] == 'X'))
    {
      for (const char *p = last + 2; p < end; p++)
        if (!g_ascii_isxdigit (*p))
          return FALSE;
      return TRUE;
    }
  for (const char *p = last; p < end; p++)
    if (!g_ascii_isdigit (*p))
      return FALSE;
  return TRUE;
}

/* @name (@n bytes, ASCII) lower-cased without its trailing dot, if it is
 * a valid host name; NULL otherwise. */
static char *
canonical_name (const char *name,
                gsize       n)
{
  g_autofree char *lower = NULL;
  gsize label = 0;

  if (n > 0 && name[n - 1] == '.')
    n--;
  if (n == 0 || n > MAX_NAME)
    return NULL;
  lower = g_ascii_strdown (name, n);
  for (gsize i = 0; i <= n; i++)
    {
      char c = lower[i];

      if (c == '.' || c == '\0')
        {
          if (label == 0 || label > MAX_LABEL || lower[i - 1] == '-')
            return NULL;
          label = 0;
          continue;
        }
      if (!g_ascii_isalnum (c) && c != '-' && c != '_')
        return NULL;
      if (label == 0 && c == '-')
        return NULL;
      label++;
    }
  return g_steal_pointer (&lower);
}

static gboolean
entry_error (GError     **error,
             const char  *message)
{
  g_set_error_literal (error, CORRAL_HOST_ENTRY_ERROR, CORRAL_HOST_ENTRY_ERROR_INVALID, message);
  return FALSE;
}

/* Parses an entry into its parts (see the header for the forms). */
static gboolean
parse_entry (const char  *text,
             Entry       *entry,
             GError     **error)
{
  g_autofree char *s = g_strstrip (g_strdup (text));
  char *p = s, *colon;
  g_autofree char *ascii = NULL;
  guint64 port = 0;

  memset (entry, 0, sizeof *entry);

  if (g_ascii_strncasecmp (p, "http://", 7) == 0)
    p += 7;
  else if (g_ascii_strncasecmp (p, "https://", 8) == 0)
    p += 8;
  p[strcspn (p, "/?#")] = '\0';

  if (*p == '\0')
    return entry_error (error, _("Enter a host name, such as example.com or *.example.com"));
  if (p[0] == '[' || strchr (p, ':') != strrchr (p, ':'))
    return entry_error (error, _("IP addresses cannot be allowed: the proxy connects to host names only"));

  colon = strrchr (p, ':');
  if (colon != NULL)
    {
      const char *digits = colon + 1;

      *colon = '\0';
      if (*digits == '\0' || strlen (digits) > 5)
        return entry_error (error, _("The port must be a number from 1 to 65535"));
      for (const char *d = digits; *d != '\0'; d++)
        {
          if (!g_ascii_isdigit (*d))
            return entry_error (error, _("The port must be a number from 1 to 65535"));
          port = port * 10 + (*d - '0');
        }
      if (port == 0 || port > 65535)
        return entry_error (error, _("The port must be a number from 1 to 65535"));
    }

  if (g_str_equal (p, "*") || g_str_equal (p, "*."))
    return entry_error (error, _("“*” would allow every host: choose the network mode Full instead"));
  if (g_str_has_prefix (p, "*."))
    {
      entry->wildcard = TRUE;
      p += 2;
    }
  if (strchr (p, '*') != NULL)
    return entry_error (error, _("A wildcard can only stand for the first labels, as in *.example.com"));

  if (!g_str_is_ascii (p))
    {
      /* GLib's IDNA code reads past the end of invalid UTF-8 (found by
       * the fuzz target, GLib 2.74): validate first. */
      if (!g_utf8_validate (p, -1, NULL))
        return entry_error (error, _("This is not a valid host name"));
      ascii = g_hostname_to_ascii (p);
      if (ascii == NULL)
        return entry_error (error, _("This is not a valid host name"));
      p = ascii;
    }
  if (corral_host_is_ip_literal (p))
    return entry_error (error, _("IP addresses cannot be allowed: the proxy connects to host names only"));
  entry->name = canonical_name (p, strlen (p));
  if (entry->name == NULL)
    return entry_error (error, _("This is not a valid host name"));
  if (entry->wildcard && strchr (entry->name, '.') == NULL)
    {
      g_clear_pointer (&entry->name, g_free);
      return entry_error (error, _("A wildcard over a whole top-level domain is too broad"));
    }
  entry->port = port;
  return TRUE;
}

char *
corral_host_entry_normalize (const char  *text,
                             GError     **error)
{
  Entry entry;
  char *result;

  g_return_val_if_fail (text != NULL, NULL);

  if (!parse_entry (text, &entry, error))
    return NULL;
  result = g_strdup_printf ("%s%s", entry.wildcard ? "*." : "", entry.name);
  if (entry.port != 0)
    {
      char *with_port = g_strdup_printf ("%s:%u", result, entry.port);
      g_free (result);
      result = with_port;
    }
  entry_clear (&entry);
  return result;
}

gboolean
corral_host_matcher_add (CorralHostMatcher  *self,
                         const char         *text,
                         GError            **error)
{
  Entry entry;

  g_return_val_if_fail (self != NULL, FALSE);
  g_return_val_if_fail (text != NULL, FALSE);

  if (!parse_entry (text, &entry, error))
    return FALSE;
  g_array_append_val (self->entries, entry);
  return TRUE;
}

static gboolean
entry_matches_name (const Entry *entry,
                    const char  *name,
                    gsize        n)
{
  gsize m = strlen (entry->name);

  if (!entry->wildcard)
    return n == m && memcmp (name, entry->name, n) == 0;
  return n > m + 1 && name[n - m - 1] == '.' && memcmp (name + n - m, entry->name, m) == 0;
}

/* @host for a message: printable ASCII only, at most 80 bytes. */
static char *
printable (const char *host)
{
  GString *s = g_string_new (NULL);

  for (const char *p = host; *p != '\0' && s->len < 80; p++)
    g_string_append_c (s, g_ascii_isprint (*p) ? *p : '?');
  return g_string_free (s, FALSE);
}

CorralHostVerdict
corral_host_matcher_check (CorralHostMatcher  *self,
                           const char         *host,
                           guint16             port,
                           char              **reason)
{
  g_autofree char *name = NULL;
  g_autofree char *shown = NULL;
  gboolean name_listed = FALSE;
  gsize n;

  g_return_val_if_fail (self != NULL, CORRAL_HOST_BAD_NAME);

  if (reason != NULL)
    *reason = NULL;
  shown = printable (host != NULL ? host : "");

  if (host != NULL && corral_host_is_ip_literal (host))
    {
      if (reason != NULL)
        *reason = g_strdup_printf (_("%s is an IP address: Corral’s proxy connects to host names only"), shown);
      return CORRAL_HOST_IP_LITERAL;
    }
  if (host == NULL || !g_str_is_ascii (host) || (name = canonical_name (host, strlen (host))) == NULL ||
      port == 0)
    {
      if (reason != NULL)
        *reason = g_strdup_printf (_("“%s” is not a valid host name"), shown);
      return CORRAL_HOST_BAD_NAME;
    }
  if (self->allow_all)
    return CORRAL_HOST_ALLOWED;

  n = strlen (name);
  for (guint i = 0; i < self->entries->len; i++)
    {
      const Entry *entry = &g_array_index (self->entries, Entry, i);

      if (!entry_matches_name (entry, name, n))
        continue;
      if (entry->port == 0 ? (port == 443 || port == 80) : port == entry->port)
        return CORRAL_HOST_ALLOWED;
      name_listed = TRUE;
    }

  if (reason != NULL)
    {
      if (name_listed)
        *reason = g_strdup_printf (_("port %u of %s is not on this project’s network allowlist (an entry without a port allows 443 and 80)"),
                                   port, name);
      else
        *reason = g_strdup_printf (_("%s is not on this project’s network allowlist"), name);
    }
  return name_listed ? CORRAL_HOST_PORT : CORRAL_HOST_NOT_LISTED;
}
