/* test-network.c: the allowlist and the API key, from inside a real guest
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * The tiny guest boots in Corral's jail with the network in allowlist
 * mode; test servers run on this computer (tests/util/network-test-servers.py:
 * a web server on its own address, one on loopback, a UDP echo, a fake
 * HTTPS API). From the guest's shell: an allowed name gets through the
 * proxy, others are refused and logged, IP literals too; direct TCP, UDP
 * and DNS go nowhere, whatever the program; allowing a refused host lets
 * the next request through; the fake API gets the real key while the
 * guest's files, environment and QEMU's memory hold only the placeholder.
 */
#include "config.h"

#include <fcntl.h>
#include <string.h>
#include <unistd.h>

#include <glib/gstdio.h>
#include <gio/gunixinputstream.h>

#include "corral-test-util.h"

/* Requests go to the proxy with busybox nc, its input kept open for a
 * while: passt (Debian 12's) does not pass on the end of a connection to
 * a guest that half-closed it first, so nc, which half-closes at the end
 * of its input, would wait for ever. */
#define SECRET "sk-ant-api03-network-test-SECRET-0123456789abcdef"

static CorralTestServers servers;
static char *tmpdir;

typedef struct {
  char          *project;
  CorralProfile *profile;
  CorralGuest   *guest;
  CorralHost    *host;
  CorralVm      *vm;
  CorralTestConsole console;
} Fixture;

static void
fixture_setup (Fixture       *f,
               gconstpointer  data)
{
  g_autofree char *allowed = g_strdup_printf ("web.test:%u", servers.web);
  const char *allow[] = { allowed, NULL };
  const char *no_presets[] = { NULL };
  g_autoptr(GError) error = NULL;

  f->project = corral_test_make_project ("network", "net project");
  f->profile = corral_test_small_profile (f->project);
  corral_profile_set_entrypoint_mode (f->profile, CORRAL_ENTRYPOINT_SHELL);
  corral_profile_set_network_mode (f->profile, CORRAL_NETWORK_ALLOWLIST);
  corral_profile_set_network_presets (f->profile, no_presets);
  corral_profile_set_network_allow (f->profile, allow);
  f->guest = corral_test_load_guest ();
  f->host = corral_host_probe (NULL);
  f->vm = corral_vm_new (f->profile, f->guest, f->host);
  corral_vm_set_secret (f->vm, CORRAL_SECRET_API_KEY, SECRET);
  error = corral_test_start_vm (f->vm);
  g_assert_no_error (error);
  corral_test_console_attach (&f->console, corral_vm_get_console_fd (f->vm, CORRAL_CONSOLE_AGENT));
  corral_test_console_expect (&f->console, CORRAL_TEST_READY_LINE);
  corral_test_console_expect (&f->console, "sandbox:/project");
}

static void
fixture_teardown (Fixture       *f,
                  gconstpointer  data)
{
  g_autofree char *parent = g_path_get_dirname (f->project);

  if (corral_vm_get_state (f->vm) == CORRAL_VM_STATE_RUNNING)
    {
      corral_vm_force_off (f->vm);
      corral_test_wait_state (f->vm, CORRAL_VM_STATE_STOPPED, 60);
    }
  corral_test_console_detach (&f->console);
  g_clear_object (&f->vm);
  g_clear_object (&f->profile);
  g_clear_object (&f->guest);
  g_clear_pointer (&f->host, corral_host_free);
  corral_test_remove_tree (parent);
  g_free (f->project);
}

static char *
run (Fixture    *f,
     const char *command)
{
  char *out = corral_test_console_run (&f->console, command);
  GListModel *log = G_LIST_MODEL (corral_vm_get_network_log (f->vm));

  g_test_message ("$ %s\n%s", command, out);
  corral_test_iterate (100);
  for (guint i = 0; i < g_list_model_get_n_items (log); i++)
    {
      g_autoptr(CorralNetworkLogEntry) e = g_list_model_get_item (log, i);
      g_test_message ("  log: %s %s:%u ×%u", corral_network_log_entry_get_allowed (e) ? "allowed" : "refused",
                      corral_network_log_entry_get_host (e), corral_network_log_entry_get_port (e),
                      corral_network_log_entry_get_count (e));
    }
  return out;
}

static CorralNetworkLogEntry *
logged (Fixture    *f,
        const char *host,
        guint       port,
        gboolean    allowed)
{
  corral_test_iterate (100);
  return corral_network_log_lookup (corral_vm_get_network_log (f->vm), host, port, allowed);
}

