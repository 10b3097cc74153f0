/* corral-vm-terminal.c: run a Vm with its agent console on this terminal
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * Until the window exists (and for scripts), `corral PROJECT` runs the
 * agent in the invoking terminal. The terminal is raw, so Ctrl-C reaches
 * the agent; its size is told to the guest over the session channel
 * (a guest without one asks the terminal). The second console goes to a
 * pty of its own. Every relay but the one into the user's terminal is a
 * CorralFdFlow, which never waits in the main loop for a reader.
 */
#include "config.h"

#include <errno.h>
#include <signal.h>
#include <sys/ioctl.h>
#include <termios.h>
#include <unistd.h>

#include <glib-unix.h>
#include <glib/gi18n.h>

#include "corral-fd-flow.h"
#include "corral-guest-io.h"
#include "corral-network-log.h"
#include "corral-notice-throttle.h"
#include "corral-terminal-filter.h"
#include "corral-vm-console.h"
#include "corral-vm-terminal.h"

typedef struct {
  CorralVm *vm;
  int       in_fd;
  int       out_fd;
  int       console;     /* our dup of the agent console's master */
  CorralFdFlow *input;   /* the user's typing -> the agent console */
  guint     console_source;
  int       enter;       /* our dup of the second console's master */
  CorralPty bridge;      /* the pty a person opens for the second console */
  CorralFdFlow *to_bridge;    /* second console -> bridge, filtered */
  CorralFdFlow *from_bridge;  /* bridge -> second console */
  unsigned short bridge_rows, bridge_columns;  /* last told to the guest */
  guint     signals_seen;
  gboolean  start_done;
  CorralNoticeThrottle *refusals_shown;  /* "host:port" -> when last printed */
  /* The guest's words meet a host terminal on both consoles. */
  CorralTerminalFilter *console_filter;
  CorralTerminalFilter *bridge_filter;
  GByteArray *filtered;
} Relay;

/* Into the user's own terminal, as any program writes there: waiting
 * while it is slow, so the agent waits with it and nothing is lost. Its
 * descriptor is shared with the user's shell, which a non-blocking flag
 * would outlive, so this one relay may wait in the loop. */
static gboolean
write_all (int         fd,
           const char *data,
           gsize       len)
{
  while (len > 0)
    {
      ssize_t n = write (fd, data, len);

      if (n < 0 && errno == EINTR)
        continue;
      if (n < 0 && errno == EAGAIN)
        {
          g_usleep (1000);
          continue;
        }
      if (n <= 0)
        return FALSE;
      data += n;
      len -= n;
    }
  return TRUE;
}

/* The guest's output, as far as a terminal may see it: no clipboard
 * writes, file transfers or passthrough strings (corral-terminal-filter.h). */
static gboolean
write_filtered (Relay                *relay,
                CorralTerminalFilter *filter,
                int                   fd,
                const char           *data,
                gsize                 len)
{
  g_byte_array_set_size (relay->filtered, 0);
  corral_terminal_filter_feed (filter, data, len, relay->filtered);
  return write_all (fd, (const char *) relay->filtered->data, relay->filtered->len);
}

static gboolean
console_cb (int           fd,
            GIOCondition  condition,
            gpointer      user_data)
{
  Relay *relay = user_data;
  char buf[8192];
  ssize_t n = read (fd, buf, sizeof buf);

  if (n > 0)
    {
      write_filtered (relay, relay->console_filter, relay->out_fd, buf, n);
      return G_SOURCE_CONTINUE;
    }
  if (n < 0 && (errno == EAGAIN || errno == EINTR))
    return G_SOURCE_CONTINUE;
  relay->console_source = 0;   /* EIO: QEMU and the Vm let go */
  return G_SOURCE_REMOVE;
}

/* The bridge's size is the terminal's that opened it (screen sets it on
 * the pty when it attaches and when its window changes). A pty's master
 * hears of no change, so it is looked at whenever the person types, and
 * told to the guest, as the window tells its second console's size: the
 * guest's line then has that size before the keys reach its shell. */
