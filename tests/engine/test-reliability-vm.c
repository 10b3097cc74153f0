/* test-reliability-vm.c: CorralVm over many runs and when things break
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * Real QEMU and the tiny test guest. What a user would notice: an app
 * that runs out of file descriptors after a few VMs, a project that stays
 * "busy" after its VM stopped, a secret left on disk, a VM stuck in
 * "starting" or "running" after QEMU went away, an app that needs a
 * restart before the project starts again.
 */
#include "config.h"

#include <errno.h>
#include <malloc.h>
#include <stdio.h>
#include <signal.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/socket.h>
#include <unistd.h>

#include <glib/gstdio.h>

#include "corral-meta-dir.h"
#include "corral-state-dir.h"
#include "corral-test-util.h"

/* Start/stop cycles in one process: 5, or 50 with build-aux/test --full
 * (CORRAL_TEST_FULL; CORRAL_TEST_CYCLES overrides both). */
#define CYCLES 5
#define CYCLES_FULL 50
/* What the heap may grow by from the end of cycle 2 (GLib's caches are
 * warm by then) to the end of the last. Under AddressSanitizer the count
 * is exact (the bytes the program holds): room for GLib's lazily grown
 * tables, not for a leak of a string per run. glibc's own figures
 * (the ordinary build) include free space its arenas keep and move
 * between threads: a loose bound there, for a gross leak. */
#define HEAP_SLACK_EXACT   (32 * 1024)
#define HEAP_SLACK_ARENAS  (1024 * 1024)

/* AddressSanitizer's count of the bytes allocated and not freed, when
 * this is a sanitizer build. */
size_t __sanitizer_get_current_allocated_bytes (void) __attribute__ ((weak));

typedef struct {
  char              *project;
  CorralProfile     *profile;
  CorralGuest       *guest;
  CorralHost        *host;
  CorralVm          *vm;
  CorralTestConsole  agent;
  GPtrArray         *states;   /* state nicks, as notified */
  guint              control_lost_seen;  /* times control-lost became TRUE */
} Fixture;

static void
on_state (CorralVm   *vm,
          GParamSpec *pspec,
          Fixture    *f)
{
  g_ptr_array_add (f->states, g_strdup (corral_test_state_name (corral_vm_get_state (vm))));
}

static void
on_control_lost (CorralVm   *vm,
                 GParamSpec *pspec,
                 Fixture    *f)
{
  if (corral_vm_get_control_lost (vm))
    f->control_lost_seen++;
}

static void
fixture_setup (Fixture       *f,
               gconstpointer  data)
{
  f->project = corral_test_make_project ("reliability", "project");
  f->profile = corral_test_small_profile (f->project);
  corral_profile_set_entrypoint_mode (f->profile, CORRAL_ENTRYPOINT_SHELL);
  f->guest = corral_test_load_guest ();
  f->host = corral_host_probe (NULL);
  g_assert_nonnull (f->host->qemu_path);
  f->agent.fd = -1;
  f->states = g_ptr_array_new_with_free_func (g_free);
}

static void
make_vm (Fixture *f)
{
  f->vm = corral_vm_new (f->profile, f->guest, f->host);
  /* Generous: the guest's acpid answers in well under a second, but a
   * loaded machine emulates slowly. */
  corral_vm_set_powerdown_timeout (f->vm, 90);
  g_signal_connect (f->vm, "notify::state", G_CALLBACK (on_state), f);
  g_signal_connect (f->vm, "notify::control-lost", G_CALLBACK (on_control_lost), f);
}

static void
fixture_teardown (Fixture       *f,
                  gconstpointer  data)
{
  g_autofree char *parent = g_path_get_dirname (f->project);

  corral_test_console_detach (&f->agent);
  if (f->vm != NULL)
    g_signal_handlers_disconnect_by_data (f->vm, f);
  g_clear_object (&f->vm);
  g_clear_object (&f->profile);
  g_clear_object (&f->guest);
  g_clear_pointer (&f->host, corral_host_free);
  g_ptr_array_unref (f->states);
  corral_test_remove_tree (parent);
  g_free (f->project);
}

/* Starts f->vm, waits for the ready line and attaches the agent console. */
static void
boot_to_ready (Fixture *f)
{
  g_autoptr(GError) error = NULL;

  if (f->vm == NULL)
    make_vm (f);
  corral_test_console_detach (&f->agent);
  error = corral_test_start_vm (f->vm);
  g_assert_no_error (error);
  g_assert_cmpint (corral_vm_get_state (f->vm), ==, CORRAL_VM_STATE_RUNNING);
  corral_test_console_attach (&f->agent, corral_vm_get_console_fd (f->vm, CORRAL_CONSOLE_AGENT));
  corral_test_console_expect (&f->agent, CORRAL_TEST_READY_LINE);
}

/* The guest's shell answers: the VM is really usable, not just "running".
 * (It also means the guest's acpid had time to start: an ACPI power
 * button pressed right at the ready line can be lost.) */
static void
assert_shell_answers (Fixture    *f,
                      const char *tag)
{
  g_autofree char *command = g_strdup_printf ("echo %s-$((20+22))\n", tag);
  g_autofree char *answer = g_strdup_printf ("%s-42", tag);

  corral_test_console_expect (&f->agent, "sandbox:/project");
  corral_test_console_type (&f->agent, command);
  corral_test_console_expect (&f->agent, answer);
}

/* The project's lock is free: another VM (or app) could take it now. */
static void
assert_lock_free (const char *project)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(CorralStateDir) state = corral_state_dir_acquire (project, &error);

  g_assert_no_error (error);
  g_assert_nonnull (state);
  corral_state_dir_release (state);
}

