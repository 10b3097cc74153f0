/* corral-qemu-command.c: the one place that knows QEMU's command line
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * A pure function: everything it needs (settings, guest, host facts, paths
 * of this run, which share sources exist, the parent environment) comes in
 * as arguments, so `corral --dry-run` and the tests see exactly what QEMU
 * gets.
 */
#include "config.h"

#include <glib/gi18n.h>

#include "corral-qemu-command.h"
#include "corral-clipboard-protocol.h"
#include "corral-session-protocol.h"

G_DEFINE_QUARK (corral-qemu-command-error-quark, corral_qemu_command_error)

/* 9p tags are the seed's (guest contract). The project share is mounted
 * with msize=104857600 by the guest: msize is a mount option, not a QEMU
 * one (and a 6.1 kernel clamps it to 512000 anyway). */
#define TAG_PROJECT "project_share"
#define TAG_META    "claude_meta"
#define TAG_STATE   "state_dir"

static const struct {
  const char *tag;
  gboolean    readonly;
  CorralShares flag;
} share_table[CORRAL_N_SHARE_IDS] = {
  [CORRAL_SHARE_ID_CLAUDE_AUTH]    = { "claude_auth",    FALSE, CORRAL_SHARE_CLAUDE },
  [CORRAL_SHARE_ID_GIT_CONFIG]     = { "git_config",     TRUE,  CORRAL_SHARE_GIT_CONFIG },
  [CORRAL_SHARE_ID_GIT_CONFIG_DIR] = { "git_config_dir", TRUE,  CORRAL_SHARE_GIT_CONFIG },
  [CORRAL_SHARE_ID_GH_CONFIG_DIR]  = { "gh_config_dir",  TRUE,  CORRAL_SHARE_GH_CONFIG },
  [CORRAL_SHARE_ID_SSH_DIR]        = { "ssh_dir",        TRUE,  CORRAL_SHARE_SSH },
};

/* Variables QEMU may inherit. Everything else (ANTHROPIC_API_KEY,
 * GH_TOKEN, SSH_AUTH_SOCK, ...) stays in the app. */
static const char * const env_allowlist[] = {
  "PATH", "HOME", "USER", "LOGNAME", "LANG", "LANGUAGE", "TZ", "TMPDIR",
  "XDG_RUNTIME_DIR", NULL
};

void
corral_runtime_init (CorralRuntime *runtime)
{
  memset (runtime, 0, sizeof *runtime);
  runtime->boot_fd = -1;
  runtime->qmp_fd = -1;
  runtime->agent_fd = -1;
  runtime->enter_fd = -1;
  runtime->net_backend = CORRAL_NET_BACKEND_SLIRP;
  runtime->net_fd = -1;
}

const char *
corral_share_id_get_tag (CorralShareId id)
{
  g_return_val_if_fail (id < CORRAL_N_SHARE_IDS, NULL);
  return share_table[id].tag;
}

gboolean
corral_qemu_env_allowed (const char *name)
{
  if (g_str_has_prefix (name, "LC_"))
    return TRUE;
  return g_strv_contains (env_allowlist, name);
}

char *
corral_qemu_escape (const char *value)
{
  GString *s = g_string_sized_new (strlen (value) + 8);

  for (const char *p = value; *p; p++)
    {
      if (*p == ',')
        g_string_append_c (s, ',');
      g_string_append_c (s, *p);
    }
  return g_string_free (s, FALSE);
}

/* A host path that goes into a QEMU option. A newline is legal in a file
 * name but breaks the guest's line-based metadata (host_project) and every
 * log that shows the command, so it is refused rather than half-shared. */
static gboolean
check_path (const char  *what,
            const char  *path,
            GError     **error)
{
  g_autofree char *display = NULL;

  if (path == NULL || *path == '\0')
    {
      g_set_error (error, CORRAL_QEMU_COMMAND_ERROR, CORRAL_QEMU_COMMAND_ERROR_BAD_PATH,
                   _("The %s path is empty"), what);
      return FALSE;
    }
  display = g_filename_display_name (path);
  if (!g_path_is_absolute (path))
    {
      g_set_error (error, CORRAL_QEMU_COMMAND_ERROR, CORRAL_QEMU_COMMAND_ERROR_BAD_PATH,
                   _("The %s path “%s” is not absolute"), what, display);
      return FALSE;
    }
  if (strpbrk (path, "\n\r") != NULL)
    {
      g_autofree char *escaped = g_strescape (display, NULL);
      g_set_error (error, CORRAL_QEMU_COMMAND_ERROR, CORRAL_QEMU_COMMAND_ERROR_BAD_PATH,
                   _("The %s path “%s” contains a line break, which cannot be shared with the virtual machine; rename it"),
                   what, escaped);
      return FALSE;
    }
  return TRUE;
}

