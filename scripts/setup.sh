#!/usr/bin/env bash
# Set up voiceguide on a Debian/Ubuntu machine: system packages (espeak-ng, ffmpeg), a virtual
# environment in .venv, and the package itself. Arguments are pip extras: `scripts/setup.sh test`.
set -euo pipefail
cd "$(dirname "$0")/.."

need=()
command -v espeak-ng >/dev/null || need+=(espeak-ng)
command -v ffmpeg >/dev/null || need+=(ffmpeg)
ldconfig -p 2>/dev/null | grep -q 'libespeak-ng\.so\.1' || need+=(libespeak-ng1)
python3 -c 'import venv, ensurepip' 2>/dev/null || need+=(python3-venv)
# the test extra drives Debian's chromium (the player page tests); Playwright downloads no browser
case " $* " in *" test "*) command -v chromium >/dev/null || need+=(chromium) ;; esac
if [ ${#need[@]} -gt 0 ]; then
    SUDO=""; [ "$(id -u)" -eq 0 ] || SUDO="sudo"
    $SUDO apt-get update -qq
    DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq "${need[@]}" >/dev/null
fi

[ -x .venv/bin/python ] || python3 -m venv .venv
extras=""
[ $# -gt 0 ] && extras="[$(IFS=,; echo "$*")]"
.venv/bin/python -m pip install -q -e ".${extras}"
