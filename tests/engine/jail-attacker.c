/* jail-attacker.c: a compromised QEMU, for tests/engine/test-breakout.py
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * The containment's premise is a guest that found a bug in QEMU and runs
 * code inside QEMU's process. A real QEMU cannot be made to do that on
 * demand, so this program stands in for it: Corral runs it in QEMU's place
 * ($CORRAL_QEMU), in the very jail it builds for QEMU (bwrap, the helper's
 * namespaces, capability drop and filter), with the very descriptors. It
 * does not load QEMU's own -sandbox filter, so it can do strictly more
 * than a compromised QEMU: what it cannot do, QEMU cannot either.
 *
 * It tries to leave a setuid/setgid file or a device node on the host, to
 * reach other processes, the host's files, network and sockets, and lists
 * what it holds. The test gives it its targets in the project folder
 * (ATTACK-TARGETS: key=value lines) and reads its findings back from
 * there (ATTACK-REPORT), one line each:
 *
 *   held NAME: what happened        the attack failed as it should
 *   BROKEN NAME: what happened      it worked: a hole
 *   info NAME: what was seen        for the report, no verdict
 *
 * The test checks the host independently as well (the files themselves).
 */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE
#endif
#include <arpa/inet.h>
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <linux/io_uring.h>
#include <linux/openat2.h>
#include <net/if.h>
#include <netinet/in.h>
#include <sched.h>
#include <signal.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/ptrace.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/sysmacros.h>
#include <sys/uio.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <sys/xattr.h>
#include <termios.h>
#include <time.h>
#include <unistd.h>

#ifndef __NR_fchmodat2
#define __NR_fchmodat2 452
#endif
#ifndef __O_TMPFILE
#define __O_TMPFILE 020000000
#endif

static FILE *report;
static char project[PATH_MAX];
static char targets[32][2][PATH_MAX];
static int n_targets;

static void __attribute__((format (printf, 2, 3)))
say (const char *verdict,
     const char *format,
     ...)
{
  va_list ap;

  fprintf (report, "%s ", verdict);
  va_start (ap, format);
  vfprintf (report, format, ap);
  va_end (ap);
  fputc ('\n', report);
  fflush (report);
}

static const char *
target (const char *key)
{
  for (int i = 0; i < n_targets; i++)
    if (strcmp (targets[i][0], key) == 0)
      return targets[i][1];
  return NULL;
}

/* QEMU's -fsdev value has ",," for a comma in the path. */
static int
find_project (int    argc,
              char **argv)
{
  for (int i = 1; i + 1 < argc; i++)
    {
      const char *p;
      size_t n = 0;

      if (strcmp (argv[i], "-fsdev") != 0 || strstr (argv[i + 1], "id=fs_project_share,") == NULL)
        continue;
      p = strstr (argv[i + 1], ",path=");
      if (p == NULL)
        continue;
      for (p += 6; *p != '\0' && n + 1 < sizeof project; p++)
        {
          if (*p == ',')
            {
              if (p[1] != ',')
                break;
              p++;
            }
          project[n++] = *p;
        }
      project[n] = '\0';
      return 1;
    }
  return 0;
}

static void
read_targets (void)
{
  char path[PATH_MAX + 32], line[2 * PATH_MAX];
  FILE *f;

  snprintf (path, sizeof path, "%s/ATTACK-TARGETS", project);
  f = fopen (path, "r");
  if (f == NULL)
    return;
  while (n_targets < 32 && fgets (line, sizeof line, f) != NULL)
    {
      char *eq = strchr (line, '=');

      if (eq == NULL)
        continue;
      line[strcspn (line, "\n")] = '\0';
      *eq = '\0';
      snprintf (targets[n_targets][0], PATH_MAX, "%.4000s", line);
      snprintf (targets[n_targets][1], PATH_MAX, "%.4000s", eq + 1);
      n_targets++;
    }
  fclose (f);
}

/* --- setuid/setgid files and device nodes ---------------------------------- */

static char plant_dir[PATH_MAX];

