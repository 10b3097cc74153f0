/* test-vm.c: CorralVm with real QEMU and the tiny test guest
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * Each test boots the tiny guest (tests/guest) under software emulation:
 * a few seconds each, more on a loaded machine, hence generous waits.
 */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <glib/gstdio.h>
#include <glib-unix.h>

#include "corral-meta-dir.h"
#include "corral-test-util.h"

typedef struct {
  char          *project;
  CorralProfile *profile;
  CorralGuest   *guest;
  CorralHost    *host;
  CorralVm      *vm;
  CorralTestConsole agent;
  GPtrArray     *states;   /* state names, as notified */
  GPtrArray     *events;
  GPtrArray     *agent_states;  /* as notified: "running", "shell", "ended:3", "ended:SIGNAL9" */
} Fixture;

/* --- helpers ---------------------------------------------------------------- */

static void
on_state (CorralVm   *vm,
          GParamSpec *pspec,
          Fixture    *f)
{
  g_ptr_array_add (f->states, g_strdup (corral_test_state_name (corral_vm_get_state (vm))));
}

static void
on_agent_state (CorralVm   *vm,
                GParamSpec *pspec,
                Fixture    *f)
{
  switch (corral_vm_get_agent_state (vm))
    {
    case CORRAL_AGENT_STATE_ENDED:
      if (corral_vm_get_agent_exit_signal (vm) != 0)
        g_ptr_array_add (f->agent_states, g_strdup_printf ("ended:SIGNAL%d", corral_vm_get_agent_exit_signal (vm)));
      else
        g_ptr_array_add (f->agent_states, g_strdup_printf ("ended:%d", corral_vm_get_agent_exit_status (vm)));
      break;
    case CORRAL_AGENT_STATE_RUNNING:
      g_ptr_array_add (f->agent_states, g_strdup (corral_vm_get_agent_was_entrypoint (vm) ? "running" : "shell"));
      break;
    case CORRAL_AGENT_STATE_STARTING:
      g_ptr_array_add (f->agent_states, g_strdup ("starting"));
      break;
    case CORRAL_AGENT_STATE_UNKNOWN:
    default:
      g_ptr_array_add (f->agent_states, g_strdup ("unknown"));
      break;
    }
}

static void
on_guest_event (CorralVm   *vm,
                const char *name,
                Fixture    *f)
{
  g_ptr_array_add (f->events, g_strdup (name));
}

static void
fixture_setup (Fixture       *f,
               gconstpointer  data)
{
  f->project = corral_test_make_project ("vm", "my project");
  f->profile = corral_test_small_profile (f->project);
  f->guest = corral_test_load_guest ();
  f->host = corral_host_probe (NULL);
  g_assert_nonnull (f->host->qemu_path);
  f->agent.fd = -1;
  f->states = g_ptr_array_new_with_free_func (g_free);
  f->events = g_ptr_array_new_with_free_func (g_free);
  f->agent_states = g_ptr_array_new_with_free_func (g_free);
}

static void
make_vm (Fixture *f)
{
  f->vm = corral_vm_new (f->profile, f->guest, f->host);
  g_signal_connect (f->vm, "notify::state", G_CALLBACK (on_state), f);
  g_signal_connect (f->vm, "guest-event", G_CALLBACK (on_guest_event), f);
  g_signal_connect (f->vm, "notify::agent-state", G_CALLBACK (on_agent_state), f);
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
  g_ptr_array_unref (f->events);
  g_ptr_array_unref (f->agent_states);
  /* The guest wrote as this user: plain removal works. */
  corral_test_remove_tree (parent);
  g_free (f->project);
}

static gboolean
error_set (gpointer data)
{
  return *(GError **) data != NULL;
}

static void
boot_to_ready (Fixture *f)
{
  g_autoptr(GError) error = NULL;

  if (f->vm == NULL)
    make_vm (f);
  error = corral_test_start_vm (f->vm);
  g_assert_no_error (error);
  corral_test_console_attach (&f->agent, corral_vm_get_console_fd (f->vm, CORRAL_CONSOLE_AGENT));
  corral_test_console_expect (&f->agent, CORRAL_TEST_READY_LINE);
}

static char *
read_file (const char *dir,
           const char *name)
{
  g_autofree char *path = g_build_filename (dir, name, NULL);
  char *contents = NULL;

  if (!g_file_get_contents (path, &contents, NULL, NULL))
    return NULL;
  return contents;
}

