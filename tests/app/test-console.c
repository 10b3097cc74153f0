/* test-console.c: a project window running the tiny test guest
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * Real QEMU, real VTE, real Xvfb: the console shows what the guest prints
 * and takes what the user types; the second console is a shell of its
 * own; QEMU killed from outside leaves a window that says so and still
 * works.
 */
#include "config.h"

#include <glib/gstdio.h>
#include <signal.h>
#include <adwaita.h>
#include <gdk/x11/gdkx.h>

#include "corral-alert.h"
#include "corral-application.h"
#include "corral-console-view.h"
#include "corral-secrets.h"
#include "corral-vm.h"
#include "corral-window-private.h"
#include "app-test-util.h"

static CorralApplication *app;

static guint
count (const char *haystack,
       const char *needle)
{
  guint n = 0;

  for (const char *p = haystack; (p = strstr (p, needle)) != NULL; p += strlen (needle))
    n++;
  return n;
}

/* Waits for the @n-th ready line, then for the shell's prompt on the last
 * line: a person types once they see it. */
static void
wait_for_shell (GtkWidget *console,
                guint      n,
                guint      seconds)
{
  gint64 deadline = g_get_monotonic_time () + seconds * G_USEC_PER_SEC;

  for (;;)
    {
      g_autofree char *shown = corral_test_console_text (console);
      g_strchomp (shown);

      if (count (shown, "CORRAL-GUEST-READY") >= n && g_str_has_suffix (shown, "/project#"))
        return;
      if (g_get_monotonic_time () > deadline)
        {
          g_test_message ("console shows:\n%s", shown);
          g_error ("no shell prompt after ready line %u within %u s", n, seconds);
        }
      corral_test_iterate (100);
    }
}

static void
type (GtkWidget  *console,
      const char *text)
{
  /* What the terminal sends the guest for these keystrokes. */
  vte_terminal_feed_child (corral_console_view_get_terminal (CORRAL_CONSOLE_VIEW (console)), text, -1);
}

/* The guest's shell on @console has the terminal's grid, and a new grid
 * (zoomed in) reaches it without its asking: the Vm tells the guest over
 * the session channel. */
static void
check_size_follows (GtkWidget *console)
{
  VteTerminal *terminal = corral_console_view_get_terminal (CORRAL_CONSOLE_VIEW (console));
  long rows = vte_terminal_get_row_count (terminal);
  gint64 deadline = g_get_monotonic_time () + 10 * G_USEC_PER_SEC;
  g_autofree char *size = g_strdup_printf ("\n%ld %ld\n", rows,
                                           vte_terminal_get_column_count (terminal));
  g_autofree char *zoomed_size = NULL;

  type (console, "stty size\r");
  corral_test_wait_for_console (console, size, 30);
  vte_terminal_set_font_scale (terminal, 1.5);
  while (vte_terminal_get_row_count (terminal) == rows && g_get_monotonic_time () < deadline)
    corral_test_iterate (100);
  g_assert_cmpint (vte_terminal_get_row_count (terminal), <, rows);
  zoomed_size = g_strdup_printf ("\n%ld %ld\n", vte_terminal_get_row_count (terminal),
                                 vte_terminal_get_column_count (terminal));
  type (console, "stty size\r");
  corral_test_wait_for_console (console, zoomed_size, 30);
  vte_terminal_set_font_scale (terminal, 1.0);
}

/* Real key presses, through the X server, to the focused widget. */
static void
xdotool (const char *arg, ...)
{
  g_autoptr(GPtrArray) argv = g_ptr_array_new ();
  g_autoptr(GError) error = NULL;
  GPid pid;
  int status = -1;
  gboolean done = FALSE;
  va_list ap;

  g_ptr_array_add (argv, (char *) "xdotool");
  va_start (ap, arg);
  for (const char *a = arg; a != NULL; a = va_arg (ap, const char *))
    g_ptr_array_add (argv, (char *) a);
  va_end (ap);
  g_ptr_array_add (argv, NULL);
  /* Asynchronously: the keys are handled by this process's main loop. */
  g_assert_true (g_spawn_async (NULL, (char **) argv->pdata, NULL,
                                G_SPAWN_SEARCH_PATH | G_SPAWN_DO_NOT_REAP_CHILD,
                                NULL, NULL, &pid, &error));
  g_assert_no_error (error);
  corral_test_watch_child (pid, &status, &done);
  corral_test_wait_for_flag (&done, 30);
  g_assert_cmpint (status, ==, 0);
}