/* The allowlist, as tools in the guest meet it */
static void
test_allowlist (Fixture       *f,
                gconstpointer  data)
{
  g_autofree char *out = NULL;
  g_autofree char *cmd = NULL;
  CorralNetworkLogEntry *entry;

  /* The guest was told where the proxy is */
  out = run (f, "echo \"proxy=$http_proxy https=$HTTPS_PROXY base=$ANTHROPIC_BASE_URL\"");
  g_assert_nonnull (strstr (out, "proxy=http://10.0.2.2:3128 https=http://10.0.2.2:3128 base=http://10.0.2.2:3128"));

  /* An allowed name gets through to its server: plain http (busybox wget
   * uses http_proxy) and CONNECT */
  g_free (out);
  cmd = g_strdup_printf ("wget -q -O- http://web.test:%u/echo", servers.web);
  out = run (f, cmd);
  g_assert_nonnull (strstr (out, "GET /echo HTTP/1.1"));
  g_free (out);
  g_free (cmd);
  cmd = g_strdup_printf ("(printf 'CONNECT web.test:%u HTTP/1.1\\r\\n\\r\\nGET / HTTP/1.0\\r\\n\\r\\n'; sleep 2) | nc 10.0.2.2 3128",
                         servers.web);
  out = run (f, cmd);
  g_assert_nonnull (strstr (out, "200 Connection established"));
  g_assert_nonnull (strstr (out, "hello from the web server"));
  entry = logged (f, "web.test", servers.web, TRUE);
  g_assert_nonnull (entry);
  g_assert_cmpuint (corral_network_log_entry_get_count (entry), ==, 2);

  /* A name not on the list: refused, with the reason, and logged */
  g_free (out);
  g_free (cmd);
  cmd = g_strdup_printf ("(printf 'CONNECT other.test:%u HTTP/1.1\\r\\n\\r\\n'; sleep 2) | nc 10.0.2.2 3128", servers.web);
  out = run (f, cmd);
  g_assert_nonnull (strstr (out, "403 Forbidden"));
  g_assert_nonnull (strstr (out, "other.test is not on this project’s network allowlist"));
  entry = logged (f, "other.test", servers.web, FALSE);
  g_assert_nonnull (entry);

  /* An IP literal, even the server's own address */
  g_free (out);
  g_free (cmd);
  cmd = g_strdup_printf ("(printf 'CONNECT %s:%u HTTP/1.1\\r\\n\\r\\n'; sleep 2) | nc 10.0.2.2 3128", servers.address, servers.web);
  out = run (f, cmd);
  g_assert_nonnull (strstr (out, "403 Forbidden"));
  g_assert_nonnull (strstr (out, "is an IP address"));
  g_assert_nonnull (logged (f, servers.address, servers.web, FALSE));

  /* Allowing the refused host (the window's Allow does this) lets the
   * next request through, without a restart */
  g_free (out);
  g_free (cmd);
  {
    g_autofree char *allow = corral_network_log_entry_dup_allow_entry (entry);
    g_assert_true (corral_profile_add_network_allow (f->profile, allow, NULL));
  }
  cmd = g_strdup_printf ("wget -q -O- http://other.test:%u/", servers.web);
  out = run (f, cmd);
  g_assert_nonnull (strstr (out, "hello from the web server"));
  g_assert_nonnull (logged (f, "other.test", servers.web, TRUE));
}

/* Nothing else leaves: direct TCP to the host's address and to its
 * loopback, UDP, DNS, also for a program that ignores the proxy
 * variables (busybox's nc and nslookup do). */
static void
test_no_way_around (Fixture       *f,
                    gconstpointer  data)
{
  g_autofree char *out = NULL;
  g_autofree char *cmd = NULL;

  cmd = g_strdup_printf ("printf 'GET / HTTP/1.0\\r\\n\\r\\n' | timeout 6 nc %s %u; echo rc=$?",
                         servers.address, servers.web);
  out = run (f, cmd);
  g_assert_null (strstr (out, "hello from the web server"));
  g_assert_null (strstr (out, "rc=0"));

  /* The gateway is the relay, never the host's loopback */
  g_free (out);
  g_free (cmd);
  cmd = g_strdup_printf ("printf 'GET / HTTP/1.0\\r\\n\\r\\n' | timeout 6 nc 10.0.2.2 %u; echo rc=$?", servers.loopback);
  out = run (f, cmd);
  g_assert_null (strstr (out, "hello from the web server"));

  g_free (out);
  g_free (cmd);
  cmd = g_strdup_printf ("echo ping | timeout 6 nc -u %s %u; echo rc=$?", servers.address, servers.udp);
  out = run (f, cmd);
  g_assert_null (strstr (out, "echo:ping"));

  g_free (out);
  out = run (f, "timeout 8 nslookup deb.debian.org; echo rc=$?");
  g_assert_null (strstr (out, "rc=0"));
  g_assert_null (strstr (out, "Address: 1"));

  /* Without the variables, wget goes direct: nowhere */
  g_free (out);
  g_free (cmd);
  cmd = g_strdup_printf ("timeout 6 wget -Y off -q -O- http://%s:%u/; echo rc=$?", servers.address, servers.web);
  out = run (f, cmd);
  g_assert_null (strstr (out, "hello from the web server"));
  g_assert_null (strstr (out, "rc=0"));
}

