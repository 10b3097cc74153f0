/* corral-jail-helper.c: the inside of a VM's jail
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * bubblewrap starts this as the jail's first process (Corral's engine
 * builds the whole command line, see src/engine/corral-jail.h; `corral
 * --dry-run` prints it). bwrap gives it uid 0 of the jail's user
 * namespace with CAP_NET_ADMIN, CAP_SETPCAP and CAP_SETFCAP only. It:
 *
 *   1. with a network: makes the VM's network namespace N (a user + net
 *      namespace of its own, so the capabilities cover it) and gives it a
 *      way out or none: --bridge, a port-less bridge whose only routes are
 *      `unreachable` (allowlist; passt wants an interface with a default
 *      route), or --pasta-argc, pasta attached to N from the host's network
 *      namespace (full);
 *   2. starts the relay (--relay: N's 127.0.0.1:PORT to Corral's proxy
 *      socket, under a filter of its own) and passt (--passt-argc, which
 *      confines itself), each with every capability gone;
 *   3. makes QEMU's own user + network namespace Q (only `lo`), mapping the
 *      host user's ids, drops every capability, sets no_new_privs, loads
 *      the filter (no setuid/setgid file or device node, no io_uring, no
 *      new user namespace, no Unix socket of its own: load_filter()), and
 *      execs QEMU, which so becomes bwrap's child: bwrap's exit status is
 *      QEMU's. Everything started before is reparented to bwrap's pid 1
 *      and dies with the pid namespace when QEMU exits.
 *
 * Why each step, and what was measured, is in README.md (Security) and
 * the containment tests (tests/engine/test-jail.c). Plain C, libc and
 * libseccomp only: nothing from the app runs in here.
 */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE
#endif
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <linux/capability.h>
#include <linux/sockios.h>
#include <net/if.h>
#include <net/route.h>
#include <poll.h>
#include <sched.h>
#include <seccomp.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <unistd.h>

#define NAME "corral-jail-helper"

/* The addresses of N itself (never seen by the guest: passt gives the
 * guest 10.0.2.15 and maps its gateway 10.0.2.2 to N's loopback). A
 * link-local net of its own, so that the host's own address is not N's
 * and the guest reaches it through pasta in full mode. */
#define N_ADDRESS "169.254.2.2"
#define N_GATEWAY "169.254.2.1"
#define N_NETMASK "255.255.255.0"
#define BRIDGE    "corral0"

/* The relay's bounds: connections at once, bytes buffered per direction. */
#define RELAY_MAX_CONNECTIONS 64
#define RELAY_BUFFER          16384

typedef struct {
  int    uid, gid;
  int    namespaces;     /* 0: only the capability drop and the filter (Flatpak) */
  int    keep_net;       /* QEMU stays in the current network namespace (slirp) */
  int    bridge;
  char **pasta_argv;
  int    pasta_argc;
  char **passt_argv;
  int    net_fd;
  int    relay_port;
  char  *relay_socket;
  int    log_fd;
  int    lifeline_fd;
  int    probe;          /* make the namespaces and the filter, then exit 0 */
  char **command;
} Options;

static void __attribute__((noreturn, format (printf, 1, 2)))
die (const char *format, ...)
{
  int errsv = errno;
  va_list ap;

  fprintf (stderr, NAME ": ");
  va_start (ap, format);
  vfprintf (stderr, format, ap);
  va_end (ap);
  if (errsv != 0)
    fprintf (stderr, ": %s", strerror (errsv));
  fprintf (stderr, "\n");
  _exit (125);
}

static int
parse_int (const char *text, int min, int max)
{
  char *end;
  long value;

  errno = 0;
  value = text ? strtol (text, &end, 10) : 0;
  if (text == NULL || *text == '\0' || *end != '\0' || errno != 0 || value < min || value > max)
    {
      errno = 0;
      die ("bad number “%s”", text ? text : "");
    }
  return (int) value;
}

static void
write_file (const char *path,
            const char *text)
{
  int fd = open (path, O_WRONLY | O_CLOEXEC);

  if (fd < 0 || write (fd, text, strlen (text)) != (ssize_t) strlen (text))
    die ("writing %s", path);
  close (fd);
}