static const char *
plant (const char *name)
{
  static char path[PATH_MAX + 64];

  snprintf (path, sizeof path, "%s/%s", plant_dir, name);
  return path;
}

static int
make_plain (const char *name)
{
  int fd = open (plant (name), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0755);

  if (fd < 0)
    return -1;
  if (write (fd, "#!/bin/sh\n", 10) != 10)
    { /* the mode is what matters */ }
  close (fd);
  return 0;
}

/* What a file's mode turned out to be: the verdict is on the file. */
static void
judge_file (const char *what,
            const char *name,
            long        rc,
            int         errsv)
{
  struct stat st;

  if (lstat (plant (name), &st) == 0 &&
      ((st.st_mode & (S_ISUID | S_ISGID)) || S_ISCHR (st.st_mode) || S_ISBLK (st.st_mode)))
    say ("BROKEN", "%s: %s has mode %o", what, name, (unsigned) st.st_mode);
  else
    say ("held", "%s: %s", what, rc < 0 ? strerror (errsv) : "done, but no setuid/setgid bit");
}

/* Runs one system call in a child: a filter that kills (a foreign
 * architecture) must not kill this whole report. */
static void
judge_in_child (const char *what,
                const char *name,
                long      (*call) (const char *path))
{
  pid_t pid = fork ();
  int status;

  if (pid == 0)
    {
      long rc = call (plant (name));
      _exit (rc < 0 ? (errno & 0x7f) : 0);
    }
  waitpid (pid, &status, 0);
  if (WIFSIGNALED (status))
    {
      struct stat st;

      if (lstat (plant (name), &st) == 0 && (st.st_mode & (S_ISUID | S_ISGID)))
        say ("BROKEN", "%s: %s has mode %o", what, name, (unsigned) st.st_mode);
      else
        say ("held", "%s: killed by signal %d", what, WTERMSIG (status));
    }
  else
    judge_file (what, name, WEXITSTATUS (status) ? -1 : 0, WEXITSTATUS (status));
}

/* i386's chmod (15) through int 0x80, the path below 4 GiB. */
static long
chmod_i386 (const char *path)
{
#if defined(__x86_64__)
  char *low = mmap (NULL, 4096, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS | MAP_32BIT, -1, 0);
  long rc;

  if (low == MAP_FAILED)
    return -1;
  snprintf (low, 4096, "%s", path);
  __asm__ volatile ("int $0x80" : "=a" (rc) : "a" (15L), "b" ((long) (uintptr_t) low), "c" (04755L) : "memory");
  if (rc < 0)
    {
      errno = -rc;
      return -1;
    }
  return rc;
#else
  errno = ENOSYS;
  return -1;
#endif
}

/* x32's chmod: x86_64's number with bit 30 set. */
static long
chmod_x32 (const char *path)
{
#if defined(__x86_64__)
  return syscall (0x40000000 | __NR_chmod, path, 04755);
#else
  errno = ENOSYS;
  return -1;
#endif
}

