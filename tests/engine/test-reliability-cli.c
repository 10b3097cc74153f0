/* test-reliability-cli.c: the corral command when its run, its settings
 * or its guest break
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * What a user would notice: a QEMU (and the API key on disk) left behind
 * by a killed corral, a project that stays locked, settings silently lost
 * or overwritten, an error that does not say what is wrong.
 */
#include "config.h"

#include <errno.h>
#include <grp.h>
#include <signal.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <glib/gstdio.h>
#include <gio/gunixinputstream.h>

#include "corral-meta-dir.h"
#include "corral-project-paths.h"
#include "corral-state-dir.h"
#include "corral-test-util.h"

#define NOBODY 65534

/* --- helpers ---------------------------------------------------------------- */

static char *
read_text (const char *path)
{
  char *contents = NULL;

  if (!g_file_get_contents (path, &contents, NULL, NULL))
    return NULL;
  return contents;
}

/* Field @n (1-based, after the command name) of /proc/PID/stat. */
static char *
proc_stat_field (int   pid,
                 guint n)
{
  g_autofree char *path = g_strdup_printf ("/proc/%d/stat", pid);
  g_autofree char *text = read_text (path);
  g_auto(GStrv) fields = NULL;
  char *after;

  if (text == NULL || (after = strrchr (text, ')')) == NULL)
    return NULL;
  fields = g_strsplit (after + 2, " ", -1);
  return n >= 3 && n - 3 < g_strv_length (fields) ? g_strdup (fields[n - 3]) : NULL;
}

typedef struct {
  int  pid;
  int  status;
  gboolean reaped;
} Reap;

/* An orphaned process is reparented to us (a child subreaper): reap it.
 * One in a jail's pid namespace is reaped in there (by bwrap's pid 1 as
 * the namespace ends): then it is enough that it is gone. */
static gboolean
reaped (gpointer data)
{
  Reap *r = data;

  if (!r->reaped && waitpid (r->pid, &r->status, WNOHANG) == r->pid)
    r->reaped = TRUE;
  if (!r->reaped && kill (r->pid, 0) == -1 && errno == ESRCH)
    {
      r->reaped = TRUE;
      r->status = W_EXITCODE (0, SIGKILL);
    }
  if (!r->reaped)
    g_usleep (G_USEC_PER_SEC / 10);
  return r->reaped;
}

static void
assert_lock_free (const char *project)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(CorralStateDir) state = corral_state_dir_acquire (project, &error);

  g_assert_no_error (error);
  corral_state_dir_release (state);
}

/* Runs corral with @argv (NULL-terminated, without the program) to its
 * end; returns its exit status, with its output in @out and @err. */
static int
run_corral (GSubprocessLauncher *launcher,
            const char * const  *args,
            char               **out,
            char               **err)
{
  g_autoptr(GSubprocessLauncher) own = NULL;
  g_autoptr(GPtrArray) argv = g_ptr_array_new ();
  g_autoptr(GSubprocess) corral = NULL;
  g_autoptr(GError) error = NULL;

  if (launcher == NULL)
    launcher = own = corral_test_corral_launcher (G_SUBPROCESS_FLAGS_STDOUT_PIPE |
                                                  G_SUBPROCESS_FLAGS_STDERR_PIPE);
  g_ptr_array_add (argv, (char *) g_getenv ("CORRAL_BIN"));
  for (guint i = 0; args[i] != NULL; i++)
    g_ptr_array_add (argv, (char *) args[i]);
  g_ptr_array_add (argv, NULL);
  corral = g_subprocess_launcher_spawnv (launcher, (const char * const *) argv->pdata, &error);
  g_assert_no_error (error);
  g_assert_true (g_subprocess_communicate_utf8 (corral, NULL, NULL, out, err, &error));
  g_assert_no_error (error);
  g_test_message ("corral %s\nstdout: %s\nstderr: %s",
                  args[0], *out, *err);
  g_assert_true (g_subprocess_get_if_exited (corral));
  return g_subprocess_get_exit_status (corral);
}

static GBytes *
file_bytes (const char *path)
{
  char *contents;
  gsize len;

  if (!g_file_get_contents (path, &contents, &len, NULL))
    return NULL;
  return g_bytes_new_take (contents, len);
}

/* Files in the profiles folder whose name starts with @prefix. */
static GPtrArray *
profiles_named (const char *prefix)
{
  g_autofree char *dir_path = corral_project_profiles_dir ();
  g_autoptr(GDir) dir = g_dir_open (dir_path, 0, NULL);
  GPtrArray *found = g_ptr_array_new_with_free_func (g_free);
  const char *name;

  while (dir != NULL && (name = g_dir_read_name (dir)) != NULL)
    if (g_str_has_prefix (name, prefix))
      g_ptr_array_add (found, g_build_filename (dir_path, name, NULL));
  g_ptr_array_sort (found, (GCompareFunc) g_strcmp0);
  return found;
}

static char *
profile_path_for (const char *project)
{
  g_autofree char *dir = corral_project_profiles_dir ();
  g_autofree char *key = corral_project_key (project);
  g_autofree char *name = g_strdup_printf ("%s.ini", key);

  g_assert_cmpint (g_mkdir_with_parents (dir, 0700), ==, 0);
  return g_build_filename (dir, name, NULL);
}

/* --- a killed terminal run ---------------------------------------------------- */

