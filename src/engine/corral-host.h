/* corral-host.h: facts about the host that shape the QEMU command
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#pragma once

#include <glib.h>

G_BEGIN_DECLS

/* Plain data, so that the command builder stays pure and tests can fill it
 * by hand. corral_host_probe() is the only place that looks at the system. */
typedef struct {
  gboolean kvm_usable;     /* /dev/kvm opens and QEMU starts a -cpu host machine on it */
  guint64  ram_bytes;      /* physical memory */
  guint    n_cpus;
  char    *qemu_path;      /* NULL when no QEMU was found */
  guint    uid;
  guint    gid;
  char    *home;           /* host home directory */
  char    *lang;           /* LANG, may be NULL */
  char    *lc_all;         /* LC_ALL, may be NULL */
  gboolean seccomp;        /* QEMU takes -sandbox CORRAL_QEMU_SANDBOX */

  /* The jail (corral-jail.h) */
  gboolean in_flatpak;     /* Corral itself runs in a Flatpak: bwrap cannot nest */
  char    *bwrap_path;     /* bubblewrap; NULL when not installed */
  char    *jail_helper;    /* corral-jail-helper; NULL when missing */
  char    *jail_problem;   /* why no jail can be made here (bwrap's words); NULL when it can */
  char    *passt_path;     /* NULL when passt is not installed */
  char    *pasta_path;     /* pasta, passt's other mode (same package) */
  gboolean tun_usable;     /* /dev/net/tun opens: pasta can give full network */
  char    *slirp_version;  /* the libslirp QEMU would load ("4.7.0"); NULL: unknown */
  GStrv    usr_links;      /* top-level links into /usr, "bin=usr/bin" (merged /usr) */
  GStrv    system_dirs;    /* further read-only system folders: a non-merged /lib, /nix/store */
} CorralHost;

/* QEMU's seccomp policy: should a guest ever break out into QEMU, QEMU
 * cannot run programs, raise privileges or use obsolete syscalls. */
#define CORRAL_QEMU_SANDBOX "on,obsolete=deny,elevateprivileges=deny,spawn=deny,resourcecontrol=deny"

CorralHost *corral_host_probe (const char *qemu_override);
CorralHost *corral_host_copy  (const CorralHost *host);
void        corral_host_free  (CorralHost *host);

/* The folders a jail must show for a program installed outside /usr
 * (@resolved: its real path), to be kept where they exist: its own
 * folder and its prefix's lib, lib64, libexec and share/qemu, or the
 * whole /nix/store. Never @home or a folder holding it: a QEMU in ~/bin
 * must not bring the home folder into the jail. Pure. */
GStrv       corral_host_program_dirs (const char *resolved,
                                      const char *home);

/* Whether the KVM whose modules @sys_module (/sys/module) lists runs an
 * ordinary guest: not when it is only PVM's (kvm_pvm, which runs only
 * kernels built for it; a stock kernel hangs before its first line).
 * Reads nothing but @sys_module. */
gboolean    corral_host_kvm_runs_guests (const char *sys_module);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (CorralHost, corral_host_free)

G_END_DECLS
