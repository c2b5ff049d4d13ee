#!/usr/bin/env bash
# Installs what is missing, builds bkup, and runs the sample job on the embedded emulator.
set -euo pipefail
cd "$(dirname "$0")"
tools/install-deps.sh
swift build --product bkup
exec .build/debug/bkup scripts/demo.lua "$@"
