# Corral guest contract (data/guests/CONTRACT.md): what a login of the
# sandbox user on the guest's serial consoles gets. Runs at every login:
# the metadata (/mnt/meta) is read here, after corral-setup.service has
# put the project and the home at the host's paths.
[ -n "${BASH_VERSION:-}" ] || return 0
[ "${LOGNAME:-${USER:-}}" = sandbox ] || return 0
# A shell the console relay started already has all of this.
[ -z "${CORRAL_RELAYED:-}" ] || return 0

corral_meta () { [ -r "/mnt/meta/$1" ] && head -n 1 "/mnt/meta/$1" | tr -d '\r'; }
corral_locale_ok () {
  local want
  want=$(printf '%s' "$1" | tr 'A-Z' 'a-z' | sed 's/utf-8$/utf8/')
  [ "$want" = c ] || [ "$want" = posix ] || locale -a 2>/dev/null | tr 'A-Z' 'a-z' | grep -qxF "$want"
}

__corral_v=$(corral_meta host_home)
if [ -n "$__corral_v" ] && [ -d "$__corral_v" ]; then export HOME="$__corral_v"; fi
export DISPLAY=:0 XAUTHORITY=/home/sandbox/.Xauthority
# Links the agent opens (its sign-in page) go to the browser on the display.
export BROWSER=/usr/lib/corral/open-url
export PATH="$HOME/.local/bin:$PATH" NPM_CONFIG_PREFIX="$HOME/.local"
export DISABLE_AUTOUPDATER=1 # the agent is part of the image, not of ~/.local
# The network (contract section 4): Corral's proxy is the only way out in
# allowlist mode; every tool that reads these variables uses it (curl, git,
# pip, npm, Claude Code). Not secrets: every login gets them.
__corral_v=$(corral_meta proxy)
if [ -n "$__corral_v" ]; then
  export http_proxy="$__corral_v" https_proxy="$__corral_v" HTTP_PROXY="$__corral_v" HTTPS_PROXY="$__corral_v"
  export npm_config_proxy="$__corral_v" npm_config_https_proxy="$__corral_v" PIP_PROXY="$__corral_v"
  __corral_v=$(corral_meta no_proxy)
  export no_proxy="$__corral_v" NO_PROXY="$__corral_v"
fi
# The agent's API is the proxy too: the key is added on the host. Its
# telemetry and error reports stay off (they would carry the key, and are
# not on the allowlist).
__corral_v=$(corral_meta api_base_url)
if [ -n "$__corral_v" ]; then
  export ANTHROPIC_BASE_URL="$__corral_v" CLAUDE_CODE_DISABLE_NONESSENTIAL_TRAFFIC=1
fi
__corral_v=$(corral_meta lang)
if [ -n "$__corral_v" ]; then
  if corral_locale_ok "$__corral_v"; then export LANG="$__corral_v"; else export LANG=C.UTF-8; fi
fi
__corral_v=$(corral_meta lc_all)
if [ -n "$__corral_v" ]; then
  if corral_locale_ok "$__corral_v"; then export LC_ALL="$__corral_v"; else export LC_ALL=C.UTF-8; fi
fi
__corral_v=$(corral_meta host_project)
if [ -n "$__corral_v" ] && cd "$__corral_v" 2>/dev/null; then :; else cd /project 2>/dev/null || cd; fi
unset __corral_v

corral_notice () {
  local kept="the project folder $PWD (shared with the host)"
  mountpoint -q /home/sandbox/.claude && kept="$kept, ~/.claude (the host's)"
  mountpoint -q /mnt/state && kept="$kept, ~/.local (kept per project)"
  printf '%s' "You are running inside Corral's sandbox: a QEMU virtual machine with its own kernel, as the user sandbox (passwordless sudo works). What persists after the VM stops: $kept. Everything else (installed system packages, /tmp, other files) is discarded when the VM stops. A Chromium browser with the Claude in Chrome extension runs on the VM's display (DISPLAY=:0)."
}

# The tty guard: the entrypoint runs only on the agent console (the
# virtio-serial port io.github.corral.agent.0 that agent-console logs in
# on, or ttyS0 when the host offers no such port); the second console
# (ttyS1) gets a shell; other terminals get nothing extra.
__corral_tty=$(tty 2>/dev/null)
if /usr/lib/corral/agent-console --check; then
  [ "$__corral_tty" = /dev/ttyS0 ] && __corral_tty=boot-only
  # A port is no tty: the login is on it when fd 0 is the port's device.
  __corral_v=$(readlink /proc/$$/fd/0)
  for __corral_n in /sys/class/virtio-ports/*/name; do
    [ "$(cat "$__corral_n" 2>/dev/null)" = io.github.corral.agent.0 ] || continue
    __corral_n=${__corral_n%/name}
    [ "$__corral_v" = "/dev/${__corral_n##*/}" ] && __corral_tty=agent-port
  done
  unset __corral_n __corral_v
fi
case "$__corral_tty" in
  agent-port|/dev/ttyS0)
    unset __corral_tty
    # The display session starts now (corral-x11.path): after the agent.
    : > /run/corral/agent-console 2>/dev/null
    # Secrets only for the agent console, as the seed does (the API key is
    # a placeholder: the key stays on the host).
    __corral_v=$(corral_meta apikey)
    [ -z "$__corral_v" ] || export ANTHROPIC_API_KEY="$__corral_v"
    __corral_v=$(corral_meta gh_token)
    [ -z "$__corral_v" ] || export GH_TOKEN="$__corral_v" GITHUB_TOKEN="$__corral_v"
    unset __corral_v
    __corral_entry=$(cat /mnt/meta/entrypoint 2>/dev/null)
    eval "set -- ${__corral_entry:-bash}" 2>/dev/null || set -- bash
    unset __corral_entry
    [ $# -gt 0 ] || set -- bash
    if [ "${1##*/}" = claude ] && ! printf '%s\n' "$@" | grep -qx -- '--append-system-prompt'; then
      __corral_cmd=$1; shift
      set -- "$__corral_cmd" --append-system-prompt "$(corral_notice)" "$@"
      unset __corral_cmd
    elif [ $# -eq 1 ] && [ "$1" = bash ]; then
      set -- bash -i
    fi
    export CORRAL_RELAYED=1
    exec /usr/lib/corral/agent-session "$@"
    ;;
  /dev/ttyS1)
    unset __corral_tty
    export CORRAL_RELAYED=1
    # The session helper sets the host's size on this line and records it.
    exec /usr/lib/corral/console-relay --size-file /run/corral/second-console-size bash -i
    ;;
esac
unset __corral_tty