static gboolean
file_has (const char *path,
          const char *needle)
{
  g_autofree char *contents = NULL;
  gsize len;

  if (!g_file_get_contents (path, &contents, &len, NULL))
    return FALSE;
  return memmem (contents, len, needle, strlen (needle)) != NULL;
}

/* --- tests ------------------------------------------------------------------ */

#define AGENT_SCRIPT \
  "#!/bin/sh\n" \
  "{\n" \
  "  for a in \"$@\"; do echo \"arg:$a\"; done\n" \
  "  echo \"uid:$(id -u)\"\n" \
  "  echo \"pwd:$(pwd)\"\n" \
  "  echo \"size:$(stty size)\"\n" \
  "  echo \"net:$(ls /sys/class/net | tr '\\n' ' ')\"\n" \
  "  if echo x > /mnt/meta/probe; then echo meta:writable; else echo meta:readonly; fi\n" \
  "  echo \"key:$ANTHROPIC_API_KEY\"\n" \
  "  echo \"hostpath:$(cat \"$(cat /mnt/meta/host_project)/marker\")\"\n" \
  "} > /project/result.tmp 2>&1\n" \
  "mv /project/result.tmp /project/result\n" \
  "exit 3\n"

/* The agent runs with the profile's arguments in /project as the host
 * user, writes into the project, cannot write a read-only share, sees no
 * network device, and the VM powers off when it exits. */
static void
test_agent_run (Fixture       *f,
                gconstpointer  data)
{
  const char * const args[] = { "one two", "it's", NULL };
  g_autofree char *script = g_build_filename (f->project, "agent.sh", NULL);
  g_autofree char *marker = g_build_filename (f->project, "marker", NULL);
  g_autofree char *result = NULL;
  g_autofree char *expected_uid = g_strdup_printf ("uid:%u\n", getuid ());
  g_autofree char *run_dir = NULL;

  g_assert_true (g_file_set_contents (script, AGENT_SCRIPT, -1, NULL));
  g_assert_cmpint (g_chmod (script, 0755), ==, 0);
  g_assert_true (g_file_set_contents (marker, "same folder", -1, NULL));
  corral_profile_set_agent_command (f->profile, "/project/agent.sh");
  corral_profile_set_agent_args (f->profile, args);

  run_dir = corral_meta_dir_path_for (f->project);
  make_vm (f);
  corral_vm_set_secret (f->vm, CORRAL_SECRET_API_KEY, "sk-from-set-secret");
  boot_to_ready (f);

  /* The entrypoint's exit powers the guest off: the VM stops cleanly. */
  corral_test_wait_state (f->vm, CORRAL_VM_STATE_STOPPED, CORRAL_TEST_BOOT_TIMEOUT);
  corral_test_console_expect (&f->agent, "CORRAL-ENTRYPOINT-EXIT 3");
  g_assert_null (corral_vm_get_error_message (f->vm));
  g_assert_false (g_file_test (run_dir, G_FILE_TEST_EXISTS));
  g_assert_cmpint (corral_vm_get_console_fd (f->vm, CORRAL_CONSOLE_AGENT), ==, -1);

  result = read_file (f->project, "result");
  g_assert_nonnull (result);
  g_test_message ("guest wrote:\n%s", result);
  g_assert_nonnull (strstr (result, "arg:one two\narg:it's\n"));
  g_assert_nonnull (strstr (result, expected_uid));
  g_assert_nonnull (strstr (result, "pwd:/project\n"));
  g_assert_nonnull (strstr (result, "size:37 91\n"));
  g_assert_nonnull (strstr (result, "net:lo \n"));
  g_assert_nonnull (strstr (result, "meta:readonly\n"));
  /* the key stayed on the host; the guest has the placeholder */
  g_assert_nonnull (strstr (result, "key:" CORRAL_PROXY_PLACEHOLDER_KEY "\n"));
  g_assert_null (strstr (result, "sk-from-set-secret"));
  g_assert_nonnull (strstr (result, "hostpath:same folder\n"));

  g_assert_cmpuint (f->states->len, >=, 3);
  g_assert_cmpstr (f->states->pdata[0], ==, "starting");
  g_assert_cmpstr (f->states->pdata[1], ==, "running");
  g_assert_cmpstr (f->states->pdata[f->states->len - 1], ==, "stopped");
  g_assert_true (g_ptr_array_find_with_equal_func (f->events, "SHUTDOWN", g_str_equal, NULL));
  /* The guest said so over the session channel before powering off (the
   * Vm's default answer, the seed's behaviour). */
  g_assert_true (g_ptr_array_find_with_equal_func (f->agent_states, "running", g_str_equal, NULL));
  g_assert_true (g_ptr_array_find_with_equal_func (f->agent_states, "ended:3", g_str_equal, NULL));
  g_assert_cmpint (corral_vm_get_agent_state (f->vm), ==, CORRAL_AGENT_STATE_UNKNOWN);
}

