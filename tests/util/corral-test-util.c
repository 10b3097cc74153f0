/* corral-test-util.c: helpers for the tests that boot the tiny test guest
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "config.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <fcntl.h>
#include <poll.h>
#include <sched.h>
#include <sys/mount.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <glib/gstdio.h>
#include <glib-unix.h>

#include "corral-test-util.h"

static gboolean
timeout_cb (gpointer data)
{
  *(gboolean *) data = TRUE;
  return G_SOURCE_REMOVE;
}

/* Polls as well as waking on events: some conditions change with no
 * event on this context (a file, another process). */
gboolean
corral_test_wait_until (gboolean   (*cond) (gpointer),
                        gpointer     data,
                        guint        seconds)
{
  gint64 deadline = g_get_monotonic_time () + seconds * G_USEC_PER_SEC;

  while (!cond (data))
    {
      if (g_get_monotonic_time () > deadline)
        return cond (data);
      corral_test_iterate (20);
    }
  return TRUE;
}

gboolean
corral_test_subprocess_ended (gpointer subprocess)
{
  /* NULL once the child is reaped. */
  return g_subprocess_get_identifier (G_SUBPROCESS (subprocess)) == NULL;
}

void
corral_test_iterate (guint ms)
{
  gboolean done = FALSE;

  g_timeout_add (ms, timeout_cb, &done);
  while (!done)
    g_main_context_iteration (NULL, TRUE);
}

/* --- consoles --------------------------------------------------------------- */

static gboolean
console_read_cb (int           fd,
                 GIOCondition  condition,
                 gpointer      user_data)
{
  CorralTestConsole *console = user_data;
  char buf[4096];
  ssize_t n;

  n = read (fd, buf, sizeof buf);
  if (n > 0)
    {
      /* The question: cursor to the far corner, then where is it. Split
       * across two reads, it is found whole. */
      static const char question[] = "\033[999;999H\033[6n";
      gsize from = console->text->len >= sizeof question ? console->text->len - (sizeof question - 1) : 0;

      g_string_append_len (console->text, buf, n);
      /* Play the terminal: the guest asks for its size at each login and
       * each start of the entrypoint (a pipe from a process's output
       * cannot answer). Other cursor questions (busybox's line editor
       * asks one at its prompt) go unanswered, as before. */
      if (isatty (fd) && strstr (console->text->str + from, question) != NULL)
        {
          console->answered_size = TRUE;
          g_assert_cmpint (write (fd, "\033[37;91R", 8), ==, 8);
        }
      return G_SOURCE_CONTINUE;
    }
  if (n < 0 && (errno == EAGAIN || errno == EINTR))
    return G_SOURCE_CONTINUE;
  console->source = 0;   /* EIO: every slave closed, QEMU is gone */
  return G_SOURCE_REMOVE;
}

void
corral_test_console_attach (CorralTestConsole *console,
                            int                vm_fd)
{
  g_assert_cmpint (vm_fd, >=, 0);
  console->fd = dup (vm_fd);
  g_assert_cmpint (console->fd, >=, 0);
  g_unix_set_fd_nonblocking (console->fd, TRUE, NULL);
  console->text = g_string_new (NULL);
  console->answered_size = FALSE;
  console->source = g_unix_fd_add (console->fd, G_IO_IN | G_IO_HUP | G_IO_ERR,
                                   console_read_cb, console);
}

void
corral_test_console_detach (CorralTestConsole *console)
{
  g_clear_handle_id (&console->source, g_source_remove);
  if (console->fd >= 0)
    close (console->fd);
  console->fd = -1;
  if (console->text != NULL)
    g_string_free (console->text, TRUE);
  console->text = NULL;
}

gboolean
corral_test_console_ended (CorralTestConsole *console)
{
  return console->fd >= 0 && console->source == 0;
}

typedef struct {
  CorralTestConsole *console;
  const char        *needle;
} Expect;