/* `corral --terminal` killed with SIGKILL (no chance to clean up): its
 * QEMU goes with it (PDEATHSIG), its lock goes with it, and the run dir
 * it leaves (with the key's placeholder in it: the key itself never
 * reaches the run dir) is swept by the next start. */
static void
test_terminal_run_killed (void)
{
  g_autofree char *project = corral_test_make_project ("killed", "killed project");
  g_autofree char *parent = g_path_get_dirname (project);
  g_autofree char *other = g_build_filename (parent, "next project", NULL);
  g_autofree char *run_dir = corral_meta_dir_path_for (project);
  g_autofree char *key_file = g_build_filename (run_dir, "meta", "apikey", NULL);
  g_autofree char *key = NULL;
  g_autofree char *qemu_start = NULL;
  g_autoptr(GSubprocessLauncher) launcher = NULL;
  g_autoptr(GSubprocess) corral = NULL;
  g_autoptr(GError) error = NULL;
  g_autoptr(CorralProfile) profile = NULL;
  g_autoptr(CorralGuest) guest = NULL;
  g_autoptr(CorralHost) host = NULL;
  g_autoptr(CorralVm) vm = NULL;
  CorralTestConsole output = CORRAL_TEST_CONSOLE_INIT;
  Reap reap = { 0 };
  g_autoptr(GArray) jail = NULL;
  int corral_pid, qemu_pid;
  const char *message;

  launcher = corral_test_corral_launcher (G_SUBPROCESS_FLAGS_STDIN_PIPE |
                                          G_SUBPROCESS_FLAGS_STDOUT_PIPE |
                                          G_SUBPROCESS_FLAGS_STDERR_MERGE);
  g_subprocess_launcher_setenv (launcher, "ANTHROPIC_API_KEY", "sk-ant-killed-run-SECRET", TRUE);
  corral = g_subprocess_launcher_spawn (launcher, &error, g_getenv ("CORRAL_BIN"),
                                        "--terminal", "--shell", "--memory", "256", "--cores", "1",
                                        "--no-network", "--guest", g_getenv ("CORRAL_TEST_GUEST"),
                                        project, NULL);
  g_assert_no_error (error);
  corral_pid = atoi (g_subprocess_get_identifier (corral));
  corral_test_console_attach (&output, g_unix_input_stream_get_fd (
                                G_UNIX_INPUT_STREAM (g_subprocess_get_stdout_pipe (corral))));
  corral_test_console_expect (&output, CORRAL_TEST_READY_LINE);

  qemu_pid = corral_test_find_qemu (corral_pid);
  g_assert_cmpint (qemu_pid, >, 0);
  qemu_start = proc_stat_field (qemu_pid, 22);
  /* bwrap, its pid 1, QEMU and the helper's watcher: the whole jail. */
  jail = corral_test_descendants (corral_pid);
  g_assert_cmpuint (jail->len, >=, 3);
  key = read_text (key_file);
  g_assert_cmpstr (key, ==, CORRAL_PROXY_PLACEHOLDER_KEY);

  /* No clean-up code runs on SIGKILL. */
  g_assert_cmpint (kill (corral_pid, SIGKILL), ==, 0);
  g_assert_true (g_subprocess_wait (corral, NULL, &error));
  g_assert_true (g_subprocess_get_if_signaled (corral));
  g_assert_cmpint (g_subprocess_get_term_sig (corral), ==, SIGKILL);
  corral_test_console_detach (&output);

  /* Its QEMU dies too, by the SIGTERM the kernel sends it for corral. */
  reap.pid = qemu_pid;
  g_assert_true (corral_test_wait_until (reaped, &reap, 60));
  g_test_message ("QEMU %d ended with wait status 0x%x", qemu_pid, reap.status);
  g_assert_true (WIFEXITED (reap.status) || WIFSIGNALED (reap.status));
  {
    /* (Whatever has the pid now is not that QEMU.) */
    g_autofree char *start_now = proc_stat_field (qemu_pid, 22);
    g_assert_cmpstr (start_now, !=, qemu_start);
  }
  /* Nothing of the jail is left: no bwrap, no QEMU, no passt. */
  for (guint i = 0; i < jail->len; i++)
    {
      Reap gone = { g_array_index (jail, int, i) };

      g_assert_true (corral_test_wait_until (reaped, &gone, 30));
    }

  /* Left behind: the run dir, the key in it. The lock is not. */
  g_assert_true (g_file_test (key_file, G_FILE_TEST_IS_REGULAR));
  assert_lock_free (project);

  /* The next start of Corral, on another project, sweeps it. */
  g_assert_cmpint (g_mkdir (other, 0755), ==, 0);
  guest = corral_test_load_guest ();
  host = corral_host_probe (NULL);
  profile = corral_test_small_profile (other);
  vm = corral_vm_new (profile, guest, host);
  error = corral_test_start_vm (vm);
  g_assert_no_error (error);
  g_assert_false (g_file_test (run_dir, G_FILE_TEST_EXISTS));
  corral_vm_force_off (vm);
  corral_test_wait_state (vm, CORRAL_VM_STATE_STOPPED, 60);
  g_clear_object (&vm);
  g_clear_object (&profile);

  /* And the killed project itself starts again. */
  profile = corral_test_small_profile (project);
  vm = corral_vm_new (profile, guest, host);
  error = corral_test_start_vm (vm);
  g_assert_no_error (error);
  message = corral_vm_get_error_message (vm);
  g_assert_null (message);
  g_assert_cmpint (corral_vm_get_state (vm), ==, CORRAL_VM_STATE_RUNNING);
  corral_vm_force_off (vm);
  corral_test_wait_state (vm, CORRAL_VM_STATE_STOPPED, 60);
  g_assert_false (g_file_test (run_dir, G_FILE_TEST_EXISTS));

  corral_test_remove_tree (parent);
}