static void
add (GPtrArray *argv, const char *arg)
{
  g_ptr_array_add (argv, g_strdup (arg));
}

static void
addf (GPtrArray *argv, const char *format, ...) G_GNUC_PRINTF (2, 3);

static void
addf (GPtrArray *argv, const char *format, ...)
{
  va_list ap;

  va_start (ap, format);
  g_ptr_array_add (argv, g_strdup_vprintf (format, ap));
  va_end (ap);
}

static gboolean
add_share (GPtrArray   *argv,
           GPtrArray   *paths,
           const char  *what,
           const char  *tag,
           const char  *path,
           gboolean     readonly,
           GError     **error)
{
  g_autofree char *escaped = NULL;

  if (!check_path (what, path, error))
    return FALSE;
  escaped = corral_qemu_escape (path);
  add (argv, "-fsdev");
  addf (argv, "local,id=fs_%s,path=%s,security_model=none%s",
        tag, escaped, readonly ? ",readonly=on" : "");
  add (argv, "-device");
  addf (argv, "virtio-9p-pci,fsdev=fs_%s,mount_tag=%s", tag, tag);
  g_ptr_array_add (paths, g_strdup (path));
  return TRUE;
}

static char **
filter_env (const char * const *parent_env)
{
  GPtrArray *env = g_ptr_array_new ();

  for (guint i = 0; parent_env != NULL && parent_env[i] != NULL; i++)
    {
      const char *eq = strchr (parent_env[i], '=');
      g_autofree char *name = NULL;

      if (eq == NULL)
        continue;
      name = g_strndup (parent_env[i], eq - parent_env[i]);
      if (corral_qemu_env_allowed (name))
        g_ptr_array_add (env, g_strdup (parent_env[i]));
    }
  g_ptr_array_add (env, NULL);
  return (char **) g_ptr_array_free (env, FALSE);
}

/* A console's chardev: a descriptor QEMU inherits reaches it through an
 * fd set (QEMU's open of /dev/fdset/N dups the inherited fd), else a
 * backend string; FALSE when there is neither. */
static gboolean
add_console_chardev (GPtrArray  *argv,
                     const char *id,
                     int         fd,
                     const char *chardev,
                     gboolean    null_if_none)
{
  if (fd >= 0)
    {
      add (argv, "-add-fd");
      addf (argv, "fd=%d,set=%d", fd, fd);
      add (argv, "-chardev");
      addf (argv, "serial,path=/dev/fdset/%d,id=%s", fd, id);
      return TRUE;
    }
  if (chardev == NULL && !null_if_none)
    return FALSE;
  add (argv, "-chardev");
  addf (argv, "%s,id=%s", chardev != NULL ? chardev : "null", id);
  return TRUE;
}

/* Corral's virtio-serial ports (the clipboard, the agent session, the
 * agent console) share one controller. */
static void
add_virtio_serial (GPtrArray *argv,
                   gboolean  *added)
{
  if (*added)
    return;
  add (argv, "-device");
  add (argv, "virtio-serial-pci,id=corral-serial");
  *added = TRUE;
}

