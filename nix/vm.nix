# The seed's `vm` output: bin/claude-sandbox-vm starts Corral on the NixOS
# guest. Same options as the seed's launcher:
#   claude-sandbox-vm [--shell] [--gh-token] [project-dir] [--] [agent args...]
# Customise as in the seed:
#   pkgs.callPackage ./nix/vm.nix {
#     nixos = args: nixpkgs.lib.nixosSystem { system = "x86_64-linux"; modules = args.imports; };
#     extraModules = [ { virtualisation.memorySize = 8192; virtualisation.cores = 8; } ];
#   }
{
  lib,
  callPackage,
  writeShellApplication,
  coreutils,
  nixos,
  network ? true,
  extraModules ? [ ],
  corral ? callPackage ./package.nix { },
}:

let
  guest = callPackage ./guest.nix { inherit nixos network extraModules; };
in
writeShellApplication {
  name = "claude-sandbox-vm";
  runtimeInputs = [ coreutils ];
  passthru = { inherit guest corral; };
  text = ''
    opts=()
    while [[ "''${1:-}" == --* ]]; do
      case "$1" in
        --shell) opts+=(--shell); shift ;;
        --gh-token) opts+=(--gh-token); shift ;;
        --) break ;;
        --help|-h)
          echo "Usage: claude-sandbox-vm [--shell] [--gh-token] [project-dir] [--] [agent args...]" >&2
          echo "  --shell     Drop into bash instead of launching claude" >&2
          echo "  --gh-token  Forward GH_TOKEN/GITHUB_TOKEN into the VM" >&2
          exit 0 ;;
        *) echo "Unknown option: $1" >&2; exit 1 ;;
      esac
    done

    project_dir=.
    if [[ $# -gt 0 && "$1" != -- ]]; then
      project_dir=$1
      shift
    fi
    [[ "''${1:-}" != -- ]] || shift
    if [[ ! -d "$project_dir" ]]; then
      echo "Error: $project_dir is not a directory" >&2
      exit 1
    fi
    project_dir=$(realpath "$project_dir")

    exec ${lib.getExe corral} \
      --guest ${guest}/guest.ini \
      --memory ${toString guest.memorySize} \
      --cores ${toString guest.cores} \
      ${lib.optionalString (!network) "--no-network"} \
      "''${opts[@]}" "$project_dir" -- "$@"
  '';
}