/* --- a terminal run that loses QEMU's control connection ----------------------- */

/* `corral --terminal` is the window of a terminal user: when Corral
 * loses QEMU's control connection it says so there, the guest runs on,
 * and a signal to corral ends QEMU at once (no power button to press),
 * as a clean stop that leaves nothing behind. */
static void
test_terminal_run_control_lost (void)
{
  g_autofree char *project = corral_test_make_project ("lost", "lost project");
  g_autofree char *parent = g_path_get_dirname (project);
  g_autofree char *run_dir = corral_meta_dir_path_for (project);
  g_autoptr(GSubprocessLauncher) launcher = NULL;
  g_autoptr(GSubprocess) corral = NULL;
  g_autoptr(GError) error = NULL;
  CorralTestConsole output = CORRAL_TEST_CONSOLE_INIT;
  Reap reap = { 0 };
  int corral_pid, qemu_pid;
  gint64 begin;

  launcher = corral_test_corral_launcher (G_SUBPROCESS_FLAGS_STDIN_PIPE |
                                          G_SUBPROCESS_FLAGS_STDOUT_PIPE |
                                          G_SUBPROCESS_FLAGS_STDERR_MERGE);
  corral = g_subprocess_launcher_spawn (launcher, &error, g_getenv ("CORRAL_BIN"),
                                        "--terminal", "--shell", "--memory", "256", "--cores", "1",
                                        "--no-network", "--guest", g_getenv ("CORRAL_TEST_GUEST"),
                                        project, NULL);
  g_assert_no_error (error);
  corral_pid = atoi (g_subprocess_get_identifier (corral));
  corral_test_console_attach (&output, g_unix_input_stream_get_fd (
                                G_UNIX_INPUT_STREAM (g_subprocess_get_stdout_pipe (corral))));
  corral_test_console_expect (&output, CORRAL_TEST_READY_LINE);
  qemu_pid = corral_test_find_qemu (corral_pid);
  g_assert_cmpint (qemu_pid, >, 0);

  if (!corral_test_shut_qmp_socket (qemu_pid))
    {
      g_test_skip ("this process may not take a descriptor from QEMU (ptrace rules)");
      kill (corral_pid, SIGTERM);
      g_assert_true (g_subprocess_wait (corral, NULL, NULL));
      corral_test_console_detach (&output);
      corral_test_remove_tree (parent);
      return;
    }
  /* The user is told, in the terminal, what happened and what to do. */
  g_assert_true (corral_test_console_wait (&output, "lost the control connection to QEMU", 30));
  g_assert_true (corral_test_console_wait (&output, "ends it at once", 5));
  g_assert_cmpint (kill (qemu_pid, 0), ==, 0);
  g_assert_true (g_file_test (run_dir, G_FILE_TEST_IS_DIR));

  /* A signal to corral: QEMU is ended at once, not after the power-down
   * timeout, and corral exits as after a stop. */
  begin = g_get_monotonic_time ();
  g_assert_cmpint (kill (corral_pid, SIGTERM), ==, 0);
  g_assert_true (corral_test_wait_until (corral_test_subprocess_ended, corral, 60));
  g_test_message ("corral ended %.1f s after SIGTERM", (g_get_monotonic_time () - begin) / 1e6);
  g_assert_cmpint (g_get_monotonic_time () - begin, <, 20 * G_USEC_PER_SEC);
  g_assert_true (g_subprocess_get_if_exited (corral));
  g_assert_cmpint (g_subprocess_get_exit_status (corral), ==, 0);
  corral_test_console_detach (&output);

  reap.pid = qemu_pid;
  reaped (&reap);
  g_assert_true (reap.reaped || (kill (qemu_pid, 0) == -1 && errno == ESRCH));
  g_assert_false (g_file_test (run_dir, G_FILE_TEST_EXISTS));
  assert_lock_free (project);
  corral_test_remove_tree (parent);
}

/* --- QEMU killed, a guest deaf to the power button ------------------------------- */

/* `corral --terminal --shell` on @project with the guest @manifest, up to
 * the guest's ready line; its output (stdout and stderr) in @output. */
static GSubprocess *
start_terminal_run (const char        *project,
                    const char        *manifest,
                    CorralTestConsole *output)
{
  g_autoptr(GSubprocessLauncher) launcher = NULL;
  g_autoptr(GError) error = NULL;
  GSubprocess *corral;

  launcher = corral_test_corral_launcher (G_SUBPROCESS_FLAGS_STDIN_PIPE |
                                          G_SUBPROCESS_FLAGS_STDOUT_PIPE |
                                          G_SUBPROCESS_FLAGS_STDERR_MERGE);
  corral = g_subprocess_launcher_spawn (launcher, &error, g_getenv ("CORRAL_BIN"),
                                        "--terminal", "--shell", "--memory", "256", "--cores", "1",
                                        "--no-network", "--guest", manifest, project, NULL);
  g_assert_no_error (error);
  corral_test_console_attach (output, g_unix_input_stream_get_fd (
                                G_UNIX_INPUT_STREAM (g_subprocess_get_stdout_pipe (corral))));
  corral_test_console_expect (output, CORRAL_TEST_READY_LINE);
  return corral;
}

