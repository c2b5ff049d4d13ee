#!/usr/bin/env bash
# Installs bkup for this user (or under PREFIX):
#   ./install.sh [PREFIX]               build as it ships (tools/build-release.sh), then install
#   ./install.sh --uninstall [PREFIX]   remove what an install put there
# PREFIX defaults to ~/.local. Installed: PREFIX/bin/bkup, its man page
# PREFIX/share/man/man1/bkup.1, and PREFIX/share/bkup/{scripts,types} (the ready-made scripts,
# also built into the binary as `bkup run NAME`, and the editor types `bkup --types` writes).
# BKUP_BINARY=path installs that binary instead of building one (for packagers and the tests).
set -euo pipefail
cd "$(dirname "$0")"
uninstall=0
if [ "${1:-}" = "--uninstall" ]; then uninstall=1; shift; fi
if [ $# -gt 1 ] || [[ "${1:-}" == -* ]]; then
  echo "usage: ./install.sh [--uninstall] [PREFIX]" >&2
  exit 2
fi
prefix="${1:-$HOME/.local}"
manifest="$prefix/share/bkup/installed-files"

if [ $uninstall -eq 1 ]; then
  if [ ! -f "$manifest" ]; then
    echo "bkup is not installed under $prefix (no $manifest)" >&2
    exit 1
  fi
  while IFS= read -r file; do rm -f "$prefix/$file"; done < "$manifest"
  rm -f "$manifest"
  rmdir "$prefix/share/bkup/scripts" "$prefix/share/bkup/types" "$prefix/share/bkup" 2>/dev/null || true
  echo "removed bkup from $prefix"
  exit 0
fi

if [ -n "${BKUP_BINARY:-}" ]; then
  binary="$BKUP_BINARY"
else
  tools/install-deps.sh
  echo "building bkup (release; the first build takes several minutes)..." >&2
  binary=$(tools/build-release.sh)
fi
mkdir -p "$prefix/bin" "$prefix/share/man/man1" "$prefix/share/bkup/scripts" "$prefix/share/bkup/types"
installed=(bin/bkup share/man/man1/bkup.1)
tmp="$prefix/bin/.bkup.$$"
cp "$binary" "$tmp"
# Symbols are for debugging the build, not for running it: half the size without them.
if [ -z "${BKUP_BINARY:-}" ] && command -v strip >/dev/null; then strip "$tmp"; fi
chmod 755 "$tmp"
mv -f "$tmp" "$prefix/bin/bkup"   # a running bkup keeps its old file
"$prefix/bin/bkup" help --man > "$prefix/share/man/man1/bkup.1"
for file in scripts/*.lua; do
  install -m 644 "$file" "$prefix/share/bkup/scripts/"
  installed+=("share/bkup/scripts/$(basename "$file")")
done
install -m 644 types/bkup.lua "$prefix/share/bkup/types/"
installed+=(share/bkup/types/bkup.lua)
printf '%s\n' "${installed[@]}" > "$manifest"
echo "installed $prefix/bin/bkup ($("$prefix/bin/bkup" --version | head -n 1)), man bkup, and $prefix/share/bkup/"
case ":$PATH:" in
  *":$prefix/bin:"*) ;;
  *) echo "note: $prefix/bin is not on your PATH; add it (e.g. in ~/.profile: export PATH=\"$prefix/bin:\$PATH\")" >&2 ;;
esac
