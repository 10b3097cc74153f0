# The NixOS guest as Corral boots it: kernel, initrd, a self-contained
# read-only store image (erofs) and a guest manifest, all in one output.
# Nothing depends on the host's /nix/store being shared (works for a
# Flatpak'd Corral too).
{
  lib,
  runCommand,
  closureInfo,
  gnutar,
  erofs-utils,
  # NixOS evaluator, as in the seed: args: nixpkgs.lib.nixosSystem { modules = args.imports; ... }
  nixos,
  # DHCP on the VM's NIC (false: no network configuration in the guest).
  network ? true,
  # Extra NixOS modules for the guest (packages, memorySize, cores, ...).
  extraModules ? [ ],
}:

let
  system = nixos {
    imports = [
      ./guest-module.nix
      { corral.guest.network = network; }
    ] ++ extraModules;
  };
  inherit (system) config;
  toplevel = config.system.build.toplevel;
  regInfo = closureInfo { rootPaths = [ toplevel ]; };

  # The closure as an erofs image labelled nix-store: qemu-vm.nix's
  # useNixStoreImage mounts it at /nix/.ro-store under a tmpfs overlay.
  storeImage =
    runCommand "corral-nixos-store.img"
      {
        nativeBuildInputs = [
          gnutar
          erofs-utils
        ];
      }
      ''
        tar --create --absolute-names --verbatim-files-from \
          --transform 'flags=rSh;s|/nix/store/||' \
          --files-from ${closureInfo { rootPaths = [ toplevel regInfo ]; }}/store-paths \
        | mkfs.erofs --quiet --force-uid=0 --force-gid=0 -L nix-store -T 0 --tar=f $out
      '';

  # The manifest's text is pure Nix (contract.nix, tested without nixpkgs);
  # NixOS writes the same parameters to ${toplevel}/kernel-params.
  manifest = (import ./contract.nix).manifest {
    kernel = "${toplevel}/kernel";
    initrd = "${toplevel}/initrd";
    cmdline = "${toString config.boot.kernelParams} init=${toplevel}/init regInfo=${regInfo}/registration";
    disk = storeImage;
    consoleList = config.virtualisation.qemu.consoles;
  };
in
runCommand "corral-nixos-guest"
  {
    inherit manifest;
    passAsFile = [ "manifest" ];
    passthru = {
      inherit system config storeImage;
      memorySize = config.virtualisation.memorySize;
      cores = config.virtualisation.cores;
    };
  }
  ''
    mkdir -p $out
    cp "$manifestPath" $out/guest.ini
  ''