static void
assert_process_gone (int pid)
{
  g_assert_cmpint (pid, >, 0);
  /* GSubprocess reaped it: not even a zombie is left. */
  g_assert_cmpint (kill (pid, 0), ==, -1);
  g_assert_cmpint (errno, ==, ESRCH);
}

/* The last "<TAG type="TYPE" ... size="N"/>" in malloc_info()'s XML:
 * the totals over every arena come last. */
static gsize
malloc_info_size (const char *xml,
                  const char *tag)
{
  const char *found = NULL, *p = xml;
  gsize size = 0;

  while ((p = strstr (p, tag)) != NULL)
    found = p++;
  if (found != NULL && (found = strstr (found, "size=\"")) != NULL)
    size = g_ascii_strtoull (found + 6, NULL, 10);
  return size;
}

/* Bytes in use on the heap: AddressSanitizer's exact count in a
 * sanitizer build; else glibc's, over every arena (malloc_info(): memory
 * taken from the system less what is free in it; mallinfo2() would give
 * the main arena only, where memory moves to and from the GIO worker
 * threads' arenas). */
static gsize
arenas_in_use (void)
{
  g_autofree char *xml = NULL;
  size_t len = 0;
  FILE *out = open_memstream (&xml, &len);
  gsize current, fast, rest;

  if (out == NULL)
    return 0;
  malloc_info (0, out);
  fclose (out);
  current = malloc_info_size (xml, "<system type=\"current\"");
  fast = malloc_info_size (xml, "<total type=\"fast\"");
  rest = malloc_info_size (xml, "<total type=\"rest\"");
  return current > fast + rest ? current - fast - rest : 0;
}

static gsize
heap_in_use (void)
{
  if (__sanitizer_get_current_allocated_bytes != NULL)
    return __sanitizer_get_current_allocated_bytes ();
  return arenas_in_use ();
}

/* "N: target" for every open fd of this process, sorted. */
static char *
list_fds (guint *count)
{
  g_autoptr(GDir) dir = g_dir_open ("/proc/self/fd", 0, NULL);
  g_autoptr(GPtrArray) lines = g_ptr_array_new_with_free_func (g_free);
  const char *name;

  g_assert_nonnull (dir);
  while ((name = g_dir_read_name (dir)) != NULL)
    {
      g_autofree char *path = g_build_filename ("/proc/self/fd", name, NULL);
      g_autofree char *target = g_file_read_link (path, NULL);

      g_ptr_array_add (lines, g_strdup_printf ("%s: %s", name, target ? target : "?"));
    }
  *count = lines->len;
  g_ptr_array_sort (lines, (GCompareFunc) g_strcmp0);
  g_ptr_array_add (lines, NULL);
  return g_strjoinv ("\n", (char **) lines->pdata);
}

/* list_fds(), once no more than @want are open or after 2 s. GLib closes
 * some descriptors on its worker thread a moment after their owner went:
 * the mount monitor's /proc/self/mountinfo, whose watch that thread may
 * still hold when the Vm drops the monitor (CI saw it once, on a loaded
 * machine: 7 before, 8 after, the extra one mountinfo). */
static char *
settled_fds (guint  want,
             guint *count)
{
  char *fds = list_fds (count);

  for (guint i = 0; i < 20 && *count > want; i++)
    {
      g_free (fds);
      g_usleep (100 * 1000);
      fds = list_fds (count);
    }
  return fds;
}

/* --- tests ------------------------------------------------------------------ */

/* Start and power down one Vm several times, as a user does over a day
 * with one window: each run ends with its metadata dir (the API key)
 * gone, the project's lock free, QEMU reaped, and no file descriptor
 * left behind in the app. */
