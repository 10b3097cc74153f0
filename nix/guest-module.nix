# The NixOS guest: the Corral guest contract (data/guests/CONTRACT.md) on
# the seed's system (qemu-vm.nix, Xorg + Openbox + Chromium, getty
# auto-login, the tty guard). The contract's scripts are the Debian
# guest's (data/guests/debian/rootfs), so both guests behave the same.
{
  config,
  lib,
  pkgs,
  modulesPath,
  ...
}:

let
  cfg = config.corral.guest;
  spec = import ./sandbox-spec.nix { inherit pkgs; };
  rootfs = ../data/guests/debian/rootfs;

  # The contract's scripts with Debian's paths replaced by store paths.
  # python3-xlib: the clipboard helper waits for the X server's XFixes
  # notice instead of polling.
  scripts = pkgs.runCommand "corral-guest-scripts" { buildInputs = [ (pkgs.python3.withPackages (ps: [ ps.xlib ])) pkgs.bash ]; } ''
    mkdir -p $out/lib/corral $out/share/corral $out/etc
    cp ${rootfs}/usr/lib/corral/* $out/lib/corral/
    cp ${rootfs}/usr/share/corral/* $out/share/corral/
    cp ${rootfs}/etc/profile.d/corral.sh $out/etc/profile.sh
    cp ${rootfs}/etc/xdg/openbox/autostart $out/etc/openbox-autostart
    for f in $out/lib/corral/* $out/etc/*; do
      substituteInPlace "$f" \
        --replace-quiet /usr/lib/corral "$out/lib/corral" \
        --replace-quiet /usr/share/corral "$out/share/corral"
    done
    chmod +x $out/lib/corral/*
    patchShebangs $out/lib/corral
  '';

  # The shares, consoles and tags: plain data shared with guest.nix and
  # evaluated by the tests without nixpkgs.
  contract = import ./contract.nix;
in
{
  imports = [ "${modulesPath}/virtualisation/qemu-vm.nix" ];

  options.corral.guest = {
    network = lib.mkOption {
      type = lib.types.bool;
      default = true;
      description = "DHCP on the VM's NIC (the app also leaves the NIC out when the network is off).";
    };
    tags = lib.mkOption {
      type = lib.types.listOf lib.types.str;
      readOnly = true;
      default = contract.tags;
      description = "9p tags of the guest contract.";
    };
  };

  config = {
    nixpkgs.config.allowUnfree = true; # claude-code

    virtualisation = {
      # The seed's defaults; the launcher passes them to Corral.
      memorySize = lib.mkDefault 4096;
      cores = lib.mkDefault 4;
      graphics = true;
      # Self-contained: the store is a disk image built with the guest, not
      # the host's /nix/store over 9p (Corral builds QEMU's command itself,
      # and a Flatpak has no host store).
      mountHostNixStore = false;
      useNixStoreImage = true;
      writableStore = true;
      diskImage = null; # root on tmpfs: nothing outside the shares persists
      sharedDirectories = lib.mkForce { }; # only the contract's shares
      # Serial console last: it is /dev/console.
      qemu.consoles = contract.consoles;
      vlans = lib.mkIf (!cfg.network) [ ];

      # Under virtualisation.fileSystems: qemu-vm.nix replaces fileSystems
      # with it, so 9p mounts declared elsewhere would be dropped. Every tag
      # of the seed's share table (plus state_dir): the fstab must carry
      # each one (checked below and by the flake's guest-fstab check).
      fileSystems = contract.fileSystems;
    };

    assertions = map (tag: {
      assertion = lib.any (fs: fs.device == tag && fs.fsType == "9p") (lib.attrValues config.fileSystems);
      message = "Corral guest contract: no 9p mount with tag ${tag} in the guest's fstab (declare it under virtualisation.fileSystems).";
    }) cfg.tags;

    boot.initrd.availableKernelModules = [
      "erofs"
      "overlay"
      "virtio_blk"
      "virtio_pci"
    ];
    boot.kernelModules = [
      "9p"
      "9pnet_virtio"
    ];
    # The virtio-serial ports (the agent console) exist before the gettys
    # start, so ttyS0's knows whether to stay quiet.
    boot.initrd.kernelModules = [ "virtio_console" ];

    users.users.sandbox = {
      isNormalUser = true;
      home = "/home/sandbox";
      uid = 1000; # the host user's ids are applied at boot (corral-setup)
      extraGroups = [
        "wheel"
        "video"
        "audio"
        "input"
      ];
    };
    users.mutableUsers = true;
    security.sudo = {
      enable = true;
      wheelNeedsPassword = false;
      # Corral's proxy (contract section 4): `sudo pip`, `sudo curl` find it
      # (the same lines as the Debian guest's sudoers.d/corral).
      extraConfig = ''
        Defaults env_keep += "http_proxy https_proxy HTTP_PROXY HTTPS_PROXY no_proxy NO_PROXY"
        Defaults env_keep += "npm_config_proxy npm_config_https_proxy PIP_PROXY"
      '';
    };
    systemd.tmpfiles.rules = map (d: "d /home/sandbox/${d} 0755 sandbox users -") [
      ".config"
      ".config/git"
      ".config/gh"
      ".ssh"
      ".claude"
      ".local"
      ".cache"
    ];

    # Auto-login on the agent console (the virtio-serial port
    # io.github.corral.agent.0, or ttyS0 for a host without it) and the
    # second console; the tty guard (profile.sh) runs the entrypoint on the
    # agent console only. With the port, ttyS0 carries boot messages and no
    # login. A port is no tty: agent-console opens it and logs in there.
    systemd.services."serial-getty@ttyS0".serviceConfig.ExecCondition =
      "${pkgs.bash}/bin/sh -c '! ${scripts}/lib/corral/agent-console --check'";
    systemd.services.corral-agent-console = {
      description = "Corral agent console on the virtio-serial port";
      after = [ "corral-setup.service" "corral-home.service" "systemd-user-sessions.service" ];
      wants = [ "corral-setup.service" ];
      before = [ "getty.target" ];
      wantedBy = [ "getty.target" ];
      path = with pkgs; [ util-linux coreutils bash ];
      environment.TERM = "xterm-256color";
      serviceConfig = {
        ExecCondition = "${scripts}/lib/corral/agent-console --check";
        ExecStart = "${scripts}/lib/corral/agent-console";
        # As a getty: a session that ended is logged in again.
        Restart = "always";
        RestartSec = 1;
        SendSIGHUP = true;
        IgnoreSIGPIPE = false;
      };
    };
    services.getty.autologinUser = "sandbox";
    systemd.services."serial-getty@ttyS1" = {
      enable = true;
      wantedBy = [ "getty.target" ];
    };
    systemd.services."serial-getty@".environment.TERM = lib.mkForce "xterm-256color";
    environment.loginShellInit = ''
      . ${scripts}/etc/profile.sh
    '';

    systemd.services.corral-setup = {
      description = "Corral guest set-up from the host's metadata (ids)";
      unitConfig.DefaultDependencies = false;
      requires = [ "mnt-meta.mount" ];
      after = [ "mnt-meta.mount" ];
      before = [
        "local-fs.target"
        "systemd-user-sessions.service"
        "getty.target"
        "display-manager.service"
      ];
      wantedBy = [ "local-fs.target" ];
      path = with pkgs; [ shadow util-linux coreutils systemd ];
      serviceConfig = {
        Type = "oneshot";
        RemainAfterExit = true;
        ExecStart = "${scripts}/lib/corral/setup ids";
      };
    };
    systemd.services.corral-home = {
      description = "Corral guest set-up: project and home at the host's paths";
      after = [ "local-fs.target" "corral-setup.service" ];
      before = [
        "systemd-user-sessions.service"
        "getty.target"
        "display-manager.service"
      ];
      wantedBy = [ "multi-user.target" ];
      path = with pkgs; [ shadow util-linux coreutils systemd ];
      serviceConfig = {
        Type = "oneshot";
        RemainAfterExit = true;
        ExecStart = "${scripts}/lib/corral/setup home";
      };
    };

    # The graphical session: Xorg + Openbox + Chromium on virtio-vga.
    services.xserver = {
      enable = true;
      videoDrivers = [ "modesetting" ];
      windowManager.openbox.enable = true;
    };
    services.displayManager = {
      autoLogin = {
        enable = true;
        user = "sandbox";
      };
      defaultSession = "none+openbox";
    };
    environment.etc."xdg/openbox/autostart".source = "${scripts}/etc/openbox-autostart";
    environment.etc."chromium/policies/managed/corral.json".text = builtins.toJSON {
      ExtensionInstallForcelist = spec.chromeExtensionIds;
      DefaultBrowserSettingEnabled = false;
      MetricsReportingEnabled = false;
    };
    services.spice-vdagentd.enable = true;
    # Corral's clipboard channel (the session's helper opens it) and the
    # agent session's channel (the agent console's login opens it).
    services.udev.extraRules =
      builtins.readFile ../data/guests/debian/rootfs/etc/udev/rules.d/70-corral-clipboard.rules
      + builtins.readFile ../data/guests/debian/rootfs/etc/udev/rules.d/70-corral-session.rules;

    # ACPI power button: clean power-off, quickly.
    systemd.extraConfig = "DefaultTimeoutStopSec=10s";

    programs.nix-ld.enable = true; # prebuilt binaries the agent downloads
    environment.systemPackages = spec.packages ++ [
      pkgs.chromium
      pkgs.spice-vdagent
      pkgs.xclip # the clipboard helper; the agent copies with it too
    ];

    networking = {
      hostName = "sandbox";
      useDHCP = cfg.network;
    };

    system.stateVersion = "25.05";
  };
}
