/* corral-guest.c: what to boot, read from a guest manifest (GKeyFile)
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * A manifest looks like this (only Kernel is required):
 *
 *   [Guest]
 *   Name=Tiny test guest
 *   Kernel=vmlinux            # relative paths: relative to the manifest
 *   Initrd=initrd.cpio.gz
 *   Cmdline=console=ttyS0 quiet
 *   Disk=store.img            # virtio-blk
 *   DiskFormat=raw            # raw | qcow2
 *   DiskSnapshot=true         # guest writes to the disk are thrown away
 *   AgentConsole=virtio       # serial (default) | virtio: the agent on a
 *                             # virtio-serial port (guest contract)
 *   AgentSerial=0             # ttyS index of the agent console (with
 *                             # AgentConsole=virtio: of the boot messages)
 *   EnterSerial=1             # ttyS index of the second console
 *   Graphical=true
 *   Vga=virtio                # virtio | std | none
 *   Machine=q35
 *   MinMemory=256             # MiB
 */
#include "config.h"

#include <glib/gi18n.h>
#include <gio/gio.h>

#include "corral-guest.h"
#include "corral-key-file.h"
#include "corral-text.h"

#define GROUP "Guest"
#define MAX_SERIAL 3

struct _CorralGuest
{
  GObject parent_instance;

  char *manifest_path;  /* NULL when made from data */
  char *name;
  char *kernel;
  char *initrd;
  char *cmdline;
  char *disk;
  char *disk_format;
  gboolean disk_snapshot;
  gboolean agent_virtio;
  guint agent_serial;
  guint enter_serial;
  gboolean graphical;
  char *vga;
  char *machine;
  guint min_memory_mib;
};

G_DEFINE_FINAL_TYPE (CorralGuest, corral_guest, G_TYPE_OBJECT)
G_DEFINE_QUARK (corral-guest-error-quark, corral_guest_error)

static void
corral_guest_finalize (GObject *object)
{
  CorralGuest *self = CORRAL_GUEST (object);

  g_free (self->manifest_path);
  g_free (self->name);
  g_free (self->kernel);
  g_free (self->initrd);
  g_free (self->cmdline);
  g_free (self->disk);
  g_free (self->disk_format);
  g_free (self->vga);
  g_free (self->machine);

  G_OBJECT_CLASS (corral_guest_parent_class)->finalize (object);
}

static void
corral_guest_class_init (CorralGuestClass *klass)
{
  G_OBJECT_CLASS (klass)->finalize = corral_guest_finalize;
}

static void
corral_guest_init (CorralGuest *self)
{
}

/* Every message names the manifest and the key, so a person knows which
 * line of which file to fix. */
static void G_GNUC_PRINTF (5, 6)
set_error (GError     **error,
           int          code,
           const char  *source,
           const char  *key,
           const char  *format,
           ...)
{
  va_list ap;
  g_autofree char *detail = NULL;

  va_start (ap, format);
  detail = g_strdup_vprintf (format, ap);
  va_end (ap);

  if (key != NULL)
    g_set_error (error, CORRAL_GUEST_ERROR, code,
                 _("Guest manifest “%s”, key %s: %s"), source, key, detail);
  else
    g_set_error (error, CORRAL_GUEST_ERROR, code,
                 _("Guest manifest “%s”: %s"), source, detail);
}

static gboolean
get_string (GKeyFile    *kf,
            const char  *key,
            gboolean     required,
            const char  *source,
            char       **out,
            GError     **error)
{
  g_autoptr(GError) local = NULL;
  char *value = g_key_file_get_string (kf, GROUP, key, &local);

  /* GLib 2.74 can return a value and set an error both (a bad escape
   * sequence): the error wins. */
  if (value != NULL && local != NULL)
    g_clear_pointer (&value, g_free);
  if (value == NULL)
    {
      if (g_error_matches (local, G_KEY_FILE_ERROR, G_KEY_FILE_ERROR_KEY_NOT_FOUND))
        {
          if (required)
            {
              set_error (error, CORRAL_GUEST_ERROR_MISSING, source, key, _("missing"));
              return FALSE;
            }
          *out = NULL;
          return TRUE;
        }
      g_autofree char *why = corral_text_for_display (local->message, -1, 200);
      set_error (error, CORRAL_GUEST_ERROR_PARSE, source, key, "%s", why);
      return FALSE;
    }
  if (*value == '\0' && required)
    {
      g_free (value);
      set_error (error, CORRAL_GUEST_ERROR_MISSING, source, key, _("empty"));
      return FALSE;
    }
  /* A line break, an escape or any other control character would go
   * into QEMU's command line, the guest's kernel command line and the
   * terminal that shows them (--dry-run): a manifest has no use for one. */
  for (const char *c = value; *c != '\0'; c++)
    if ((guchar) *c < 0x20 || *c == 0x7f)
      {
        g_free (value);
        set_error (error, CORRAL_GUEST_ERROR_PARSE, source, key, _("holds a control character"));
        return FALSE;
      }
  if (*value == '\0')
    g_clear_pointer (&value, g_free);
  *out = value;
  return TRUE;
}