static void
test_cycles (Fixture       *f,
             gconstpointer  data)
{
  g_autofree char *run_dir = corral_meta_dir_path_for (f->project);
  g_autofree char *fds_before = NULL;
  g_autofree char *fds_first = NULL;
  guint n_before, n_after, n_first = 0;
  const char *env_cycles = g_getenv ("CORRAL_TEST_CYCLES");
  guint cycles = env_cycles ? atoi (env_cycles) : g_getenv ("CORRAL_TEST_FULL") ? CYCLES_FULL : CYCLES;
  gsize heap_warm = 0, heap_peak = 0, heap_last = 0;
  gint64 begin_all = g_get_monotonic_time ();

  g_setenv ("ANTHROPIC_API_KEY", "sk-ant-cycles-SECRET", TRUE);
  make_vm (f);
  /* GLib opens one inotify descriptor at the first file monitor (the Vm
   * watches the project folder's name) and keeps it for the life of the
   * process: opened here, so that a descriptor left per run still shows. */
  {
    g_autoptr(GFile) file = g_file_new_for_path (f->project);
    GFileMonitor *monitor = g_file_monitor_file (file, G_FILE_MONITOR_NONE, NULL, NULL);

    g_clear_object (&monitor);
  }
  fds_before = list_fds (&n_before);

  for (guint cycle = 1; cycle <= cycles; cycle++)
    {
      g_autofree char *fds_after = NULL;
      g_autofree char *tag = g_strdup_printf ("cycle%u", cycle);
      gint64 begin = g_get_monotonic_time ();
      int pid;

      g_ptr_array_set_size (f->states, 0);
      boot_to_ready (f);
      pid = corral_vm_get_qemu_pid (f->vm);
      g_assert_true (g_file_test (run_dir, G_FILE_TEST_IS_DIR));
      assert_shell_answers (f, tag);

      corral_vm_power_down (f->vm);
      corral_test_wait_state (f->vm, CORRAL_VM_STATE_STOPPED, 120);
      /* The guest powered itself off (ACPI), it was not killed. */
      g_assert_nonnull (strstr (f->agent.text->str, "CORRAL-GUEST-POWERDOWN"));
      g_assert_null (corral_vm_get_error_message (f->vm));
      g_assert_cmpuint (f->states->len, ==, 4);
      g_assert_cmpstr (f->states->pdata[0], ==, "starting");
      g_assert_cmpstr (f->states->pdata[1], ==, "running");
      g_assert_cmpstr (f->states->pdata[2], ==, "stopping");
      g_assert_cmpstr (f->states->pdata[3], ==, "stopped");

      g_assert_false (g_file_test (run_dir, G_FILE_TEST_EXISTS));
      g_assert_cmpint (corral_vm_get_qemu_pid (f->vm), ==, 0);
      g_assert_cmpint (corral_vm_get_console_fd (f->vm, CORRAL_CONSOLE_AGENT), ==, -1);
      assert_process_gone (pid);
      assert_lock_free (f->project);

      corral_test_console_detach (&f->agent);
      fds_after = settled_fds (cycle == 1 ? n_before : n_first, &n_after);
      heap_last = heap_in_use ();
      if (cycle == 2)
        heap_warm = heap_last;
      heap_peak = MAX (heap_peak, heap_last);
      g_test_message ("cycle %u: %.1f s, %u fds (%u before the first start), heap %" G_GSIZE_FORMAT " bytes",
                      cycle, (g_get_monotonic_time () - begin) / 1e6, n_after, n_before, heap_last);
      /* Host probing may still hold a descriptor or two before the first
       * start (GLib frees them lazily): fewer is fine, more is a leak, and
       * every later cycle must end exactly where the first did. */
      if (n_after > n_before)
        g_error ("cycle %u leaked file descriptors: %u before, %u after\nbefore:\n%s\nafter:\n%s",
                 cycle, n_before, n_after, fds_before, fds_after);
      if (cycle == 1)
        {
          n_first = n_after;
          fds_first = g_steal_pointer (&fds_after);
        }
      else if (n_after != n_first)
        g_error ("cycle %u leaked file descriptors: %u after cycle 1, %u now\nafter cycle 1:\n%s\nnow:\n%s",
                 cycle, n_first, n_after, fds_first, fds_after);
    }
  g_test_message ("%u cycles in %.0f s: %u fds after each (%u before the first start); heap "
                  "%" G_GSIZE_FORMAT " bytes after cycle 2, %" G_GSIZE_FORMAT " after the last, "
                  "%" G_GSIZE_FORMAT " at most",
                  cycles, (g_get_monotonic_time () - begin_all) / 1e6, n_first, n_before,
                  heap_warm, heap_last, heap_peak);
  /* Flat: after the caches warmed up, no growth beyond the noise. */
  {
    gboolean exact = __sanitizer_get_current_allocated_bytes != NULL;
    gsize slack = exact ? HEAP_SLACK_EXACT : HEAP_SLACK_ARENAS;

    g_test_message ("heap measured %s", exact ? "exactly (AddressSanitizer's count)"
                                              : "from glibc's arenas (free space they keep included)");
    if (heap_warm > 0 && cycles >= 3 && heap_last > heap_warm + slack)
      g_error ("the heap grew from %" G_GSIZE_FORMAT " to %" G_GSIZE_FORMAT " bytes over %u cycles",
               heap_warm, heap_last, cycles - 2);
  }
  g_unsetenv ("ANTHROPIC_API_KEY");
}

/* QEMU killed (the OOM killer, a user's kill -9) while the VM runs: the
 * Vm says what happened, cleans up, and the same Vm starts again. */
/* Boots, then sends QEMU @sig from outside: the run must end FAILED with
 * a reason holding each of @words, the console must end (the terminal
 * shows the end, not a frozen screen), and the run must leave nothing.
 * Then the same Vm (same window, no app restart) starts again. */
static void
signal_qemu_then_restart (Fixture            *f,
                          int                 sig,
                          const char * const *words)
{
  g_autofree char *run_dir = corral_meta_dir_path_for (f->project);
  const char *message;
  int pid;

  boot_to_ready (f);
  pid = corral_vm_get_qemu_pid (f->vm);
  g_assert_cmpint (kill (pid, sig), ==, 0);
  corral_test_wait_state (f->vm, CORRAL_VM_STATE_FAILED, 60);

  message = corral_vm_get_error_message (f->vm);
  g_test_message ("reason: %s", message);
  g_assert_nonnull (message);
  for (guint i = 0; words[i] != NULL; i++)
    g_assert_nonnull (strstr (message, words[i]));
  g_assert_true (corral_test_wait_until ((gboolean (*) (gpointer)) corral_test_console_ended,
                                         &f->agent, 30));
  g_assert_false (g_file_test (run_dir, G_FILE_TEST_EXISTS));
  g_assert_cmpint (corral_vm_get_qemu_pid (f->vm), ==, 0);
  assert_process_gone (pid);
  assert_lock_free (f->project);
  /* QMP closed as QEMU died: a crash, never shown as a lost connection. */
  g_assert_cmpuint (f->control_lost_seen, ==, 0);
  g_assert_false (corral_vm_get_control_lost (f->vm));

  g_ptr_array_set_size (f->states, 0);
  boot_to_ready (f);
  g_assert_null (corral_vm_get_error_message (f->vm));
  g_assert_cmpstr (f->states->pdata[0], ==, "starting");
  g_assert_cmpstr (f->states->pdata[1], ==, "running");
  g_assert_cmpint (corral_vm_get_qemu_pid (f->vm), !=, pid);
  assert_shell_answers (f, "again");
  corral_vm_force_off (f->vm);
  corral_test_wait_state (f->vm, CORRAL_VM_STATE_STOPPED, 60);
  /* Our own force-off (QMP quit) is a stop, not a failure. */
  g_assert_null (corral_vm_get_error_message (f->vm));
  g_assert_false (g_file_test (run_dir, G_FILE_TEST_EXISTS));
}