static gboolean
agent_state_is (gpointer data)
{
  Fixture *f = data;

  return (int) corral_vm_get_agent_state (f->vm) ==
         GPOINTER_TO_INT (g_object_get_data (G_OBJECT (f->vm), "want-agent"));
}

static void
wait_agent_state (Fixture          *f,
                  CorralAgentState  state)
{
  g_object_set_data (G_OBJECT (f->vm), "want-agent", GINT_TO_POINTER (state));
  if (!corral_test_wait_until (agent_state_is, f, CORRAL_TEST_BOOT_TIMEOUT))
    g_error ("agent state %d, not %d; console:\n%s", corral_vm_get_agent_state (f->vm), state,
             f->agent.text ? f->agent.text->str : "");
}

static char *
count_runs (Fixture *f)
{
  return read_file (f->project, "runs");
}

/* The agent session when the host keeps the VM (agent-exit-action WAIT):
 * the end and its status are reported and the VM runs on; a restart runs
 * the entrypoint again; a shell gets a prompt on the agent console; a
 * shell killed by a signal is reported as that signal; with the seed's
 * action back, the next end powers the VM off. */
static void
test_agent_session (Fixture       *f,
                    gconstpointer  data)
{
  g_autoptr(GError) error = NULL;
  g_autofree char *runs = NULL;

  corral_profile_set_entrypoint_mode (f->profile, CORRAL_ENTRYPOINT_CUSTOM);
  corral_profile_set_custom_command (f->profile, "echo run >> /project/runs; echo RUN-MARK; exit 3");
  make_vm (f);
  corral_vm_set_agent_exit_action (f->vm, CORRAL_AGENT_EXIT_WAIT);
  boot_to_ready (f);

  wait_agent_state (f, CORRAL_AGENT_STATE_ENDED);
  g_assert_cmpint (corral_vm_get_agent_exit_status (f->vm), ==, 3);
  g_assert_cmpint (corral_vm_get_agent_exit_signal (f->vm), ==, 0);
  g_assert_true (corral_vm_get_agent_was_entrypoint (f->vm));
  corral_test_console_expect (&f->agent, "CORRAL-ENTRYPOINT-EXIT 3");
  /* The guest waits: still running a while later. */
  corral_test_iterate (3000);
  g_assert_cmpint (corral_vm_get_state (f->vm), ==, CORRAL_VM_STATE_RUNNING);
  runs = count_runs (f);
  g_assert_cmpstr (runs, ==, "run\n");
  g_clear_pointer (&runs, g_free);

  /* Again, with the same command: a second run. */
  g_assert_true (corral_vm_restart_agent (f->vm, &error));
  g_assert_no_error (error);
  g_assert_cmpint (corral_vm_get_agent_state (f->vm), ==, CORRAL_AGENT_STATE_STARTING);
  /* Nothing to restart while one is on its way. */
  g_assert_false (corral_vm_restart_agent (f->vm, &error));
  g_assert_error (error, CORRAL_VM_ERROR, CORRAL_VM_ERROR_NO_SESSION);
  g_clear_error (&error);
  wait_agent_state (f, CORRAL_AGENT_STATE_ENDED);
  runs = count_runs (f);
  g_assert_cmpstr (runs, ==, "run\nrun\n");

  /* A shell on the agent console, as --shell gives. */
  g_assert_true (corral_vm_open_agent_shell (f->vm, &error));
  g_assert_no_error (error);
  wait_agent_state (f, CORRAL_AGENT_STATE_RUNNING);
  g_assert_false (corral_vm_get_agent_was_entrypoint (f->vm));
  /* Its prompt: the shell reads what is typed from now on. */
  corral_test_console_expect (&f->agent, "sandbox:/project");
  {
    g_autofree char *out = corral_test_console_run (&f->agent, "echo shell-$((6*7))");

    g_assert_nonnull (strstr (out, "shell-42"));
  }
  corral_test_console_type (&f->agent, "kill -KILL $$\r");
  wait_agent_state (f, CORRAL_AGENT_STATE_ENDED);
  g_assert_cmpint (corral_vm_get_agent_exit_signal (f->vm), ==, 9);
  g_assert_cmpint (corral_vm_get_agent_exit_status (f->vm), ==, -1);

  /* The seed's behaviour again: the next end powers off. */
  corral_vm_set_agent_exit_action (f->vm, CORRAL_AGENT_EXIT_POWER_OFF);
  g_assert_true (corral_vm_restart_agent (f->vm, &error));
  corral_test_wait_state (f->vm, CORRAL_VM_STATE_STOPPED, CORRAL_TEST_BOOT_TIMEOUT);
  g_assert_null (corral_vm_get_error_message (f->vm));
  g_clear_pointer (&runs, g_free);
  runs = count_runs (f);
  g_assert_cmpstr (runs, ==, "run\nrun\nrun\n");
  g_assert_true (g_ptr_array_find_with_equal_func (f->agent_states, "ended:SIGNAL9", g_str_equal, NULL));
  g_assert_true (g_ptr_array_find_with_equal_func (f->agent_states, "shell", g_str_equal, NULL));
}