static gboolean
get_bool (GKeyFile    *kf,
          const char  *key,
          gboolean     fallback,
          const char  *source,
          gboolean    *out,
          GError     **error)
{
  g_autoptr(GError) local = NULL;
  gboolean value = g_key_file_get_boolean (kf, GROUP, key, &local);

  if (local == NULL)
    *out = value;
  else if (g_error_matches (local, G_KEY_FILE_ERROR, G_KEY_FILE_ERROR_KEY_NOT_FOUND))
    *out = fallback;
  else
    {
      set_error (error, CORRAL_GUEST_ERROR_PARSE, source, key, _("not true or false"));
      return FALSE;
    }
  return TRUE;
}

static gboolean
get_uint (GKeyFile    *kf,
          const char  *key,
          guint        fallback,
          guint        max,
          const char  *source,
          guint       *out,
          GError     **error)
{
  g_autofree char *text = NULL;
  guint64 value;

  if (!get_string (kf, key, FALSE, source, &text, error))
    return FALSE;
  if (text == NULL)
    {
      *out = fallback;
      return TRUE;
    }
  g_strstrip (text);
  if (!g_ascii_string_to_unsigned (text, 10, 0, max, &value, NULL))
    {
      set_error (error, CORRAL_GUEST_ERROR_PARSE, source, key,
                 _("“%s” is not a number from 0 to %u"), text, max);
      return FALSE;
    }
  *out = value;
  return TRUE;
}

/* Resolves @key's path against @base_dir and checks that it exists. */
static gboolean
get_file (GKeyFile    *kf,
          const char  *key,
          gboolean     required,
          const char  *base_dir,
          const char  *source,
          char       **out,
          GError     **error)
{
  g_autofree char *value = NULL;
  g_autofree char *path = NULL;

  if (!get_string (kf, key, required, source, &value, error))
    return FALSE;
  if (value == NULL)
    {
      *out = NULL;
      return TRUE;
    }
  path = g_canonicalize_filename (value, base_dir);
  if (!g_file_test (path, G_FILE_TEST_IS_REGULAR))
    {
      g_autofree char *display = g_filename_display_name (path);
      set_error (error, CORRAL_GUEST_ERROR_NOT_FOUND, source, key,
                 _("the file “%s” does not exist"), display);
      return FALSE;
    }
  *out = g_steal_pointer (&path);
  return TRUE;
}

static gboolean
is_token (const char *s)
{
  if (s == NULL || *s == '\0')
    return FALSE;
  for (; *s; s++)
    if (!g_ascii_isalnum (*s) && *s != '-' && *s != '_' && *s != '.')
      return FALSE;
  return TRUE;
}

