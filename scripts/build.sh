#!/usr/bin/env bash
# Build ribat. Usage: scripts/build.sh [release|sanitize|fuzz] (default: release)
#   release  -> build/          optimised, -Werror
#   sanitize -> build-asan/     AddressSanitizer + UndefinedBehaviorSanitizer, -Werror
#   fuzz     -> build-fuzz/     libFuzzer harnesses (clang), ASan + UBSan
set -euo pipefail
cd "$(dirname "$0")/.."
kind=${1:-release}
jobs=$(nproc 2>/dev/null || echo 2)
case "$kind" in
  release)  cmake -S . -B build -DCMAKE_BUILD_TYPE=RelWithDebInfo -DRIBAT_WERROR=ON >/dev/null
            cmake --build build -j"$jobs" ;;
  sanitize) cmake -S . -B build-asan -DCMAKE_BUILD_TYPE=Debug -DRIBAT_WERROR=ON -DRIBAT_SANITIZE=ON >/dev/null
            cmake --build build-asan -j"$jobs" ;;
  fuzz)     CC=clang cmake -S . -B build-fuzz -DCMAKE_BUILD_TYPE=Debug -DRIBAT_FUZZ=ON >/dev/null
            cmake --build build-fuzz -j"$jobs" ;;
  *) echo "usage: $0 [release|sanitize|fuzz]" >&2; exit 2 ;;
esac
