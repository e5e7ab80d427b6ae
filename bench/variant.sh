#!/bin/sh
# Makes a private copy of the built vitest-pool-mp for a local experiment, so the shared dist/
# (which other work uses) is untouched, and both sides of a comparison come from one build:
#   bench/variant.sh NAME       copies packages/vitest-pool-mp/dist (as built now) to bench/.out/NAME/dist
#   (edit bench/.out/NAME/dist/*.js)
#   node bench/run.mjs --commands mp@base,mp@NAME,forks ...    (after `bench/variant.sh base`)
set -eu
root=$(cd "$(dirname "$0")/.." && pwd)
pkg=$root/packages/vitest-pool-mp
dir=$root/bench/.out/$1
rm -rf "$dir"
mkdir -p "$dir"
cp -r "$pkg/dist" "$pkg/package.json" "$dir/"
ln -s "$pkg/node_modules" "$dir/node_modules"
echo "$dir"
