#!/usr/bin/env python3
"""Packaging: the nix/ files parse offline and carry the seed's interface.

Nothing here has a Nix store or nixpkgs: `nix-instantiate --parse` checks
syntax only; nix/contract.nix (builtins only) is evaluated for real with
`nix-instantiate --eval`, against CONTRACT.md and Corral's own --dry-run;
the rest checks the names the seed's users rely on. TAP output.
"""
import json
import os
import re
import subprocess
import sys
import tempfile

# The source tree: this file is tests/guests/<name>.
top = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
nixdir = os.path.join(top, "nix")
results = []


def check(name, ok, diag=""):
    results.append((name, ok, diag))


files = sorted(
    os.path.join(d, f) for d, _, fs in os.walk(nixdir) for f in fs if f.endswith(".nix")
)
check("nix/ holds .nix files", len(files) >= 6, f"found {files}")
for f in files:
    p = subprocess.run(["nix-instantiate", "--parse", f], capture_output=True, text=True)
    check(f"nix-instantiate --parse {os.path.relpath(f, top)}", p.returncode == 0, p.stderr)


def read(name):
    with open(os.path.join(nixdir, name)) as fh:
        return fh.read()


def read_top(name):
    with open(os.path.join(top, name)) as fh:
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
# qemu-vm.nix keeps only the mounts under virtualisation.fileSystems.
virt_block = module.split("virtualisation = {", 1)[1].split("\n    };", 1)[0] if "virtualisation = {" in module else ""
check("guest module mounts the contract's shares under virtualisation.fileSystems",
      "fileSystems = contract.fileSystems;" in virt_block)
check("guest module's tags and consoles are the contract's",
      "default = contract.tags;" in module and "qemu.consoles = contract.consoles;" in module)
check("guest module asserts every tag is in the fstab", "assertions = map" in module)
check("guest module logs in on the agent's virtio-serial port, and not on ttyS0 where it exists",
      "systemd.services.corral-agent-console" in module and "lib/corral/agent-console\";" in module
      and "! ${scripts}/lib/corral/agent-console --check" in module)
check("guest has no host /nix/store share", "mountHostNixStore = false" in module)
check("memory and cores default to the seed's 4096/4",
      "memorySize = lib.mkDefault 4096" in module and "cores = lib.mkDefault 4" in module)
check("Claude in Chrome forced by policy",
      "fcoeoabgfenejglbffodgkkbkcdhcgfn" in read("sandbox-spec.nix") and "ExtensionInstallForcelist" in module)
check("nix-ld enabled", "programs.nix-ld.enable = true" in module)
spec = read("sandbox-spec.nix")
for pkg in ("claude-code", "git", "gh", "openssh", "nodejs", "ps.pip", "tmux", "ripgrep", "jq", "curl", "gcc"):
    check(f"sandbox spec lists {pkg}", re.search(rf"\b{re.escape(pkg)}\b", spec) is not None)

# nix/contract.nix needs no nixpkgs: Debian's nix evaluates it for real.
# Its shares must be the contract's table (data/guests/CONTRACT.md), its
# manifest one Corral accepts.
nix_env = dict(os.environ, NIX_CONFIG="build-users-group =")


def nix_eval(expr):
    p = subprocess.run(["nix-instantiate", "--readonly-mode", "--eval", "--strict", "--json", "-E", expr],
                       capture_output=True, text=True, env=nix_env)
    if p.returncode != 0:
        return None, p.stderr
    return json.loads(p.stdout), p.stderr


contract_path = os.path.join(nixdir, "contract.nix")
contract = f"(import {contract_path})"
shares, err = nix_eval(f"{contract}.shares")
fs, _ = nix_eval(f"{contract}.fileSystems")
consoles, _ = nix_eval(f"{contract}.consoles")
check("nix-instantiate --eval evaluates nix/contract.nix without nixpkgs", None not in (shares, fs, consoles), err)
shares, fs, consoles = shares or [], fs or {}, consoles or []

with open(os.path.join(top, "data", "guests", "CONTRACT.md")) as fh:
    table = {}
    for m in re.finditer(r"^\| `([^`]+)` \| `([a-z_]+)` \| ([^|]+) \| ([^|]+) \|", fh.read(), re.M):
        mount, tag, mode, required = m.groups()
        table[tag] = (mount, mode.strip(), required.strip())