/* One io_uring submission and its result (raw system calls: no liburing). */
static long
uring_one (const struct io_uring_sqe *sqe)
{
  struct io_uring_params p = { 0 };
  int fd = syscall (__NR_io_uring_setup, 4, &p);
  size_t sq_size, cq_size;
  unsigned char *sq, *cq;
  struct io_uring_sqe *sqes;
  unsigned *tail, *mask, *array, index;
  struct io_uring_cqe *cqes;
  unsigned cq_head;
  long res;

  if (fd < 0)
    return -errno;
  sq_size = p.sq_off.array + p.sq_entries * sizeof (unsigned);
  cq_size = p.cq_off.cqes + p.cq_entries * sizeof (struct io_uring_cqe);
  if (p.features & IORING_FEAT_SINGLE_MMAP)
    sq_size = cq_size = sq_size > cq_size ? sq_size : cq_size;
  sq = mmap (NULL, sq_size, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_POPULATE, fd, IORING_OFF_SQ_RING);
  cq = (p.features & IORING_FEAT_SINGLE_MMAP) ? sq
     : mmap (NULL, cq_size, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_POPULATE, fd, IORING_OFF_CQ_RING);
  sqes = mmap (NULL, p.sq_entries * sizeof *sqes, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_POPULATE,
               fd, IORING_OFF_SQES);
  if (sq == MAP_FAILED || cq == MAP_FAILED || sqes == MAP_FAILED)
    {
      close (fd);
      return -ENOMEM;
    }
  tail = (unsigned *) (sq + p.sq_off.tail);
  mask = (unsigned *) (sq + p.sq_off.ring_mask);
  array = (unsigned *) (sq + p.sq_off.array);
  index = *tail & *mask;
  sqes[index] = *sqe;
  array[index] = index;
  __atomic_store_n (tail, *tail + 1, __ATOMIC_RELEASE);
  if (syscall (__NR_io_uring_enter, fd, 1, 1, IORING_ENTER_GETEVENTS, NULL, 0) < 0)
    {
      res = -errno;
      close (fd);
      return res;
    }
  cqes = (struct io_uring_cqe *) (cq + p.cq_off.cqes);
  cq_head = __atomic_load_n ((unsigned *) (cq + p.cq_off.head), __ATOMIC_ACQUIRE);
  res = cqes[cq_head & *(unsigned *) (cq + p.cq_off.ring_mask)].res;
  close (fd);
  return res;
}

static void
judge_uring (const char *what,
             const char *name,
             long        res)
{
  if (res >= 0)
    close ((int) res);
  judge_file (what, name, res < 0 ? -1 : 0, res < 0 ? (int) -res : 0);
}