static gboolean
console_has (gpointer data)
{
  Expect *e = data;
  return strstr (e->console->text->str, e->needle) != NULL;
}

/* Done waiting: the text is there, or will never come. */
static gboolean
console_has_or_ended (gpointer data)
{
  Expect *e = data;
  return console_has (e) || corral_test_console_ended (e->console);
}

gboolean
corral_test_console_wait (CorralTestConsole *console,
                          const char        *needle,
                          guint              seconds)
{
  Expect e = { console, needle };

  corral_test_wait_until (console_has_or_ended, &e, seconds);
  return console_has (&e);
}

void
corral_test_console_expect (CorralTestConsole *console,
                            const char        *needle)
{
  if (!corral_test_console_wait (console, needle, CORRAL_TEST_BOOT_TIMEOUT))
    g_error ("“%s” never appeared on the console; it shows:\n%s", needle, console->text->str);
}

void
corral_test_console_type (CorralTestConsole *console,
                          const char        *text)
{
  g_assert_cmpint (write (console->fd, text, strlen (text)), ==, (gssize) strlen (text));
}

char *
corral_test_console_run (CorralTestConsole *console,
                         const char        *command)
{
  static guint serial;
  g_autofree char *line = NULL;
  g_autofree char *begin = NULL;
  g_autofree char *end = NULL;
  const char *a, *b;

  serial++;
  /* The shell puts the markers together, so the echo of the command line
   * itself never matches them. */
  line = g_strdup_printf ("printf '%%s-\\n' CORRAL-MARK-%u; %s; printf '%%s-\\n' CORRAL-END-%u\n",
                          serial, command, serial);
  begin = g_strdup_printf ("CORRAL-MARK-%u-\r\n", serial);
  end = g_strdup_printf ("CORRAL-END-%u-\r\n", serial);
  g_string_truncate (console->text, 0);
  corral_test_console_type (console, line);
  if (!corral_test_console_wait (console, end, 60))
    g_error ("no answer to “%s” on the console:\n%s", command, console->text->str);
  a = strstr (console->text->str, begin);
  g_assert_nonnull (a);
  a += strlen (begin);
  b = strstr (a, end);
  g_assert_nonnull (b);
  return g_strndup (a, b - a);
}

/* --- guest, profile, project ------------------------------------------------ */

CorralGuest *
corral_test_load_guest (void)
{
  const char *manifest = g_getenv ("CORRAL_TEST_GUEST");
  g_autoptr(GError) error = NULL;
  CorralGuest *guest;

  g_assert_nonnull (manifest);
  guest = corral_guest_load (manifest, &error);
  g_assert_no_error (error);
  return guest;
}

CorralProfile *
corral_test_small_profile (const char *project)
{
  CorralProfile *profile = corral_profile_new (project);

  corral_profile_set_memory_mib (profile, 256);
  corral_profile_set_cores (profile, 1);
  corral_profile_set_network (profile, FALSE);
  corral_profile_set_shares (profile, CORRAL_SHARE_NONE);
  return profile;
}

char *
corral_test_make_project (const char *what,
                          const char *name)
{
  g_autoptr(GError) error = NULL;
  g_autofree char *template = g_strdup_printf ("corral-%s-XXXXXX", what);
  g_autofree char *tmp = g_dir_make_tmp (template, &error);
  char *project;

  g_assert_no_error (error);
  project = g_build_filename (tmp, name, NULL);
  g_assert_cmpint (g_mkdir (project, 0755), ==, 0);
  return project;
}

