#!/usr/bin/env bash
# Build the seed corpora of the fuzz harnesses (build-fuzz/seeds/<harness>/)
# from ../shared/compat/tests captures and configurations, the ET Open rules
# and tests/data. See tests/fuzz/mkcorpus.py. Usage: tests/fuzz/mkcorpus.sh [--shared DIR]
set -euo pipefail
cd "$(dirname "$0")/../.."
rm -rf build-fuzz/seeds
exec python3 tests/fuzz/mkcorpus.py "$@"
