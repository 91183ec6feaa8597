#!/usr/bin/env bash
# Install every build, test and benchmark dependency of ribat from Debian's packages.
# Idempotent; safe to run on a fresh Debian 12 (bookworm) machine as root.
# Suricata 7 (a test/benchmark dependency only, never a runtime one) comes from
# bookworm-backports, added beside the machine's existing Debian source, same mirror.
set -euo pipefail

SUDO=""
[ "$(id -u)" -eq 0 ] || SUDO="sudo"

# --- add bookworm-backports next to the existing Debian source -------------
add_backports() {
    if grep -rqs "bookworm-backports" /etc/apt/sources.list /etc/apt/sources.list.d/ 2>/dev/null; then
        return 0
    fi
    local mirror=""
    if [ -f /etc/apt/sources.list.d/debian.sources ]; then
        mirror=$(awk '/^URIs:/ && $2 !~ /security/ {print $2; exit}' /etc/apt/sources.list.d/debian.sources)
    fi
    if [ -z "$mirror" ] && [ -f /etc/apt/sources.list ]; then
        mirror=$(awk '$1=="deb" && $0 !~ /security/ {for(i=2;i<=NF;i++) if ($i ~ /^(http|https|ftp|file):/) {print $i; exit}}' /etc/apt/sources.list)
    fi
    [ -n "$mirror" ] || mirror="http://deb.debian.org/debian"
    echo "setup: adding bookworm-backports from $mirror"
    $SUDO tee /etc/apt/sources.list.d/bookworm-backports.sources >/dev/null <<EOS
Types: deb
URIs: $mirror
Suites: bookworm-backports
Components: main
Signed-By: /usr/share/keyrings/debian-archive-keyring.gpg
EOS
}

PKGS=(
    # build
    build-essential cmake pkg-config clang
    # runtime libraries (see README: Dependencies)
    libpcap-dev libhyperscan-dev libpcre2-dev zlib1g-dev libyaml-dev
    libsqlite3-dev libhiredis-dev librdkafka-dev libmicrohttpd-dev libmagic-dev
    # tests
    libcmocka-dev python3 python3-yaml python3-numpy tcpdump valgrind
    # compiler runtimes for sanitizers and libFuzzer
    libclang-rt-14-dev
)

add_backports
export DEBIAN_FRONTEND=noninteractive
$SUDO apt-get update -qq
$SUDO apt-get install -y -qq --no-install-recommends "${PKGS[@]}"
# Suricata 7 for side-by-side conformance and benchmarks.
$SUDO apt-get install -y -qq --no-install-recommends -t bookworm-backports suricata
suricata -V