/* Closes every descriptor from 3 up except @keep (-1: none). */
static void
close_fds_except (int keep)
{
  for (int fd = 3; fd < 1024; fd++)
    if (fd != keep)
      close (fd);
}

/* No capability in any set, none to be gained again (no_new_privs, and
 * the bounding set emptied where CAP_SETPCAP allows: not in a Flatpak,
 * where there is nothing to drop). */
static void
drop_capabilities (void)
{
  struct __user_cap_header_struct header = { _LINUX_CAPABILITY_VERSION_3, 0 };
  struct __user_cap_data_struct data[2] = { { 0 } };

  if (prctl (PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) < 0)
    die ("setting no_new_privs");
  for (int cap = 0; cap <= 63; cap++)
    {
      if (prctl (PR_CAPBSET_READ, cap, 0, 0, 0) <= 0)
        continue;   /* not in the set, or past the last capability */
      if (prctl (PR_CAPBSET_DROP, cap, 0, 0, 0) < 0)
        {
          if (errno == EPERM)
            break;  /* no CAP_SETPCAP: nothing was given, no_new_privs holds the rest */
          die ("dropping capability %d from the bounding set", cap);
        }
    }
  if (prctl (PR_CAP_AMBIENT, PR_CAP_AMBIENT_CLEAR_ALL, 0, 0, 0) < 0 && errno != EINVAL)
    die ("clearing ambient capabilities");
  if (syscall (SYS_capset, &header, data) < 0)
    die ("dropping capabilities");
}

/* A new user namespace (plus a network one unless @keep_net) in which
 * this process is @uid/@gid, mapped onto its current ids. Mapping onto
 * uid 0 needs CAP_SETFCAP when unsharing (kernel >= 5.12), which bwrap
 * leaves us for this. */
static void
enter_namespaces (int uid,
                  int gid,
                  int keep_net)
{
  char map[64];

  if (unshare (CLONE_NEWUSER | (keep_net ? 0 : CLONE_NEWNET)) < 0)
    die ("creating a namespace");
  /* Our ids in the parent namespace are 0 (bwrap's --uid 0, or N's). */
  snprintf (map, sizeof map, "%d 0 1\n", uid);
  write_file ("/proc/self/uid_map", map);
  write_file ("/proc/self/setgroups", "deny");
  snprintf (map, sizeof map, "%d 0 1\n", gid);
  write_file ("/proc/self/gid_map", map);
}

/* --- the network namespace N -------------------------------------------- */

static void
set_address (struct sockaddr *sa,
             const char      *address)
{
  struct sockaddr_in *sin = (struct sockaddr_in *) sa;

  memset (sin, 0, sizeof *sin);
  sin->sin_family = AF_INET;
  inet_pton (AF_INET, address, &sin->sin_addr);
}

static void
link_up (int         s,
         const char *name)
{
  struct ifreq ifr = { 0 };

  strncpy (ifr.ifr_name, name, IFNAMSIZ - 1);
  if (ioctl (s, SIOCGIFFLAGS, &ifr) < 0)
    die ("reading the flags of %s", name);
  ifr.ifr_flags |= IFF_UP;
  if (ioctl (s, SIOCSIFFLAGS, &ifr) < 0)
    die ("bringing %s up", name);
}

static void
add_route (int         s,
           const char *destination,
           const char *mask,
           const char *gateway,
           int         flags,
           const char *device)
{
  struct rtentry rt = { 0 };

  set_address (&rt.rt_dst, destination);
  set_address (&rt.rt_genmask, mask);
  if (gateway != NULL)
    set_address (&rt.rt_gateway, gateway);
  rt.rt_flags = RTF_UP | flags;
  rt.rt_dev = (char *) device;
  if (ioctl (s, SIOCADDRT, &rt) < 0)
    die ("adding the route to %s/%s", destination, mask);
}

/* Allowlist: passt needs an interface with a default route to start at
 * all ("No external routable interface"), and this kernel has no dummy
 * interfaces. A bridge with no ports carries nothing, and the two /1
 * `unreachable` routes, more specific than the default, make every
 * destination fail at once. */
