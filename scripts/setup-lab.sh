#!/usr/bin/env bash
# setup-lab.sh — install what the traffic lab (/work/shared/lab), the capture builder
# (bench/mkcaptures.sh), the benchmark (bench/run.py) and the flow comparison (tools/flowcmp.py)
# need, from Debian's packages only. Idempotent: installs nothing when everything is present.
# Run as root (or with sudo available). Suricata itself comes from scripts/setup.sh.
#
#   scripts/setup-lab.sh
set -euo pipefail

SUDO=""
[ "$(id -u)" -eq 0 ] || SUDO="sudo"

PKGS=(
    # the lab (see /work/shared/lab/README.md)
    iproute2 ethtool nginx-light dnsmasq-base openssh-server tcpdump curl dnsutils socat
    openssl nmap hping3 hydra slowhttptest sqlmap tcpreplay
    # arpspoof, for the ARP-spoofing capture (eval/lab/record_arp.sh)
    dsniff
    # mergecap / editcap / capinfos
    wireshark-common
    # benchmark and comparison scripts
    time python3 python3-yaml
)

missing=()
for p in "${PKGS[@]}"; do
    dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
if [ ${#missing[@]} -eq 0 ]; then
    echo "setup-lab: all ${#PKGS[@]} packages already installed"
    exit 0
fi
echo "setup-lab: installing ${missing[*]}"

# Do not let package scripts start nginx/sshd/etc. in the root namespace: the lab runs its own
# instances inside network namespaces. Only add the guard if the machine has none.
guard=""
if [ ! -e /usr/sbin/policy-rc.d ]; then
    printf '#!/bin/sh\nexit 101\n' | $SUDO tee /usr/sbin/policy-rc.d >/dev/null
    $SUDO chmod +x /usr/sbin/policy-rc.d
    guard=1
    trap '$SUDO rm -f /usr/sbin/policy-rc.d' EXIT
fi

export DEBIAN_FRONTEND=noninteractive
# wireshark-common asks whether non-root users may capture: answer no, quietly
echo "wireshark-common wireshark-common/install-setuid boolean false" | $SUDO debconf-set-selections
$SUDO apt-get update -qq
$SUDO apt-get install -y -qq --no-install-recommends "${missing[@]}"
if [ -n "$guard" ]; then echo "setup-lab: removing temporary policy-rc.d"; fi
for t in mergecap editcap capinfos tcprewrite tcpdump /usr/bin/time; do
    command -v "$t" >/dev/null || { echo "setup-lab: $t missing after install" >&2; exit 1; }
done
echo "setup-lab: done"
