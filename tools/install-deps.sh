#!/bin/sh
# tools/install-deps.sh - install what lbsim needs to build, test and draw.
#
# Idempotent and quiet when everything is there: it asks dpkg first and calls
# apt-get only for missing packages (Debian 12). Needs root to install.
set -eu

PKGS="gcc make pkg-config libc6-dev libgsl-dev libpcap-dev libsqlite3-dev
libcunit1-dev libssl-dev gnuplot-nox python3 tshark clang
libclang-rt-14-dev"

missing=""
for p in $PKGS; do
	if ! dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed"; then
		missing="$missing $p"
	fi
done
[ -z "$missing" ] && exit 0

echo "install-deps: installing:$missing"
if [ "$(id -u)" != 0 ]; then
	echo "install-deps: not root; run: sudo apt-get install$missing" >&2
	exit 1
fi
export DEBIAN_FRONTEND=noninteractive
apt-get update -qq >/dev/null
# shellcheck disable=SC2086
apt-get install -y -qq --no-install-recommends $missing >/dev/null