static void
try_plants (const char *where)
{
  struct open_how how = { .flags = O_WRONLY | O_CREAT | O_EXCL, .mode = 04755 };
  struct io_uring_sqe sqe;
  char proc_fd[64];
  const char *setuid_file = NULL;
  static const char * const setuid_files[] = {
    "/usr/bin/gpasswd", "/usr/bin/su", "/usr/bin/passwd", "/usr/bin/mount", "/usr/bin/newuidmap",
  };
  long rc;
  int fd;

  snprintf (plant_dir, sizeof plant_dir, "%s/attack-plants", where);
  if (mkdir (plant_dir, 0755) < 0 && errno != EEXIST)
    {
      say ("info", "plants in %s: cannot make a folder: %s", where, strerror (errno));
      return;
    }
  say ("info", "plants in %s", where);

  make_plain ("chmod-4755");
  rc = chmod (plant ("chmod-4755"), 04755);
  judge_file ("chmod 4755", "chmod-4755", rc, errno);
  make_plain ("chmod-2755");
  rc = chmod (plant ("chmod-2755"), 02755);
  judge_file ("chmod 2755", "chmod-2755", rc, errno);

  make_plain ("fchmod");
  fd = open (plant ("fchmod"), O_RDONLY | O_CLOEXEC);
  rc = fchmod (fd, 04755);
  judge_file ("fchmod 4755", "fchmod", rc, errno);
  close (fd);

  make_plain ("fchmodat2");
  rc = syscall (__NR_fchmodat2, AT_FDCWD, plant ("fchmodat2"), 06755, 0);
  judge_file ("fchmodat2 6755", "fchmodat2", rc, errno);

  fd = open (plant ("open-creat"), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 04755);
  judge_file ("open(O_CREAT, 4755)", "open-creat", fd, errno);
  if (fd >= 0)
    close (fd);
  fd = creat (plant ("creat"), 02755);
  judge_file ("creat 2755", "creat", fd, errno);
  if (fd >= 0)
    close (fd);

  fd = syscall (__NR_openat2, AT_FDCWD, plant ("openat2"), &how, sizeof how);
  judge_file ("openat2 mode 4755", "openat2", fd, errno);
  if (fd >= 0)
    close (fd);

  /* O_TMPFILE takes a mode without O_CREAT; linkat gives it a name. */
  fd = open (plant_dir, O_TMPFILE | O_WRONLY | O_CLOEXEC, 04755);
  if (fd >= 0)
    {
      snprintf (proc_fd, sizeof proc_fd, "/proc/self/fd/%d", fd);
      rc = linkat (AT_FDCWD, proc_fd, AT_FDCWD, plant ("tmpfile"), AT_SYMLINK_FOLLOW);
      judge_file ("O_TMPFILE 4755 + linkat", "tmpfile", rc, errno);
      close (fd);
    }
  else
    judge_file ("O_TMPFILE 4755 + linkat", "tmpfile", -1, errno);

  /* mknod of a regular file takes a mode too, and needs no privilege. */
  rc = mknod (plant ("mknod-reg"), S_IFREG | 04755, 0);
  judge_file ("mknod S_IFREG|4755", "mknod-reg", rc, errno);
  rc = mknodat (AT_FDCWD, plant ("mknodat-reg"), S_IFREG | 02755, 0);
  judge_file ("mknodat S_IFREG|2755", "mknodat-reg", rc, errno);
  rc = mknod (plant ("mknod-chr"), S_IFCHR | 0666, makedev (1, 3));
  judge_file ("mknod char 1,3", "mknod-chr", rc, errno);
  rc = mknod (plant ("mknod-blk"), S_IFBLK | 0666, makedev (7, 0));
  judge_file ("mknod block 7,0", "mknod-blk", rc, errno);

  rc = mkdir (plant ("mkdir-7777"), 07777);
  judge_file ("mkdir 7777", "mkdir-7777", rc, errno);

  memset (&sqe, 0, sizeof sqe);
  sqe.opcode = IORING_OP_OPENAT;
  sqe.fd = AT_FDCWD;
  sqe.addr = (uintptr_t) plant ("uring-openat");
  sqe.len = 04755;
  sqe.open_flags = O_WRONLY | O_CREAT | O_EXCL;
  judge_uring ("io_uring OPENAT 4755", "uring-openat", uring_one (&sqe));

  memset (&sqe, 0, sizeof sqe);
  sqe.opcode = IORING_OP_OPENAT2;
  sqe.fd = AT_FDCWD;
  sqe.addr = (uintptr_t) plant ("uring-openat2");
  sqe.len = sizeof how;
  sqe.off = (uintptr_t) &how;
  judge_uring ("io_uring OPENAT2 4755", "uring-openat2", uring_one (&sqe));

  /* File capabilities need CAP_SETFCAP: a v2 xattr granting cap_setuid. */
  {
    uint32_t caps[5] = { 0x02000000 | 1 /* VFS_CAP_REVISION_2 | effective */, 1u << 7, 1u << 7, 0, 0 };

    make_plain ("filecap");
    rc = setxattr (plant ("filecap"), "security.capability", caps, sizeof caps, 0);
    say (rc == 0 ? "BROKEN" : "held", "setxattr security.capability: %s",
         rc == 0 ? "set" : strerror (errno));
  }

  /* A setuid file of the system, linked or renamed into the share. */
  for (size_t i = 0; i < sizeof setuid_files / sizeof setuid_files[0] && !setuid_file; i++)
    {
      struct stat st;

      if (stat (setuid_files[i], &st) == 0 && (st.st_mode & (S_ISUID | S_ISGID)))
        setuid_file = setuid_files[i];
    }
  if (setuid_file != NULL)
    {
      rc = link (setuid_file, plant ("link-setuid"));
      judge_file ("link of a system setuid file", "link-setuid", rc, errno);
      /* (Never outside a jail: there root could really move it.) */
      if (access (setuid_file, W_OK) == 0 || access ("/usr/bin", W_OK) == 0)
        say ("info", "/usr is writable: not a jail, rename not tried");
      else
        {
          rc = rename (setuid_file, plant ("rename-setuid"));
          judge_file ("rename of a system setuid file", "rename-setuid", rc, errno);
        }
    }
  else
    say ("info", "no setuid file in /usr to link");

  make_plain ("chown");
  rc = chown (plant ("chown"), getuid () + 1, -1);
  say (rc == 0 ? "BROKEN" : "held", "chown to another user: %s", rc == 0 ? "done" : strerror (errno));

  make_plain ("i386");
  judge_in_child ("chmod 4755 through int 0x80 (i386)", "i386", chmod_i386);
  make_plain ("x32");
  judge_in_child ("chmod 4755 through the x32 ABI", "x32", chmod_x32);
}