/* Waits for @corral to end (failing the test after @seconds); returns
 * its exit status. */
static int
wait_terminal_run (GSubprocess *corral,
                   guint        seconds)
{

  if (!corral_test_wait_until (corral_test_subprocess_ended, corral, seconds))
    {
      g_subprocess_force_exit (corral);
      g_error ("corral did not end within %u s", seconds);
    }
  g_assert_true (g_subprocess_get_if_exited (corral));
  return g_subprocess_get_exit_status (corral);
}

/* The next start of the same project works: up, then a clean stop. */
static void
assert_next_start_works (const char *project)
{
  g_autoptr(GSubprocess) corral = NULL;
  CorralTestConsole output = CORRAL_TEST_CONSOLE_INIT;

  corral = start_terminal_run (project, g_getenv ("CORRAL_TEST_GUEST"), &output);
  g_assert_null (strstr (output.text->str, "already running"));
  g_assert_cmpint (kill (atoi (g_subprocess_get_identifier (corral)), SIGTERM), ==, 0);
  g_assert_cmpint (wait_terminal_run (corral, 120), ==, 0);
  corral_test_console_detach (&output);
}

/* QEMU killed under a terminal run (the OOM killer, a kill -9): corral
 * does not hang on a dead console; it says in words what happened and
 * exits non-zero, leaving no run folder and no lock; the next run
 * starts. */
static void
test_terminal_run_qemu_killed (void)
{
  g_autofree char *project = corral_test_make_project ("qemukilled", "qemu killed");
  g_autofree char *parent = g_path_get_dirname (project);
  g_autofree char *run_dir = corral_meta_dir_path_for (project);
  g_autoptr(GSubprocess) corral = NULL;
  CorralTestConsole output = CORRAL_TEST_CONSOLE_INIT;
  Reap reap = { 0 };
  int qemu_pid;

  corral = start_terminal_run (project, g_getenv ("CORRAL_TEST_GUEST"), &output);
  qemu_pid = corral_test_find_qemu (atoi (g_subprocess_get_identifier (corral)));
  g_assert_cmpint (qemu_pid, >, 0);
  g_assert_cmpint (kill (qemu_pid, SIGKILL), ==, 0);

  g_assert_cmpint (wait_terminal_run (corral, 60), ==, 1);
  corral_test_wait_until ((gboolean (*) (gpointer)) corral_test_console_ended, &output, 10);
  g_test_message ("corral's last words: %s",
                  output.text->str + (output.text->len > 300 ? output.text->len - 300 : 0));
  g_assert_nonnull (strstr (output.text->str, "corral: QEMU stopped unexpectedly"));
  g_assert_nonnull (strstr (output.text->str, "Killed"));
  corral_test_console_detach (&output);
  reap.pid = qemu_pid;
  reaped (&reap);
  g_assert_false (g_file_test (run_dir, G_FILE_TEST_EXISTS));
  assert_lock_free (project);

  assert_next_start_works (project);
  corral_test_remove_tree (parent);
}

/* A guest that ignores the power button ("corral.noacpid": no acpid)
 * when a terminal run gets SIGTERM (a logout): corral says what it does
 * and what waits, forces the guest off after the power-down timeout
 * (30 s) and says so, then ends as after a stop; nothing is left, and the
 * next run starts. */
static void
test_terminal_run_deaf_guest (void)
{
  g_autofree char *project = corral_test_make_project ("deaf", "deaf guest");
  g_autofree char *parent = g_path_get_dirname (project);
  g_autofree char *guest_dir = g_build_filename (parent, "guest", NULL);
  g_autofree char *run_dir = corral_meta_dir_path_for (project);
  g_autofree char *manifest = corral_test_copy_guest (guest_dir);
  g_autofree char *text = NULL;
  g_autoptr(GString) deaf = NULL;
  g_autoptr(GSubprocess) corral = NULL;
  CorralTestConsole output = CORRAL_TEST_CONSOLE_INIT;
  const char *cmdline;
  gint64 begin;
  double took;

  /* The copy's kernel command line, plus the switch that keeps acpid
   * from starting. */
  g_assert_true (g_file_get_contents (manifest, &text, NULL, NULL));
  deaf = g_string_new (text);
  cmdline = strstr (deaf->str, "\nCmdline=");
  g_assert_nonnull (cmdline);
  g_string_insert (deaf, strchr (cmdline + 1, '\n') - deaf->str, " corral.noacpid");
  g_assert_true (g_file_set_contents (manifest, deaf->str, deaf->len, NULL));

  corral = start_terminal_run (project, manifest, &output);
  begin = g_get_monotonic_time ();
  g_assert_cmpint (kill (atoi (g_subprocess_get_identifier (corral)), SIGTERM), ==, 0);
  g_assert_true (corral_test_console_wait (&output, "Shutting the virtual machine down", 10));
  g_assert_true (corral_test_console_wait (&output, "within 30 s is forced off", 1));

  g_assert_cmpint (wait_terminal_run (corral, 120), ==, 0);
  took = (g_get_monotonic_time () - begin) / 1e6;
  g_test_message ("corral ended %.1f s after SIGTERM", took);
  g_assert_cmpfloat (took, >=, 30);
  corral_test_wait_until ((gboolean (*) (gpointer)) corral_test_console_ended, &output, 10);
  g_assert_nonnull (strstr (output.text->str, "The guest did not power off within 30 s: Corral forced it off"));
  g_assert_null (strstr (output.text->str, "CORRAL-GUEST-POWERDOWN"));
  corral_test_console_detach (&output);
  g_assert_false (g_file_test (run_dir, G_FILE_TEST_EXISTS));
  assert_lock_free (project);

  assert_next_start_works (project);
  corral_test_remove_tree (parent);
}

