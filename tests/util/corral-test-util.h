/* corral-test-util.h: helpers for the tests that boot the tiny test guest
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * Waiting on the main loop, reading and typing on a VM's serial console as
 * a terminal would, and starting a CorralVm synchronously. Shared by the
 * integration and reliability tests so that each asserts behaviour, not
 * plumbing.
 */
#pragma once

#include <gio/gio.h>

#include "corral-vm.h"

G_BEGIN_DECLS

/* A tiny-guest boot takes a few seconds under emulation; a loaded 2-core
 * machine makes that much longer. */
#define CORRAL_TEST_BOOT_TIMEOUT 120
#define CORRAL_TEST_READY_LINE "CORRAL-GUEST-READY"

/* Iterates the default main context until @cond (@data) is true or
 * @seconds pass; returns @cond's last answer. */
gboolean corral_test_wait_until (gboolean (*cond) (gpointer),
                                 gpointer   data,
                                 guint      seconds);
/* A condition for corral_test_wait_until: @subprocess (a GSubprocess)
 * has ended. GLib reaps it on its own thread, so no wait needs to be
 * pending, and a wait that times out leaves no callback behind. */
gboolean corral_test_subprocess_ended (gpointer subprocess);
/* Runs the default main context for about @ms milliseconds. */
void     corral_test_iterate    (guint      ms);

/* Our end of one of a Vm's serial consoles: what it printed so far, and
 * the answer to the guest's terminal-size query (37 rows, 91 columns). */
typedef struct {
  int      fd;
  GString *text;
  guint    source;
  gboolean answered_size;
} CorralTestConsole;

#define CORRAL_TEST_CONSOLE_INIT { -1, NULL, 0, FALSE }

/* Reads a dup of @vm_fd (the Vm keeps its own); also works on the read
 * end of a pipe, e.g. corral's output. */
void     corral_test_console_attach (CorralTestConsole *console,
                                     int                vm_fd);
void     corral_test_console_detach (CorralTestConsole *console);
/* Whether QEMU let go of the console (read gave EIO/EOF). */
gboolean corral_test_console_ended  (CorralTestConsole *console);
/* Waits for @needle; gives up early when the console ended. */
gboolean corral_test_console_wait   (CorralTestConsole *console,
                                     const char        *needle,
                                     guint              seconds);
/* As _wait, with CORRAL_TEST_BOOT_TIMEOUT; fails the test with what the
 * console showed when @needle does not appear. */
void     corral_test_console_expect (CorralTestConsole *console,
                                     const char        *needle);
void     corral_test_console_type   (CorralTestConsole *console,
                                     const char        *text);
/* Runs @command in the shell on @console (the guest's second console)
 * and returns what it printed (lines end in \r\n). */
char    *corral_test_console_run    (CorralTestConsole *console,
                                     const char        *command);

/* The tiny guest's manifest ($CORRAL_TEST_GUEST), loaded. */
CorralGuest   *corral_test_load_guest    (void);
/* A profile for the tiny guest: 256 MiB, 1 core, no network, no shares. */
CorralProfile *corral_test_small_profile (const char *project);
/* A fresh folder "<tmp>/corral-<what>-XXXXXX/<name>" made for a project. */
char          *corral_test_make_project  (const char *what,
                                          const char *name);
/* Copies the tiny guest (manifest, kernel, initrd) into @dir (made
 * here), for a test to break; returns the copy's manifest path. */
char          *corral_test_copy_guest    (const char *dir);
/* rm -rf (the guest may have written files as this user). */
void           corral_test_remove_tree   (const char *path);

/* A thread writing @unit into @fd again and again (after @first, once,
 * unless NULL), as fast as the other end reads: a guest or QEMU flooding
 * a channel. It waits at most 100 ms at a time, so _stop ends it whether
 * or not anyone reads. */
typedef struct _CorralTestFlood CorralTestFlood;
CorralTestFlood *corral_test_flood_start (int         fd,
                                          const char *first,
                                          const char *unit);
/* Stops and frees @flood; returns how many bytes it wrote. */
gsize            corral_test_flood_stop  (CorralTestFlood *flood);

/* A launcher for the corral binary ($CORRAL_BIN) that passes on this
 * test's isolated HOME and XDG folders (GLib set them for this process
 * only) and no API key. */
GSubprocessLauncher *corral_test_corral_launcher (GSubprocessFlags flags);

/* Starts @vm and waits for the start to finish: NULL, or the error. */
GError  *corral_test_start_vm   (CorralVm      *vm);
/* Fails the test unless @vm reaches @state within @seconds. */
void     corral_test_wait_state (CorralVm      *vm,
                                 CorralVmState  state,
                                 guint          seconds);
/* The nick of @vm's state ("running", …). */
const char *corral_test_state_name (CorralVmState state);

/* Shuts down QEMU's end of its QMP socket from outside (pidfd_getfd()
 * gives us the very socket QEMU @pid holds as fd 3): the connection ends
 * while QEMU keeps running, which no QEMU command produces. FALSE when
 * ptrace rules forbid reaching into QEMU. */
gboolean corral_test_shut_qmp_socket (int pid);

/* Every live process descended from @pid (children, theirs, ...): in a
 * jail, bwrap, its pid 1, QEMU, passt, pasta and the helper's. */
GArray  *corral_test_descendants (int pid);
/* The one descendant of @pid whose name starts with "qemu" (in a jail
 * QEMU is bwrap's grandchild), or 0. */
int      corral_test_find_qemu   (int pid);

/* The network tests' servers on this computer
 * (tests/util/network-test-servers.py, see its head): a web server on the
 * host's own address (address NULL, web 0 when it has none), one on
 * loopback, a UDP echo, a fake HTTPS API with a test CA. */
typedef struct {
  GSubprocess *process;
  char        *workdir;
  char        *address;
  guint        web, loopback, udp, api;
  char        *ca;
} CorralTestServers;

void     corral_test_servers_start   (CorralTestServers *servers,
                                      const char        *workdir);
void     corral_test_servers_stop    (CorralTestServers *servers);
/* What the fake API received so far, a line per request ("" if none). */
char    *corral_test_servers_api_log (CorralTestServers *servers);
void     corral_test_servers_clear_api_log (CorralTestServers *servers);

/* A full disk, for real (ENOSPC), root only: call
 * corral_test_private_mounts() first thing in main(), before any thread
 * starts (FALSE when not root: skip the test). corral_test_fill_disk()
 * mounts a 256 KiB tmpfs on @dir holding a copy of what @dir held, and
 * fills it to the last byte; processes the test starts (corral, QEMU)
 * see it too. corral_test_unfill_disk() lifts it: @dir is as before. */
gboolean corral_test_private_mounts (void);
void     corral_test_fill_disk      (const char *dir);
void     corral_test_unfill_disk    (const char *dir);

/* German messages, whatever locales the machine has generated: makes
 * de_DE.UTF-8 with localedef (Debian package locales) in a temporary
 * folder, once per process, and returns that folder: set LOCPATH to it
 * and LANG to de_DE.UTF-8. Not LANGUAGE=de over C.UTF-8: glibc 2.39 and
 * later ignore LANGUAGE there. The folder (3 MB) goes when the process
 * exits. */
const char *corral_test_german_locpath (void);

G_END_DECLS