char *
corral_test_copy_guest (const char *dir)
{
  const char *files[] = { "guest.ini", "vmlinux", "initrd.cpio" };
  g_autofree char *source_dir = NULL;

  g_assert_nonnull (g_getenv ("CORRAL_TEST_GUEST"));
  source_dir = g_path_get_dirname (g_getenv ("CORRAL_TEST_GUEST"));
  g_assert_cmpint (g_mkdir_with_parents (dir, 0755), ==, 0);
  for (guint i = 0; i < G_N_ELEMENTS (files); i++)
    {
      g_autofree char *from = g_build_filename (source_dir, files[i], NULL);
      g_autofree char *to = g_build_filename (dir, files[i], NULL);
      g_autoptr(GFile) src = g_file_new_for_path (from);
      g_autoptr(GFile) dst = g_file_new_for_path (to);
      g_autoptr(GError) error = NULL;

      g_file_copy (src, dst, G_FILE_COPY_OVERWRITE, NULL, NULL, NULL, &error);
      g_assert_no_error (error);
    }
  return g_build_filename (dir, "guest.ini", NULL);
}

void
corral_test_remove_tree (const char *path)
{
  const char *argv[] = { "rm", "-rf", "--", path, NULL };
  g_autoptr(GError) error = NULL;
  int status;

  g_assert_true (g_spawn_sync (NULL, (char **) argv, NULL, G_SPAWN_SEARCH_PATH,
                               NULL, NULL, NULL, NULL, &status, &error));
  g_assert_no_error (error);
  g_assert_true (g_spawn_check_wait_status (status, NULL));
}

GSubprocessLauncher *
corral_test_corral_launcher (GSubprocessFlags flags)
{
  GSubprocessLauncher *launcher = g_subprocess_launcher_new (flags);

  g_assert_nonnull (g_getenv ("CORRAL_BIN"));
  g_subprocess_launcher_setenv (launcher, "HOME", g_get_home_dir (), TRUE);
  g_subprocess_launcher_setenv (launcher, "XDG_CONFIG_HOME", g_get_user_config_dir (), TRUE);
  g_subprocess_launcher_setenv (launcher, "XDG_STATE_HOME", g_get_user_state_dir (), TRUE);
  g_subprocess_launcher_setenv (launcher, "XDG_CACHE_HOME", g_get_user_cache_dir (), TRUE);
  g_subprocess_launcher_setenv (launcher, "XDG_RUNTIME_DIR", g_get_user_runtime_dir (), TRUE);
  g_subprocess_launcher_unsetenv (launcher, "ANTHROPIC_API_KEY");
  g_subprocess_launcher_unsetenv (launcher, "CORRAL_QEMU");
  return launcher;
}

/* --- the Vm ------------------------------------------------------------------ */

typedef struct {
  gboolean done;
  GError  *error;
} StartWait;

static void
start_cb (GObject      *source,
          GAsyncResult *result,
          gpointer      user_data)
{
  StartWait *wait = user_data;

  corral_vm_start_finish (CORRAL_VM (source), result, &wait->error);
  wait->done = TRUE;
}

static gboolean
start_done (gpointer data)
{
  return ((StartWait *) data)->done;
}

GError *
corral_test_start_vm (CorralVm *vm)
{
  StartWait wait = { FALSE, NULL };

  corral_vm_start_async (vm, NULL, start_cb, &wait);
  if (!corral_test_wait_until (start_done, &wait, CORRAL_TEST_BOOT_TIMEOUT))
    g_error ("the VM did not finish starting in %u s (state %s)", CORRAL_TEST_BOOT_TIMEOUT,
             corral_test_state_name (corral_vm_get_state (vm)));
  return wait.error;
}

typedef struct {
  CorralVm     *vm;
  CorralVmState state;
} StateWait;

static gboolean
state_is (gpointer data)
{
  StateWait *w = data;
  return corral_vm_get_state (w->vm) == w->state;
}

void
corral_test_wait_state (CorralVm      *vm,
                        CorralVmState  state,
                        guint          seconds)
{
  StateWait w = { vm, state };

  if (!corral_test_wait_until (state_is, &w, seconds))
    g_error ("VM state is %s, not %s, after %u s (error: %s)",
             corral_test_state_name (corral_vm_get_state (vm)),
             corral_test_state_name (state), seconds, corral_vm_get_error_message (vm));
}