static CorralGuest *
parse (GKeyFile    *kf,
       const char  *base_dir,
       const char  *source,
       GError     **error)
{
  g_autoptr(CorralGuest) self = g_object_new (CORRAL_TYPE_GUEST, NULL);
  g_autofree char *agent_console = NULL;

  if (!g_key_file_has_group (kf, GROUP))
    {
      set_error (error, CORRAL_GUEST_ERROR_MISSING, source, NULL,
                 _("no [%s] group"), GROUP);
      return NULL;
    }

  if (!get_string (kf, "Name", FALSE, source, &self->name, error) ||
      !get_file (kf, "Kernel", TRUE, base_dir, source, &self->kernel, error) ||
      !get_file (kf, "Initrd", FALSE, base_dir, source, &self->initrd, error) ||
      !get_string (kf, "Cmdline", FALSE, source, &self->cmdline, error) ||
      !get_file (kf, "Disk", FALSE, base_dir, source, &self->disk, error) ||
      !get_string (kf, "DiskFormat", FALSE, source, &self->disk_format, error) ||
      !get_bool (kf, "DiskSnapshot", FALSE, source, &self->disk_snapshot, error) ||
      !get_string (kf, "AgentConsole", FALSE, source, &agent_console, error) ||
      !get_uint (kf, "AgentSerial", 0, MAX_SERIAL, source, &self->agent_serial, error) ||
      !get_uint (kf, "EnterSerial", 1, MAX_SERIAL, source, &self->enter_serial, error) ||
      !get_bool (kf, "Graphical", FALSE, source, &self->graphical, error) ||
      !get_string (kf, "Vga", FALSE, source, &self->vga, error) ||
      !get_string (kf, "Machine", FALSE, source, &self->machine, error) ||
      !get_uint (kf, "MinMemory", 0, 1024 * 1024, source, &self->min_memory_mib, error))
    return NULL;

  if (self->name == NULL)
    self->name = g_path_get_basename (base_dir);
  if (self->cmdline == NULL)
    self->cmdline = g_strdup ("");

  if (self->disk_format == NULL)
    self->disk_format = g_strdup ("raw");
  else if (!g_str_equal (self->disk_format, "raw") && !g_str_equal (self->disk_format, "qcow2"))
    {
      set_error (error, CORRAL_GUEST_ERROR_PARSE, source, "DiskFormat",
                 _("“%s” is not raw or qcow2"), self->disk_format);
      return NULL;
    }

  /* The agent on a virtio-serial port: a serial port carries one byte
   * per emulated port write, tens of times slower. */
  if (agent_console != NULL && !g_str_equal (agent_console, "serial") &&
      !g_str_equal (agent_console, "virtio"))
    {
      set_error (error, CORRAL_GUEST_ERROR_PARSE, source, "AgentConsole",
                 _("“%s” is not serial or virtio"), agent_console);
      return NULL;
    }
  self->agent_virtio = g_strcmp0 (agent_console, "virtio") == 0;

  if (self->agent_serial == self->enter_serial)
    {
      set_error (error, CORRAL_GUEST_ERROR_PARSE, source, "EnterSerial",
                 _("the second console cannot use the agent's serial port %u"), self->agent_serial);
      return NULL;
    }

  if (self->vga == NULL)
    self->vga = g_strdup (self->graphical ? "virtio" : "none");
  else if (!g_strv_contains ((const char * const[]) { "virtio", "std", "none", NULL }, self->vga))
    {
      set_error (error, CORRAL_GUEST_ERROR_PARSE, source, "Vga",
                 _("“%s” is not virtio, std or none"), self->vga);
      return NULL;
    }

  /* Only a machine type: options such as accel= are Corral's business.
   * microvm hung in about one boot in five (no timer to calibrate). */
  if (self->machine == NULL)
    self->machine = g_strdup ("q35");
  else if (!is_token (self->machine))
    {
      set_error (error, CORRAL_GUEST_ERROR_PARSE, source, "Machine",
                 _("“%s” is not a machine type name"), self->machine);
      return NULL;
    }
  else if (g_str_equal (self->machine, "microvm"))
    {
      set_error (error, CORRAL_GUEST_ERROR_PARSE, source, "Machine",
                 _("microvm does not boot reliably; use q35"));
      return NULL;
    }

  return g_steal_pointer (&self);
}

CorralGuest *
corral_guest_load (const char  *manifest_path,
                   GError     **error)
{
  g_autoptr(GKeyFile) kf = g_key_file_new ();
  g_autoptr(GError) local = NULL;
  g_autofree char *absolute = NULL;
  g_autofree char *base_dir = NULL;
  g_autofree char *display = NULL;
  g_autofree char *contents = NULL;
  gsize length;
  CorralGuest *self;

  g_return_val_if_fail (manifest_path != NULL, NULL);

  absolute = g_canonicalize_filename (manifest_path, NULL);
  display = g_filename_display_name (absolute);
  if (!g_file_get_contents (absolute, &contents, &length, &local) ||
      !corral_key_file_load_from_data (kf, contents, length, G_KEY_FILE_NONE, &local))
    {
      if (g_error_matches (local, G_FILE_ERROR, G_FILE_ERROR_NOENT))
        set_error (error, CORRAL_GUEST_ERROR_NOT_FOUND, display, NULL, _("no such file"));
      else
        {
          /* GKeyFile quotes the bad line: made safe to show. */
          g_autofree char *why = corral_text_for_display (local->message, -1, 200);
          set_error (error, CORRAL_GUEST_ERROR_PARSE, display, NULL, "%s", why);
        }
      return NULL;
    }

  base_dir = g_path_get_dirname (absolute);
  self = parse (kf, base_dir, display, error);
  if (self != NULL)
    self->manifest_path = g_steal_pointer (&absolute);
  return self;
}