/* --- processes --------------------------------------------------------------- */

static void
try_processes (void)
{
  const char *host_net = target ("host_netns");
  DIR *proc = opendir ("/proc");
  struct dirent *e;
  char self_net[64] = "";
  int visible = 0;

  if (readlink ("/proc/self/ns/net", self_net, sizeof self_net - 1) < 0)
    self_net[0] = '\0';
  while (proc != NULL && (e = readdir (proc)) != NULL)
    {
      char path[300], comm[64] = "?", net[64] = "";
      pid_t pid = atoi (e->d_name), child;
      int fd, status, seized;
      ssize_t n;
      FILE *f;

      if (pid <= 0 || pid == getpid ())
        continue;
      visible++;
      snprintf (path, sizeof path, "/proc/%d/comm", pid);
      if ((f = fopen (path, "r")) != NULL)
        {
          if (fgets (comm, sizeof comm, f) != NULL)
            comm[strcspn (comm, "\n")] = '\0';
          fclose (f);
        }
      snprintf (path, sizeof path, "/proc/%d/ns/net", pid);
      if ((n = readlink (path, net, sizeof net - 1)) > 0)
        net[n] = '\0';

      /* Attach in a child: its exit detaches. */
      child = fork ();
      if (child == 0)
        _exit (ptrace (PTRACE_SEIZE, pid, 0, 0) == 0 ? 0 : (errno & 0x7f));
      waitpid (child, &status, 0);
      seized = WIFEXITED (status) && WEXITSTATUS (status) == 0;

      snprintf (path, sizeof path, "/proc/%d/mem", pid);
      fd = open (path, O_RDONLY | O_CLOEXEC);
      if (fd >= 0)
        close (fd);

      if (seized || fd >= 0)
        say ("BROKEN", "ptrace pid %d (%s, network %s%s): attach %s, /proc/%d/mem %s",
             pid, comm, net[0] ? net : "unknown",
             host_net && strcmp (net, host_net) == 0 ? ", THE HOST'S" : "",
             seized ? "allowed" : "refused", pid, fd >= 0 ? "opened" : "refused");
      else
        say ("held", "ptrace pid %d (%s%s): %s", pid, comm,
             host_net && strcmp (net, host_net) == 0 ? ", in the host's network" : "",
             strerror (WIFEXITED (status) ? WEXITSTATUS (status) : 0));
      say ("info", "signal 0 to pid %d (%s): %s", pid, comm,
           kill (pid, 0) == 0 ? "allowed (a process of this jail)" : strerror (errno));
    }
  if (proc != NULL)
    closedir (proc);
  say ("info", "processes visible besides this one: %d (this jail's pid namespace)", visible);

}

/* --- descriptors ----------------------------------------------------------- */