/* QEMU killed (the OOM killer, a user's kill -9) while the VM runs. */
static void
test_qemu_killed (Fixture       *f,
                  gconstpointer  data)
{
  const char * const words[] = { "QEMU stopped unexpectedly", "signal 9", "Killed", NULL };

  signal_qemu_then_restart (f, SIGKILL, words);
}

static void
done_cb (GObject      *source,
         GAsyncResult *result,
         gpointer      user_data)
{
  *(GAsyncResult **) user_data = g_object_ref (result);
}

static gboolean
result_set (gpointer data)
{
  return *(GAsyncResult **) data != NULL;
}

/* The QMP peer goes away while the guest runs: the guest keeps running
 * (the agent's session is not thrown away), what needs QMP says so in
 * words, Stop still stops it promptly, and the next start is normal. */
static void
test_qmp_peer_closed (Fixture       *f,
                      gconstpointer  data)
{
  g_autofree char *run_dir = corral_meta_dir_path_for (f->project);
  g_autofree char *png = NULL;
  g_autoptr(GAsyncResult) result = NULL;
  g_autoptr(GError) error = NULL;
  gint64 begin;
  int pid;

  boot_to_ready (f);
  pid = corral_vm_get_qemu_pid (f->vm);
  if (!corral_test_shut_qmp_socket (pid))
    {
      g_test_skip ("this process may not take a descriptor from QEMU (ptrace rules)");
      return;
    }

  /* Give the Vm time to see the end of the stream. */
  g_usleep (G_USEC_PER_SEC / 2);
  while (g_main_context_iteration (NULL, FALSE));
  g_assert_cmpint (corral_vm_get_state (f->vm), ==, CORRAL_VM_STATE_RUNNING);
  g_assert_cmpint (kill (pid, 0), ==, 0);
  assert_shell_answers (f, "still");
  /* The window is told (after the short check that QEMU is not exiting). */
  g_assert_true (corral_test_wait_until ((gboolean (*) (gpointer)) corral_vm_get_control_lost,
                                         f->vm, 10));
  g_assert_cmpuint (f->control_lost_seen, ==, 1);

  /* A screenshot needs QMP: a readable error, not a hang. */
  png = g_build_filename (f->project, "shot.png", NULL);
  corral_vm_screendump_async (f->vm, png, NULL, done_cb, &result);
  g_assert_true (corral_test_wait_until (result_set, &result, 30));
  g_assert_false (corral_vm_screendump_finish (f->vm, result, &error));
  g_test_message ("screenshot: %s", error->message);
  g_assert_error (error, CORRAL_VM_ERROR, CORRAL_VM_ERROR_QMP);
  g_assert_nonnull (strstr (error->message, "control connection"));
  g_assert_false (g_file_test (png, G_FILE_TEST_EXISTS));
  g_clear_error (&error);
  g_clear_object (&result);

  /* Pause cannot work without QMP; it must not pretend it did. */
  corral_vm_pause (f->vm);
  while (g_main_context_iteration (NULL, FALSE));
  g_assert_false (corral_vm_get_paused (f->vm));

  /* Stop: no ACPI button without QMP, so QEMU is ended at once rather
   * than after the 90 s power-down timeout. */
  begin = g_get_monotonic_time ();
  corral_vm_power_down (f->vm);
  corral_test_wait_state (f->vm, CORRAL_VM_STATE_STOPPED, 60);
  g_test_message ("stopped in %.1f s", (g_get_monotonic_time () - begin) / 1e6);
  g_assert_cmpint (g_get_monotonic_time () - begin, <, 30 * G_USEC_PER_SEC);
  g_assert_null (corral_vm_get_error_message (f->vm));
  g_assert_false (g_file_test (run_dir, G_FILE_TEST_EXISTS));
  assert_process_gone (pid);
  assert_lock_free (f->project);
  g_assert_false (corral_vm_get_control_lost (f->vm));

  /* A new run has a new control connection: everything works again. */
  boot_to_ready (f);
  g_assert_false (corral_vm_get_control_lost (f->vm));
  png = (g_free (png), g_build_filename (f->project, "shot2.png", NULL));
  corral_vm_screendump_async (f->vm, png, NULL, done_cb, &result);
  g_assert_true (corral_test_wait_until (result_set, &result, 60));
  g_assert_true (corral_vm_screendump_finish (f->vm, result, &error));
  g_assert_no_error (error);
  g_assert_true (g_file_test (png, G_FILE_TEST_IS_REGULAR));
  assert_shell_answers (f, "new");
  corral_vm_power_down (f->vm);
  corral_test_wait_state (f->vm, CORRAL_VM_STATE_STOPPED, 120);
  g_assert_nonnull (strstr (f->agent.text->str, "CORRAL-GUEST-POWERDOWN"));
}

/* QEMU quits by itself, as on "quit" from elsewhere: here SIGTERM from
 * outside Corral (a user's kill, the session ending), on which QEMU
 * announces SHUTDOWN and closes QMP in an orderly way. Not a stop the
 * user asked for: the reason says who ended it, in QEMU's words. */
static void
test_qemu_quits_from_outside (Fixture       *f,
                              gconstpointer  data)
{
  const char * const words[] = { "QEMU was ended from outside Corral", "signal 15", NULL };

  signal_qemu_then_restart (f, SIGTERM, words);
}

/* A "QEMU" that closes its control socket at once and stays: the start
 * must fail in words, not hang in "starting". A real QEMU never does
 * this, hence the fake. */