static void
bridge_typed_cb (CorralFdFlow *flow,
                 gpointer      user_data)
{
  Relay *relay = user_data;
  struct winsize ws;

  if (ioctl (relay->bridge.master, TIOCGWINSZ, &ws) != 0 || ws.ws_row == 0 || ws.ws_col == 0 ||
      (ws.ws_row == relay->bridge_rows && ws.ws_col == relay->bridge_columns))
    return;
  relay->bridge_rows = ws.ws_row;
  relay->bridge_columns = ws.ws_col;
  corral_vm_set_second_console_size (relay->vm, ws.ws_row, ws.ws_col);
}

/* The second console goes to a pty of its own that a person opens with
 * `screen /dev/pts/N` from another terminal, as with QEMU's "-chardev pty". */
static void
open_bridge (Relay *relay)
{
  g_autoptr(GError) error = NULL;
  int fd = corral_vm_get_console_fd (relay->vm, CORRAL_CONSOLE_ENTER);

  if (fd < 0)
    return;
  if (!corral_pty_open (&relay->bridge, &error))
    {
      g_printerr ("corral: %s\n", error->message);
      return;
    }
  relay->enter = dup (fd);
  g_unix_set_fd_nonblocking (relay->enter, TRUE, NULL);
  g_unix_set_fd_nonblocking (relay->bridge.master, TRUE, NULL);
  /* Until someone opens the bridge nobody reads it: once its pty is full
   * the second console waits, and the agent's console runs on. */
  relay->to_bridge = corral_fd_flow_new (relay->enter, relay->bridge.master, relay->bridge_filter,
                                         CORRAL_GUEST_IO_PRIORITY);
  relay->from_bridge = corral_fd_flow_new (relay->bridge.master, relay->enter, NULL,
                                           G_PRIORITY_DEFAULT);
  corral_fd_flow_set_read_func (relay->from_bridge, bridge_typed_cb, relay);
  g_printerr (_("corral: second console: screen %s\n"), relay->bridge.path);
}

/* The window shows a banner for this; here the terminal is the window.
 * The terminal is raw: lines end in CR LF. */
static void
control_lost_cb (CorralVm   *vm,
                 GParamSpec *pspec,
                 Relay      *relay)
{
  if (!corral_vm_get_control_lost (vm))
    return;
  g_printerr ("\r\ncorral: %s\r\n",
              _("lost the control connection to QEMU. The guest runs on; leaving the agent still powers it off, and a signal to corral (SIGTERM, SIGHUP) now ends it at once."));
}

/* What the window's network panel shows, a line per refusal here: the
 * person sees what the agent could not reach, and can allow it in the
 * project's settings. A host refused again and again (a browser retries
 * in the background) gets a line at most every 30 s, with its count. */
#define REFUSAL_REPEAT_USEC (30 * G_USEC_PER_SEC)

static void
refused_cb (CorralNetworkLog      *log,
            CorralNetworkLogEntry *entry,
            Relay                 *relay)
{
  guint count = corral_network_log_entry_get_count (entry);
  g_autofree char *key = g_strdup_printf ("%s:%u", corral_network_log_entry_get_host (entry),
                                          corral_network_log_entry_get_port (entry));

  if (!corral_notice_throttle_allow (relay->refusals_shown, key, g_get_monotonic_time ()))
    return;
  g_printerr ("\r\ncorral: ");
  if (count <= 1)
    /* Translators: a refused connection of the guest: host:port, then why */
    g_printerr (_("network: refused %s:%u: %s"), corral_network_log_entry_get_host (entry),
                corral_network_log_entry_get_port (entry), corral_network_log_entry_get_reason (entry));
  else
    /* Translators: as above, with how many times so far */
    g_printerr (_("network: refused %s:%u (%u times so far): %s"), corral_network_log_entry_get_host (entry),
                corral_network_log_entry_get_port (entry), count, corral_network_log_entry_get_reason (entry));
  g_printerr ("\r\n");
}