static gboolean
add_serial_ports (GPtrArray            *argv,
                  CorralGuest          *guest,
                  const CorralRuntime  *runtime,
                  gboolean             *have_serial_bus,
                  GError              **error)
{
  guint agent = corral_guest_get_agent_serial (guest);
  guint enter = corral_guest_get_enter_serial (guest);
  gboolean virtio = corral_guest_get_agent_virtio (guest);
  gboolean has_enter, has_boot = FALSE;
  guint last;

  if (agent == enter)
    {
      g_set_error (error, CORRAL_QEMU_COMMAND_ERROR, CORRAL_QEMU_COMMAND_ERROR_BAD_SETTINGS,
                   _("The guest uses serial port %u for both the agent and the second console"), agent);
      return FALSE;
    }

  add_console_chardev (argv, "agent", runtime->agent_fd, runtime->agent_chardev, TRUE);
  has_enter = add_console_chardev (argv, "enter", runtime->enter_fd, runtime->enter_chardev, FALSE);

  /* The agent on a virtio-serial port (the guest relays it to a
   * pseudo-terminal): its output moves through a virtqueue a page at a
   * time, where a serial port costs one emulated port write per byte.
   * A port, not a virtconsole: QEMU drops what a virtconsole's chardev
   * cannot take at once, and throttles a port instead, so a terminal
   * that falls behind slows the agent down and loses nothing. The
   * agent's serial port stays, for the boot messages. */
  if (virtio)
    {
      add_virtio_serial (argv, have_serial_bus);
      add (argv, "-device");
      add (argv, "virtserialport,bus=corral-serial.0,chardev=agent,name=" CORRAL_AGENT_CONSOLE_PORT);
      has_boot = add_console_chardev (argv, "boot", runtime->boot_fd, runtime->boot_chardev, FALSE);
    }

  /* -serial fills ttyS0, ttyS1, ... in order; unused ports before the last
   * used one get a null backend so the indices stay right. */
  last = has_enter ? MAX (agent, enter) : agent;
  for (guint i = 0; i <= last; i++)
    {
      add (argv, "-serial");
      if (i == agent && !virtio)
        add (argv, "chardev:agent");
      else if (i == agent && has_boot)
        add (argv, "chardev:boot");
      else if (i == enter && has_enter)
        add (argv, "chardev:enter");
      else
        add (argv, "null");
    }
  return TRUE;
}