check("CONTRACT.md's share table has the seed's eight tags", len(table) == 8, table)
by_tag = {sh["tag"]: sh for sh in shares}
check("contract.nix has exactly CONTRACT.md's tags", set(by_tag) == set(table), f"{sorted(by_tag)} vs {sorted(table)}")
mounts = {v["device"]: (k, v) for k, v in fs.items()}
for tag, (mount, mode, required) in sorted(table.items()):
    where, entry = mounts.get(tag, (None, {}))
    opts = entry.get("options", [])
    # git_config: QEMU shares folders only, so the guest mounts the folder
    # and links ~/.gitconfig to the file in it (CONTRACT.md says so).
    want_mount = "/mnt/git_config" if tag == "git_config" else mount
    ok = (where == want_mount and entry.get("fsType") == "9p"
          and "trans=virtio" in opts and "version=9p2000.L" in opts
          and ("ro" in opts) == mode.startswith("ro")
          and ("nofail" in opts) == required.startswith("nofail"))
    check(f"9p mount of {tag}: {want_mount}, {mode.split(',')[0]}, {'nofail' if 'nofail' in opts else 'required'} as in CONTRACT.md",
          ok, f"{where} {entry}")
    if "nofail" in opts:
        check(f"{tag} is unmounted after the sessions that use it (x-systemd.before=local-fs.target)",
              "x-systemd.before=local-fs.target" in opts, opts)
check("project share mounted with msize=104857600",
      "msize=104857600" in mounts.get("project_share", ("", {}))[1].get("options", []))
check("ttyS0 is the last console (/dev/console: the boot messages), after tty0; no hvc0",
      len(consoles) == 2 and consoles[0] == "tty0" and consoles[1].startswith("ttyS0,"), consoles)

# The manifest the NixOS guest ships, generated by Nix from stand-in files
# and read by Corral itself (--dry-run): what QEMU would get.
corral = os.environ.get("CORRAL_BIN")
with tempfile.TemporaryDirectory() as tmp:
    for f in ("kernel", "initrd", "store.img"):
        open(os.path.join(tmp, f), "w").close()
    os.mkdir(os.path.join(tmp, "project"))
    text, err = nix_eval(f'{contract}.manifest {{ kernel = "{tmp}/kernel"; initrd = "{tmp}/initrd"; '
                         f'cmdline = "loglevel=4 init=/nix/store/x-nixos/init"; disk = "{tmp}/store.img"; }}')
    check("contract.nix generates the guest manifest", isinstance(text, str), err)
    ini = os.path.join(tmp, "guest.ini")
    with open(ini, "w") as fh:
        fh.write(text or "")
    # Both real guests declare the same keys (data/guests/build-guest writes the Debian one).
    heredoc = read_top("data/guests/build-guest").split("[Guest]\n", 1)[-1].split("\nINI\n", 1)[0]
    debian_keys = set(re.findall(r"^([A-Za-z]+)=", heredoc, re.M))
    nix_keys = set(re.findall(r"^([A-Za-z]+)=", text or "", re.M))
    check("NixOS and Debian manifests declare the same keys", nix_keys == debian_keys and len(nix_keys) >= 10,
          f"{sorted(nix_keys)} vs {sorted(debian_keys)}")
    if corral:
        env = dict(os.environ, HOME=tmp, XDG_CONFIG_HOME=f"{tmp}/config", XDG_STATE_HOME=f"{tmp}/state",
                   XDG_CACHE_HOME=f"{tmp}/cache", XDG_RUNTIME_DIR=f"{tmp}/run")
        os.mkdir(f"{tmp}/run", 0o700)
        p = subprocess.run([corral, "--dry-run", "--guest", ini, os.path.join(tmp, "project")],
                           capture_output=True, text=True, env=env)
        # The dry run prints the jail, the network, then QEMU's line after "# QEMU:".
        lines = p.stdout.splitlines()
        argv = lines[lines.index("# QEMU:") + 1] if "# QEMU:" in lines else ""
        check("corral --dry-run accepts the generated manifest", p.returncode == 0 and "-kernel" in argv, p.stderr)
        check("QEMU gets the manifest's kernel and initrd",
              f"-kernel {tmp}/kernel" in argv and f"-initrd {tmp}/initrd" in argv, argv)
        check("QEMU's kernel command line ends with ttyS0, the boot console",
              re.search(r"-append '[^']*init=/nix/store/x-nixos/init console=tty0 console=ttyS0,115200n8'", argv)
              is not None, argv)
        check("the store image is a throw-away snapshot (raw, snapshot=on)",
              re.search(rf"-drive file={re.escape(tmp)}/store\.img,format=raw,[^ ]*snapshot=on", argv) is not None, argv)
        check("q35 with virtio-vga for the graphical session",
              "-machine q35" in argv and "-device virtio-vga" in argv, argv)
        check("agent console on the virtio-serial port (AgentConsole=virtio), boot messages on the "
              "first serial port, second console on the next",
              "virtconsole" not in argv and "chardev=agent,name=io.github.corral.agent.0" in argv
              and "-serial chardev:boot -serial chardev:enter" in argv, argv)
    else:
        check("CORRAL_BIN is set (the test runs from meson)", False, "run it with meson test")

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
