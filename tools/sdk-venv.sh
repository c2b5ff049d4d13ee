#!/usr/bin/env bash
# Makes (once) the tests' Python virtual environment, and prints its python: the official Appwrite
# Python SDK that the conformance tests drive `bkup serve` with, and pyte, the terminal emulator
# the REPL's screen test reads (Tests/Conformance/requirements.txt, pinned). Quiet unless something
# goes wrong.
set -euo pipefail
cd "$(dirname "$0")/.."
venv=.build/sdk-venv
requirements=Tests/Conformance/requirements.txt
if [ ! -x "$venv/bin/python" ] || ! cmp -s "$requirements" "$venv/requirements.txt"; then
  rm -rf "$venv"
  python3 -m venv "$venv" >&2
  "$venv/bin/python" -m pip install --quiet --disable-pip-version-check -r "$requirements" >&2
  cp "$requirements" "$venv/requirements.txt"
fi
echo "$PWD/$venv/bin/python"