CorralQemuCommand *
corral_qemu_command_build (CorralProfile       *profile,
                           CorralGuest         *guest,
                           const CorralHost    *host,
                           const CorralRuntime *runtime,
                           GError             **error)
{
  g_autoptr(GPtrArray) argv = g_ptr_array_new_with_free_func (g_free);
  g_autoptr(GPtrArray) warnings = g_ptr_array_new_with_free_func (g_free);
  g_autoptr(GPtrArray) ro_paths = g_ptr_array_new_with_free_func (g_free);
  g_autoptr(GPtrArray) rw_paths = g_ptr_array_new_with_free_func (g_free);
  CorralShares shares;
  gboolean have_serial_bus = FALSE;
  guint memory, cores;
  const char *vga, *disk, *initrd, *cmdline;
  CorralQemuCommand *command;

  g_return_val_if_fail (CORRAL_IS_PROFILE (profile), NULL);
  g_return_val_if_fail (CORRAL_IS_GUEST (guest), NULL);
  g_return_val_if_fail (host != NULL, NULL);
  g_return_val_if_fail (runtime != NULL, NULL);

  if (host->qemu_path == NULL)
    {
      g_set_error (error, CORRAL_QEMU_COMMAND_ERROR, CORRAL_QEMU_COMMAND_ERROR_NO_QEMU,
                   _("QEMU (qemu-system-x86_64) is not installed"));
      return NULL;
    }

  memory = corral_profile_get_memory_mib (profile);
  cores = corral_profile_get_cores (profile);
  if (host->ram_bytes > 0 && (guint64) memory * 1024 * 1024 > host->ram_bytes)
    {
      g_set_error (error, CORRAL_QEMU_COMMAND_ERROR, CORRAL_QEMU_COMMAND_ERROR_BAD_SETTINGS,
                   /* A plain %u: xgettext cannot see through G_GUINT64_FORMAT. */
                   _("%u MiB of memory is more than this computer has (%u MiB)"),
                   memory, (guint) (host->ram_bytes / (1024 * 1024)));
      return NULL;
    }
  if (memory < corral_guest_get_min_memory_mib (guest))
    {
      g_set_error (error, CORRAL_QEMU_COMMAND_ERROR, CORRAL_QEMU_COMMAND_ERROR_BAD_SETTINGS,
                   _("%u MiB of memory is less than the guest “%s” needs (%u MiB)"),
                   memory, corral_guest_get_name (guest), corral_guest_get_min_memory_mib (guest));
      return NULL;
    }
  if (cores == 0)
    {
      g_set_error (error, CORRAL_QEMU_COMMAND_ERROR, CORRAL_QEMU_COMMAND_ERROR_BAD_SETTINGS,
                   _("The virtual machine needs at least one processor core"));
      return NULL;
    }

  add (argv, host->qemu_path);
  add (argv, "-nodefaults");
  add (argv, "-no-user-config");
  add (argv, "-machine");
  add (argv, corral_guest_get_machine (guest));
  /* Defence in depth (see CORRAL_QEMU_SANDBOX), where QEMU has it; a
   * QEMU without it (built without libseccomp) runs, but never silently:
   * the window and the terminal say so for every run. */
  if (host->seccomp)
    {
      add (argv, "-sandbox");
      add (argv, CORRAL_QEMU_SANDBOX);
    }
  else
    {
      g_ptr_array_add (warnings, g_strdup (_("QEMU has no system-call filter here (its -sandbox option does not work): should the guest break into QEMU, QEMU could do more on this computer. Use a QEMU built with seccomp support.")));
    }

  if (host->kvm_usable)
    {
      add (argv, "-accel");
      add (argv, "kvm");
      add (argv, "-cpu");
      add (argv, "host");
    }
  else
    {
      /* "max", not QEMU's default qemu64: the agent's native binary needs
       * AVX and dies with "Illegal instruction" without it. A 256 MiB
       * translation cache cut QEMU's resident memory from 2.2 to 1.4 GiB. */
      add (argv, "-accel");
      add (argv, "tcg,tb-size=256");
      add (argv, "-cpu");
      add (argv, "max");
      g_ptr_array_add (warnings, g_strdup (_("KVM is not available: the virtual machine is emulated and will be slow")));
    }

  add (argv, "-m");
  addf (argv, "%u", memory);
  /* More virtual cores than real ones only adds contention (the seed's
   * default of 4 on a 2-core laptop): use what there is, and say so. */
  if (host->n_cpus > 0 && cores > host->n_cpus)
    {
      g_ptr_array_add (warnings, g_strdup_printf (_("%u cores requested, but this computer has only %u; using %u"),
                                                  cores, host->n_cpus, host->n_cpus));
      cores = host->n_cpus;
    }
  add (argv, "-smp");
  addf (argv, "%u", cores);

  /* Displays: VNC clients are attached later over QMP (add_client on a
   * passed fd), so QEMU opens no window and listens on nothing. */
  add (argv, "-display");
  add (argv, "none");
  vga = corral_guest_get_vga (guest);
  if (corral_guest_get_graphical (guest) && g_strcmp0 (vga, "none") != 0)
    {
      add (argv, "-vnc");
      add (argv, "none");
      if (g_strcmp0 (vga, "virtio") == 0)
        {
          add (argv, "-device");
          add (argv, "virtio-vga");
        }
      else
        {
          add (argv, "-vga");
          add (argv, "std");
        }
      add (argv, "-device");
      add (argv, "qemu-xhci");
      add (argv, "-device");
      add (argv, "usb-tablet");

      /* Clipboard both ways, as text over a virtio-serial port: QEMU's
       * own VNC clipboard only reaches the guest through spice-vdagent
       * and only comes back as an extension gvnc cannot read. */
      if (runtime->clipboard_chardev != NULL)
        {
          add_virtio_serial (argv, &have_serial_bus);
          add (argv, "-chardev");
          addf (argv, "%s,id=clipboard", runtime->clipboard_chardev);
          add (argv, "-device");
          add (argv, "virtserialport,bus=corral-serial.0,chardev=clipboard,name=" CORRAL_CLIPBOARD_PORT);
        }
    }

  /* How the agent ends and what runs next on its console, for every
   * guest (corral-session-protocol.h). */
  if (runtime->session_chardev != NULL)
    {
      add_virtio_serial (argv, &have_serial_bus);
      add (argv, "-chardev");
      addf (argv, "%s,id=session", runtime->session_chardev);
      add (argv, "-device");
      add (argv, "virtserialport,bus=corral-serial.0,chardev=session,name=" CORRAL_SESSION_PORT);
    }

  /* Boot */
  if (!check_path (_("kernel"), corral_guest_get_kernel (guest), error))
    return NULL;
  add (argv, "-kernel");
  add (argv, corral_guest_get_kernel (guest));
  g_ptr_array_add (ro_paths, g_strdup (corral_guest_get_kernel (guest)));
  initrd = corral_guest_get_initrd (guest);
  if (initrd != NULL)
    {
      if (!check_path (_("initrd"), initrd, error))
        return NULL;
      add (argv, "-initrd");
      add (argv, initrd);
      g_ptr_array_add (ro_paths, g_strdup (initrd));
    }
  cmdline = corral_guest_get_cmdline (guest);
  if (cmdline != NULL && *cmdline != '\0')
    {
      add (argv, "-append");
      add (argv, cmdline);
    }
  disk = corral_guest_get_disk (guest);
  if (disk != NULL)
    {
      g_autofree char *escaped = NULL;
      g_autofree char *format = NULL;

      if (!check_path (_("disk"), disk, error))
        return NULL;
      escaped = corral_qemu_escape (disk);
      format = corral_qemu_escape (corral_guest_get_disk_format (guest));
      add (argv, "-drive");
      addf (argv, "file=%s,format=%s,if=virtio,cache=writeback%s",
            escaped, format, corral_guest_get_disk_snapshot (guest) ? ",snapshot=on" : "");
      /* A snapshot's writes go to a temporary file: the image is only read. */
      g_ptr_array_add (corral_guest_get_disk_snapshot (guest) ? ro_paths : rw_paths, g_strdup (disk));
    }

  /* Network: off means no device at all, not a disconnected one. passt
   * is reached over a socket QEMU inherits (a stream of ethernet frames),
   * so the guest's network stack is not in QEMU's process. */
  if (!corral_profile_get_network (profile) || runtime->net_backend == CORRAL_NET_BACKEND_NONE)
    {
      add (argv, "-nic");
      add (argv, "none");
    }
  else if (runtime->net_backend == CORRAL_NET_BACKEND_PASST)
    {
      add (argv, "-netdev");
      addf (argv, "stream,id=net0,server=off,addr.type=fd,addr.str=%d", runtime->net_fd);
      add (argv, "-device");
      add (argv, "virtio-net-pci,netdev=net0");
    }
  else
    {
      add (argv, "-nic");
      add (argv, "user,model=virtio-net-pci");
    }

  /* Shares, in the seed's table order. */
  if (!add_share (argv, rw_paths, _("project"), TAG_PROJECT,
                  corral_profile_get_project_path (profile), FALSE, error))
    return NULL;
  shares = corral_profile_get_shares (profile);
  for (guint i = 0; i < CORRAL_N_SHARE_IDS; i++)
    {
      const char *source = runtime->share_sources[i];

      if (source == NULL || (shares & share_table[i].flag) == 0)
        continue;
      if (!add_share (argv, share_table[i].readonly ? ro_paths : rw_paths,
                      share_table[i].tag, share_table[i].tag, source,
                      share_table[i].readonly, error))
        return NULL;
    }
  if (runtime->meta_dir != NULL &&
      !add_share (argv, ro_paths, _("metadata"), TAG_META, runtime->meta_dir, TRUE, error))
    return NULL;
  if (runtime->state_dir != NULL &&
      !add_share (argv, rw_paths, _("state"), TAG_STATE, runtime->state_dir, FALSE, error))
    return NULL;

  /* Consoles and control */
  if (!add_serial_ports (argv, guest, runtime, &have_serial_bus, error))
    return NULL;
  if (runtime->qmp_fd >= 0)
    {
      add (argv, "-chardev");
      addf (argv, "socket,id=qmp,fd=%d", runtime->qmp_fd);
      add (argv, "-mon");
      add (argv, "chardev=qmp,mode=control");
    }

  g_ptr_array_add (argv, NULL);
  g_ptr_array_add (warnings, NULL);
  g_ptr_array_add (ro_paths, NULL);
  g_ptr_array_add (rw_paths, NULL);

  command = g_new0 (CorralQemuCommand, 1);
  command->argv = (char **) g_ptr_array_steal (argv, NULL);
  command->warnings = (char **) g_ptr_array_steal (warnings, NULL);
  command->ro_paths = (char **) g_ptr_array_steal (ro_paths, NULL);
  command->rw_paths = (char **) g_ptr_array_steal (rw_paths, NULL);
  command->envp = filter_env (runtime->parent_env);
  return command;
}

void
corral_qemu_command_free (CorralQemuCommand *command)
{
  if (command == NULL)
    return;
  g_strfreev (command->argv);
  g_strfreev (command->envp);
  g_strfreev (command->warnings);
  g_strfreev (command->ro_paths);
  g_strfreev (command->rw_paths);
  g_free (command);
}

char *
corral_shell_join (const char * const *words)
{
  GString *line = g_string_new (NULL);

  for (guint i = 0; words[i] != NULL; i++)
    {
      if (i > 0)
        g_string_append_c (line, ' ');
      /* Keep plain words plain so the line reads like a hand-typed one. */
      if (words[i][0] != '\0' &&
          strspn (words[i],
                  "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789"
                  "-_./=,:+@%") == strlen (words[i]))
        g_string_append (line, words[i]);
      else
        {
          g_autofree char *quoted = g_shell_quote (words[i]);
          g_string_append (line, quoted);
        }
    }
  return g_string_free (line, FALSE);
}

char *
corral_qemu_command_to_shell (const CorralQemuCommand *command)
{
  return corral_shell_join ((const char * const *) command->argv);
}
