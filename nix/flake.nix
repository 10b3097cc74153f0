# Corral for Nix users, with the seed's outputs:
#   nix build 'git+https://<corral repo>?dir=nix#vm'
#   ./result/bin/claude-sandbox-vm [--shell] [--gh-token] /path/to/project
#   nix build '...?dir=nix#vm-no-network'
# The flake lives in nix/ (Corral's top level is fixed); it builds the
# repository around it (../.), so use it from a git checkout or git URL.
{
  description = "Corral: a coding agent in a QEMU VM per project, and its NixOS guest";

  inputs.nixpkgs.url = "github:NixOS/nixpkgs/nixos-25.05";

  outputs =
    { self, nixpkgs }:
    let
      system = "x86_64-linux";
      pkgs = import nixpkgs {
        inherit system;
        config.allowUnfree = true; # claude-code
      };
      lib = nixpkgs.lib;

      # The seed's NixOS evaluator interface: args.imports are the modules.
      nixos =
        args:
        lib.nixosSystem {
          inherit system;
          modules = args.imports;
        };

      corral = pkgs.callPackage ./package.nix { src = ../.; };

      mkGuest =
        {
          network ? true,
          extraModules ? [ ],
        }:
        pkgs.callPackage ./guest.nix { inherit nixos network extraModules; };

      mkVm =
        {
          network ? true,
          extraModules ? [ ],
        }:
        pkgs.callPackage ./vm.nix {
          inherit
            corral
            nixos
            network
            extraModules
            ;
        };

      guest = mkGuest { };
    in
    {
      packages.${system} = {
        default = corral;
        inherit corral guest;
        guest-no-network = mkGuest { network = false; };
        vm = mkVm { };
        vm-no-network = mkVm { network = false; };
      };

      apps.${system} = {
        default = {
          type = "app";
          program = lib.getExe corral;
        };
        vm = {
          type = "app";
          program = "${self.packages.${system}.vm}/bin/claude-sandbox-vm";
        };
      };

      checks.${system} = {
        inherit corral;
        # Every 9p tag of the guest contract is in the guest's fstab (the
        # module asserts it too; this checks the file the guest boots with).
        guest-fstab = pkgs.runCommand "corral-guest-fstab-check" { } ''
          fstab=${pkgs.writeText "fstab" guest.config.environment.etc.fstab.text}
          for tag in ${lib.concatStringsSep " " guest.config.corral.guest.tags}; do
            grep -Eq "^$tag[[:space:]].*[[:space:]]9p[[:space:]]" "$fstab" || {
              echo "guest fstab lacks the 9p tag $tag:"; cat "$fstab"; exit 1; }
          done
          touch $out
        '';
      };

      nixosModules.guest = ./guest-module.nix;

      lib = { inherit mkGuest mkVm nixos; };

      devShells.${system}.default = pkgs.mkShell {
        inputsFrom = [ corral ];
        packages = with pkgs; [
          qemu_kvm
          xvfb-run
          xdotool
          imagemagick
          desktop-file-utils
          appstream
          nixfmt-rfc-style
        ];
      };
    };
}