static void
test_qmp_never_answers (Fixture       *f,
                        gconstpointer  data)
{
  g_autofree char *parent = g_path_get_dirname (f->project);
  g_autofree char *fake = g_build_filename (parent, "fake-qemu", NULL);
  g_autofree char *run_dir = corral_meta_dir_path_for (f->project);
  g_autoptr(GError) error = NULL;
  gint64 begin;

  g_assert_true (g_file_set_contents (fake, "#!/bin/sh\nexec 3>&-\nexec sleep 600\n", -1, NULL));
  g_assert_cmpint (g_chmod (fake, 0755), ==, 0);
  g_free (f->host->qemu_path);
  f->host->qemu_path = g_strdup (fake);
  make_vm (f);

  begin = g_get_monotonic_time ();
  error = corral_test_start_vm (f->vm);
  g_test_message ("start: %s (after %.1f s)", error ? error->message : "(no error)",
                  (g_get_monotonic_time () - begin) / 1e6);
  g_assert_error (error, CORRAL_VM_ERROR, CORRAL_VM_ERROR_QMP);
  g_assert_nonnull (strstr (error->message, "does not answer"));
  g_assert_cmpint (corral_vm_get_state (f->vm), ==, CORRAL_VM_STATE_FAILED);
  g_assert_cmpstr (corral_vm_get_error_message (f->vm), ==, error->message);
  g_assert_cmpint (corral_vm_get_qemu_pid (f->vm), ==, 0);
  g_assert_false (g_file_test (run_dir, G_FILE_TEST_EXISTS));
  assert_lock_free (f->project);
}

static gboolean
process_gone (gpointer data)
{
  return kill (GPOINTER_TO_INT (data), 0) == -1 && errno == ESRCH;
}

typedef struct {
  gboolean  done;
  GError   *error;
} StartResult;

static void
start_done_cb (GObject      *source,
               GAsyncResult *result,
               gpointer      user_data)
{
  StartResult *start = user_data;

  corral_vm_start_finish (CORRAL_VM (source), result, &start->error);
  start->done = TRUE;
}

static gboolean
start_finished (gpointer data)
{
  return ((StartResult *) data)->done;
}

/* A real QEMU that hangs before it greets on QMP (stopped with SIGSTOP
 * the moment it is spawned, as a debugger or a starved machine would
 * leave it): the start must end in words after the start timeout, not
 * stay in "starting" forever; QEMU must be ended (a stopped process
 * ignores SIGTERM), the run dir with the key removed and the project's
 * lock freed; and the same Vm then starts normally. */
static void
test_qemu_hangs_before_greeting (Fixture       *f,
                                 gconstpointer  data)
{
  g_autofree char *run_dir = corral_meta_dir_path_for (f->project);
  StartResult start = { FALSE, NULL };
  gint64 begin;
  double seconds;
  int pid;

  g_setenv ("ANTHROPIC_API_KEY", "sk-ant-hang-SECRET", TRUE);
  make_vm (f);
  begin = g_get_monotonic_time ();
  corral_vm_start_async (f->vm, NULL, start_done_cb, &start);
  pid = corral_vm_get_qemu_pid (f->vm);
  g_assert_cmpint (pid, >, 0);
  /* No main-loop iteration since the spawn: the Vm cannot have read a
   * greeting, and a stopped QEMU answers nothing more. */
  g_assert_cmpint (kill (pid, SIGSTOP), ==, 0);
  g_assert_cmpint (corral_vm_get_state (f->vm), ==, CORRAL_VM_STATE_STARTING);
  g_assert_true (g_file_test (run_dir, G_FILE_TEST_IS_DIR));

  if (!corral_test_wait_until (start_finished, &start, 120))
    {
      /* A stopped QEMU ignores the PDEATHSIG (SIGTERM) it gets when this
       * test aborts: end it here, or it stays behind. */
      kill (pid, SIGKILL);
      g_error ("the start of a hung QEMU did not end within 120 s (state %s)",
               corral_test_state_name (corral_vm_get_state (f->vm)));
    }
  seconds = (g_get_monotonic_time () - begin) / 1e6;
  g_test_message ("start: %s (after %.1f s)", start.error ? start.error->message : "(no error)",
                  seconds);
  g_assert_error (start.error, CORRAL_VM_ERROR, CORRAL_VM_ERROR_QMP);
  g_assert_nonnull (strstr (start.error->message, "did not answer"));
  g_assert_nonnull (strstr (start.error->message, "Corral ended it"));
  /* It waited for the timeout (a hang is not reported at once) and
   * not much longer. */
  g_assert_cmpfloat (seconds, >=, 25);
  g_assert_cmpfloat (seconds, <, 90);
  g_assert_cmpint (corral_vm_get_state (f->vm), ==, CORRAL_VM_STATE_FAILED);
  g_assert_cmpstr (corral_vm_get_error_message (f->vm), ==, start.error->message);
  g_assert_cmpint (corral_vm_get_qemu_pid (f->vm), ==, 0);
  g_assert_false (g_file_test (run_dir, G_FILE_TEST_EXISTS));
  assert_lock_free (f->project);
  /* Ended and reaped, though it was stopped. */
  if (!corral_test_wait_until (process_gone, GINT_TO_POINTER (pid), 30))
    {
      kill (pid, SIGKILL);
      g_error ("the hung QEMU (pid %d) is still there", pid);
    }
  g_clear_error (&start.error);

  /* The same Vm (same window) starts again and works. */
  g_ptr_array_set_size (f->states, 0);
  boot_to_ready (f);
  g_assert_null (corral_vm_get_error_message (f->vm));
  g_assert_cmpint (corral_vm_get_qemu_pid (f->vm), !=, pid);
  assert_shell_answers (f, "unhung");
  corral_vm_power_down (f->vm);
  corral_test_wait_state (f->vm, CORRAL_VM_STATE_STOPPED, 120);
  g_assert_false (g_file_test (run_dir, G_FILE_TEST_EXISTS));
  g_unsetenv ("ANTHROPIC_API_KEY");
}

/* The guest's files vanish between two runs (rebuilt, removed): the
 * next start says which file is missing, starts no QEMU, leaves no run
 * dir or lock, and does not touch the saved settings. */