static gboolean
paused_is (gpointer data)
{
  Fixture *f = data;
  return corral_vm_get_paused (f->vm) == GPOINTER_TO_INT (g_object_get_data (G_OBJECT (f->vm), "want"));
}

static void
done_cb (GObject      *source,
         GAsyncResult *result,
         gpointer      user_data)
{
  GAsyncResult **out = user_data;
  *out = g_object_ref (result);
}

static gboolean
result_set (gpointer data)
{
  return *(GAsyncResult **) data != NULL;
}

/* A running VM: the API key from the environment stays on the host (the
 * guest and the run dir get the placeholder), and is in neither QEMU's
 * command line nor its environment; pause, resume, screendump and a
 * VNC connection work; a second VM of the project is refused; power-down
 * stops it and removes the metadata dir. */
static void
test_running_vm (Fixture       *f,
                 gconstpointer  data)
{
  const char *secret = "sk-ant-test-0123456789-SECRET";
  g_autoptr(GAsyncResult) result = NULL;
  g_autoptr(GError) error = NULL;
  g_autofree char *cmdline = NULL, *environ = NULL, *proc = NULL, *key_path = NULL;
  g_autofree char *run_dir = NULL, *png = NULL, *shot = NULL;
  g_autoptr(CorralVm) second = NULL;
  struct stat st;
  char rfb[12] = { 0 };
  int pid, vnc;
  gsize len;

  corral_profile_set_entrypoint_mode (f->profile, CORRAL_ENTRYPOINT_SHELL);
  g_setenv ("ANTHROPIC_API_KEY", secret, TRUE);
  boot_to_ready (f);
  g_unsetenv ("ANTHROPIC_API_KEY");
  g_assert_cmpint (corral_vm_get_state (f->vm), ==, CORRAL_VM_STATE_RUNNING);

  /* The run dir is 0700, its files 0600; the key file holds the
   * placeholder, the secret is nowhere. */
  pid = corral_vm_get_qemu_pid (f->vm);
  g_assert_cmpint (pid, >, 0);
  run_dir = g_strdup (corral_vm_get_run_dir (f->vm));
  g_assert_cmpint (g_stat (run_dir, &st), ==, 0);
  g_assert_cmpint (st.st_mode & 0777, ==, 0700);
  key_path = g_build_filename (run_dir, "meta", "apikey", NULL);
  g_assert_cmpint (g_stat (key_path, &st), ==, 0);
  g_assert_cmpint (st.st_mode & 0777, ==, 0600);
  g_assert_true (file_has (key_path, CORRAL_PROXY_PLACEHOLDER_KEY));
  g_assert_false (file_has (key_path, secret));
  proc = g_strdup_printf ("/proc/%d/cmdline", pid);
  g_assert_true (g_file_get_contents (proc, &cmdline, &len, NULL));
  g_assert_true (memmem (cmdline, len, "qemu", 4) != NULL);
  g_assert_false (file_has (proc, secret));
  g_free (proc);
  proc = g_strdup_printf ("/proc/%d/environ", pid);
  g_assert_true (g_file_get_contents (proc, &environ, &len, NULL));
  g_assert_false (file_has (proc, secret));
  g_assert_false (file_has (proc, "ANTHROPIC_API_KEY"));

  /* The guest's shell got the placeholder, through /mnt/meta. */
  corral_test_console_expect (&f->agent, "sandbox:/project");
  corral_test_console_type (&f->agent, "echo \"got:$ANTHROPIC_API_KEY:\"\n");
  corral_test_console_expect (&f->agent, "got:" CORRAL_PROXY_PLACEHOLDER_KEY ":");

  /* The second console is a shell of its own. */
  {
    CorralTestConsole enter = CORRAL_TEST_CONSOLE_INIT;

    corral_test_console_attach (&enter, corral_vm_get_console_fd (f->vm, CORRAL_CONSOLE_ENTER));
    corral_test_console_expect (&enter, "sandbox:/project");
    corral_test_console_type (&enter, "echo enter-$((1+1)) on $(tty)\n");
    corral_test_console_expect (&enter, "enter-2 on /dev/ttyS1");
    corral_test_console_detach (&enter);
  }

  /* One VM per project. */
  second = corral_vm_new (f->profile, f->guest, f->host);
  error = corral_test_start_vm (second);
  g_assert_error (error, CORRAL_VM_ERROR, CORRAL_VM_ERROR_BUSY);
  g_assert_cmpint (corral_vm_get_state (second), ==, CORRAL_VM_STATE_FAILED);
  g_assert_nonnull (corral_vm_get_error_message (second));
  g_clear_error (&error);
  g_clear_object (&second);
  g_assert_true (g_file_test (run_dir, G_FILE_TEST_IS_DIR));  /* not the first VM's */

  /* Pause and resume, as QMP events report them. */
  g_object_set_data (G_OBJECT (f->vm), "want", GINT_TO_POINTER (TRUE));
  corral_vm_pause (f->vm);
  g_assert_true (corral_test_wait_until (paused_is, f, 30));
  g_object_set_data (G_OBJECT (f->vm), "want", GINT_TO_POINTER (FALSE));
  corral_vm_resume (f->vm);
  g_assert_true (corral_test_wait_until (paused_is, f, 30));
  g_assert_true (g_ptr_array_find_with_equal_func (f->events, "STOP", g_str_equal, NULL));
  g_assert_true (g_ptr_array_find_with_equal_func (f->events, "RESUME", g_str_equal, NULL));
  corral_test_console_type (&f->agent, "echo still-$((40+2))\n");
  corral_test_console_expect (&f->agent, "still-42");

  /* Screendump: a PNG of the guest's banner. A black 1280x800 screen
   * compresses to 3057 bytes; with the banner's coloured blocks and text
   * it is about 4.6 KB (it is drawn just after the ready line). */
  png = g_build_filename (f->project, "..", "shot.png", NULL);
  for (guint tries = 0; tries < 30; tries++)
    {
      g_autoptr(GAsyncResult) shot_result = NULL;

      corral_vm_screendump_async (f->vm, png, NULL, done_cb, &shot_result);
      g_assert_true (corral_test_wait_until (result_set, &shot_result, 60));
      g_assert_true (corral_vm_screendump_finish (f->vm, shot_result, &error));
      g_assert_no_error (error);
      g_clear_pointer (&shot, g_free);
      g_assert_true (g_file_get_contents (png, &shot, &len, NULL));
      g_assert_cmpint (memcmp (shot, "\x89PNG\r\n\x1a\n", 8), ==, 0);
      if (len > 4000)
        break;
      g_usleep (G_USEC_PER_SEC);
    }
  g_test_message ("screendump: %" G_GSIZE_FORMAT " bytes", len);
  g_assert_cmpuint (len, >, 4000);

  /* A display connection speaks VNC. */
  corral_vm_open_display_async (f->vm, NULL, done_cb, &result);
  g_assert_true (corral_test_wait_until (result_set, &result, 60));
  vnc = corral_vm_open_display_finish (f->vm, result, &error);
  g_assert_no_error (error);
  g_assert_cmpint (vnc, >=, 0);
  g_clear_object (&result);
  g_assert_cmpint (read (vnc, rfb, sizeof rfb), ==, 12);
  g_assert_cmpint (memcmp (rfb, "RFB 003.008\n", 12), ==, 0);
  close (vnc);

  /* Reset: the machine reboots to the ready line again, same run. */
  {
    gsize mark = f->agent.text->len;

    corral_vm_reset (f->vm);
    g_string_erase (f->agent.text, 0, mark);
    f->agent.answered_size = FALSE;
    if (!corral_test_console_wait (&f->agent, CORRAL_TEST_READY_LINE, CORRAL_TEST_BOOT_TIMEOUT))
      g_error ("no ready line after reset:\n%s", f->agent.text->str);
    g_assert_true (g_ptr_array_find_with_equal_func (f->events, "RESET", g_str_equal, NULL));
    g_assert_cmpint (corral_vm_get_state (f->vm), ==, CORRAL_VM_STATE_RUNNING);
    g_assert_cmpint (corral_vm_get_qemu_pid (f->vm), ==, pid);
    corral_test_console_expect (&f->agent, "sandbox:/project");
  }

  /* Power-down: ACPI, the guest's acpid powers off. */
  corral_vm_set_powerdown_timeout (f->vm, 60);
  corral_vm_power_down (f->vm);
  g_assert_cmpint (corral_vm_get_state (f->vm), ==, CORRAL_VM_STATE_STOPPING);
  corral_test_wait_state (f->vm, CORRAL_VM_STATE_STOPPED, 90);
  /* The guest itself powered off: no fallback force-off. */
  g_assert_nonnull (strstr (f->agent.text->str, "CORRAL-GUEST-POWERDOWN"));
  g_assert_true (g_ptr_array_find_with_equal_func (f->events, "POWERDOWN", g_str_equal, NULL));
  g_assert_null (corral_vm_get_error_message (f->vm));
  g_assert_false (g_file_test (run_dir, G_FILE_TEST_EXISTS));
  g_assert_cmpint (kill (pid, 0), ==, -1);
}