const char *
corral_test_state_name (CorralVmState state)
{
  GEnumClass *klass = g_type_class_ref (CORRAL_TYPE_VM_STATE);
  GEnumValue *value = g_enum_get_value (klass, state);
  const char *nick = value != NULL ? value->value_nick : "?";

  g_type_class_unref (klass);   /* the type's class stays: nick stays valid */
  return nick;
}

gboolean
corral_test_shut_qmp_socket (int pid)
{
  int pidfd = syscall (SYS_pidfd_open, pid, 0);
  int fd;

  g_assert_cmpint (pidfd, >=, 0);
  fd = syscall (SYS_pidfd_getfd, pidfd, 3, 0);
  close (pidfd);
  if (fd < 0 && errno == EPERM)
    return FALSE;
  if (fd < 0)
    g_error ("pidfd_getfd on QEMU's QMP socket: %s", g_strerror (errno));
  g_assert_cmpint (shutdown (fd, SHUT_RDWR), ==, 0);
  close (fd);
  return TRUE;
}

/* The children of every thread of @pid. */
static void
add_children (GArray *pids,
              int     pid)
{
  g_autofree char *task_dir = g_strdup_printf ("/proc/%d/task", pid);
  g_autoptr(GDir) dir = g_dir_open (task_dir, 0, NULL);
  const char *tid;

  while (dir != NULL && (tid = g_dir_read_name (dir)) != NULL)
    {
      g_autofree char *path = g_build_filename (task_dir, tid, "children", NULL);
      g_autofree char *text = NULL;
      g_auto(GStrv) words = NULL;

      if (!g_file_get_contents (path, &text, NULL, NULL))
        continue;
      words = g_strsplit (g_strstrip (text), " ", -1);
      for (guint i = 0; words[i] != NULL; i++)
        if (*words[i] != '\0')
          {
            int child = atoi (words[i]);
            g_array_append_val (pids, child);
          }
    }
}

GArray *
corral_test_descendants (int pid)
{
  GArray *pids = g_array_new (FALSE, FALSE, sizeof (int));

  add_children (pids, pid);
  for (guint i = 0; i < pids->len; i++)
    add_children (pids, g_array_index (pids, int, i));
  return pids;
}

int
corral_test_find_qemu (int pid)
{
  g_autoptr(GArray) pids = corral_test_descendants (pid);
  int found = 0;

  for (guint i = 0; i < pids->len; i++)
    {
      int p = g_array_index (pids, int, i);
      g_autofree char *path = g_strdup_printf ("/proc/%d/comm", p);
      g_autofree char *comm = NULL;

      if (g_file_get_contents (path, &comm, NULL, NULL) && g_str_has_prefix (comm, "qemu"))
        {
          g_assert_cmpint (found, ==, 0);
          found = p;
        }
    }
  return found;
}

/* --- the network tests' servers ------------------------------------------------ */

void
corral_test_servers_start (CorralTestServers *servers,
                           const char        *workdir)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(GDataInputStream) out = NULL;
  g_autofree char *script = g_test_build_filename (G_TEST_DIST, "util", "network-test-servers.py", NULL);
  char *line;

  memset (servers, 0, sizeof *servers);
  servers->workdir = g_strdup (workdir);
  servers->process = g_subprocess_new (G_SUBPROCESS_FLAGS_STDIN_PIPE | G_SUBPROCESS_FLAGS_STDOUT_PIPE,
                                       &error, "python3", script, workdir, NULL);
  g_assert_no_error (error);
  out = g_data_input_stream_new (g_subprocess_get_stdout_pipe (servers->process));
  while ((line = g_data_input_stream_read_line (out, NULL, NULL, NULL)) != NULL)
    {
      g_auto(GStrv) words = g_strsplit (line, " ", 2);

      g_free (line);
      if (g_str_equal (words[0], "READY"))
        break;
      if (words[1] == NULL)
        continue;
      if (g_str_equal (words[0], "ADDRESS") && !g_str_equal (words[1], "none"))
        servers->address = g_strdup (words[1]);
      else if (g_str_equal (words[0], "WEB"))
        servers->web = atoi (words[1]);
      else if (g_str_equal (words[0], "LOOPBACK"))
        servers->loopback = atoi (words[1]);
      else if (g_str_equal (words[0], "UDP"))
        servers->udp = atoi (words[1]);
      else if (g_str_equal (words[0], "API"))
        servers->api = atoi (words[1]);
      else if (g_str_equal (words[0], "CA"))
        servers->ca = g_strdup (words[1]);
    }
  g_assert_nonnull (servers->ca);
}