static void
wait_for_state (CorralWindow  *window,
                CorralVmState  state,
                guint          seconds)
{
  gint64 deadline = g_get_monotonic_time () + seconds * G_USEC_PER_SEC;

  while (corral_window_get_vm (window) == NULL ||
         corral_vm_get_state (corral_window_get_vm (window)) != state)
    {
      if (g_get_monotonic_time () > deadline)
        {
          CorralVm *vm = corral_window_get_vm (window);
          g_error ("VM not in state %d after %u s (now %d: %s; stderr: %s)", state, seconds,
                   vm ? (int) corral_vm_get_state (vm) : -1,
                   vm ? corral_vm_get_error_message (vm) : "no vm",
                   vm ? corral_vm_get_qemu_stderr (vm) : "");
        }
      corral_test_iterate (100);
    }
}

/* QEMU is ours: the Vm spawned its jail from this process (in the jail
 * QEMU is bwrap's grandchild). */
static GPid
find_qemu (void)
{
  return corral_test_find_qemu (getpid ());
}

/* A main loop busy 8 ms of every 10: VTE, which reads the console in it,
 * falls behind the guest. */
static gboolean
hog_cb (gpointer data)
{
  g_usleep (8000);
  return G_SOURCE_CONTINUE;
}

/* The console's last @rows rows (cheap, unlike the whole scrollback). */
static char *
console_tail (GtkWidget *console,
              long       rows)
{
  VteTerminal *terminal = corral_console_view_get_terminal (CORRAL_CONSOLE_VIEW (console));
  GtkAdjustment *adj = gtk_scrollable_get_vadjustment (GTK_SCROLLABLE (terminal));
  long upper = (long) gtk_adjustment_get_upper (adj);

  return corral_test_terminal_rows (terminal, MAX (upper - rows, (long) gtk_adjustment_get_lower (adj)),
                                    upper - 1);
}

/* What the guest's base64 of 3 MiB is between the markers: 4 MiB of
 * text and a newline after each 76 characters. */
#define LOSSLESS_CHARS (4 * 1024 * 1024 + (4 * 1024 * 1024 + 75) / 76)

/* Tells which lines between the markers are not the 76 base64 characters
 * every line but the last has, so a failure says what was added or lost. */
static void
report_odd_lines (const char *begin,
                  const char *end)
{
  guint shown = 0;
  guint line = 0;

  for (const char *p = begin; p < end && shown < 8; line++)
    {
      const char *nl = memchr (p, '\n', end + 1 - p);
      gsize len = (nl != NULL ? nl : end) - p;
      gboolean base64 = len == 76 || (nl == end && len <= 76);

      for (gsize i = 0; base64 && i < len; i++)
        base64 = g_ascii_isalnum (p[i]) || p[i] == '+' || p[i] == '/' || p[i] == '=';
      if (!base64)
        {
          g_autofree char *text = g_strndup (p, MIN (len, 200));
          g_autofree char *escaped = g_strescape (text, NULL);

          g_test_message ("line %u (%" G_GSIZE_FORMAT " characters): “%s”", line, len, escaped);
          shown++;
        }
      if (nl == NULL)
        break;
      p = nl + 1;
    }
}

/* 4 MiB printed in the guest reach a terminal that falls behind whole:
 * the guest is held back, nothing is dropped (QEMU's virtio console,
 * which the agent console once was, dropped what VTE could not take). */