static void
try_fds (void)
{
  const char *user_tty = target ("user_tty_rdev");

  for (int fd = 0; fd < 1024; fd++)
    {
      char path[64], link[PATH_MAX] = "";
      struct stat st;
      ssize_t n;

      if (fstat (fd, &st) < 0 || fd == fileno (report))
        continue;
      snprintf (path, sizeof path, "/proc/self/fd/%d", fd);
      if ((n = readlink (path, link, sizeof link - 1)) > 0)
        link[n] = '\0';
      say ("info", "fd %d: %s (mode %o, flags %#x)", fd, link, (unsigned) st.st_mode,
           fcntl (fd, F_GETFL));
      if (S_ISREG (st.st_mode))
        say ("BROKEN", "fd %d: a file of the host (%s)", fd, link);
      if (S_ISDIR (st.st_mode))
        {
          int up = openat (fd, "..", O_RDONLY | O_DIRECTORY | O_CLOEXEC);

          say (up >= 0 ? "BROKEN" : "held", "fd %d is a directory: openat(\"..\") %s", fd,
               up >= 0 ? "opened" : strerror (errno));
          if (up >= 0)
            close (up);
        }
      if (S_ISSOCK (st.st_mode))
        {
          struct ucred cred;
          socklen_t len = sizeof cred;
          int domain = -1;
          socklen_t dlen = sizeof domain;

          getsockopt (fd, SOL_SOCKET, SO_DOMAIN, &domain, &dlen);
          if (getsockopt (fd, SOL_SOCKET, SO_PEERCRED, &cred, &len) == 0)
            say ("info", "fd %d: socket domain %d, peer pid %d (0: outside the jail), uid %d",
                 fd, domain, cred.pid, cred.uid);
        }
      if (isatty (fd))
        {
          int stolen;

          say (user_tty && (unsigned long) atol (user_tty) == (unsigned long) st.st_rdev ? "BROKEN" : "held",
               "fd %d is a terminal (%u:%u): %s", fd, major (st.st_rdev), minor (st.st_rdev),
               user_tty && (unsigned long) atol (user_tty) == (unsigned long) st.st_rdev
               ? "the user's own terminal" : "not the user's terminal");
          /* A session leader with no terminal may take one: then TIOCSTI
           * types into it (only QEMU itself reads a console's slave). */
          ioctl (fd, TIOCSCTTY, 0);
          stolen = ioctl (fd, TIOCSTI, "x");
          say ("info", "fd %d: TIOCSTI %s", fd, stolen == 0 ? "works (input QEMU itself reads)" : strerror (errno));
        }
    }
}

/* --- the host's files ------------------------------------------------------------ */