/* QEMU killed from outside: FAILED with a readable reason, metadata gone. */
static void
test_killed (Fixture       *f,
             gconstpointer  data)
{
  g_autofree char *run_dir = NULL;
  const char *message;

  corral_profile_set_entrypoint_mode (f->profile, CORRAL_ENTRYPOINT_SHELL);
  boot_to_ready (f);
  run_dir = g_strdup (corral_vm_get_run_dir (f->vm));
  g_assert_cmpint (kill (corral_vm_get_qemu_pid (f->vm), SIGKILL), ==, 0);
  corral_test_wait_state (f->vm, CORRAL_VM_STATE_FAILED, 60);
  message = corral_vm_get_error_message (f->vm);
  g_test_message ("error: %s", message);
  g_assert_nonnull (strstr (message, "QEMU stopped unexpectedly"));
  g_assert_nonnull (strstr (message, "signal 9"));
  g_assert_false (g_file_test (run_dir, G_FILE_TEST_EXISTS));
  g_assert_cmpint (corral_vm_get_qemu_pid (f->vm), ==, 0);

  /* The lock went with it: the project starts again. */
  corral_test_console_detach (&f->agent);
  g_ptr_array_set_size (f->states, 0);
  g_clear_object (&f->vm);
  boot_to_ready (f);

  /* The app quits with the VM running: disposing the Vm ends QEMU and
   * removes the metadata dir (with the secrets) at once. */
  {
    int pid = corral_vm_get_qemu_pid (f->vm);
    gint64 end;

    g_assert_true (g_file_test (run_dir, G_FILE_TEST_IS_DIR));
    g_signal_handlers_disconnect_by_data (f->vm, f);
    g_clear_object (&f->vm);
    g_assert_false (g_file_test (run_dir, G_FILE_TEST_EXISTS));
    end = g_get_monotonic_time () + 30 * G_USEC_PER_SEC;
    while (kill (pid, 0) == 0 && g_get_monotonic_time () < end)
      g_main_context_iteration (NULL, FALSE), g_usleep (10000);
    g_assert_cmpint (kill (pid, 0), ==, -1);
  }
}

