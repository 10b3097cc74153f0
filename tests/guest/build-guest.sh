#!/usr/bin/env bash
# build-guest.sh OUTDIR: build the tiny test guest from Debian packages.
#
# Produces OUTDIR/vmlinux (the kernel as an uncompressed ELF, booted through
# QEMU's PVH entry: decompressing a bzImage under emulation costs seconds),
# OUTDIR/initrd.cpio and OUTDIR/guest.ini (the guest manifest).
# No root needed: the kernel package is unpacked with dpkg-deb, the cpio is
# written from a staging tree, and the one device node is a hand-written
# cpio entry. The .deb and what is extracted from it are cached in
# $CORRAL_GUEST_CACHE (default ~/.cache/corral/tiny-guest) so rebuilds are
# offline and take about a second.
set -euo pipefail

out=$(realpath -m "$1")
here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
cache=${CORRAL_GUEST_CACHE:-${XDG_CACHE_HOME:-${HOME:-/tmp}/.cache}/corral/tiny-guest}
mkdir -p "$out" "$cache"
# Temporary dirs, removed however the script ends.
tmps=()
trap 'rm -rf "${tmps[@]}"' EXIT

# Modules /init loads, named as in the kernel tree; their dependencies are
# added (and ordered) from modinfo below.
modules="virtio virtio_ring virtio_pci_legacy_dev virtio_pci_modern_dev
virtio_pci 9p 9pnet 9pnet_virtio netfs fscache button evdev virtio_net
virtio-gpu virtio_input psmouse xhci_pci usbhid hid_generic virtio_console"

# busybox-static installs /bin/busybox; a dynamic one would not run in
# the guest, which has no libc.
busybox=${BUSYBOX:-/bin/busybox}
if [ ! -x "$busybox" ] || ldd "$busybox" >/dev/null 2>&1; then
  echo "build-guest: a static busybox is needed (Debian package busybox-static)" >&2
  exit 1
fi