/* The window shows a banner for this too. */
static void
project_missing_cb (CorralVm   *vm,
                    GParamSpec *pspec,
                    Relay      *relay)
{
  g_autofree char *name = NULL;
  g_autofree char *message = NULL;

  if (!corral_vm_get_project_missing (vm))
    return;
  name = g_filename_display_name (corral_profile_get_project_path (corral_vm_get_profile (vm)));
  message = g_strdup_printf (_("The project folder “%s” is gone (deleted, moved or unmounted) while the virtual machine runs: what the agent writes now is lost. Shut the virtual machine down, put the folder back, and start again."),
                             name);
  g_printerr ("\r\ncorral: %s\r\n", message);
}

/* A guest deaf to the power button: the window offers Force Off after a
 * while; here the user (or the logout that sent the signal) is told what
 * waits, and then what happened. */
static void
powerdown_ignored_cb (CorralVm   *vm,
                      GParamSpec *pspec,
                      Relay      *relay)
{
  g_autofree char *message = NULL;

  if (!corral_vm_get_powerdown_ignored (vm))
    return;
  message = g_strdup_printf (_("The guest did not power off within %u s: Corral forced it off, like pulling the plug (the project folder keeps what was written)."),
                             corral_vm_get_powerdown_timeout (vm));
  g_printerr ("\r\ncorral: %s\r\n", message);
}

static gboolean
signal_cb (gpointer user_data)
{
  Relay *relay = user_data;

  if (relay->signals_seen++ == 0)
    {
      corral_vm_power_down (relay->vm);
      if (corral_vm_get_state (relay->vm) == CORRAL_VM_STATE_STOPPING &&
          !corral_vm_get_control_lost (relay->vm))
        {
          g_autofree char *message = g_strdup_printf (_("Shutting the virtual machine down. A guest that does not power off within %u s is forced off; another signal forces it off now."),
                                                      corral_vm_get_powerdown_timeout (relay->vm));
          g_printerr ("\r\ncorral: %s\r\n", message);
        }
    }
  else
    corral_vm_force_off (relay->vm);
  return G_SOURCE_CONTINUE;
}

/* The guest asks this terminal for its size over the console, or (a guest
 * that takes it) is told over the session channel, and then stops
 * asking: at start and after each resize. */
static gboolean
winch_cb (gpointer user_data)
{
  Relay *relay = user_data;
  struct winsize ws;

  if (ioctl (relay->in_fd, TIOCGWINSZ, &ws) == 0 && ws.ws_row > 0 && ws.ws_col > 0)
    corral_vm_set_agent_console_size (relay->vm, ws.ws_row, ws.ws_col);
  return G_SOURCE_CONTINUE;
}

static void
start_cb (GObject      *source,
          GAsyncResult *result,
          gpointer      user_data)
{
  Relay *relay = user_data;

  /* Failure shows in the state and error message. */
  corral_vm_start_finish (CORRAL_VM (source), result, NULL);
  relay->start_done = TRUE;
}

static void
drain_console (Relay *relay)
{
  char buf[8192];
  ssize_t n;

  if (relay->console < 0)
    return;
  while ((n = read (relay->console, buf, sizeof buf)) > 0)
    write_filtered (relay, relay->console_filter, relay->out_fd, buf, n);
}