static void
check_lossless (GtkWidget *console)
{
  g_autoptr(GSettings) settings = g_settings_new (APPLICATION_ID);
  g_autoptr(GRegex) sum_rx = g_regex_new ("sum-([0-9a-f]{64})-end", 0, 0, NULL);
  g_autofree char *want = NULL;
  g_autofree char *got = NULL;
  g_autofree char *shown = NULL;
  const char *begin, *end;
  gint64 started, deadline;
  guint hog;

  g_settings_set_int (settings, "scrollback-lines", 200000);
  type (console, "head -c 3145728 /dev/urandom | base64 > /tmp/out; "
                 "echo sum-$(sha256sum < /tmp/out | cut -c1-64)-end\r");
  deadline = g_get_monotonic_time () + 120 * G_USEC_PER_SEC;
  for (;;)
    {
      g_autofree char *tail = console_tail (console, 10);

      g_autoptr(GMatchInfo) match = NULL;

      /* (the match points into tail) */
      if (g_regex_match (sum_rx, tail, 0, &match))
        {
          want = g_match_info_fetch (match, 1);
          break;
        }
      g_assert_cmpint (g_get_monotonic_time (), <, deadline);
      corral_test_iterate (100);
    }

  hog = g_timeout_add (10, hog_cb, NULL);
  started = g_get_monotonic_time ();
  type (console, "echo @@''B; cat /tmp/out; echo @@''E\r");
  deadline = started + 600 * G_USEC_PER_SEC;
  for (;;)
    {
      g_autofree char *tail = console_tail (console, 5);

      if (strstr (tail, "\n@@E\n") != NULL)
        break;
      g_assert_cmpint (g_get_monotonic_time (), <, deadline);
      corral_test_iterate (100);
    }
  g_source_remove (hog);
  g_test_message ("4 MiB through the console in %.1f s",
                  (g_get_monotonic_time () - started) / (double) G_USEC_PER_SEC);

  shown = corral_test_console_text (console);
  begin = g_strrstr (shown, "\n@@B\n");
  g_assert_nonnull (begin);
  end = strstr (begin, "\n@@E\n");
  g_assert_nonnull (end);
  begin += strlen ("\n@@B\n");
  got = g_compute_checksum_for_data (G_CHECKSUM_SHA256, (const guchar *) begin, end + 1 - begin);
  /* base64 of 3 MiB: 4 MiB in lines of 76 */
  if (end + 1 - begin != LOSSLESS_CHARS)
    report_odd_lines (begin, end);
  g_assert_cmpuint (end + 1 - begin, ==, LOSSLESS_CHARS);
  g_assert_cmpstr (got, ==, want);
  g_settings_reset (settings, "scrollback-lines");
}

static void
stored_cb (GObject *source, GAsyncResult *result, gpointer data)
{
  g_assert_true (corral_secrets_store_finish (result, NULL));
  *(gboolean *) data = TRUE;
}

/* Right-clicks, through the X server, the cell of @terminal that holds
 * the hyperlink to @uri, and returns whether the menu it opens may open
 * that link (it shows Open Link); closes the menu again. */