/* --- settings that do not parse or cannot be read ------------------------------- */

#define DAMAGED "[VM\nMemoryMiB=1234\n\xff\xfe binary\x01\n[Agent]\nCommand=my-agent\n"

/* A damaged settings file: corral says so and uses defaults (--dry-run
 * leaves the file as it is); a real load keeps it aside byte for byte;
 * saving later writes a new file beside it, and a second damaged file
 * never replaces the first one kept aside. */
static void
test_profile_corrupt (void)
{
  g_autofree char *project = corral_test_make_project ("corrupt", "project");
  g_autofree char *parent = g_path_get_dirname (project);
  g_autofree char *path = profile_path_for (project);
  g_autofree char *base = g_path_get_basename (path);
  g_autofree char *out = NULL, *err = NULL;
  g_autoptr(GBytes) damaged = g_bytes_new_static (DAMAGED, sizeof DAMAGED - 1);
  g_autoptr(GBytes) aside = NULL;
  g_autoptr(GPtrArray) kept = NULL;
  g_autoptr(CorralProfile) profile = NULL;
  g_autoptr(GError) error = NULL;
  g_autofree char *warning = NULL;
  g_autofree char *aside_prefix = g_strdup_printf ("%s.corrupt-", base);
  const char *args[] = { "--dry-run", "--guest", g_getenv ("CORRAL_TEST_GUEST"), project, NULL };

  g_assert_true (g_file_set_contents (path, DAMAGED, sizeof DAMAGED - 1, NULL));

  g_assert_cmpint (run_corral (NULL, args, &out, &err), ==, 0);
  g_assert_nonnull (strstr (err, "could not be read"));
  g_assert_nonnull (strstr (err, "default settings are used"));
  g_assert_nonnull (strstr (err, base));
  /* The defaults, not the damaged file's values. */
  g_assert_nonnull (strstr (out, " -m 4096 "));
  g_assert_null (strstr (out, "1234"));
  g_assert_null (strstr (out, "my-agent"));

  /* --dry-run changed nothing. */
  kept = profiles_named (aside_prefix);
  g_assert_cmpuint (kept->len, ==, 0);
  aside = file_bytes (path);
  g_assert_true (g_bytes_equal (aside, damaged));
  g_clear_pointer (&aside, g_bytes_unref);
  g_clear_pointer (&kept, g_ptr_array_unref);

  /* A real load (the window, a terminal run) keeps it aside. */
  profile = corral_profile_load (project, &warning, &error);
  g_assert_no_error (error);
  g_assert_nonnull (warning);
  g_clear_object (&profile);
  kept = profiles_named (aside_prefix);
  g_assert_cmpuint (kept->len, ==, 1);
  g_assert_nonnull (strstr (warning, kept->pdata[0]));
  g_clear_pointer (&warning, g_free);
  aside = file_bytes (kept->pdata[0]);
  g_assert_true (g_bytes_equal (aside, damaged));
  g_assert_false (g_file_test (path, G_FILE_TEST_EXISTS));

  /* The user sets things up again; the saved file is new and sound, the
   * one kept aside untouched. */
  profile = corral_profile_load (project, &warning, &error);
  g_assert_no_error (error);
  g_assert_null (warning);
  corral_profile_set_memory_mib (profile, 512);
  g_assert_true (corral_profile_save (profile, &error));
  g_assert_no_error (error);
  g_clear_object (&profile);
  profile = corral_profile_load (project, &warning, &error);
  g_assert_no_error (error);
  g_assert_null (warning);
  g_assert_cmpuint (corral_profile_get_memory_mib (profile), ==, 512);
  g_clear_object (&profile);
  g_clear_pointer (&aside, g_bytes_unref);
  aside = file_bytes (kept->pdata[0]);
  g_assert_true (g_bytes_equal (aside, damaged));

  /* Damaged again, in the same second: a second file kept aside. */
  g_assert_true (g_file_set_contents (path, "garbage\n", -1, NULL));
  profile = corral_profile_load (project, &warning, &error);
  g_assert_no_error (error);
  g_assert_nonnull (warning);
  g_clear_pointer (&kept, g_ptr_array_unref);
  kept = profiles_named (aside_prefix);
  g_assert_cmpuint (kept->len, ==, 2);
  {
    g_autoptr(GBytes) first = file_bytes (kept->pdata[0]);
    g_autoptr(GBytes) second = file_bytes (kept->pdata[1]);
    g_autoptr(GBytes) garbage = g_bytes_new_static ("garbage\n", 8);

    g_assert_true ((g_bytes_equal (first, damaged) && g_bytes_equal (second, garbage)) ||
                   (g_bytes_equal (second, damaged) && g_bytes_equal (first, garbage)));
  }
  corral_test_remove_tree (parent);
}