/* QEMU refusing its input exits at once: FAILED with QEMU's own words. */
static void
test_exits_at_once (Fixture       *f,
                    gconstpointer  data)
{
  g_autoptr(GError) error = NULL;
  g_autofree char *dir = g_path_get_dirname (f->project);
  g_autofree char *kernel = g_build_filename (dir, "not-a-kernel", NULL);
  g_autofree char *manifest = g_strdup_printf ("[Guest]\nName=Broken\nKernel=%s\nMinMemory=64\n", kernel);
  g_autofree char *run_dir = NULL;
  g_autofree char *stderr_text = NULL;
  const char *message;

  g_assert_true (g_file_set_contents (kernel, "this is not a kernel", -1, NULL));
  g_clear_object (&f->guest);
  f->guest = corral_guest_new_from_data (manifest, dir, &error);
  g_assert_no_error (error);

  make_vm (f);
  error = corral_test_start_vm (f->vm);
  g_assert_error (error, CORRAL_VM_ERROR, CORRAL_VM_ERROR_QEMU_EXITED);
  g_assert_cmpint (corral_vm_get_state (f->vm), ==, CORRAL_VM_STATE_FAILED);
  message = corral_vm_get_error_message (f->vm);
  g_test_message ("error: %s", message);
  g_assert_nonnull (strstr (message, "QEMU exited at once"));
  /* QEMU's stderr, e.g. "qemu-system-x86_64: Error loading uncompressed kernel without PVH ELF Note" */
  stderr_text = g_strstrip (g_strdup (corral_vm_get_qemu_stderr (f->vm)));
  g_assert_cmpuint (strlen (stderr_text), >, 10);
  g_assert_nonnull (strstr (message, stderr_text));
  g_assert_nonnull (strstr (message, "kernel"));
  run_dir = corral_meta_dir_path_for (f->project);
  g_assert_false (g_file_test (run_dir, G_FILE_TEST_EXISTS));
}