int
corral_vm_run_in_terminal (CorralVm *vm,
                           int       in_fd,
                           int       out_fd)
{
  Relay relay = { .vm = vm, .in_fd = in_fd, .out_fd = out_fd, .console = -1, .enter = -1,
                  .bridge = { -1, -1, NULL } };
  struct termios saved, raw;
  gboolean is_tty = isatty (in_fd) && tcgetattr (in_fd, &saved) == 0;
  int fd, status;
  guint signal_ids[3], winch_id = 0;
  const int signals[3] = { SIGINT, SIGTERM, SIGHUP };

  g_return_val_if_fail (CORRAL_IS_VM (vm), 1);

  for (guint i = 0; i < G_N_ELEMENTS (signals); i++)
    signal_ids[i] = g_unix_signal_add (signals[i], signal_cb, &relay);

  g_signal_connect (vm, "notify::control-lost", G_CALLBACK (control_lost_cb), &relay);
  /* As many hosts as the window's log keeps (the guest names them). */
  relay.refusals_shown = corral_notice_throttle_new (REFUSAL_REPEAT_USEC, CORRAL_NETWORK_LOG_MAX);
  relay.console_filter = corral_terminal_filter_new ();
  relay.bridge_filter = corral_terminal_filter_new ();
  relay.filtered = g_byte_array_new ();
  g_signal_connect (corral_vm_get_network_log (vm), "refused", G_CALLBACK (refused_cb), &relay);

  g_signal_connect (vm, "notify::project-missing", G_CALLBACK (project_missing_cb), &relay);
  g_signal_connect (vm, "notify::powerdown-ignored", G_CALLBACK (powerdown_ignored_cb), &relay);
  corral_vm_start_async (vm, NULL, start_cb, &relay);
  for (const char * const *w = corral_vm_get_warnings (vm); *w != NULL; w++)
    g_printerr ("corral: %s\n", *w);

  fd = corral_vm_get_console_fd (vm, CORRAL_CONSOLE_AGENT);
  if (fd >= 0)
    {
      open_bridge (&relay);
      relay.console = dup (fd);
      g_unix_set_fd_nonblocking (relay.console, TRUE, NULL);
      /* The guest's output waits behind the user's keys and signals,
       * level with its other channels (corral-guest-io.h). */
      relay.console_source = g_unix_fd_add_full (CORRAL_GUEST_IO_PRIORITY, relay.console,
                                                 G_IO_IN | G_IO_HUP | G_IO_ERR,
                                                 console_cb, &relay, NULL);
      if (is_tty)
        {
          raw = saved;
          cfmakeraw (&raw);
          tcsetattr (in_fd, TCSADRAIN, &raw);
        }
      /* End of input (a pipe, not a terminal) ends only the flow: the
       * guest runs on until its entrypoint exits, as with QEMU on stdio. */
      relay.input = corral_fd_flow_new (in_fd, relay.console, NULL, G_PRIORITY_DEFAULT);
      if (is_tty)
        {
          winch_id = g_unix_signal_add (SIGWINCH, winch_cb, &relay);
          winch_cb (&relay);
        }
    }

  while (!relay.start_done ||
         (corral_vm_get_state (vm) != CORRAL_VM_STATE_STOPPED &&
          corral_vm_get_state (vm) != CORRAL_VM_STATE_FAILED))
    g_main_context_iteration (NULL, TRUE);

  drain_console (&relay);
  g_clear_pointer (&relay.input, corral_fd_flow_free);
  g_clear_handle_id (&relay.console_source, g_source_remove);
  g_clear_pointer (&relay.to_bridge, corral_fd_flow_free);
  g_clear_pointer (&relay.from_bridge, corral_fd_flow_free);
  if (relay.console >= 0)
    close (relay.console);
  if (relay.enter >= 0)
    close (relay.enter);
  corral_pty_close (&relay.bridge);
  if (is_tty)
    tcsetattr (in_fd, TCSADRAIN, &saved);
  for (guint i = 0; i < G_N_ELEMENTS (signals); i++)
    g_source_remove (signal_ids[i]);
  g_clear_handle_id (&winch_id, g_source_remove);
  g_signal_handlers_disconnect_by_func (vm, control_lost_cb, &relay);
  g_signal_handlers_disconnect_by_func (corral_vm_get_network_log (vm), refused_cb, &relay);
  g_clear_pointer (&relay.refusals_shown, corral_notice_throttle_free);
  g_clear_pointer (&relay.console_filter, corral_terminal_filter_free);
  g_clear_pointer (&relay.bridge_filter, corral_terminal_filter_free);
  g_byte_array_unref (relay.filtered);

  g_signal_handlers_disconnect_by_func (vm, project_missing_cb, &relay);
  g_signal_handlers_disconnect_by_func (vm, powerdown_ignored_cb, &relay);

  if (corral_vm_get_state (vm) == CORRAL_VM_STATE_FAILED)
    {
      g_printerr ("corral: %s\n", corral_vm_get_error_message (vm));
      status = 1;
    }
  else
    {
      status = 0;
    }
  return status;
}