void
corral_test_servers_stop (CorralTestServers *servers)
{
  if (servers->process != NULL)
    {
      g_output_stream_close (g_subprocess_get_stdin_pipe (servers->process), NULL, NULL);
      g_subprocess_wait (servers->process, NULL, NULL);
    }
  g_clear_object (&servers->process);
  g_clear_pointer (&servers->workdir, g_free);
  g_clear_pointer (&servers->address, g_free);
  g_clear_pointer (&servers->ca, g_free);
}

char *
corral_test_servers_api_log (CorralTestServers *servers)
{
  g_autofree char *path = g_build_filename (servers->workdir, "api-requests.log", NULL);
  char *text = NULL;

  if (!g_file_get_contents (path, &text, NULL, NULL))
    return g_strdup ("");
  return text;
}

void
corral_test_servers_clear_api_log (CorralTestServers *servers)
{
  g_autofree char *path = g_build_filename (servers->workdir, "api-requests.log", NULL);

  g_unlink (path);
}

/* --- a full disk ------------------------------------------------------------ */

gboolean
corral_test_private_mounts (void)
{
  if (geteuid () != 0)
    return FALSE;
  if (unshare (CLONE_NEWNS) != 0)
    return FALSE;
  /* Nothing mounted here shows outside, or the other way round. */
  g_assert_cmpint (mount (NULL, "/", NULL, MS_REC | MS_PRIVATE, NULL), ==, 0);
  return TRUE;
}

static void
run_or_fail (const char * const *argv)
{
  g_autoptr(GError) error = NULL;
  int status;

  g_assert_true (g_spawn_sync (NULL, (char **) argv, NULL, G_SPAWN_SEARCH_PATH,
                               NULL, NULL, NULL, NULL, &status, &error));
  g_assert_no_error (error);
  g_assert_true (g_spawn_check_wait_status (status, NULL));
}

void
corral_test_fill_disk (const char *dir)
{
  g_autofree char *saved = g_dir_make_tmp ("corral-full-disk-XXXXXX", NULL);
  g_autofree char *from = g_build_filename (dir, ".", NULL);
  g_autofree char *back = g_build_filename (saved, ".", NULL);
  const char *save[] = { "cp", "-a", from, saved, NULL };
  const char *restore[] = { "cp", "-a", back, dir, NULL };
  g_autofree char *zeros = g_malloc0 (4096);

  g_assert_cmpint (g_mkdir_with_parents (dir, 0700), ==, 0);
  run_or_fail (save);
  g_assert_cmpint (mount ("corral-full", dir, "tmpfs", MS_NOSUID | MS_NODEV, "size=256k,mode=0700"), ==, 0);
  run_or_fail (restore);
  corral_test_remove_tree (saved);

  /* Every block, then every scrap a small file could still use. */
  {
    g_autofree char *fill = g_build_filename (dir, ".fill", NULL);
    int fd = open (fill, O_WRONLY | O_CREAT | O_CLOEXEC, 0600);

    g_assert_cmpint (fd, >=, 0);
    while (write (fd, zeros, 4096) > 0)
      ;
    g_assert_cmpint (errno, ==, ENOSPC);
    while (write (fd, zeros, 1) > 0)
      ;
    close (fd);
  }
  for (guint i = 0; i < 100000; i++)
    {
      g_autofree char *name = g_strdup_printf ("%s/.fill-%u", dir, i);
      int fd = open (name, O_WRONLY | O_CREAT | O_CLOEXEC, 0600);
      gboolean full;

      if (fd < 0)
        break;
      full = write (fd, "x", 1) != 1;
      close (fd);
      if (full)
        break;
    }
}