static gboolean
menu_may_open_link (GtkWidget   *console,
                    VteTerminal *terminal,
                    const char  *uri)
{
  GtkNative *native = gtk_widget_get_native (GTK_WIDGET (terminal));
  double cw = vte_terminal_get_char_width (terminal);
  double ch = vte_terminal_get_char_height (terminal);
  g_autofree char *id = NULL, *px = NULL, *py = NULL;
  graphene_point_t p;
  gboolean found = FALSE, may;
  double x = 0, y = 0, nx, ny;

  for (y = ch / 2; !found && y < gtk_widget_get_height (GTK_WIDGET (terminal)); y += ch)
    for (x = cw / 2; !found && x < gtk_widget_get_width (GTK_WIDGET (terminal)); x += cw)
      {
        g_autofree char *at = vte_terminal_check_hyperlink_at (terminal, x, y);

        found = g_strcmp0 (at, uri) == 0;
      }
  g_assert_true (found);
  x -= cw;
  y -= ch;
  g_assert_true (gtk_widget_compute_point (GTK_WIDGET (terminal), GTK_WIDGET (native),
                                           &GRAPHENE_POINT_INIT (x, y), &p));
  /* (the X window is the surface: shadows and all) */
  gtk_native_get_surface_transform (native, &nx, &ny);
  id = g_strdup_printf ("%lu", (gulong) gdk_x11_surface_get_xid (gtk_native_get_surface (native)));
  px = g_strdup_printf ("%d", (int) (p.x + nx));
  py = g_strdup_printf ("%d", (int) (p.y + ny));
  /* (a menu item is no GtkButton: its label is looked for; a click the
   * loaded X server or GTK lost is clicked again) */
  for (guint attempt = 0; attempt < 3 && !corral_test_wait_for_text (console, "Copy Link", 0); attempt++)
    {
      xdotool ("mousemove", "--window", id, px, py, NULL);
      xdotool ("click", "3", NULL);
      corral_test_wait_for_text (console, "Copy Link", 5);
    }
  if (!corral_test_wait_for_text (console, "Copy Link", 0))
    {
      g_free (corral_test_screenshot ("console-link-menu"));
      g_error ("no Copy Link in the console's menu over %s", uri);
    }
  /* Open Link is hidden where it may not. */
  may = corral_test_wait_for_text (console, "Open Link", 1);
  xdotool ("key", "Escape", NULL);
  /* Closed before anything else is clicked: a click while it closes
   * would only close it. */
  for (guint i = 0; i < 100 && corral_test_wait_for_text (console, "Copy Link", 0); i++)
    corral_test_iterate (100);
  g_assert_false (corral_test_wait_for_text (console, "Copy Link", 0));
  return may;
}

