#!/usr/bin/env python3
"""Packaging: the nix/ files parse offline and carry the seed's interface.

Nothing here has a Nix store: `nix-instantiate --parse` checks syntax only,
the rest checks the names the seed's users rely on. TAP output.
"""
import os
import re
import subprocess
import sys

# The source tree: this file is tests/guests/<name>.
top = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
nixdir = os.path.join(top, "nix")
results = []


def check(name, ok, diag=""):
    results.append((name, ok, diag))


files = sorted(
    os.path.join(d, f) for d, _, fs in os.walk(nixdir) for f in fs if f.endswith(".nix")
)
check("nix/ holds .nix files", len(files) >= 5, f"found {files}")
for f in files:
    p = subprocess.run(["nix-instantiate", "--parse", f], capture_output=True, text=True)
    check(f"nix-instantiate --parse {os.path.relpath(f, top)}", p.returncode == 0, p.stderr)


def read(name):
    with open(os.path.join(nixdir, name)) as fh:
        return fh.read()


flake = read("flake.nix")
for out in ("vm", "vm-no-network", "corral", "guest"):
    check(f"flake has packages output {out}", re.search(rf"^\s*{re.escape(out)}\s*=", flake, re.M) is not None
          or re.search(rf"inherit [^;]*\b{re.escape(out)}\b", flake) is not None)
check("flake has a devShell", "devShells.${system}.default" in flake)
check("flake has the fstab check", "guest-fstab" in flake)
check("vm-no-network turns the network off", re.search(r"vm-no-network\s*=\s*mkVm\s*\{\s*network\s*=\s*false", flake) is not None)

vm = read("vm.nix")
for arg in ("nixos", "network ? true", "extraModules ? [ ]"):
    check(f"vm.nix takes the seed's parameter {arg.split()[0]}", arg in vm)
check("vm.nix installs bin/claude-sandbox-vm", 'name = "claude-sandbox-vm"' in vm)
for opt in ("--shell", "--gh-token"):
    check(f"claude-sandbox-vm accepts {opt}", f"{opt})" in vm)
check("claude-sandbox-vm passes --no-network when network is off", '"--no-network"' in vm)
check("claude-sandbox-vm hands the guest manifest to corral", "--guest ${guest}/guest.ini" in vm)

module = read("guest-module.nix")
tags = ["project_share", "claude_auth", "git_config", "git_config_dir",
        "gh_config_dir", "ssh_dir", "claude_meta", "state_dir"]
fs_block = module.split("fileSystems = {", 1)[1] if "fileSystems = {" in module else ""
for tag in tags:
    check(f"guest module mounts 9p tag {tag} under virtualisation.fileSystems",
          re.search(rf'ninep "{tag}"', fs_block) is not None)
check("guest module asserts every tag is in the fstab", "assertions = map" in module)
check("guest has no host /nix/store share", "mountHostNixStore = false" in module)
check("memory and cores default to the seed's 4096/4",
      "memorySize = lib.mkDefault 4096" in module and "cores = lib.mkDefault 4" in module)
check("serial console is listed last", re.search(r'"tty0"\s*"ttyS0,115200n8"', module) is not None)
check("Claude in Chrome forced by policy",
      "fcoeoabgfenejglbffodgkkbkcdhcgfn" in read("sandbox-spec.nix") and "ExtensionInstallForcelist" in module)
check("nix-ld enabled", "programs.nix-ld.enable = true" in module)
spec = read("sandbox-spec.nix")
for pkg in ("claude-code", "git", "gh", "openssh", "nodejs", "ps.pip", "tmux", "ripgrep", "jq", "curl", "gcc"):
    check(f"sandbox spec lists {pkg}", re.search(rf"\b{re.escape(pkg)}\b", spec) is not None)

package = read("package.nix")
check("app package uses meson and wrapGAppsHook4", "meson" in package and "wrapGAppsHook4" in package)
check("app package puts QEMU on PATH", "--prefix PATH" in package and "qemu" in package)

print(f"1..{len(results)}")
failed = 0
for i, (name, ok, diag) in enumerate(results, 1):
    print(f"{'ok' if ok else 'not ok'} {i} - {name}")
    if not ok:
        failed += 1
        for line in str(diag).strip().splitlines()[:20]:
            print(f"# {line}")
sys.exit(1 if failed else 0)