/* A guest that ignores the power button is forced off after the
 * power-down timeout, and that is a clean stop. */
static void
test_powerdown_fallback (Fixture       *f,
                         gconstpointer  data)
{
  g_autoptr(GError) error = NULL;
  g_autofree char *manifest = NULL;
  g_autofree char *dir = g_path_get_dirname (g_getenv ("CORRAL_TEST_GUEST"));
  g_autofree char *run_dir = corral_meta_dir_path_for (f->project);
  gint64 asked;

  manifest = g_strdup_printf ("[Guest]\nName=Deaf\nKernel=vmlinux\nInitrd=initrd.cpio\n"
                              "Cmdline=%s corral.noacpid\nGraphical=false\nMinMemory=64\n",
                              corral_guest_get_cmdline (f->guest));
  g_clear_object (&f->guest);
  f->guest = corral_guest_new_from_data (manifest, dir, &error);
  g_assert_no_error (error);

  corral_profile_set_entrypoint_mode (f->profile, CORRAL_ENTRYPOINT_SHELL);
  boot_to_ready (f);
  corral_test_console_expect (&f->agent, "sandbox:/project");
  corral_vm_set_powerdown_timeout (f->vm, 2);
  g_assert_false (corral_vm_get_powerdown_ignored (f->vm));
  asked = g_get_monotonic_time ();
  corral_vm_power_down (f->vm);
  corral_test_wait_state (f->vm, CORRAL_VM_STATE_STOPPED, 60);
  /* Said, for the terminal to tell the user. */
  g_assert_true (corral_vm_get_powerdown_ignored (f->vm));
  g_assert_cmpint (g_get_monotonic_time () - asked, >=, 2 * G_USEC_PER_SEC);
  g_assert_null (strstr (f->agent.text->str, "CORRAL-GUEST-POWERDOWN"));
  g_assert_true (g_ptr_array_find_with_equal_func (f->events, "POWERDOWN", g_str_equal, NULL));
  g_assert_null (corral_vm_get_error_message (f->vm));
  g_assert_false (g_file_test (run_dir, G_FILE_TEST_EXISTS));
}

/* Failures found before QEMU runs: a clear error, nothing left behind. */
static void
test_refused_early (Fixture       *f,
                    gconstpointer  data)
{
  g_autoptr(GError) error = NULL;
  g_autofree char *run_dir = corral_meta_dir_path_for (f->project);
  g_autofree char *gone = g_strconcat (f->project, "-gone", NULL);
  g_autoptr(CorralProfile) missing = corral_profile_new (gone);

  /* No QEMU installed. */
  g_clear_pointer (&f->host->qemu_path, g_free);
  make_vm (f);
  error = corral_test_start_vm (f->vm);
  g_assert_error (error, CORRAL_VM_ERROR, CORRAL_VM_ERROR_NO_QEMU);
  g_assert_cmpint (corral_vm_get_state (f->vm), ==, CORRAL_VM_STATE_FAILED);
  g_assert_nonnull (strstr (corral_vm_get_error_message (f->vm), "QEMU"));
  g_assert_false (g_file_test (run_dir, G_FILE_TEST_EXISTS));
  g_assert_cmpint (corral_vm_get_console_fd (f->vm, CORRAL_CONSOLE_AGENT), ==, -1);
  g_clear_error (&error);
  g_signal_handlers_disconnect_by_data (f->vm, f);
  g_clear_object (&f->vm);

  /* The project folder vanished. */
  corral_host_free (f->host);
  f->host = corral_host_probe (NULL);
  f->vm = corral_vm_new (missing, f->guest, f->host);
  error = corral_test_start_vm (f->vm);
  g_assert_error (error, CORRAL_VM_ERROR, CORRAL_VM_ERROR_BAD_SETTINGS);
  g_assert_nonnull (strstr (corral_vm_get_error_message (f->vm), "-gone"));
  g_clear_error (&error);

  /* Memory beyond the host's. */
  g_clear_object (&f->vm);
  corral_profile_set_memory_mib (f->profile, (guint) MIN (f->host->ram_bytes / (1024 * 1024) * 2, G_MAXUINT));
  f->vm = corral_vm_new (f->profile, f->guest, f->host);
  error = corral_test_start_vm (f->vm);
  g_assert_error (error, CORRAL_VM_ERROR, CORRAL_VM_ERROR_BAD_SETTINGS);
  g_assert_false (g_file_test (run_dir, G_FILE_TEST_EXISTS));
}