static void
setup_bridge (int s)
{
  struct ifreq ifr = { 0 };

  if (ioctl (s, SIOCBRADDBR, BRIDGE) < 0)
    die ("creating the bridge");
  strcpy (ifr.ifr_name, BRIDGE);
  set_address (&ifr.ifr_addr, N_ADDRESS);
  if (ioctl (s, SIOCSIFADDR, &ifr) < 0)
    die ("setting the bridge's address");
  set_address (&ifr.ifr_netmask, N_NETMASK);
  if (ioctl (s, SIOCSIFNETMASK, &ifr) < 0)
    die ("setting the bridge's netmask");
  link_up (s, BRIDGE);
  add_route (s, "0.0.0.0", "0.0.0.0", N_GATEWAY, RTF_GATEWAY, BRIDGE);
  add_route (s, "0.0.0.0", "128.0.0.0", NULL, RTF_REJECT, NULL);
  add_route (s, "128.0.0.0", "128.0.0.0", NULL, RTF_REJECT, NULL);
}

/* Forks a child that the caller's process will not wait for: the middle
 * process exits at once, so the grandchild is reparented to bwrap's pid 1,
 * which reaps it (QEMU, exec'd by this process, would not). Returns 0 in
 * the grandchild, 1 in the caller. */
static int
fork_detached (void)
{
  pid_t pid = fork ();
  int status;

  if (pid < 0)
    die ("fork");
  if (pid > 0)
    {
      while (waitpid (pid, &status, 0) < 0 && errno == EINTR)
        ;
      return 1;
    }
  pid = fork ();
  if (pid < 0)
    die ("fork");
  if (pid > 0)
    _exit (0);
  return 0;
}

/* stdin from /dev/null, stderr to @log_fd (or kept), stdout to stderr. */
static void
redirect_stdio (int log_fd)
{
  int null = open ("/dev/null", O_RDWR | O_CLOEXEC);

  if (null >= 0)
    dup2 (null, 0);
  if (log_fd >= 0)
    dup2 (log_fd, 2);
  dup2 (2, 1);
}

/* --- the relay ------------------------------------------------------------ */

static void load_relay_filter (void);

typedef struct {
  char   data[RELAY_BUFFER];
  size_t length;
  int    state;   /* 0 open, 1 read EOF (shut the other side when drained), 2 done */
} Half;

typedef struct {
  int  fd[2];     /* 0: the guest's TCP connection, 1: the proxy's socket */
  Half half[2];   /* half[k]: read from fd[k], written to fd[1 - k] */
} Connection;

static void
relay_accept (int                 listener,
              Connection         *connections,
              struct sockaddr_un *proxy)
{
  int guest = accept4 (listener, NULL, NULL, SOCK_CLOEXEC | SOCK_NONBLOCK);
  int i, upstream;