static void
test_guest_vanished (Fixture       *f,
                     gconstpointer  data)
{
  g_autofree char *parent = g_path_get_dirname (f->project);
  g_autofree char *guest_dir = g_build_filename (parent, "guest", NULL);
  g_autofree char *manifest = NULL;
  g_autofree char *run_dir = corral_meta_dir_path_for (f->project);
  g_autofree char *profile_before = NULL, *profile_after = NULL;
  g_autoptr(GError) error = NULL;

  /* A private copy of the tiny guest, to make vanish. */
  manifest = corral_test_copy_guest (guest_dir);
  g_clear_object (&f->guest);
  f->guest = corral_guest_load (manifest, &error);
  g_assert_no_error (error);

  /* Saved settings, as the window keeps them. */
  g_assert_true (corral_profile_save (f->profile, &error));
  g_assert_no_error (error);

  /* Run 1 works. */
  boot_to_ready (f);
  assert_shell_answers (f, "first");
  corral_vm_power_down (f->vm);
  corral_test_wait_state (f->vm, CORRAL_VM_STATE_STOPPED, 120);
  g_assert_true (g_file_get_contents (corral_profile_get_file_path (f->profile),
                                      &profile_before, NULL, NULL));

  corral_test_remove_tree (guest_dir);

  /* Run 2: the guest is gone. */
  error = corral_test_start_vm (f->vm);
  g_assert_nonnull (error);
  g_test_message ("start: %s", error->message);
  g_assert_error (error, CORRAL_VM_ERROR, CORRAL_VM_ERROR_NO_GUEST);
  g_assert_nonnull (strstr (error->message, "vmlinux"));
  g_assert_nonnull (strstr (error->message, "is missing"));
  g_assert_cmpint (corral_vm_get_state (f->vm), ==, CORRAL_VM_STATE_FAILED);
  g_assert_cmpstr (corral_vm_get_error_message (f->vm), ==, error->message);
  g_assert_cmpint (corral_vm_get_qemu_pid (f->vm), ==, 0);
  g_assert_false (g_file_test (run_dir, G_FILE_TEST_EXISTS));
  assert_lock_free (f->project);
  g_assert_true (g_file_get_contents (corral_profile_get_file_path (f->profile),
                                      &profile_after, NULL, NULL));
  g_assert_cmpstr (profile_after, ==, profile_before);
}

/* --- QMP garbage from a running QEMU ----------------------------------------- */

/* A "QEMU" that greets, answers qmp_capabilities, then does what the
 * file .fake-mode in the project says: send one kind of garbage a real
 * QEMU never sends (found by the audit), or become the real QEMU. The
 * mode lives in the project folder because the jail shows QEMU that
 * folder; the script itself is bound in as QEMU's binary. */
static const char fake_qmp_peer[] =
  "#!/usr/bin/python3\n"
  "import json, os, socket, sys, time\n"
  "mode = open(os.path.join(%s, '.fake-mode')).read().strip()\n"
  "if mode == 'real':\n"
  "    os.execv('%s', ['%s'] + sys.argv[1:])\n"
  "s = socket.socket(fileno=3)\n"
  "f = s.makefile('rb')\n"
  "def command():\n"
  "    line = f.readline()\n"
  "    if not line:\n"
  "        sys.exit(0)\n"
  "    return json.loads(line)\n"
  "def send(data):\n"
  "    try:\n"
  "        s.sendall(data)\n"
  "    except OSError:\n"
  "        pass\n"
  "send(b'{\"QMP\": {\"version\": {\"qemu\": {\"micro\": 0, \"minor\": 2, \"major\": 7}}, \"capabilities\": []}}\\r\\n')\n"
  "c = command()\n"
  "send(b'{\"return\": {}, \"id\": %%d}\\r\\n' %% c['id'])\n"
  "if mode == 'event-name':\n"
  "    send(b'{\"event\": 42}\\r\\n')\n"
  "elif mode == 'nesting':\n"
  "    send(b'[' * 100000 + b'\\r\\n')\n"
  "elif mode == 'long-line':\n"
  "    send(b' ' * (8 << 20))\n"
  "elif mode == 'two-values':\n"
  "    send(b'{\"event\": \"STOP\"}{\"event\": \"RESUME\"}\\r\\n')\n"
  "elif mode == 'error-not-object':\n"
  "    c = command()\n"
  "    send(b'{\"error\": 5, \"id\": %%d}\\r\\n' %% c['id'])\n"
  "elif mode == 'shutdown-reason':\n"
  "    send(b'{\"event\": \"SHUTDOWN\", \"data\": {\"reason\": 5}}\\r\\n')\n"
  "    sys.exit(0)\n"
  "time.sleep(600)\n";

static void
write_mode (Fixture    *f,
            const char *mode)
{
  g_autofree char *path = g_build_filename (f->project, ".fake-mode", NULL);

  g_assert_true (g_file_set_contents (path, mode, -1, NULL));
}

/* Each kind of garbage the audit found (each crashed or hung the app, or
 * grew it without bound) sent by a running QEMU: the app goes on; the
 * state shown is true (running, with the control connection lost, as
 * the window's banner says); Stop ends it; and the same Vm then starts
 * a real QEMU that works. A SHUTDOWN whose reason is not a string (a
 * crash before) is a shutdown. */
