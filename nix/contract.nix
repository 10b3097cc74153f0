# The parts of the guest contract (data/guests/CONTRACT.md) that are plain
# data: the 9p shares, the consoles and the guest manifest's text. Builtins
# only, no nixpkgs, so the tests evaluate it with `nix-instantiate --eval`
# on machines without a Nix store; guest-module.nix and guest.nix use it.
let
  # Mounts under the home (and the state dir) wait for the ids to be set.
  afterIds = "x-systemd.after=corral-setup.service";
  optional = cond: x: if cond then [ x ] else [ ];
in
rec {
  # The seed's share table plus state_dir. `required = false`: the host may
  # leave the share out and the boot goes on (nofail).
  shares = [
    { tag = "project_share"; mountPoint = "/project"; readOnly = false; required = true;
      options = [ "msize=104857600" ]; }
    { tag = "claude_meta"; mountPoint = "/mnt/meta"; readOnly = true; required = true; }
    { tag = "state_dir"; mountPoint = "/mnt/state"; readOnly = false; required = false;
      waitForIds = true; }
    { tag = "claude_auth"; mountPoint = "/home/sandbox/.claude"; readOnly = false; required = false;
      waitForIds = true; }
    # QEMU shares folders only: a folder holding .gitconfig, which
    # corral-home links to ~/.gitconfig.
    { tag = "git_config"; mountPoint = "/mnt/git_config"; readOnly = true; required = false; }
    { tag = "git_config_dir"; mountPoint = "/home/sandbox/.config/git"; readOnly = true; required = false;
      waitForIds = true; }
    { tag = "gh_config_dir"; mountPoint = "/home/sandbox/.config/gh"; readOnly = true; required = false;
      waitForIds = true; }
    { tag = "ssh_dir"; mountPoint = "/home/sandbox/.ssh"; readOnly = true; required = false;
      waitForIds = true; }
  ];

  tags = map (s: s.tag) shares;

  mountOptions = s:
    [ "trans=virtio" "version=9p2000.L" ]
    ++ (s.options or [ ])
    ++ optional s.readOnly "ro"
    ++ optional (!s.required) "nofail"
    # nofail drops the mount from local-fs.target's ordering: at power-off
    # systemd would unmount it while the sessions still use it ("[FAILED]
    # Failed unmounting"); ordered, it goes after them.
    ++ optional (!s.required) "x-systemd.before=local-fs.target"
    ++ optional (s.waitForIds or false) afterIds;

  # For virtualisation.fileSystems (qemu-vm.nix replaces fileSystems with
  # it, so 9p mounts declared elsewhere would be dropped).
  fileSystems = builtins.listToAttrs (map (s: {
    name = s.mountPoint;
    value = {
      device = s.tag;
      fsType = "9p";
      options = mountOptions s;
      noCheck = true;
    };
  }) shares);

  # ttyS0 last: /dev/console, the boot messages. The agent console is the
  # virtio-serial port io.github.corral.agent.0 (AgentConsole=virtio below;
  # the guest module logs in there), or ttyS0 where a host offers no port.
  consoles = [ "tty0" "ttyS0,115200n8" ];

  # The guest manifest (a GKeyFile Corral reads; see src/engine/corral-guest.c).
  manifest =
    { kernel, initrd, cmdline, disk, name ? "NixOS (Corral)", minMemory ? 2048,
      # The guest's virtualisation.qemu.consoles (an extra module may change them).
      consoleList ? consoles }:
    ''
      # Corral guest manifest of the NixOS guest (nix/guest.nix).
      # Guest contract: data/guests/CONTRACT.md in Corral's source.
      [Guest]
      Name=${name}
      Kernel=${kernel}
      Initrd=${initrd}
      Cmdline=${cmdline} ${builtins.concatStringsSep " " (map (c: "console=${c}") consoleList)}
      Disk=${disk}
      DiskFormat=raw
      DiskSnapshot=true
      AgentConsole=virtio
      AgentSerial=0
      EnterSerial=1
      Graphical=true
      Vga=virtio
      Machine=q35
      MinMemory=${toString minMemory}
    '';
}