static void
drop_privileges (gpointer data)
{
  /* In the child, before exec: become "nobody", for whom the settings
   * file is unreadable even though we are root. */
  if (setgroups (0, NULL) != 0 || setgid (NOBODY) != 0 || setuid (NOBODY) != 0)
    _exit (127);
}

static void
chown_tree (const char *path)
{
  const char *argv[] = { "chown", "-R", G_STRINGIFY (NOBODY) ":" G_STRINGIFY (NOBODY), path, NULL };
  int status;

  g_assert_true (g_spawn_sync (NULL, (char **) argv, NULL, G_SPAWN_SEARCH_PATH,
                               NULL, NULL, NULL, NULL, &status, NULL));
  g_assert_true (g_spawn_check_wait_status (status, NULL));
}

/* A launcher for corral as a user with no rights of ours ("nobody" when
 * we are root), its messages in English. */
static GSubprocessLauncher *
unprivileged_launcher (void)
{
  GSubprocessLauncher *launcher = g_subprocess_launcher_new (G_SUBPROCESS_FLAGS_STDOUT_PIPE |
                                                             G_SUBPROCESS_FLAGS_STDERR_PIPE);

  g_subprocess_launcher_setenv (launcher, "LC_ALL", "C.UTF-8", TRUE);
  g_subprocess_launcher_unsetenv (launcher, "LANGUAGE");
  if (geteuid () == 0)
    g_subprocess_launcher_set_child_setup (launcher, drop_privileges, NULL, NULL);
  return launcher;
}

/* Lets other users through @dir (search permission), taking nothing
 * away: the temporary folder above a test's own is /tmp (1777, left as
 * it is) with GLib 2.74, the test's private folder (0700) with 2.84. */
static void
allow_search (const char *dir)
{
  struct stat st;

  g_assert_cmpint (g_stat (dir, &st), ==, 0);
  g_assert_cmpint (g_chmod (dir, (st.st_mode & 07777) | S_IXGRP | S_IXOTH), ==, 0);
}

/* A settings file the user cannot read (permissions): a clear message
 * that says why, defaults; --dry-run leaves it, a real run keeps it
 * aside as it was. */
static void
test_profile_unreadable (void)
{
  g_autofree char *project = corral_test_make_project ("unreadable", "project");
  g_autofree char *top = g_path_get_dirname (project);
  g_autofree char *parent = g_path_get_dirname (top);
  g_autofree char *home = g_build_filename (top, "home", NULL);
  g_autofree char *config = g_build_filename (top, "config", NULL);
  g_autofree char *profiles = g_build_filename (config, "corral", "projects", NULL);
  g_autofree char *key = corral_project_key (project);
  g_autofree char *base = g_strdup_printf ("%s.ini", key);
  g_autofree char *path = g_build_filename (profiles, base, NULL);
  g_autofree char *out = NULL, *err = NULL;
  g_autofree char *aside_prefix = g_strdup_printf ("%s.corrupt-", base);
  g_autoptr(GSubprocessLauncher) launcher = NULL;
  g_autoptr(GDir) dir = NULL;
  g_autoptr(GBytes) kept = NULL;
  const char *saved = "[Project]\nPath=x\n[VM]\nMemoryMiB=1234\n";
  const char *args[] = { "--dry-run", "--guest", g_getenv ("CORRAL_TEST_GUEST"), project, NULL };
  /* A real run that ends before QEMU (less memory than the guest needs),
   * once the settings are loaded. */
  const char *run_args[] = { "--terminal", "--memory", "64", "--guest", g_getenv ("CORRAL_TEST_GUEST"),
                             project, NULL };
  const char *name;
  g_autofree char *aside = NULL;
  struct stat st;
  int n_aside = 0;

  /* A folder tree of the user's own, the settings file not readable. */
  allow_search (parent);
  g_assert_cmpint (g_chmod (top, 0755), ==, 0);
  g_assert_cmpint (g_mkdir_with_parents (profiles, 0700), ==, 0);
  g_assert_cmpint (g_mkdir_with_parents (home, 0700), ==, 0);
  if (geteuid () == 0)
    chown_tree (top);
  g_assert_true (g_file_set_contents (path, saved, -1, NULL));
  g_assert_cmpint (g_chmod (path, 0000), ==, 0);

  launcher = unprivileged_launcher ();
  g_subprocess_launcher_setenv (launcher, "HOME", home, TRUE);
  g_subprocess_launcher_setenv (launcher, "XDG_CONFIG_HOME", config, TRUE);
  g_subprocess_launcher_setenv (launcher, "XDG_STATE_HOME", home, TRUE);
  g_subprocess_launcher_setenv (launcher, "XDG_CACHE_HOME", home, TRUE);
  g_subprocess_launcher_setenv (launcher, "XDG_RUNTIME_DIR", home, TRUE);

  g_assert_cmpint (run_corral (launcher, args, &out, &err), ==, 0);
  g_assert_nonnull (strstr (err, "could not be read"));
  g_assert_nonnull (strstr (err, "Permission denied"));
  g_assert_nonnull (strstr (out, " -m 4096 "));
  /* --dry-run changed nothing. */
  g_assert_cmpint (g_stat (path, &st), ==, 0);
  g_assert_cmpint (st.st_mode & 0777, ==, 0000);
  g_clear_pointer (&out, g_free);
  g_clear_pointer (&err, g_free);

  g_assert_cmpint (run_corral (launcher, run_args, &out, &err), !=, 0);
  g_assert_nonnull (strstr (err, "could not be read"));
  g_assert_nonnull (strstr (err, "Permission denied"));
  g_assert_nonnull (strstr (err, "less than the guest"));

  dir = g_dir_open (profiles, 0, NULL);
  while ((name = g_dir_read_name (dir)) != NULL)
    if (g_str_has_prefix (name, aside_prefix))
      {
        n_aside++;
        aside = g_build_filename (profiles, name, NULL);
      }
  g_assert_cmpint (n_aside, ==, 1);
  g_assert_nonnull (strstr (err, aside));
  /* As it was: same bytes, same (lack of) permissions. */
  g_assert_cmpint (g_stat (aside, &st), ==, 0);
  g_assert_cmpint (st.st_mode & 0777, ==, 0000);
  kept = file_bytes (aside);   /* readable to us when root */
  if (kept != NULL)
    g_assert_cmpmem (g_bytes_get_data (kept, NULL), g_bytes_get_size (kept), saved, strlen (saved));
  else
    g_assert_cmpint (geteuid (), !=, 0);
  corral_test_remove_tree (top);
}