static void
start_cancel_cb (GObject      *source,
                 GAsyncResult *result,
                 gpointer      user_data)
{
  GError **error = user_data;

  g_assert_false (corral_vm_start_finish (CORRAL_VM (source), result, error));
  g_assert_nonnull (*error);
}

/* Cancelling a start (the window closed while booting) stops QEMU. */
static void
test_start_cancelled (Fixture       *f,
                      gconstpointer  data)
{
  g_autoptr(GCancellable) cancellable = g_cancellable_new ();
  g_autoptr(GError) error = NULL;
  g_autofree char *run_dir = corral_meta_dir_path_for (f->project);
  int pid;

  make_vm (f);
  corral_vm_start_async (f->vm, cancellable, start_cancel_cb, &error);
  g_assert_cmpint (corral_vm_get_state (f->vm), ==, CORRAL_VM_STATE_STARTING);
  pid = corral_vm_get_qemu_pid (f->vm);
  g_assert_cmpint (pid, >, 0);
  g_cancellable_cancel (cancellable);
  g_assert_true (corral_test_wait_until (error_set, &error, 60));
  g_assert_error (error, G_IO_ERROR, G_IO_ERROR_CANCELLED);
  corral_test_wait_state (f->vm, CORRAL_VM_STATE_STOPPED, 60);
  g_assert_null (corral_vm_get_error_message (f->vm));
  g_assert_false (g_file_test (run_dir, G_FILE_TEST_EXISTS));
  g_assert_cmpint (kill (pid, 0), ==, -1);
}

/* Force Off at any moment of a start ends the VM at once. In a jail
 * the process Corral spawns is bwrap, and QEMU, started a moment later,
 * must go with it (it used to outlive bwrap, answer QMP and hold the run
 * open until the start timed out). */
static void
test_force_off_early (Fixture       *f,
                      gconstpointer  data)
{
  for (guint ms = 0; ms <= 200; ms += 20)
    {
      gint64 begin;

      make_vm (f);
      corral_vm_start_async (f->vm, NULL, NULL, NULL);
      corral_test_iterate (ms);
      g_test_message ("after %u ms: %s", ms, corral_test_state_name (corral_vm_get_state (f->vm)));
      begin = g_get_monotonic_time ();
      corral_vm_force_off (f->vm);
      corral_test_wait_state (f->vm, CORRAL_VM_STATE_STOPPED, 20);
      g_test_message ("stopped in %.1f s", (g_get_monotonic_time () - begin) / 1e6);
      g_assert_null (corral_vm_get_error_message (f->vm));
      g_signal_handlers_disconnect_by_data (f->vm, f);
      g_clear_object (&f->vm);
    }
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, G_TEST_OPTION_ISOLATE_DIRS, NULL);

  g_test_add ("/vm/agent-run", Fixture, NULL, fixture_setup, test_agent_run, fixture_teardown);
  g_test_add ("/vm/agent-session", Fixture, NULL, fixture_setup, test_agent_session, fixture_teardown);
  g_test_add ("/vm/running-vm", Fixture, NULL, fixture_setup, test_running_vm, fixture_teardown);
  g_test_add ("/vm/killed", Fixture, NULL, fixture_setup, test_killed, fixture_teardown);
  g_test_add ("/vm/powerdown-fallback", Fixture, NULL, fixture_setup, test_powerdown_fallback, fixture_teardown);
  g_test_add ("/vm/force-off-early", Fixture, NULL, fixture_setup, test_force_off_early, fixture_teardown);
  g_test_add ("/vm/start-cancelled", Fixture, NULL, fixture_setup, test_start_cancelled, fixture_teardown);
  g_test_add ("/vm/refused-early", Fixture, NULL, fixture_setup, test_refused_early, fixture_teardown);
  g_test_add ("/vm/exits-at-once", Fixture, NULL, fixture_setup, test_exits_at_once, fixture_teardown);
  return g_test_run ();
}