static void
test_qmp_garbage (Fixture       *f,
                  gconstpointer  data)
{
  static const char *kinds[] = {
    "event-name", "nesting", "long-line", "two-values", "error-not-object",
  };
  g_autofree char *parent = g_path_get_dirname (f->project);
  g_autofree char *fake = g_build_filename (parent, "fake-qemu", NULL);
  g_autofree char *quoted = g_shell_quote (f->project);
  g_autofree char *script = NULL;
  g_autofree char *real = g_strdup (f->host->qemu_path);
  g_autofree char *run_dir = corral_meta_dir_path_for (f->project);
  g_autoptr(GError) error = NULL;

  /* The project path, as a Python string literal (shell quoting is
   * close enough for the paths tests make: no quote inside). */
  g_assert_null (strchr (f->project, '\''));
  script = g_strdup_printf (fake_qmp_peer, quoted, real, real);
  g_assert_true (g_file_set_contents (fake, script, -1, NULL));
  g_assert_cmpint (g_chmod (fake, 0755), ==, 0);
  g_free (f->host->qemu_path);
  f->host->qemu_path = g_strdup (fake);
  make_vm (f);

  for (guint i = 0; i < G_N_ELEMENTS (kinds); i++)
    {
      gint64 begin;
      int pid;

      g_test_message ("garbage: %s", kinds[i]);
      write_mode (f, kinds[i]);
      f->control_lost_seen = 0;
      error = corral_test_start_vm (f->vm);
      g_assert_no_error (error);
      g_assert_cmpint (corral_vm_get_state (f->vm), ==, CORRAL_VM_STATE_RUNNING);
      pid = corral_vm_get_qemu_pid (f->vm);
      if (g_str_equal (kinds[i], "error-not-object"))
        corral_vm_pause (f->vm);   /* a command for the bad reply */

      /* Told: the control connection is gone; the VM still runs. */
      g_assert_true (corral_test_wait_until ((gboolean (*) (gpointer)) corral_vm_get_control_lost,
                                             f->vm, 30));
      g_assert_cmpint (corral_vm_get_state (f->vm), ==, CORRAL_VM_STATE_RUNNING);
      g_assert_false (corral_vm_get_paused (f->vm));
      g_assert_cmpint (kill (pid, 0), ==, 0);

      /* Stop works at once (no power button without QMP). */
      begin = g_get_monotonic_time ();
      corral_vm_power_down (f->vm);
      corral_test_wait_state (f->vm, CORRAL_VM_STATE_STOPPED, 60);
      g_assert_cmpint (g_get_monotonic_time () - begin, <, 30 * G_USEC_PER_SEC);
      g_assert_null (corral_vm_get_error_message (f->vm));
      g_assert_false (g_file_test (run_dir, G_FILE_TEST_EXISTS));
      assert_lock_free (f->project);
    }

  /* SHUTDOWN with a reason that is not a string, then QEMU exits: a
   * clean stop. */
  write_mode (f, "shutdown-reason");
  error = corral_test_start_vm (f->vm);
  g_assert_no_error (error);
  corral_test_wait_state (f->vm, CORRAL_VM_STATE_STOPPED, 60);
  g_assert_null (corral_vm_get_error_message (f->vm));
  g_assert_false (g_file_test (run_dir, G_FILE_TEST_EXISTS));

  /* The same Vm, a real QEMU: it works. */
  write_mode (f, "real");
  boot_to_ready (f);
  assert_shell_answers (f, "after-garbage");
  corral_vm_power_down (f->vm);
  corral_test_wait_state (f->vm, CORRAL_VM_STATE_STOPPED, 120);
  g_assert_nonnull (strstr (f->agent.text->str, "CORRAL-GUEST-POWERDOWN"));
}

/* --- the project folder gone under a running VM --------------------------------- */

static gboolean private_mounts;

static gboolean
project_missing (gpointer vm)
{
  return corral_vm_get_project_missing (vm);
}

/* The folder deleted (or, with @unmount, a folder mounted there
 * unmounted) while the VM runs: the Vm says so (project-missing: the
 * window's banner, a line in the terminal) while the guest runs on; it
 * stops cleanly; the next start says the folder is gone, and once it is
 * back the VM starts. */
static void
project_gone_then_back (Fixture  *f,
                        gboolean  unmount)
{
  g_autofree char *run_dir = corral_meta_dir_path_for (f->project);
  g_autoptr(GError) error = NULL;

  if (unmount)
    g_assert_cmpint (mount ("corral-project", f->project, "tmpfs", MS_NOSUID | MS_NODEV, "size=1m"), ==, 0);
  boot_to_ready (f);
  assert_shell_answers (f, "before");
  g_assert_false (corral_vm_get_project_missing (f->vm));

  if (unmount)
    g_assert_cmpint (umount2 (f->project, MNT_DETACH), ==, 0);
  else
    corral_test_remove_tree (f->project);
  g_assert_true (corral_test_wait_until (project_missing, f->vm, 20));
  g_assert_cmpint (corral_vm_get_state (f->vm), ==, CORRAL_VM_STATE_RUNNING);
  assert_shell_answers (f, "still");

  corral_vm_power_down (f->vm);
  corral_test_wait_state (f->vm, CORRAL_VM_STATE_STOPPED, 120);
  g_assert_null (corral_vm_get_error_message (f->vm));
  g_assert_false (corral_vm_get_project_missing (f->vm));
  g_assert_false (g_file_test (run_dir, G_FILE_TEST_EXISTS));
  assert_lock_free (f->project);

  if (!unmount)
    {
      /* Gone: the start says so, in words, and makes nothing. */
      error = corral_test_start_vm (f->vm);
      g_assert_nonnull (error);
      g_test_message ("start: %s", error->message);
      g_assert_nonnull (strstr (error->message, "does not exist"));
      g_assert_false (g_file_test (run_dir, G_FILE_TEST_EXISTS));
      g_clear_error (&error);
      g_assert_cmpint (g_mkdir_with_parents (f->project, 0755), ==, 0);
    }
  boot_to_ready (f);
  assert_shell_answers (f, "back");
  g_assert_false (corral_vm_get_project_missing (f->vm));
  corral_vm_power_down (f->vm);
  corral_test_wait_state (f->vm, CORRAL_VM_STATE_STOPPED, 120);
}