static void
try_files (void)
{
  static const char * const keys[] = { "home_marker", "other_marker" };
  static const char * const prefixes[] = { "", "/proc/1/root", "/proc/self/root/..", "/proc/1/cwd/.." };
  int fd;

  for (size_t k = 0; k < sizeof keys / sizeof keys[0]; k++)
    for (size_t p = 0; p < sizeof prefixes / sizeof prefixes[0]; p++)
      {
        const char *path = target (keys[k]);
        char full[2 * PATH_MAX];
        struct stat st;

        if (path == NULL)
          continue;
        snprintf (full, sizeof full, "%s%s", prefixes[p], path);
        say (stat (full, &st) == 0 ? "BROKEN" : "held", "%s through \"%s\": %s", keys[k],
             prefixes[p], stat (full, &st) == 0 ? "reachable" : strerror (errno));
      }

  {
    DIR *root = opendir ("/");
    struct dirent *e;
    char line[1024] = "";

    while (root != NULL && (e = readdir (root)) != NULL)
      if (e->d_name[0] != '.')
        {
          strncat (line, " ", sizeof line - strlen (line) - 1);
          strncat (line, e->d_name, sizeof line - strlen (line) - 1);
        }
    if (root != NULL)
      closedir (root);
    say ("info", "/ holds:%s", line);
  }
  {
    DIR *dev = opendir ("/dev");
    struct dirent *e;
    char line[1024] = "";

    while (dev != NULL && (e = readdir (dev)) != NULL)
      if (e->d_name[0] != '.')
        {
          strncat (line, " ", sizeof line - strlen (line) - 1);
          strncat (line, e->d_name, sizeof line - strlen (line) - 1);
        }
    if (dev != NULL)
      closedir (dev);
    say ("info", "/dev holds:%s", line);
  }

  fd = open ("/proc/sysrq-trigger", O_WRONLY | O_CLOEXEC);
  say (fd >= 0 ? "BROKEN" : "held", "open /proc/sysrq-trigger for writing: %s", fd >= 0 ? "opened" : strerror (errno));
  if (fd >= 0)
    close (fd);
  /* The kernel's settings: writing one back unchanged proves the rest
   * (core_pattern and modprobe run a program as the host's root). */
  {
    static const char * const sysctls[] = { "/proc/sys/kernel/core_pattern", "/proc/sys/kernel/modprobe" };

    for (size_t i = 0; i < sizeof sysctls / sizeof sysctls[0]; i++)
      {
        char value[512];
        ssize_t n = -1;
        int rfd = open (sysctls[i], O_RDONLY | O_CLOEXEC);

        if (rfd >= 0)
          {
            n = read (rfd, value, sizeof value);
            close (rfd);
          }
        fd = open (sysctls[i], O_WRONLY | O_CLOEXEC);
        if (fd >= 0 && n > 0)
          {
            ssize_t w = write (fd, value, n);
            say (w == n ? "BROKEN" : "held", "write %s (its own value back): %s", sysctls[i],
                 w == n ? "written" : strerror (errno));
          }
        else
          say ("held", "write %s: %s", sysctls[i], fd < 0 ? strerror (errno) : "unreadable");
        if (fd >= 0)
          close (fd);
      }
  }
  fd = open ("/dev/tty", O_RDWR | O_CLOEXEC);
  say ("info", "open /dev/tty: %s", fd >= 0 ? "opened (the console it took as its terminal)" : strerror (errno));
  if (fd >= 0)
    close (fd);

  /* A user namespace of its own gives every capability in it: more of
   * the kernel to attack (nf_tables, mounts), no new file access. */
  {
    pid_t child = fork ();
    int status;

    if (child == 0)
      _exit (unshare (CLONE_NEWUSER | CLONE_NEWNET) == 0 ? 0 : (errno & 0x7f));
    waitpid (child, &status, 0);
    say (WIFEXITED (status) && WEXITSTATUS (status) == 0 ? "BROKEN" : "held",
         "a new user + network namespace: %s",
         WIFEXITED (status) && WEXITSTATUS (status) == 0 ? "made" : strerror (WEXITSTATUS (status)));
  }
  {
    int ns = open ("/proc/1/ns/net", O_RDONLY | O_CLOEXEC);
    int rc = ns >= 0 ? setns (ns, CLONE_NEWNET) : -1;

    say (rc == 0 ? "BROKEN" : "held", "setns into pid 1's network: %s", rc == 0 ? "joined" : strerror (errno));
    if (ns >= 0)
      close (ns);
  }
}

/* --- the network -------------------------------------------------------------- */

