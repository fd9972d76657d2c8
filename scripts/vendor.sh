#!/usr/bin/env bash
# Re-fetch the vendored front-end files listed in plc/static/vendor/MANIFEST.json
# from the npm registry (`npm pack <package>@<version>`) and compare them.
#
#   scripts/vendor.sh            verify: pack contents == vendored files == manifest
#                                sha256; exits non-zero on any mismatch (writes nothing)
#   scripts/vendor.sh --update   copy the pack contents into the vendor directory and
#                                rewrite the sha256 (and license) fields of the manifest
#
# To upgrade a library: edit its "version" in MANIFEST.json, then run with --update.
# Needs: bash, node + npm, sha256sum, tar.
set -euo pipefail

mode=verify
case "${1:-}" in
  "") ;;
  --update) mode=update ;;
  -h|--help) sed -n '2,11p' "$0"; exit 0 ;;
  *) echo "usage: $0 [--update]" >&2; exit 2 ;;
esac

root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
vendor="$root/plc/static/vendor"
manifest="$vendor/MANIFEST.json"
[[ -f "$manifest" ]] || { echo "missing $manifest" >&2; exit 1; }

tmp="$(mktemp -d)"
trap 'rm -rf "$tmp"' EXIT

# One tab-separated line per file: name, package, version, source, sha256.
node -e '
  const m = JSON.parse(require("fs").readFileSync(process.argv[1], "utf8"));
  for (const [name, f] of Object.entries(m.files).sort())
    console.log([name, f.package, f.version, f.source, f.sha256 || ""].join("\t"));
' "$manifest" > "$tmp/list.tsv"

fail=0
err() { echo "MISMATCH: $*" >&2; fail=1; }
sha() { sha256sum "$1" | cut -d' ' -f1; }

# Nothing but MANIFEST.json may sit unlisted in the vendor directory.
for f in "$vendor"/* "$vendor"/.[!.]*; do
  [[ -e "$f" ]] || continue
  base="$(basename "$f")"
  [[ "$base" == MANIFEST.json ]] && continue
  cut -f1 "$tmp/list.tsv" | grep -Fxq -- "$base" || err "$base: in $vendor but not in MANIFEST.json"
done

: > "$tmp/updates.tsv"
while IFS=$'\t' read -r name pkg ver src want; do
  dir="$tmp/pkg/$pkg@$ver"
  if [[ ! -d "$dir" ]]; then
    mkdir -p "$dir"
    echo "npm pack $pkg@$ver" >&2
    npm pack "$pkg@$ver" --pack-destination "$dir" --ignore-scripts --loglevel=error </dev/null >/dev/null
    tar -xzf "$dir"/*.tgz -C "$dir"
    got="$(node -p 'require(process.argv[1]).version' "$dir/package/package.json")"
    [[ "$got" == "$ver" ]] || { echo "npm returned $pkg@$got, wanted $ver" >&2; exit 1; }
  fi
  packed="$dir/package/$src"
  [[ -f "$packed" ]] || { err "$name: $src not found in $pkg@$ver"; continue; }
  new="$(sha "$packed")"
  if [[ "$mode" == update ]]; then
    license="$(node -p 'require(process.argv[1]).license || ""' "$dir/package/package.json")"
    printf '%s\t%s\t%s\t%s\n' "$name" "$new" "$license" "$packed" >> "$tmp/updates.tsv"
    [[ "$new" == "$want" ]] || echo "updated $name ($pkg@$ver $src) -> $new" >&2
  else
    [[ -f "$vendor/$name" ]] || { err "$name: not in $vendor"; continue; }
    have="$(sha "$vendor/$name")"
    [[ "$have" == "$new" ]] || err "$name: vendored file differs from $pkg@$ver $src"
    [[ "$want" == "$new" ]] || err "$name: manifest sha256 $want != $pkg@$ver $src ($new)"
  fi
done < "$tmp/list.tsv"

if [[ "$mode" == update && "$fail" == 0 ]]; then
  # Apply only after every file was found, so a failed run changes nothing.
  while IFS=$'\t' read -r name _ _ packed; do cp "$packed" "$vendor/$name"; done < "$tmp/updates.tsv"
  node -e '
    const fs = require("fs");
    const [path, updates] = process.argv.slice(1);
    const m = JSON.parse(fs.readFileSync(path, "utf8"));
    for (const line of fs.readFileSync(updates, "utf8").split("\n").filter(Boolean)) {
      const [name, sha256, license] = line.split("\t");
      m.files[name].sha256 = sha256;
      if (license) m.files[name].license = license;
    }
    m.files = Object.fromEntries(Object.entries(m.files).sort(([a], [b]) => a < b ? -1 : 1));
    fs.writeFileSync(path + ".tmp", JSON.stringify(m, null, 2) + "\n");
    fs.renameSync(path + ".tmp", path);
  ' "$manifest" "$tmp/updates.tsv"
  echo "manifest updated: $manifest" >&2
fi

if [[ "$fail" != 0 ]]; then
  echo "vendor check FAILED" >&2
  exit 1
fi
echo "vendor $mode OK ($(wc -l < "$tmp/list.tsv") files)" >&2