/* Whether @needle is anywhere in process @pid's readable memory. */
static gboolean
memory_has (int         pid,
            const char *needle,
            guint64    *scanned)
{
  g_autofree char *maps_path = g_strdup_printf ("/proc/%d/maps", pid);
  g_autofree char *mem_path = g_strdup_printf ("/proc/%d/mem", pid);
  g_autofree char *maps = NULL;
  g_auto(GStrv) lines = NULL;
  gsize n = strlen (needle);
  gboolean found = FALSE;
  int fd;

  *scanned = 0;
  if (!g_file_get_contents (maps_path, &maps, NULL, NULL) || (fd = open (mem_path, O_RDONLY)) < 0)
    return FALSE;
  lines = g_strsplit (maps, "\n", 0);
  for (guint i = 0; lines[i] != NULL && !found; i++)
    {
      guint64 start, end;
      char perms[5];
      g_autofree guint8 *chunk = NULL;
      gsize size = 1 << 20;

      if (sscanf (lines[i], "%" G_GINT64_MODIFIER "x-%" G_GINT64_MODIFIER "x %4s", &start, &end, perms) != 3 ||
          perms[0] != 'r')
        continue;
      chunk = g_malloc (size + n);
      for (guint64 at = start; at < end && !found; at += size)
        {
          gssize got = pread (fd, chunk, MIN (size + n, end - at), at);

          if (got <= 0)
            break;
          *scanned += MIN ((guint64) got, size);
          found = memmem (chunk, got, needle, n) != NULL;
        }
    }
  close (fd);
  return found;
}

/* The agent's API through the proxy: the fake API gets the real key; in
 * the guest, only the placeholder, anywhere we can look. */
static void
test_api_key_stays_on_host (Fixture       *f,
                            gconstpointer  data)
{
  g_autofree char *out = NULL;
  g_autofree char *log = NULL;
  guint64 scanned = 0;
  int pid = corral_vm_get_qemu_pid (f->vm);

  corral_test_servers_clear_api_log (&servers);
  out = run (f, "(printf 'POST /v1/messages?beta=true HTTP/1.1\\r\\nHost: 10.0.2.2:3128\\r\\n"
                "x-api-key: %s\\r\\nContent-Length: 2\\r\\nConnection: close\\r\\n\\r\\n{}' \"$ANTHROPIC_API_KEY\"; sleep 2) "
                "| nc 10.0.2.2 3128");
  g_assert_nonnull (strstr (out, "200 OK"));
  g_assert_nonnull (strstr (out, "event: ping"));
  log = corral_test_servers_api_log (&servers);
  g_test_message ("the API saw: %s", log);
  g_assert_nonnull (strstr (log, "POST /v1/messages?beta=true x-api-key=" SECRET " "));

  /* Files, environment, every process's environ and command line (the
   * pattern is written so that grep's own command line does not match) */
  g_free (out);
  out = run (f, "echo key=$ANTHROPIC_API_KEY; cat /mnt/meta/apikey; echo; "
                "cat /mnt/meta/* /proc/*/environ /proc/*/cmdline 2>/dev/null | grep -c 'network-test-SECRE[T]'");
  g_assert_nonnull (strstr (out, "key=" CORRAL_PROXY_PLACEHOLDER_KEY));
  g_assert_nonnull (strstr (out, "\r\n0\r\n"));
  g_assert_null (strstr (out, SECRET));

  /* The guest's whole memory (QEMU's, read from the host): the
   * placeholder went through it, the key never did. */
  g_assert_cmpint (pid, >, 0);
  if (!memory_has (pid, CORRAL_PROXY_PLACEHOLDER_KEY, &scanned) && scanned == 0)
    {
      g_test_message ("QEMU's memory cannot be read here (ptrace rules)");
      return;
    }
  g_test_message ("scanned %" G_GUINT64_FORMAT " MiB of QEMU's memory", scanned >> 20);
  g_assert_true (memory_has (pid, CORRAL_PROXY_PLACEHOLDER_KEY, &scanned));
  g_assert_false (memory_has (pid, SECRET, &scanned));
  g_assert_cmpuint (scanned, >, 200 << 20);  /* the 256 MiB guest */
}