# --- the kernel package: cached .deb, else apt-get download -------------
deb=$(ls -1 "$cache"/linux-image-*-amd64_*.deb 2>/dev/null | sort -V | tail -n1 || true)
if [ -z "$deb" ]; then
  resolve () {
    apt-cache depends linux-image-amd64 2>/dev/null |
      sed -n 's/^ *Depends: \(linux-image-[0-9].*-amd64\)$/\1/p' | head -n1
  }
  pkg=$(resolve)
  if [ -z "$pkg" ]; then
    # A machine whose package lists were never fetched.
    if [ "$(id -u)" -eq 0 ]; then apt-get update -q >&2 || true
    else sudo -n apt-get update -q >&2 || true; fi
    pkg=$(resolve)
  fi
  if [ -z "$pkg" ]; then
    echo "build-guest: cannot resolve linux-image-amd64 (run apt-get update?)" >&2
    exit 1
  fi
  tmp=$(mktemp -d "$cache/dl.XXXXXX"); tmps+=("$tmp")
  (cd "$tmp" && apt-get download -q "$pkg" >&2 2>/dev/null) ||
    (cd "$tmp" && apt-get download "$pkg" >&2)
  mv "$tmp"/*.deb "$cache"/
  deb=$(ls -1 "$cache"/linux-image-*-amd64_*.deb | sort -V | tail -n1)
fi

# --- extracted kernel and modules, cached per .deb -------------------------
# (bump the suffix when the list of extracted files changes)
key=$(basename "$deb" .deb)-2
kdir=$cache/$key
if [ ! -f "$kdir/done" ]; then
  tmp=$(mktemp -d "$cache/x.XXXXXX"); tmps+=("$tmp")
  dpkg-deb --fsys-tarfile "$deb" |
    tar -x -C "$tmp" --wildcards './boot/vmlinuz-*' \
      './lib/modules/*/kernel/drivers/virtio/*' \
      './lib/modules/*/kernel/drivers/char/virtio_console.ko' \
      './lib/modules/*/kernel/drivers/gpu/drm/*' \
      './lib/modules/*/kernel/drivers/net/*' \
      './lib/modules/*/kernel/drivers/input/*' \
      './lib/modules/*/kernel/drivers/acpi/button.ko' \
      './lib/modules/*/kernel/drivers/usb/*' \
      './lib/modules/*/kernel/drivers/hid/*' \
      './lib/modules/*/kernel/drivers/i2c/*' \
      './lib/modules/*/kernel/drivers/video/*' \
      './lib/modules/*/kernel/fs/9p/*' './lib/modules/*/kernel/fs/netfs/*' \
      './lib/modules/*/kernel/fs/fscache/*' './lib/modules/*/kernel/net/*'
  # The bzImage carries the kernel as an xz stream: find its magic and
  # decompress what follows (xz stops at the end of the stream).
  vmlinuz=$(ls "$tmp"/boot/vmlinuz-*)
  off=$(grep -abo $'\xfd7zXZ\x00' "$vmlinuz" | head -n1 | cut -d: -f1)
  tail -c +$((off + 1)) "$vmlinuz" | xz -dc --single-stream > "$tmp/vmlinux" 2>/dev/null || true
  if [ "$(head -c 4 "$tmp/vmlinux" | od -An -c | tr -d ' ')" != '177ELF' ]; then
    echo "build-guest: no ELF kernel found inside $vmlinuz" >&2
    exit 1
  fi
  touch "$tmp/done"
  rm -rf "$kdir"
  mv "$tmp" "$kdir"
fi
moddir=$(ls -d "$kdir"/lib/modules/*)

# --- modules in load order (dependencies first) ----------------------------
declare -A seen=()
order=()
find_ko () {
  find "$moddir/kernel" -name "$1.ko" -o -name "$(echo "$1" | tr _ -).ko" |
    head -n1
}
add_module () {
  local name=$1 ko dep
  [ -z "${seen[$name]:-}" ] || return 0
  seen[$name]=1
  ko=$(find_ko "$name")
  if [ -z "$ko" ]; then
    ko=$(find_ko "$(echo "$name" | tr - _)")
  fi
  [ -n "$ko" ] || { echo "build-guest: module $name not found" >&2; exit 1; }
  for dep in $(modinfo -F depends "$ko" | tr , ' '); do
    add_module "$dep"
  done
  order+=("$ko")
}
for m in $modules; do add_module "$m"; done

# --- the initramfs tree ----------------------------------------------------
stage=$(mktemp -d); tmps+=("$stage")
mkdir -p "$stage"/{bin,sbin,etc,proc,sys,dev,tmp,run,root,project,mnt/meta,mnt/state,lib/modules,home/sandbox,usr/bin,usr/sbin,usr/share/udhcpc}
cp "$busybox" "$stage/bin/busybox"
for applet in $("$busybox" --list); do
  [ "$applet" = busybox ] || ln -s busybox "$stage/bin/$applet"
done
ln -sf busybox "$stage/bin/bash"   # "bash" entrypoints get busybox's ash
: > "$stage/lib/modules/load-order"
for ko in "${order[@]}"; do
  cp "$ko" "$stage/lib/modules/"
  basename "$ko" >> "$stage/lib/modules/load-order"
done
install -m 0755 "$here/init" "$stage/init"
# The console relay, static: the guest has no libc.
${CC:-cc} -O2 -Wall -static -o "$stage/bin/corral-relay" "$here/corral-relay.c"
for f in "$here"/rootfs/*; do
  [ -e "$f" ] || continue
  cp -r "$f" "$stage/"
done
echo 'root:x:0:0:root:/root:/bin/sh' > "$stage/etc/passwd"
echo 'root:x:0:' > "$stage/etc/group"

# newc cpio of the tree, owned by root whoever builds it, plus a
# hand-written entry for /dev/console: a device node in an archive needs no
# mknod.
cpio_entry () { # name mode rdevmajor rdevminor
  local name=$1 namesize=$(( ${#1} + 1 ))
  printf '070701%08X%08X%08X%08X%08X%08X%08X%08X%08X%08X%08X%08X%08X%s\0' \
    0 "$2" 0 0 1 0 0 0 0 "$3" "$4" "$namesize" 0 "$name"
  # header (110 bytes) + name padded to a multiple of 4
  local pad=$(( (4 - (110 + namesize) % 4) % 4 ))
  head -c "$pad" /dev/zero
}
tmpcpio=$out/initrd.cpio.tmp
# GNU cpio's archive ends with its own trailer; the kernel reads archives
# back to back, so the device node goes in a second one.
(cd "$stage" && find . -mindepth 1 | LC_ALL=C sort |
  cpio -o -H newc -R 0:0 --quiet) > "$tmpcpio"
{
  cpio_entry dev/console $((0020600)) 5 1
  cpio_entry 'TRAILER!!!' 0 0 0
} >> "$tmpcpio"
mv "$tmpcpio" "$out/initrd.cpio"

cp "$kdir/vmlinux" "$out/vmlinux.tmp" && mv "$out/vmlinux.tmp" "$out/vmlinux"

# AgentConsole=virtio: the agent on a virtio-serial port (/init falls back
# to ttyS0 when the host offers none); ttyS0 is the boot messages'.
# no_timer_check: on a starved host the kernel's IO-APIC timer check can
# miss its ticks under emulation and panic ("IO-APIC + timer doesn't
# work!"), as it did here with the machine's two cores fully loaded.
cat > "$out/guest.ini.tmp" <<INI
# The tiny test guest (tests/guest/README). Generated by build-guest.sh.
[Guest]
Name=Corral tiny test guest
Kernel=vmlinux
Initrd=initrd.cpio
Cmdline=console=tty0 console=ttyS0 quiet cryptomgr.notests loglevel=3 no_timer_check
AgentConsole=virtio
AgentSerial=0
EnterSerial=1
Graphical=true
Vga=virtio
MinMemory=256
Machine=q35
INI
mv "$out/guest.ini.tmp" "$out/guest.ini"