CorralGuest *
corral_guest_new_from_data (const char  *data,
                            const char  *base_dir,
                            GError     **error)
{
  g_autoptr(GKeyFile) kf = g_key_file_new ();
  g_autoptr(GError) local = NULL;
  g_autofree char *dir = NULL;

  g_return_val_if_fail (data != NULL, NULL);

  if (!corral_key_file_load_from_data (kf, data, strlen (data), G_KEY_FILE_NONE, &local))
    {
      g_autofree char *why = corral_text_for_display (local->message, -1, 200);
      set_error (error, CORRAL_GUEST_ERROR_PARSE, _("(text)"), NULL, "%s", why);
      return NULL;
    }
  dir = g_canonicalize_filename (base_dir != NULL ? base_dir : ".", NULL);
  return parse (kf, dir, _("(text)"), error);
}

const char *
corral_guest_get_name (CorralGuest *self)
{
  g_return_val_if_fail (CORRAL_IS_GUEST (self), NULL);
  return self->name;
}

const char *
corral_guest_get_manifest_path (CorralGuest *self)
{
  g_return_val_if_fail (CORRAL_IS_GUEST (self), NULL);
  return self->manifest_path;
}

const char *
corral_guest_get_kernel (CorralGuest *self)
{
  g_return_val_if_fail (CORRAL_IS_GUEST (self), NULL);
  return self->kernel;
}

const char *
corral_guest_get_initrd (CorralGuest *self)
{
  g_return_val_if_fail (CORRAL_IS_GUEST (self), NULL);
  return self->initrd;
}

const char *
corral_guest_get_cmdline (CorralGuest *self)
{
  g_return_val_if_fail (CORRAL_IS_GUEST (self), NULL);
  return self->cmdline;
}

const char *
corral_guest_get_disk (CorralGuest *self)
{
  g_return_val_if_fail (CORRAL_IS_GUEST (self), NULL);
  return self->disk;
}

const char *
corral_guest_get_disk_format (CorralGuest *self)
{
  g_return_val_if_fail (CORRAL_IS_GUEST (self), NULL);
  return self->disk_format;
}

gboolean
corral_guest_get_disk_snapshot (CorralGuest *self)
{
  g_return_val_if_fail (CORRAL_IS_GUEST (self), FALSE);
  return self->disk_snapshot;
}

guint
corral_guest_get_agent_serial (CorralGuest *self)
{
  g_return_val_if_fail (CORRAL_IS_GUEST (self), 0);
  return self->agent_serial;
}

gboolean
corral_guest_get_agent_virtio (CorralGuest *self)
{
  g_return_val_if_fail (CORRAL_IS_GUEST (self), FALSE);
  return self->agent_virtio;
}

guint
corral_guest_get_enter_serial (CorralGuest *self)
{
  g_return_val_if_fail (CORRAL_IS_GUEST (self), 1);
  return self->enter_serial;
}

gboolean
corral_guest_get_graphical (CorralGuest *self)
{
  g_return_val_if_fail (CORRAL_IS_GUEST (self), FALSE);
  return self->graphical;
}

const char *
corral_guest_get_vga (CorralGuest *self)
{
  g_return_val_if_fail (CORRAL_IS_GUEST (self), NULL);
  return self->vga;
}

const char *
corral_guest_get_machine (CorralGuest *self)
{
  g_return_val_if_fail (CORRAL_IS_GUEST (self), NULL);
  return self->machine;
}

guint
corral_guest_get_min_memory_mib (CorralGuest *self)
{
  g_return_val_if_fail (CORRAL_IS_GUEST (self), 0);
  return self->min_memory_mib;
}
