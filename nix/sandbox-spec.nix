# What every Corral sandbox guest carries: the seed's sandbox spec
# (claude-code-nix-sandbox's nix/sandbox-spec.nix), extended with the
# toolchain its later revisions added.
{ pkgs }:
{
  packages = with pkgs; [
    claude-code
    git
    gh
    openssh
    nodejs
    (python3.withPackages (ps: [ ps.pip ]))
    tmux
    ripgrep
    jq
    curl
    wget
    # The usual userland: scripts the agent writes call these as binaries.
    coreutils
    util-linux
    findutils
    gnugrep
    gnused
    gawk
    diffutils
    patch
    file
    less
    which
    procps
    psmisc
    iproute2
    gnutar
    gzip
    bzip2
    xz
    zip
    unzip
    # A C toolchain.
    gcc
    gnumake
    pkg-config
    # X tools the graphical session and the agent use.
    xorg.xrandr
    xorg.xwininfo
    xdotool
    nix
  ];

  # Chromium extensions forced by managed policy: "Claude in Chrome".
  chromeExtensionIds = [
    "fcoeoabgfenejglbffodgkkbkcdhcgfn"
  ];
}
