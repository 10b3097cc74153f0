/* corral-relay.c: the tiny test guest's console relay
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 *   corral-relay [--sizes FD] COMMAND [ARG...]
 *
 * Runs COMMAND on a new pseudo-terminal, as the leader of a new session
 * with that terminal as its controlling terminal, and copies bytes both
 * ways between the line on fds 0 (in) and 1 (out) and the terminal's
 * master, unchanged. The line is the agent console: a virtio-serial port
 * (no tty: no line discipline, no Ctrl-C) or a serial port (set raw while
 * the relay runs). The pseudo-terminal gives the program what a console
 * gives: its line discipline turns the byte 0x03 into SIGINT, `tty` and
 * `stty` work, and the size the guest learns from the host's terminal
 * (corral-termsize) is set on it; with --sizes, each "SIZE ROWS COLUMNS"
 * line the host sends on FD (the agent session's channel, guest contract
 * section 9) is set on it too, as the terminal resizes, and each
 * "SECOND-SIZE ROWS COLUMNS" on /dev/ttyS1, the second console's line
 * (its shell gets SIGWINCH, as after `stty rows`). Exits with
 * COMMAND's status (128 + N for a signal, as a shell reports it) once
 * every holder of the terminal has closed it.
 *
 * Busybox has no such applet (no `script`), and the guest has no libc:
 * built static (meson: tests/guest).
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/wait.h>
#include <termios.h>
#include <unistd.h>

#define BUFSIZE 65536

/* Bytes on their way from one fd to another. Non-blocking both ends, and
 * a side is read only once what it sent has been passed on: neither a
 * slow host nor a program that does not read its input can wedge the
 * other direction. */
typedef struct {
  int    from, to;
  char   data[BUFSIZE];
  size_t start, len;
} Pipe;

/* -1 at the end of from (for the terminal's master: EIO once its last
 * holder closed it), 0 otherwise. */
static int
step_read (Pipe *p)
{
  ssize_t n = read (p->from, p->data, sizeof p->data);

  if (n > 0)
    {
      p->start = 0;
      p->len = n;
      return 0;
    }
  if (n < 0 && (errno == EAGAIN || errno == EINTR))
    return 0;
  return -1;
}

static void
step_write (Pipe *p)
{
  ssize_t n = write (p->to, p->data + p->start, p->len);

  if (n > 0)
    {
      p->start += n;
      p->len -= n;
    }
  else if (n < 0 && errno != EAGAIN && errno != EINTR)
    p->len = 0;   /* its reader is gone: drop */
}

/* The second console's size, set on its serial line; nothing when the
 * line is not there. */
static void
set_second_size (unsigned rows,
                 unsigned cols)
{
  struct winsize ws = { .ws_row = rows, .ws_col = cols };
  int fd = open ("/dev/ttyS1", O_RDONLY | O_NOCTTY | O_NONBLOCK | O_CLOEXEC);

  if (fd < 0)
    return;
  ioctl (fd, TIOCSWINSZ, &ws);
  close (fd);
}

/* The host's SIZE lines on the session channel, applied to the program's
 * terminal (and SECOND-SIZE to the second console). Read only when poll
 * says there is something (the fd is shared with /init: its flags stay
 * as they are); whatever else comes while the program runs is skipped.
 * -1 once the channel has ended. */
static int
read_sizes (int fd, int master)
{
  static char line[64];
  static size_t len;
  static int skipping;
  char buf[256];
  ssize_t n = read (fd, buf, sizeof buf);

  if (n <= 0)
    return n < 0 && errno == EINTR ? 0 : -1;
  for (ssize_t i = 0; i < n; i++)
    {
      unsigned rows, cols;
      char end;

      if (buf[i] != '\n')
        {
          if (len == sizeof line - 1)
            skipping = 1;
          else if (!skipping)
            line[len++] = buf[i];
          continue;
        }
      line[len] = '\0';
      if (!skipping && sscanf (line, "SIZE %4u %4u%c", &rows, &cols, &end) == 2 &&
          rows > 0 && cols > 0)
        {
          struct winsize ws = { .ws_row = rows, .ws_col = cols };

          ioctl (master, TIOCSWINSZ, &ws);
        }
      else if (!skipping && sscanf (line, "SECOND-SIZE %4u %4u%c", &rows, &cols, &end) == 2 &&
               rows > 0 && cols > 0)
        set_second_size (rows, cols);
      len = 0;
      skipping = 0;
    }
  return 0;
}