/* `corral --terminal` prints each refusal on a line of its own */
static void
test_terminal_prints_refusals (void)
{
  g_autofree char *project = corral_test_make_project ("network-cli", "cli net");
  g_autofree char *parent = g_path_get_dirname (project);
  g_autoptr(GSubprocessLauncher) launcher = NULL;
  g_autoptr(GSubprocess) corral = NULL;
  g_autoptr(GError) error = NULL;
  CorralTestConsole output = CORRAL_TEST_CONSOLE_INIT;
  const char *request = "(printf 'CONNECT evil.example:443 HTTP/1.1\\r\\n\\r\\n'; sleep 2) | nc 10.0.2.2 3128\n";

  launcher = corral_test_corral_launcher (G_SUBPROCESS_FLAGS_STDIN_PIPE |
                                          G_SUBPROCESS_FLAGS_STDOUT_PIPE |
                                          G_SUBPROCESS_FLAGS_STDERR_MERGE);
  corral = g_subprocess_launcher_spawn (launcher, &error, g_getenv ("CORRAL_BIN"),
                                        "--terminal", "--shell", "--memory", "256", "--cores", "1",
                                        "--network", "allowlist", "--guest", g_getenv ("CORRAL_TEST_GUEST"),
                                        project, NULL);
  g_assert_no_error (error);
  corral_test_console_attach (&output, g_unix_input_stream_get_fd (
                                G_UNIX_INPUT_STREAM (g_subprocess_get_stdout_pipe (corral))));
  corral_test_console_expect (&output, CORRAL_TEST_READY_LINE);
  corral_test_console_expect (&output, "sandbox:/project");
  g_output_stream_write_all (g_subprocess_get_stdin_pipe (corral), request, strlen (request), NULL, NULL, NULL);
  corral_test_console_expect (&output, "corral: network: refused evil.example:443: evil.example is not on this project’s network allowlist\r\n");
  g_output_stream_write_all (g_subprocess_get_stdin_pipe (corral), "exit\n", 5, NULL, NULL, NULL);
  g_assert_true (g_subprocess_wait (corral, NULL, NULL));
  corral_test_console_detach (&output);
  corral_test_remove_tree (parent);
}

static void
skip_without_address (void)
{
  g_test_skip ("this computer has no non-loopback address");
}

int
main (int argc, char **argv)
{
  g_autofree char *workdir = NULL;
  g_autofree char *resolve = NULL;
  g_autofree char *upstream = NULL;
  int status;

  g_test_init (&argc, &argv, G_TEST_OPTION_ISOLATE_DIRS, NULL);
  tmpdir = g_dir_make_tmp ("corral-network-XXXXXX", NULL);
  workdir = g_build_filename (tmpdir, "servers", NULL);
  corral_test_servers_start (&servers, workdir);
  resolve = g_strdup_printf ("web.test=%1$s,other.test=%1$s", servers.address ? servers.address : "192.0.2.123");
  g_setenv ("CORRAL_PROXY_RESOLVE", resolve, TRUE);
  upstream = g_strdup_printf ("https://localhost:%u", servers.api);
  g_setenv ("CORRAL_API_UPSTREAM", upstream, TRUE);
  g_setenv ("CORRAL_API_CA_FILE", servers.ca, TRUE);
  g_unsetenv ("ANTHROPIC_API_KEY");

  if (servers.address == NULL)
    {
      g_test_message ("this computer has no non-loopback address: nothing to test");
      g_test_add_func ("/network/skipped", skip_without_address);
    }
  else
    {
      g_test_add ("/network/allowlist", Fixture, NULL, fixture_setup, test_allowlist, fixture_teardown);
      g_test_add ("/network/no-way-around", Fixture, NULL, fixture_setup, test_no_way_around, fixture_teardown);
      g_test_add ("/network/api-key-stays-on-host", Fixture, NULL, fixture_setup,
                  test_api_key_stays_on_host, fixture_teardown);
      g_test_add_func ("/network/terminal-prints-refusals", test_terminal_prints_refusals);
    }
  status = g_test_run ();
  corral_test_servers_stop (&servers);
  corral_test_remove_tree (tmpdir);
  return status;
}