void
corral_test_unfill_disk (const char *dir)
{
  g_assert_cmpint (umount2 (dir, MNT_DETACH), ==, 0);
}

static char *german_locpath;

static void
remove_german_locpath (void)
{
  corral_test_remove_tree (german_locpath);
}

const char *
corral_test_german_locpath (void)
{
  g_autoptr(GError) error = NULL;
  g_autofree char *target = NULL;
  g_autofree char *err = NULL;
  const char *argv[] = { "localedef", "-i", "de_DE", "-c", "-f", "UTF-8", NULL, NULL };
  int status;

  if (german_locpath != NULL)
    return german_locpath;
  german_locpath = g_dir_make_tmp ("corral-locale-XXXXXX", &error);
  g_assert_no_error (error);
  atexit (remove_german_locpath);
  target = g_build_filename (german_locpath, "de_DE.UTF-8", NULL);
  argv[6] = target;
  /* localedef warns (exit 1 with -c) about details of the source that do
   * not matter here: the locale's folder is the test. */
  g_assert_true (g_spawn_sync (NULL, (char **) argv, NULL,
                               G_SPAWN_SEARCH_PATH | G_SPAWN_STDOUT_TO_DEV_NULL,
                               NULL, NULL, NULL, &err, &status, &error));
  g_assert_no_error (error);
  if (!g_file_test (target, G_FILE_TEST_IS_DIR))
    g_error ("localedef made no de_DE.UTF-8 (Debian package locales): %s", err);
  return german_locpath;
}

struct _CorralTestFlood
{
  int      fd;
  char    *first;
  GBytes  *chunk;
  gint     stop;
  gsize    sent;
  GThread *thread;
};

static gpointer
flood_thread (gpointer data)
{
  CorralTestFlood *flood = data;
  gsize len;
  const char *buf = g_bytes_get_data (flood->chunk, &len);

  if (flood->first != NULL)
    g_assert_cmpint (send (flood->fd, flood->first, strlen (flood->first), MSG_NOSIGNAL), >, 0);
  while (!g_atomic_int_get (&flood->stop))
    {
      struct pollfd p = { flood->fd, POLLOUT, 0 };
      ssize_t n;

      if (poll (&p, 1, 100) != 1)
        continue;
      n = send (flood->fd, buf, len, MSG_NOSIGNAL | MSG_DONTWAIT);
      if (n < 0 && errno == EAGAIN)
        continue;
      if (n <= 0)
        break;
      flood->sent += n;
    }
  return NULL;
}

CorralTestFlood *
corral_test_flood_start (int         fd,
                         const char *first,
                         const char *unit)
{
  CorralTestFlood *flood = g_new0 (CorralTestFlood, 1);
  gsize n = strlen (unit);
  GString *chunk = g_string_sized_new (65536);

  g_assert_cmpuint (n, >, 0);
  while (chunk->len + n <= 65536)
    g_string_append_len (chunk, unit, n);
  flood->fd = fd;
  flood->first = g_strdup (first);
  flood->chunk = g_string_free_to_bytes (chunk);
  flood->thread = g_thread_new ("flood", flood_thread, flood);
  return flood;
}

gsize
corral_test_flood_stop (CorralTestFlood *flood)
{
  gsize sent;

  g_atomic_int_set (&flood->stop, 1);
  g_thread_join (flood->thread);
  sent = flood->sent;
  g_bytes_unref (flood->chunk);
  g_free (flood->first);
  g_free (flood);
  return sent;
}