/* A project folder the user may not reach (a folder on the way without
 * search permission): the message says so, not that it does not exist. */
static void
test_project_unreachable (void)
{
  g_autofree char *project = corral_test_make_project ("unreachable", "project");
  g_autofree char *top = g_path_get_dirname (project);
  g_autofree char *parent = g_path_get_dirname (top);
  g_autofree char *out = NULL, *err = NULL;
  g_autoptr(GSubprocessLauncher) launcher = NULL;
  const char *args[] = { "--dry-run", "--guest", g_getenv ("CORRAL_TEST_GUEST"), project, NULL };

  allow_search (parent);
  g_assert_cmpint (g_chmod (top, 0000), ==, 0);
  launcher = unprivileged_launcher ();

  g_assert_cmpint (run_corral (launcher, args, &out, &err), !=, 0);
  g_assert_cmpstr (out, ==, "");
  g_assert_nonnull (strstr (err, "Cannot open the project folder"));
  g_assert_nonnull (strstr (err, "Permission denied"));
  g_assert_null (strstr (err, "does not exist"));
  g_assert_cmpint (g_chmod (top, 0700), ==, 0);
  corral_test_remove_tree (top);
}

/* --- a full disk ----------------------------------------------------------------------- */

static gboolean private_mounts;

/* The disk holding the settings is full when a terminal run saves them
 * (it records when the project was last used): the run goes on, the
 * user reads why the settings were not saved, and the settings file is
 * as it was (written aside, renamed over: never half written). Then,
 * with room again, the next run saves. */
static void
test_terminal_run_disk_full (void)
{
  g_autofree char *project = corral_test_make_project ("full", "full project");
  g_autofree char *parent = g_path_get_dirname (project);
  g_autofree char *profiles = corral_project_profiles_dir ();
  g_autofree char *run_dir = corral_meta_dir_path_for (project);
  g_autoptr(CorralProfile) profile = corral_test_small_profile (project);
  g_autoptr(GSubprocessLauncher) launcher = NULL;
  g_autoptr(GSubprocess) corral = NULL;
  g_autoptr(GError) error = NULL;
  g_autoptr(GBytes) before = NULL;
  g_autoptr(GBytes) after = NULL;
  CorralTestConsole output = CORRAL_TEST_CONSOLE_INIT;
  int corral_pid;

  if (!private_mounts)
    {
      g_test_skip ("a full disk needs root (a tmpfs in a mount namespace of the test's own)");
      return;
    }
  g_assert_true (corral_profile_save (profile, &error));
  g_assert_no_error (error);
  before = file_bytes (corral_profile_get_file_path (profile));
  corral_test_fill_disk (profiles);

  launcher = corral_test_corral_launcher (G_SUBPROCESS_FLAGS_STDIN_PIPE |
                                          G_SUBPROCESS_FLAGS_STDOUT_PIPE |
                                          G_SUBPROCESS_FLAGS_STDERR_MERGE);
  corral = g_subprocess_launcher_spawn (launcher, &error, g_getenv ("CORRAL_BIN"),
                                        "--terminal", "--shell", "--guest", g_getenv ("CORRAL_TEST_GUEST"),
                                        project, NULL);
  g_assert_no_error (error);
  corral_pid = atoi (g_subprocess_get_identifier (corral));
  corral_test_console_attach (&output, g_unix_input_stream_get_fd (
                                G_UNIX_INPUT_STREAM (g_subprocess_get_stdout_pipe (corral))));
  /* Told, in words, and the VM starts all the same. */
  corral_test_console_expect (&output, CORRAL_TEST_READY_LINE);
  g_test_message ("corral said: %.*s", (int) MIN (output.text->len, 600), output.text->str);
  g_assert_nonnull (strstr (output.text->str, "settings could not be saved"));
  g_assert_nonnull (strstr (output.text->str, "No space left on device"));

  g_assert_cmpint (kill (corral_pid, SIGTERM), ==, 0);
  g_assert_true (corral_test_wait_until (corral_test_subprocess_ended, corral, 120));
  g_assert_true (g_subprocess_get_if_exited (corral));
  g_assert_cmpint (g_subprocess_get_exit_status (corral), ==, 0);
  corral_test_console_detach (&output);
  g_assert_false (g_file_test (run_dir, G_FILE_TEST_EXISTS));

  /* The file as it was, nothing half written beside it. */
  after = file_bytes (corral_profile_get_file_path (profile));
  g_assert_true (g_bytes_equal (before, after));
  corral_test_unfill_disk (profiles);
  assert_lock_free (project);
  corral_test_remove_tree (parent);
}