  if (guest < 0)
    return;
  for (i = 0; i < RELAY_MAX_CONNECTIONS && connections[i].fd[0] >= 0; i++)
    ;
  upstream = socket (AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
  /* A Unix stream connect completes at once or fails (no proxy, backlog
   * full): the guest's connection is closed, which it sees as a reset. */
  if (i == RELAY_MAX_CONNECTIONS || upstream < 0 ||
      connect (upstream, (struct sockaddr *) proxy, sizeof *proxy) < 0)
    {
      close (guest);
      if (upstream >= 0)
        close (upstream);
      return;
    }
  memset (&connections[i], 0, sizeof connections[i]);
  connections[i].fd[0] = guest;
  connections[i].fd[1] = upstream;
}

/* Moves bytes for one connection; returns FALSE when it is over. */
static int
relay_step (Connection    *c,
            struct pollfd *pfd)
{
  for (int k = 0; k < 2; k++)
    {
      Half *h = &c->half[k];

      if (h->state == 0 && h->length < RELAY_BUFFER &&
          (pfd[k].revents & (POLLIN | POLLHUP | POLLERR)))
        {
          ssize_t n = read (c->fd[k], h->data + h->length, RELAY_BUFFER - h->length);

          if (n > 0)
            h->length += n;
          else if (n == 0 || (errno != EAGAIN && errno != EINTR))
            h->state = 1;
        }
    }
  for (int k = 0; k < 2; k++)
    {
      Half *h = &c->half[k];
      int out = c->fd[1 - k];

      if (h->length > 0)
        {
          ssize_t n = send (out, h->data, h->length, MSG_NOSIGNAL);

          if (n > 0)
            {
              memmove (h->data, h->data + n, h->length - n);
              h->length -= n;
            }
          else if (n < 0 && errno != EAGAIN && errno != EINTR)
            return 0;
        }
      /* Half-close: a response without a length ends with its EOF. */
      if (h->state == 1 && h->length == 0)
        {
          shutdown (out, SHUT_WR);
          h->state = 2;
        }
    }
  return !(c->half[0].state == 2 && c->half[1].state == 2);
}

static void __attribute__((noreturn))
relay_run (int         port,
           const char *socket_path)
{
  static Connection connections[RELAY_MAX_CONNECTIONS];
  struct pollfd pfd[1 + 2 * RELAY_MAX_CONNECTIONS];
  struct sockaddr_in address = { .sin_family = AF_INET, .sin_port = htons (port) };
  struct sockaddr_un proxy = { .sun_family = AF_UNIX };
  int listener, one = 1;

  prctl (PR_SET_DUMPABLE, 0, 0, 0, 0);
  if (strlen (socket_path) < sizeof proxy.sun_path)
    strcpy (proxy.sun_path, socket_path);
  else
    {
      /* A project with a long name has a run dir longer than a socket
       * path may be (107 bytes); Corral's proxy binds it the same way:
       * through /proc's link to the open folder, which the kernel follows. */
      char *copy = strdup (socket_path);
      char *slash = copy ? strrchr (copy, '/') : NULL;
      int dir;

      if (slash == NULL || slash == copy)
        die ("the proxy's socket path: %s", socket_path);
      *slash = '\0';
      dir = open (copy, O_PATH | O_DIRECTORY | O_CLOEXEC);
      if (dir < 0)
        die ("opening %s", copy);
      if ((size_t) snprintf (proxy.sun_path, sizeof proxy.sun_path, "/proc/self/fd/%d/%s", dir, slash + 1)
          >= sizeof proxy.sun_path)
        {
          errno = 0;
          die ("the proxy's socket name is too long: %s", slash + 1);
        }
      free (copy);
    }
  inet_pton (AF_INET, "127.0.0.1", &address.sin_addr);
  listener = socket (AF_INET, SOCK_STREAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
  if (listener < 0 ||
      setsockopt (listener, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one) < 0 ||
      bind (listener, (struct sockaddr *) &address, sizeof address) < 0 ||
      listen (listener, 32) < 0)
    die ("listening on 127.0.0.1:%d", port);
  for (int i = 0; i < RELAY_MAX_CONNECTIONS; i++)
    connections[i].fd[0] = connections[i].fd[1] = -1;
  load_relay_filter ();

  for (;;)
    {
      int open = 0;

      for (int i = 0; i < RELAY_MAX_CONNECTIONS; i++)
        {
          Connection *c = &connections[i];

          for (int k = 0; k < 2; k++)
            {
              struct pollfd *p = &pfd[1 + 2 * i + k];

              p->fd = c->fd[k];
              p->revents = 0;
              p->events = 0;
              if (c->fd[0] < 0)
                continue;
              if (c->half[k].state == 0 && c->half[k].length < RELAY_BUFFER)
                p->events |= POLLIN;
              if (c->half[1 - k].length > 0)
                p->events |= POLLOUT;
            }
          open += c->fd[0] >= 0;
        }
      /* At the bound, new connections wait in the listen queue. */
      pfd[0] = (struct pollfd) { listener, open < RELAY_MAX_CONNECTIONS ? POLLIN : 0, 0 };

      if (poll (pfd, 1 + 2 * RELAY_MAX_CONNECTIONS, -1) < 0)
        {
          if (errno == EINTR)
            continue;
          die ("poll");
        }
      if (pfd[0].revents & POLLIN)
        relay_accept (listener, connections, &proxy);
      for (int i = 0; i < RELAY_MAX_CONNECTIONS; i++)
        {
          Connection *c = &connections[i];

          if (c->fd[0] < 0 || c->fd[0] != pfd[1 + 2 * i].fd)
            continue;
          if (!relay_step (c, &pfd[1 + 2 * i]))
            {
              close (c->fd[0]);
              close (c->fd[1]);
              c->fd[0] = c->fd[1] = -1;
            }
        }
    }
}

/* --- the filter ------------------------------------------------------------ */

#ifndef __O_TMPFILE
#define __O_TMPFILE 020000000
#endif

/* A system call newer than this libseccomp may know, by its x86_64 and
 * aarch64 number (the same on both): __NR_SCMP_ERROR elsewhere. */
static int
resolve_syscall (const char *name,
                 int         number)
{
  int nr = seccomp_syscall_resolve_name (name);

#if defined(__x86_64__) || defined(__aarch64__)
  if (nr == __NR_SCMP_ERROR)
    nr = number;
#else
  (void) number;
#endif
  return nr;
}

/* Refuses what would plant a privilege on the host through a share: a
 * setuid or setgid bit (chmod family, or a file made with one: open and
 * openat with O_CREAT or O_TMPFILE, creat, mknod of any type — a regular
 * file needs no privilege) and device nodes. Namespaces alone stop chown
 * to other users and device nodes, but not an owner setting the setuid
 * bit on its own file — a setuid-root binary when Corral runs as root.
 *
 * What seccomp cannot read is refused whole: openat2 takes its mode in a
 * struct (ENOSYS: libc falls back to openat), and io_uring's operations
 * (OPENAT with any mode, SOCKET...) never pass through a filter at all
 * (ENOSYS: QEMU falls back to its poll loop and thread pool). New user
 * namespaces are refused too: one hands every capability inside it, and
 * with them much more of the kernel to attack (clone3's flags are in a
 * struct: ENOSYS, libc falls back to clone for its threads). The kill on
 * a foreign architecture (i386 through int 0x80, x32) is libseccomp's. */
static void
load_filter (void)
{
  scmp_filter_ctx ctx = seccomp_init (SCMP_ACT_ALLOW);
  static const unsigned bits[] = { S_ISUID, S_ISGID };
  static const unsigned devices[] = { S_IFCHR, S_IFBLK };
  static const char * const unreadable[] = {
    "openat2", "io_uring_setup", "io_uring_enter", "io_uring_register", "clone3",
  };
  static const int numbers[] = { 437, 425, 426, 427, 435 };
  int fchmodat2 = resolve_syscall ("fchmodat2", 452);
  int rc = 0;

  if (ctx == NULL)
    die ("seccomp_init");

#define DENY(syscall, ...) \
  rc = rc ? rc : seccomp_rule_add (ctx, SCMP_ACT_ERRNO (EPERM), SCMP_SYS (syscall), __VA_ARGS__)

  for (unsigned i = 0; i < 2; i++)
    {
      unsigned bit = bits[i];

      DENY (chmod, 1, SCMP_A1 (SCMP_CMP_MASKED_EQ, bit, bit));
      DENY (fchmod, 1, SCMP_A1 (SCMP_CMP_MASKED_EQ, bit, bit));
      DENY (fchmodat, 1, SCMP_A2 (SCMP_CMP_MASKED_EQ, bit, bit));
      DENY (creat, 1, SCMP_A1 (SCMP_CMP_MASKED_EQ, bit, bit));
      DENY (mknod, 1, SCMP_A1 (SCMP_CMP_MASKED_EQ, bit, bit));
      DENY (mknodat, 1, SCMP_A2 (SCMP_CMP_MASKED_EQ, bit, bit));
      for (unsigned k = 0; k < 2; k++)
        {
          unsigned made = k == 0 ? O_CREAT : __O_TMPFILE;

          DENY (open, 2, SCMP_A1 (SCMP_CMP_MASKED_EQ, made, made),
                         SCMP_A2 (SCMP_CMP_MASKED_EQ, bit, bit));
          DENY (openat, 2, SCMP_A2 (SCMP_CMP_MASKED_EQ, made, made),
                           SCMP_A3 (SCMP_CMP_MASKED_EQ, bit, bit));
        }
      if (fchmodat2 != __NR_SCMP_ERROR && rc == 0)
        rc = seccomp_rule_add (ctx, SCMP_ACT_ERRNO (EPERM), fchmodat2, 1,
                               SCMP_A2 (SCMP_CMP_MASKED_EQ, bit, bit));
    }
  for (unsigned i = 0; i < 2; i++)
    {
      DENY (mknod, 1, SCMP_A1 (SCMP_CMP_MASKED_EQ, S_IFMT, devices[i]));
      DENY (mknodat, 1, SCMP_A2 (SCMP_CMP_MASKED_EQ, S_IFMT, devices[i]));
    }
  DENY (unshare, 1, SCMP_A0 (SCMP_CMP_MASKED_EQ, CLONE_NEWUSER, CLONE_NEWUSER));
  /* QEMU is handed every Unix socket it uses (QMP, clipboard, passt) and
   * makes none. A socket of its own would reach the abstract sockets of
   * its network namespace — the host's own where QEMU must share it (slirp
   * with full network, a Flatpak): an X server's @/tmp/.X11-unix/X0 takes
   * keystrokes for the user's desktop. */
  rc = rc ? rc : seccomp_rule_add (ctx, SCMP_ACT_ERRNO (EACCES), SCMP_SYS (socket), 1,
                                   SCMP_A0 (SCMP_CMP_EQ, AF_UNIX));
  DENY (clone, 1, SCMP_A0 (SCMP_CMP_MASKED_EQ, CLONE_NEWUSER, CLONE_NEWUSER));
#undef DENY
  for (unsigned i = 0; i < sizeof numbers / sizeof numbers[0] && rc == 0; i++)
    {
      int nr = resolve_syscall (unreadable[i], numbers[i]);

      if (nr != __NR_SCMP_ERROR)
        rc = seccomp_rule_add (ctx, SCMP_ACT_ERRNO (ENOSYS), nr, 0);
    }
  if (rc != 0)
    {
      errno = -rc;
      die ("building the file filter");
    }
  rc = seccomp_load (ctx);
  if (rc != 0)
    {
      errno = -rc;
      die ("loading the file filter");
    }
  seccomp_release (ctx);
}

/* The relay talks to the guest (through passt): should that ever go
 * wrong, it can still only move bytes between sockets it has and new
 * connections to Unix sockets (the proxy's is the only one in its view).
 * No file, no other socket, no process: everything else fails (EPERM). */
static void
load_relay_filter (void)
{
  scmp_filter_ctx ctx = seccomp_init (SCMP_ACT_ERRNO (EPERM));
  static const char * const allowed[] = {
    /* the relay */
    "poll", "ppoll", "accept", "accept4", "connect", "read", "recvfrom", "write", "sendto",
    "shutdown", "close",
    /* libc: die()'s message, memory, the end */
    "writev", "brk", "mmap", "munmap", "futex", "rt_sigreturn", "restart_syscall",
    "exit", "exit_group",
  };
  int rc = 0;

  if (ctx == NULL)
    die ("seccomp_init");
  for (unsigned i = 0; i < sizeof allowed / sizeof allowed[0] && rc == 0; i++)
    {
      int nr = seccomp_syscall_resolve_name (allowed[i]);

      if (nr != __NR_SCMP_ERROR)
        rc = seccomp_rule_add (ctx, SCMP_ACT_ALLOW, nr, 0);
    }
  if (rc == 0)
    rc = seccomp_rule_add (ctx, SCMP_ACT_ALLOW, SCMP_SYS (socket), 1,
                           SCMP_A0 (SCMP_CMP_EQ, AF_UNIX));
  if (rc == 0)
    rc = seccomp_load (ctx);
  if (rc != 0)
    {
      errno = -rc;
      die ("loading the relay's filter");
    }
  seccomp_release (ctx);
}

/* --- the lifeline ------------------------------------------------------------ */

/* Corral holds the other end of @fd and nothing else does: when it reads
 * EOF, Corral is gone, however it went (a SIGKILL between fork and
 * PR_SET_PDEATHSIG included), and QEMU (@qemu, this helper's pid) is
 * killed; bwrap then ends the jail. */
static void
start_lifeline (int fd,
                int log_fd)
{
  pid_t qemu = getpid ();

  if (fork_detached ())
    return;
  redirect_stdio (log_fd);
  close_fds_except (fd);
  drop_capabilities ();
  prctl (PR_SET_DUMPABLE, 0, 0, 0, 0);
  for (;;)
    {
      struct pollfd p = { fd, POLLIN, 0 };
      char byte;

      if (poll (&p, 1, -1) < 0 && errno == EINTR)
        continue;
      if (read (fd, &byte, 1) <= 0)
        break;
    }
  kill (qemu, SIGKILL);
  _exit (0);
}

/* --- main ----------------------------------------------------------------- */

static char **
take_argv (int     argc,
           char  **argv,
           int    *i,
           int    *count)
{
  int n = parse_int (argv[++*i], 1, 64);
  char **list;

  if (*i + n >= argc)
    {
      errno = 0;
      die ("%s needs %d arguments", argv[*i - 1], n);
    }
  list = calloc (n + 2, sizeof (char *));   /* room for pasta's pid */
  for (int k = 0; k < n; k++)
    list[k] = argv[++*i];
  if (count != NULL)
    *count = n;
  return list;
}

static void
parse_options (int      argc,
               char   **argv,
               Options *o)
{
  int i;

  memset (o, 0, sizeof *o);
  o->uid = o->gid = 0;
  o->namespaces = 1;
  o->net_fd = o->log_fd = o->lifeline_fd = -1;
  for (i = 1; i < argc; i++)
    {
      const char *a = argv[i];

      if (strcmp (a, "--") == 0)
        {
          i++;
          break;
        }
      else if (strcmp (a, "--uid") == 0 && i + 1 < argc)
        o->uid = parse_int (argv[++i], 0, INT_MAX);
      else if (strcmp (a, "--gid") == 0 && i + 1 < argc)
        o->gid = parse_int (argv[++i], 0, INT_MAX);
      else if (strcmp (a, "--probe") == 0)
        o->probe = 1;
      else if (strcmp (a, "--no-namespaces") == 0)
        o->namespaces = 0;
      else if (strcmp (a, "--keep-net") == 0)
        o->keep_net = 1;
      else if (strcmp (a, "--bridge") == 0)
        o->bridge = 1;
      else if (strcmp (a, "--pasta-argc") == 0 && i + 1 < argc)
        o->pasta_argv = take_argv (argc, argv, &i, &o->pasta_argc);
      else if (strcmp (a, "--passt-argc") == 0 && i + 1 < argc)
        o->passt_argv = take_argv (argc, argv, &i, NULL);
      else if (strcmp (a, "--net-fd") == 0 && i + 1 < argc)
        o->net_fd = parse_int (argv[++i], 3, 1023);
      else if (strcmp (a, "--relay") == 0 && i + 2 < argc)
        {
          o->relay_port = parse_int (argv[++i], 1, 65535);
          o->relay_socket = argv[++i];
        }
      else if (strcmp (a, "--log-fd") == 0 && i + 1 < argc)
        o->log_fd = parse_int (argv[++i], 3, 1023);
      else if (strcmp (a, "--lifeline") == 0 && i + 1 < argc)
        o->lifeline_fd = parse_int (argv[++i], 3, 1023);
      else
        {
          errno = 0;
          die ("unknown option %s", a);
        }
    }
  if (i >= argc)
    {
      errno = 0;
      die ("no command");
    }
  if (o->passt_argv != NULL && o->net_fd < 0)
    {
      errno = 0;
      die ("--passt-argc needs --net-fd");
    }
  o->command = argv + i;
}

/* N: the VM's network namespace (relay, passt; pasta's tap in full mode). */
static void
setup_network (const Options *o)
{
  pid_t launcher = -1;
  int go[2], s;

  if (pipe2 (go, O_CLOEXEC) < 0)
    die ("pipe");
  /* pasta must run in the host's network namespace (it makes the real
   * connections) and attach to N once N exists: a process forked now, told
   * to go once this one has unshared. */
  if (o->pasta_argv != NULL)
    {
      launcher = fork ();
      if (launcher < 0)
        die ("fork");
      if (launcher == 0)
        {
          char byte, pid[32];

          close (go[1]);
          if (read (go[0], &byte, 1) != 1)
            _exit (125);
          snprintf (pid, sizeof pid, "%d", (int) getppid ());
          o->pasta_argv[o->pasta_argc] = pid;
          redirect_stdio (o->log_fd);
          close_fds_except (-1);
          /* Owning N's user namespace is all pasta needs to join it. */
          drop_capabilities ();
          execv (o->pasta_argv[0], o->pasta_argv);
          die ("running %s", o->pasta_argv[0]);
        }
    }

  enter_namespaces (0, 0, 0);
  s = socket (AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
  if (s < 0)
    die ("socket");
  link_up (s, "lo");
  if (o->bridge)
    setup_bridge (s);
  close (s);

  if (o->pasta_argv != NULL)
    {
      int status = 0;

      if (write (go[1], "g", 1) != 1)
        die ("starting pasta");
      /* pasta goes to the background once N is configured: its first
       * process's exit 0 is the "ready". */
      while (waitpid (launcher, &status, 0) < 0)
        if (errno != EINTR)
          die ("waiting for pasta");
      if (!WIFEXITED (status) || WEXITSTATUS (status) != 0)
        {
          errno = 0;
          die ("pasta could not connect the VM's network (status %d)",
               WIFEXITED (status) ? WEXITSTATUS (status) : 128 + WTERMSIG (status));
        }
    }
  close (go[0]);
  close (go[1]);
}

int
main (int    argc,
      char **argv)
{
  Options o;

  parse_options (argc, argv, &o);

  if (o.lifeline_fd >= 0)
    start_lifeline (o.lifeline_fd, o.log_fd);

  if (o.namespaces && (o.bridge || o.pasta_argv || o.passt_argv || o.relay_socket))
    setup_network (&o);

  if (o.relay_socket != NULL && fork_detached () == 0)
    {
      redirect_stdio (o.log_fd);
      close_fds_except (-1);
      drop_capabilities ();
      relay_run (o.relay_port, o.relay_socket);
    }

  if (o.passt_argv != NULL)
    {
      int sv[2];

      if (socketpair (AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, sv) < 0)
        die ("socketpair");
      /* Out of the way first: the pair can come back as net_fd itself,
       * and then dup2 (a no-op) would leave it close-on-exec, and closing
       * the "spare" end would close QEMU's. */
      for (int k = 0; k < 2; k++)
        {
          int high = fcntl (sv[k], F_DUPFD_CLOEXEC, 100);

          if (high < 0)
            die ("fcntl");
          close (sv[k]);
          sv[k] = high;
        }
      if (fork_detached () == 0)
        {
          redirect_stdio (o.log_fd);
          if (dup2 (sv[0], o.net_fd) < 0)
            die ("dup2");
          close_fds_except (o.net_fd);
          drop_capabilities ();
          execv (o.passt_argv[0], o.passt_argv);
          die ("running %s", o.passt_argv[0]);
        }
      /* dup2 clears FD_CLOEXEC: QEMU inherits its end. */
      if (dup2 (sv[1], o.net_fd) < 0)
        die ("dup2");
      close (sv[0]);
      close (sv[1]);
    }

  /* QEMU */
  if (o.lifeline_fd >= 0)
    close (o.lifeline_fd);
  if (o.log_fd >= 0)
    close (o.log_fd);
  if (o.namespaces)
    enter_namespaces (o.uid, o.gid, o.keep_net);
  drop_capabilities ();
  load_filter ();
  if (o.probe)
    _exit (0);
  execvp (o.command[0], o.command);
  die ("running %s", o.command[0]);
}