static void
test_console_runs_guest (void)
{
  g_autofree char *dir = g_build_filename (g_get_home_dir (), "guest-project", NULL);
  g_autoptr(GFile) file = NULL;
  g_autoptr(CorralProfile) profile = NULL;
  CorralWindow *window;
  GtkWidget *console, *enter, *dialog;
  GPid qemu;
  guint readies;

  g_assert_cmpint (g_mkdir_with_parents (dir, 0700), ==, 0);
  /* A shell, so what we type runs; little memory, one core (no KVM here). */
  profile = corral_profile_load (dir, NULL, NULL);
  corral_profile_set_entrypoint_mode (profile, CORRAL_ENTRYPOINT_SHELL);
  corral_profile_set_memory_mib (profile, 256);
  corral_profile_set_cores (profile, 1);
  corral_profile_set_network (profile, FALSE);
  g_assert_true (corral_profile_save (profile, NULL));

  {
    gboolean stored = FALSE;

    corral_secrets_store_async (CORRAL_SECRET_API_KEY, "sk-ant-from-the-keyring", NULL, stored_cb, &stored);
    corral_test_wait_for_flag (&stored, 20);
  }

  file = g_file_new_for_path (dir);
  corral_application_open_folder (app, file, FALSE, NULL);
  window = CORRAL_WINDOW (corral_application_find_project (app, dir));
  g_assert_nonnull (window);
  corral_test_wait_mapped (GTK_WIDGET (window));

  wait_for_state (window, CORRAL_VM_STATE_RUNNING, 120);
  g_assert_cmpstr (adw_window_title_get_subtitle (window->window_title), ==, "Running");
  console = corral_window_get_console (window, CORRAL_CONSOLE_AGENT);
  wait_for_shell (console, 1, 120);
  /* The user can type right away: the console has the keyboard. */
  g_assert_true (gtk_widget_has_focus (GTK_WIDGET (corral_console_view_get_terminal (CORRAL_CONSOLE_VIEW (console)))));

  /* Typed in the console, run by the guest's shell, shown back. */
  type (console, "echo typed-$((6*7))\r");
  corral_test_wait_for_console (console, "typed-42", 30);

  /* Real keys from the keyboard (X server): they reach the guest... */
  xdotool ("type", "--delay", "30", "echo xdo-$((5*5))", NULL);
  xdotool ("key", "Return", NULL);
  corral_test_wait_for_console (console, "xdo-25", 30);
  /* ...Ctrl+C is the guest's: it interrupts what runs there... */
  xdotool ("type", "--delay", "30", "sleep 600; echo slept", NULL);
  xdotool ("key", "Return", NULL);
  corral_test_iterate (1000);
  xdotool ("key", "ctrl+c", NULL);
  xdotool ("type", "--delay", "30", "echo after-$((3+4))", NULL);
  xdotool ("key", "Return", NULL);
  corral_test_wait_for_console (console, "after-7", 30);
  {
    g_autofree char *shown = corral_test_console_text (console);
    g_assert_null (strstr (shown, "\nslept"));
  }
  /* Zoom with Ctrl+plus / Ctrl+0, remembered for every console. */
  {
    g_autoptr(GSettings) settings = g_settings_new (APPLICATION_ID);
    VteTerminal *terminal = corral_console_view_get_terminal (CORRAL_CONSOLE_VIEW (console));

    xdotool ("key", "ctrl+plus", NULL);
    corral_test_iterate (300);
    g_assert_cmpfloat (vte_terminal_get_font_scale (terminal), >, 1.05);
    g_assert_cmpfloat (g_settings_get_double (settings, "font-scale"), >, 1.05);
    xdotool ("key", "ctrl+0", NULL);
    corral_test_iterate (300);
    g_assert_cmpfloat (vte_terminal_get_font_scale (terminal), ==, 1.0);
  }
  /* Ctrl+Shift+F finds text in the console. */
  {
    VteTerminal *terminal = corral_console_view_get_terminal (CORRAL_CONSOLE_VIEW (console));
    gint64 deadline = g_get_monotonic_time () + 10 * G_USEC_PER_SEC;
    g_autofree char *found = NULL;

    xdotool ("key", "ctrl+shift+f", NULL);
    corral_test_iterate (300);
    xdotool ("type", "--delay", "30", "xdo-25", NULL);
    while (!vte_terminal_get_has_selection (terminal) && g_get_monotonic_time () < deadline)
      corral_test_iterate (100);
    g_assert_true (vte_terminal_get_has_selection (terminal));
    found = vte_terminal_get_text_selected (terminal, VTE_FORMAT_TEXT);
    g_assert_cmpstr (found, ==, "xdo-25");
    xdotool ("key", "Escape", NULL);
    corral_test_iterate (300);
    g_assert_true (gtk_widget_has_focus (GTK_WIDGET (terminal)));
  }
  /* ...and Ctrl+Shift+C copies the selection to the clipboard. */
  {
    g_autofree char *copied = NULL;

    VteTerminal *terminal = corral_console_view_get_terminal (CORRAL_CONSOLE_VIEW (console));
    gint64 deadline;

    vte_terminal_select_all (terminal);
    while (!vte_terminal_get_has_selection (terminal))
      corral_test_iterate (50);
    xdotool ("key", "ctrl+shift+c", NULL);
    /* The copy reaches the clipboard asynchronously: poll it a while. */
    deadline = g_get_monotonic_time () + 15 * G_USEC_PER_SEC;
    do
      {
        g_free (copied);
        corral_test_iterate (200);
        copied = corral_test_clipboard_text (gtk_widget_get_clipboard (console));
      }
    while (strstr (copied, "after-7") == NULL && g_get_monotonic_time () < deadline);
    g_assert_nonnull (strstr (copied, "after-7"));
    vte_terminal_unselect_all (corral_console_view_get_terminal (CORRAL_CONSOLE_VIEW (console)));
  }

  /* Links the guest prints: a web link may be opened; a file: link,
   * which names a host path the guest may have written (the project is
   * shared), may only be copied. */
  {
    VteTerminal *terminal = corral_console_view_get_terminal (CORRAL_CONSOLE_VIEW (console));

    type (console, "printf '\\033]8;;file:///etc/passwd\\033\\\\FILELINK\\033]8;;\\033\\\\ "
                   "\\033]8;;https://example.com/\\033\\\\WEBLINK\\033]8;;\\033\\\\\\n'\r");
    corral_test_wait_for_console (console, "WEBLINK", 30);
    g_assert_false (menu_may_open_link (console, terminal, "file:///etc/passwd"));
    g_assert_true (menu_may_open_link (console, terminal, "https://example.com/"));
  }

  /* The guest learnt the terminal's size and follows it. */
  check_size_follows (console);

  corral_test_screenshot ("project-running");

  /* The key was read from the keyring, and stayed on the host: the guest
   * has the placeholder Corral's proxy swaps for it. */
  type (console, "echo key=$ANTHROPIC_API_KEY\r");
  corral_test_wait_for_console (console, "key=" CORRAL_PROXY_PLACEHOLDER_KEY, 30);

  /* The second console is another shell in the same guest. */
  gtk_widget_activate_action (GTK_WIDGET (window), "win.second-console", NULL);
  enter = corral_window_get_console (window, CORRAL_CONSOLE_ENTER);
  g_assert_nonnull (enter);
  corral_test_wait_mapped (enter);
  type (enter, "\r");
  type (enter, "echo second-$((40+2)) > /tmp/mark; cat /tmp/mark\r");
  corral_test_wait_for_console (enter, "second-42", 30);
  /* ...the same machine as the agent's console. */
  type (console, "cat /tmp/mark\r");
  corral_test_wait_for_console (console, "second-42", 30);
  /* So does its serial line (this guest's bare shell there never asks the
   * terminal: untold, `stty size` says "0 0"). */
  check_size_follows (enter);

  /* QEMU killed from outside: the window says so and stays usable. */
  qemu = find_qemu ();
  g_assert_cmpint (qemu, >, 0);
  g_assert_cmpint (kill (qemu, SIGKILL), ==, 0);
  wait_for_state (window, CORRAL_VM_STATE_FAILED, 30);
  g_assert_cmpstr (adw_window_title_get_subtitle (window->window_title), ==, "Failed");
  g_assert_true (gtk_info_bar_get_revealed (window->error_bar));
  g_assert_true (corral_test_wait_for_text (GTK_WIDGET (window), "killed", 5));
  g_assert_true (gtk_widget_get_visible (window->start_button));
  corral_test_screenshot ("project-qemu-killed");

  /* Start again from the same window: it runs, and the console follows. */
  gtk_widget_activate_action (GTK_WIDGET (window), "win.start", NULL);
  wait_for_state (window, CORRAL_VM_STATE_RUNNING, 120);
  g_assert_false (gtk_info_bar_get_revealed (window->error_bar));
  /* The earlier run's output stays above the new one. */
  wait_for_shell (console, 2, 120);
  type (console, "echo again-$((7*6))\r");
  corral_test_wait_for_console (console, "again-42", 30);

  /* Pause and resume: the header says so. */
  gtk_widget_activate_action (GTK_WIDGET (window), "win.pause", NULL);
  {
    gint64 deadline = g_get_monotonic_time () + 30 * G_USEC_PER_SEC;
    while (!corral_vm_get_paused (corral_window_get_vm (window)) && g_get_monotonic_time () < deadline)
      corral_test_iterate (100);
  }
  g_assert_cmpstr (adw_window_title_get_subtitle (window->window_title), ==, "Paused");
  gtk_widget_activate_action (GTK_WIDGET (window), "win.resume", NULL);
  {
    gint64 deadline = g_get_monotonic_time () + 30 * G_USEC_PER_SEC;
    while (corral_vm_get_paused (corral_window_get_vm (window)) && g_get_monotonic_time () < deadline)
      corral_test_iterate (100);
  }
  g_assert_cmpstr (adw_window_title_get_subtitle (window->window_title), ==, "Running");

  /* Stop: the power button, the guest shuts down. */
  gtk_widget_activate_action (GTK_WIDGET (window), "win.stop", NULL);
  wait_for_state (window, CORRAL_VM_STATE_STOPPED, 60);

  /* A guest that does not answer the power button (pressed before its
   * acpid runs, so it is lost): after a while the window offers to force
   * it off, and that works. */
  gtk_widget_activate_action (GTK_WIDGET (window), "win.start", NULL);
  wait_for_state (window, CORRAL_VM_STATE_RUNNING, 120);
  gtk_widget_activate_action (GTK_WIDGET (window), "win.stop", NULL);
  {
    gint64 deadline = g_get_monotonic_time () + 25 * G_USEC_PER_SEC;
    while (!gtk_widget_get_visible (window->force_off_button) && g_get_monotonic_time () < deadline)
      corral_test_iterate (100);
  }
  g_assert_true (gtk_widget_get_visible (window->force_off_button));
  g_assert_true (corral_test_wait_for_text (GTK_WIDGET (window), "does not answer the power button", 5));
  corral_test_screenshot ("force-off-offered");
  g_signal_emit_by_name (window->force_off_button, "clicked");
  wait_for_state (window, CORRAL_VM_STATE_STOPPED, 30);
  g_assert_false (gtk_info_bar_get_revealed (window->error_bar));
  g_assert_cmpstr (adw_window_title_get_subtitle (window->window_title), ==, "Stopped");
  g_assert_cmpint (find_qemu (), ==, 0);

  /* Closing a window whose VM runs asks first, then shuts it down. The
   * forced-off run may have printed its ready line or not, as fast as
   * this machine let it boot: count from here. */
  {
    g_autofree char *shown = corral_test_console_text (console);

    readies = count (shown, "CORRAL-GUEST-READY");
  }
  gtk_widget_activate_action (GTK_WIDGET (window), "win.start", NULL);
  wait_for_state (window, CORRAL_VM_STATE_RUNNING, 120);
  wait_for_shell (console, readies + 1, 120);
  /* (last: its 55 000 lines push the earlier runs out of the scrollback) */
  check_lossless (console);
  g_object_add_weak_pointer (G_OBJECT (window), (gpointer *) &window);
  gtk_window_close (GTK_WINDOW (window));
  corral_test_iterate (100);
  g_assert_nonnull (window);
  g_assert_true (gtk_widget_get_visible (GTK_WIDGET (window)));
  dialog = corral_alert_get_shown (GTK_WINDOW (window));
  g_assert_nonnull (dialog);
  corral_test_wait_mapped (dialog);
  /* It names the project whose VM it shuts down. */
  g_assert_true (corral_test_wait_for_text (dialog, "“guest-project”", 5));
  corral_test_screenshot ("close-running-project");
  corral_test_click_button (dialog, "_Shut Down");
  {
    gint64 deadline = g_get_monotonic_time () + 60 * G_USEC_PER_SEC;
    while (window != NULL && g_get_monotonic_time () < deadline)
      corral_test_iterate (100);
  }
  g_assert_null (window);
  g_assert_cmpint (find_qemu (), ==, 0);
}

int
main (int argc, char **argv)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(GSettings) settings = NULL;

  g_content_type_set_mime_dirs (NULL);
  g_test_init (&argc, &argv, G_TEST_OPTION_ISOLATE_DIRS, NULL);
  /* The tests check English labels. */
  g_setenv ("LANGUAGE", "C", TRUE);
  /* A desktop launch: no key in the environment, one in the keyring. */
  g_unsetenv ("ANTHROPIC_API_KEY");

  app = corral_application_new ();
  g_assert_true (g_application_register (G_APPLICATION (app), NULL, &error));
  g_assert_no_error (error);
  g_application_hold (G_APPLICATION (app));
  corral_test_init ();

  settings = g_settings_new (APPLICATION_ID);
  g_assert_nonnull (g_getenv ("CORRAL_TEST_GUEST"));
  g_settings_set_string (settings, "guest-manifest", g_getenv ("CORRAL_TEST_GUEST"));
  g_settings_set_boolean (settings, "start-on-open", TRUE);

  g_test_add_func ("/console/runs-guest", test_console_runs_guest);

  return g_test_run ();
}