static int
connect_with_timeout (int                    fd,
                      const struct sockaddr *sa,
                      socklen_t              len)
{
  struct timeval tv = { 3, 0 };

  setsockopt (fd, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof tv);
  setsockopt (fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
  return connect (fd, sa, len);
}

static void
try_tcp (const char *name,
         const char *address,
         int         port)
{
  struct sockaddr_in sin = { .sin_family = AF_INET, .sin_port = htons (port) };
  int fd = socket (AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  int rc;

  if (fd < 0 || inet_pton (AF_INET, address, &sin.sin_addr) != 1)
    {
      say ("held", "%s (%s:%d): %s", name, address, port, strerror (errno));
      if (fd >= 0)
        close (fd);
      return;
    }
  rc = connect_with_timeout (fd, (struct sockaddr *) &sin, sizeof sin);
  say (rc == 0 ? "BROKEN" : "held", "%s (%s:%d): %s", name, address, port,
       rc == 0 ? "connected" : strerror (errno));
  close (fd);
}

static void
try_unix (const char *name,
          const char *path,
          int         abstract)
{
  struct sockaddr_un sun = { .sun_family = AF_UNIX };
  socklen_t len;
  int fd = socket (AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
  int rc;

  if (fd < 0)
    {
      say ("held", "%s: socket: %s", name, strerror (errno));
      return;
    }
  strncpy (sun.sun_path + (abstract ? 1 : 0), path, sizeof sun.sun_path - 2);
  len = offsetof (struct sockaddr_un, sun_path) + (abstract ? 1 : 0) + strlen (path) + (abstract ? 0 : 1);
  rc = connect_with_timeout (fd, (struct sockaddr *) &sun, len);
  say (rc == 0 ? "BROKEN" : "held", "%s: %s", name, rc == 0 ? "connected" : strerror (errno));
  close (fd);
}

static void
try_network (void)
{
  struct if_nameindex *ifs = if_nameindex ();
  char line[512] = "";
  int other = 0;

  for (struct if_nameindex *i = ifs; i != NULL && i->if_index != 0; i++)
    {
      strncat (line, " ", sizeof line - strlen (line) - 1);
      strncat (line, i->if_name, sizeof line - strlen (line) - 1);
      other |= strcmp (i->if_name, "lo") != 0;
    }
  if (ifs != NULL)
    if_freenameindex (ifs);
  say (other ? "BROKEN" : "held", "network interfaces:%s", line);

  if (target ("host_addr") && target ("host_port"))
    try_tcp ("the host's own address", target ("host_addr"), atoi (target ("host_port")));
  if (target ("lo_port"))
    try_tcp ("the host's loopback", "127.0.0.1", atoi (target ("lo_port")));
  try_tcp ("the gateway's proxy port", "10.0.2.2", 3128);
  try_tcp ("the internet", "1.1.1.1", 80);
  if (target ("abstract"))
    try_unix ("an abstract socket of the host", target ("abstract"), 1);
  if (target ("host_socket"))
    try_unix ("a socket file of the host outside the view", target ("host_socket"), 0);

  {
    int fd = socket (AF_PACKET, SOCK_RAW | SOCK_CLOEXEC, 0);

    say (fd >= 0 ? "BROKEN" : "held", "a raw packet socket: %s", fd >= 0 ? "made" : strerror (errno));
    if (fd >= 0)
      close (fd);
  }
  {
    struct io_uring_sqe sqe = { .opcode = IORING_OP_SOCKET, .fd = AF_UNIX, .off = SOCK_STREAM };
    long res = uring_one (&sqe);

    say ("info", "io_uring SOCKET: %s", res >= 0 ? "made a socket" : strerror ((int) -res));
    if (res >= 0)
      close ((int) res);
  }
}

/* --- resources ------------------------------------------------------------------ */

static void
try_limits (void)
{
  struct rlimit nproc, as;

  getrlimit (RLIMIT_NPROC, &nproc);
  getrlimit (RLIMIT_AS, &as);
  say ("info", "limits: RLIMIT_NPROC %lld, RLIMIT_AS %lld (-1: none); no cgroup",
       nproc.rlim_cur == RLIM_INFINITY ? -1LL : (long long) nproc.rlim_cur,
       as.rlim_cur == RLIM_INFINITY ? -1LL : (long long) as.rlim_cur);
}

int
main (int    argc,
      char **argv)
{
  char path[PATH_MAX + 32];

  /* Corral's host probe (-qmp stdio, -machine none): a QEMU that works. */
  for (int i = 1; i < argc; i++)
    if (strcmp (argv[i], "-qmp") == 0)
      return 0;
  if (!find_project (argc, argv))
    {
      fprintf (stderr, "jail-attacker: no project share in QEMU's command\n");
      return 2;
    }
  snprintf (path, sizeof path, "%s/ATTACK-REPORT", project);
  report = fopen (path, "we");
  if (report == NULL)
    {
      perror ("jail-attacker: ATTACK-REPORT");
      return 2;
    }
  read_targets ();
  say ("info", "uid %d gid %d pid %d", (int) getuid (), (int) getgid (), (int) getpid ());

  try_plants (project);
  try_plants ("/var/tmp");
  if (target ("state_dir"))
    try_plants (target ("state_dir"));
  try_processes ();
  try_fds ();
  try_files ();
  try_network ();
  try_limits ();
  /* Last, words for Corral's message on the user's terminal: OSC 52
   * would set the clipboard the user pastes into a shell. */
  fprintf (stderr, "jail-attacker: \033]52;c;QlJFQUtPVVQ=\007 \033]0;TITLE\007\n");
  say ("info", "done");
  fclose (report);
  return 0;
}