/* --- a guest manifest that vanished ------------------------------------------------ */

/* The guest given last time is gone: corral says which file, in one
 * line, exits non-zero, and creates or changes nothing. */
static void
test_guest_manifest_vanished (void)
{
  g_autofree char *project = corral_test_make_project ("noguest", "project");
  g_autofree char *parent = g_path_get_dirname (project);
  g_autofree char *guest_dir = g_build_filename (parent, "guest", NULL);
  g_autofree char *manifest = g_build_filename (guest_dir, "guest.ini", NULL);
  g_autofree char *kernel = g_build_filename (guest_dir, "vmlinux", NULL);
  g_autofree char *run_dir = corral_meta_dir_path_for (project);
  g_autofree char *out = NULL, *err = NULL;
  g_autoptr(GBytes) profile_before = NULL;
  g_autoptr(GBytes) profile_after = NULL;
  g_autoptr(CorralProfile) profile = corral_test_small_profile (project);
  g_autoptr(GError) error = NULL;
  const char *dry[] = { "--dry-run", "--guest", manifest, project, NULL };
  const char *run[] = { "--terminal", "--guest", manifest, project, NULL };

  g_free (corral_test_copy_guest (guest_dir));
  g_assert_true (corral_profile_save (profile, &error));
  g_assert_no_error (error);
  profile_before = file_bytes (corral_profile_get_file_path (profile));

  /* Last time it was there. */
  g_assert_cmpint (run_corral (NULL, dry, &out, &err), ==, 0);
  g_clear_pointer (&out, g_free);
  g_clear_pointer (&err, g_free);

  /* The manifest is gone. */
  g_assert_cmpint (g_unlink (manifest), ==, 0);
  g_assert_cmpint (run_corral (NULL, run, &out, &err), !=, 0);
  g_assert_cmpstr (out, ==, "");
  g_assert_true (g_str_has_prefix (err, "corral: "));
  g_assert_nonnull (strstr (err, manifest));
  g_assert_nonnull (strstr (err, "no such file"));
  g_assert_cmpint (strchr (err, '\n') - err, ==, strlen (err) - 1);   /* one line */
  g_clear_pointer (&out, g_free);
  g_clear_pointer (&err, g_free);

  /* The manifest is back but its kernel is gone. */
  g_free (corral_test_copy_guest (guest_dir));
  g_assert_cmpint (g_unlink (kernel), ==, 0);
  g_assert_cmpint (run_corral (NULL, run, &out, &err), !=, 0);
  g_assert_cmpstr (out, ==, "");
  g_assert_nonnull (strstr (err, kernel));
  g_assert_nonnull (strstr (err, "does not exist"));
  g_assert_cmpint (strchr (err, '\n') - err, ==, strlen (err) - 1);

  /* Nothing was made or changed. */
  g_assert_false (g_file_test (run_dir, G_FILE_TEST_EXISTS));
  assert_lock_free (project);
  profile_after = file_bytes (corral_profile_get_file_path (profile));
  g_assert_true (g_bytes_equal (profile_before, profile_after));
  corral_test_remove_tree (parent);
}

int
main (int argc, char **argv)
{
  /* Before anything starts a thread. */
  private_mounts = corral_test_private_mounts ();
  g_test_init (&argc, &argv, G_TEST_OPTION_ISOLATE_DIRS, NULL);
  g_unsetenv ("ANTHROPIC_API_KEY");
  /* A killed corral's QEMU is reparented to us, so we can reap it and
   * be sure it is gone. */
  g_assert_cmpint (prctl (PR_SET_CHILD_SUBREAPER, 1), ==, 0);

  g_test_add_func ("/reliability/cli/terminal-run-killed", test_terminal_run_killed);
  g_test_add_func ("/reliability/cli/terminal-run-control-lost", test_terminal_run_control_lost);
  g_test_add_func ("/reliability/cli/terminal-run-qemu-killed", test_terminal_run_qemu_killed);
  g_test_add_func ("/reliability/cli/terminal-run-deaf-guest", test_terminal_run_deaf_guest);
  g_test_add_func ("/reliability/cli/profile-corrupt", test_profile_corrupt);
  g_test_add_func ("/reliability/cli/profile-unreadable", test_profile_unreadable);
  g_test_add_func ("/reliability/cli/project-unreachable", test_project_unreachable);
  g_test_add_func ("/reliability/cli/terminal-run-disk-full", test_terminal_run_disk_full);
  g_test_add_func ("/reliability/cli/guest-manifest-vanished", test_guest_manifest_vanished);
  return g_test_run ();
}