static void
test_project_deleted (Fixture       *f,
                      gconstpointer  data)
{
  project_gone_then_back (f, FALSE);
}

static void
test_project_unmounted (Fixture       *f,
                        gconstpointer  data)
{
  if (!private_mounts)
    {
      g_test_skip ("unmounting a folder needs root (a mount namespace of the test's own)");
      return;
    }
  project_gone_then_back (f, TRUE);
}

/* The folder moved away and another made at its path (an editor's or a
 * sync tool's "replace"): not the folder QEMU shares, so the Vm says so;
 * noticed when it happens (the file monitor), well before the backstop
 * check (30 s) would. */
static void
test_project_replaced (Fixture       *f,
                       gconstpointer  data)
{
  g_autofree char *moved = g_strconcat (f->project, ".moved", NULL);

  boot_to_ready (f);
  g_assert_false (corral_vm_get_project_missing (f->vm));
  g_assert_cmpint (g_rename (f->project, moved), ==, 0);
  g_assert_cmpint (g_mkdir (f->project, 0755), ==, 0);
  g_assert_true (corral_test_wait_until (project_missing, f->vm, 20));
  g_assert_cmpint (corral_vm_get_state (f->vm), ==, CORRAL_VM_STATE_RUNNING);
  corral_vm_power_down (f->vm);
  corral_test_wait_state (f->vm, CORRAL_VM_STATE_STOPPED, 120);
  g_assert_false (corral_vm_get_project_missing (f->vm));
  corral_test_remove_tree (moved);
}

/* --- the guest's files deleted under a running VM -------------------------------- */

/* The guest store emptied while a VM runs (a rebuild, a clean-up): QEMU
 * holds what it needs, so the guest runs on and stops cleanly; the next
 * start names the missing file; with the guest back, it starts. */
static void
test_guest_deleted_while_running (Fixture       *f,
                                  gconstpointer  data)
{
  g_autofree char *parent = g_path_get_dirname (f->project);
  g_autofree char *guest_dir = g_build_filename (parent, "store", "tiny", NULL);
  g_autofree char *manifest = corral_test_copy_guest (guest_dir);
  g_autofree char *run_dir = corral_meta_dir_path_for (f->project);
  g_autoptr(GError) error = NULL;

  g_clear_object (&f->guest);
  f->guest = corral_guest_load (manifest, &error);
  g_assert_no_error (error);
  boot_to_ready (f);
  corral_test_remove_tree (guest_dir);
  assert_shell_answers (f, "guestless");
  g_assert_cmpint (corral_vm_get_state (f->vm), ==, CORRAL_VM_STATE_RUNNING);
  corral_vm_power_down (f->vm);
  corral_test_wait_state (f->vm, CORRAL_VM_STATE_STOPPED, 120);
  g_assert_null (corral_vm_get_error_message (f->vm));
  g_assert_nonnull (strstr (f->agent.text->str, "CORRAL-GUEST-POWERDOWN"));

  error = corral_test_start_vm (f->vm);
  g_assert_error (error, CORRAL_VM_ERROR, CORRAL_VM_ERROR_NO_GUEST);
  g_assert_nonnull (strstr (error->message, "is missing"));
  g_assert_false (g_file_test (run_dir, G_FILE_TEST_EXISTS));
  assert_lock_free (f->project);
  g_clear_error (&error);

  g_free (corral_test_copy_guest (guest_dir));
  boot_to_ready (f);
  assert_shell_answers (f, "guest-back");
  corral_vm_power_down (f->vm);
  corral_test_wait_state (f->vm, CORRAL_VM_STATE_STOPPED, 120);
}

int
main (int argc, char **argv)
{
  /* Before anything starts a thread (root only). */
  private_mounts = corral_test_private_mounts ();
  g_test_init (&argc, &argv, G_TEST_OPTION_ISOLATE_DIRS, NULL);
  g_unsetenv ("ANTHROPIC_API_KEY");

  g_test_add ("/reliability/vm/start-stop-cycles", Fixture, NULL,
              fixture_setup, test_cycles, fixture_teardown);
  g_test_add ("/reliability/vm/qemu-killed", Fixture, NULL,
              fixture_setup, test_qemu_killed, fixture_teardown);
  g_test_add ("/reliability/vm/qmp-peer-closed", Fixture, NULL,
              fixture_setup, test_qmp_peer_closed, fixture_teardown);
  g_test_add ("/reliability/vm/qemu-quits-from-outside", Fixture, NULL,
              fixture_setup, test_qemu_quits_from_outside, fixture_teardown);
  g_test_add ("/reliability/vm/qmp-never-answers", Fixture, NULL,
              fixture_setup, test_qmp_never_answers, fixture_teardown);
  g_test_add ("/reliability/vm/qemu-hangs-before-greeting", Fixture, NULL,
              fixture_setup, test_qemu_hangs_before_greeting, fixture_teardown);
  g_test_add ("/reliability/vm/guest-vanished", Fixture, NULL,
              fixture_setup, test_guest_vanished, fixture_teardown);
  g_test_add ("/reliability/vm/qmp-garbage", Fixture, NULL,
              fixture_setup, test_qmp_garbage, fixture_teardown);
  g_test_add ("/reliability/vm/project-deleted", Fixture, NULL,
              fixture_setup, test_project_deleted, fixture_teardown);
  g_test_add ("/reliability/vm/project-unmounted", Fixture, NULL,
              fixture_setup, test_project_unmounted, fixture_teardown);
  g_test_add ("/reliability/vm/project-replaced", Fixture, NULL,
              fixture_setup, test_project_replaced, fixture_teardown);
  g_test_add ("/reliability/vm/guest-deleted-while-running", Fixture, NULL,
              fixture_setup, test_guest_deleted_while_running, fixture_teardown);
  return g_test_run ();
}