static int
open_terminal (int *master, char **slave_path)
{
  char *path;

  *master = posix_openpt (O_RDWR | O_NOCTTY | O_CLOEXEC);
  if (*master < 0 || grantpt (*master) < 0 || unlockpt (*master) < 0 ||
      (path = ptsname (*master)) == NULL)
    return -1;
  *slave_path = strdup (path);
  return 0;
}

int
main (int argc, char **argv)
{
  struct termios saved, raw;
  int line_is_tty, master, status, flags[2], sizes = -1;
  char *slave_path;
  static Pipe in, out;
  pid_t pid;

  if (argc > 2 && strcmp (argv[1], "--sizes") == 0)
    {
      sizes = atoi (argv[2]);
      fcntl (sizes, F_SETFD, FD_CLOEXEC);   /* not the program's */
      argv += 2;
      argc -= 2;
    }
  if (argc < 2)
    {
      fprintf (stderr, "usage: corral-relay [--sizes FD] COMMAND [ARG...]\n");
      return 2;
    }
  if (open_terminal (&master, &slave_path) < 0)
    {
      perror ("corral-relay: pseudo-terminal");
      return 1;
    }

  pid = fork ();
  if (pid < 0)
    {
      perror ("corral-relay: fork");
      return 1;
    }
  if (pid == 0)
    {
      int slave;

      setsid ();
      slave = open (slave_path, O_RDWR);
      if (slave < 0 || ioctl (slave, TIOCSCTTY, 0) < 0)
        {
          perror ("corral-relay: terminal");
          _exit (127);
        }
      dup2 (slave, 0);
      dup2 (slave, 1);
      dup2 (slave, 2);
      if (slave > 2)
        close (slave);
      execvp (argv[1], argv + 1);
      fprintf (stderr, "corral-relay: cannot run %s: %s\n", argv[1], strerror (errno));
      _exit (127);
    }

  /* A serial line would echo and cook what passes: raw while relayed. */
  line_is_tty = tcgetattr (0, &saved) == 0;
  if (line_is_tty)
    {
      raw = saved;
      cfmakeraw (&raw);
      tcsetattr (0, TCSANOW, &raw);
    }
  signal (SIGPIPE, SIG_IGN);
  /* The line's flags are shared with whoever else holds it (/init writes
   * there after us): put back at the end. */
  for (int fd = 0; fd < 2; fd++)
    {
      flags[fd] = fcntl (fd, F_GETFL);
      fcntl (fd, F_SETFL, flags[fd] | O_NONBLOCK);
    }
  fcntl (master, F_SETFL, fcntl (master, F_GETFL) | O_NONBLOCK);
  in.from = 0;
  in.to = master;
  out.from = master;
  out.to = 1;

  /* Until the program's side ends. The host's side of a virtio-serial
   * port can be away for a while (poll says POLLHUP, a read 0): waited
   * out, never taken as the end. */
  for (int ended = 0; !ended || out.len > 0;)
    {
      Pipe *pipes[2] = { &in, &out };
      struct pollfd fds[3];
      int host_away = 0;

      for (int i = 0; i < 2; i++)
        {
          Pipe *p = pipes[i];

          fds[i].fd = p->len > 0 ? p->to : (p == &out && ended) ? -1 : p->from;
          fds[i].events = p->len > 0 ? POLLOUT : POLLIN;
          fds[i].revents = 0;
        }
      fds[2].fd = sizes;
      fds[2].events = POLLIN;
      fds[2].revents = 0;
      if (poll (fds, 3, -1) < 0 && errno != EINTR)
        break;
      if (fds[2].revents != 0 && read_sizes (sizes, master) < 0)
        sizes = -1;   /* the channel ended: the size stays as it is */
      for (int i = 0; i < 2; i++)
        {
          Pipe *p = pipes[i];
          int line = fds[i].fd == 0 || fds[i].fd == 1;
          short r = fds[i].revents;

          if (r == 0)
            continue;
          if (p->len > 0 && (r & POLLOUT))
            step_write (p);
          else if (p->len == 0 && (r & POLLIN))
            {
              if (step_read (p) < 0)
                {
                  if (line)
                    host_away = 1;
                  else
                    ended = 1;
                }
            }
          else if (line)
            host_away = 1;
          else if (p->len > 0)
            p->len = 0;
          else if (step_read (p) < 0)
            ended = 1;
        }
      if (host_away)
        usleep (100 * 1000);
    }

  for (int fd = 0; fd < 2; fd++)
    fcntl (fd, F_SETFL, flags[fd]);
  if (line_is_tty)
    tcsetattr (0, TCSADRAIN, &saved);
  if (waitpid (pid, &status, 0) < 0)
    return 1;
  if (WIFSIGNALED (status))
    return 128 + WTERMSIG (status);
  return WEXITSTATUS (status);
}
