#!/usr/bin/env bash
# Builds the self-contained GPU check bundle, scripts/gpu/kiln-gpu.tar.xz (< 60 MiB):
#   bin/node                 this machine's Node (Linux x64, glibc) binary, stripped
#   check.mjs                scripts/gpu/check.ts bundled by esbuild (conformance, bench, compare)
#   node_modules/webgpu/     the npm package's index.js + prebuilt linux-x64 dawn.node
#   lib/libvulkan.so.1       Debian's Vulkan loader (libvulkan1)
#   gpu-check.sh, torch_bench.py
# Run scripts/gpu-check.sh on the GPU machine; it unpacks this archive by itself.
set -euo pipefail
ROOT="$(cd "$(dirname "$0")/.." && pwd)"
# KILN_GPU_BUNDLE_DIR / KILN_GPU_ARCHIVE put them elsewhere, KILN_GPU_XZ_LEVEL (default 6) trades
# size for time (the test packs into a temp dir at level 0).
OUTDIR="${KILN_GPU_BUNDLE_DIR:-$ROOT/scripts/gpu/bundle}/kiln-gpu"
ARCHIVE="${KILN_GPU_ARCHIVE:-$ROOT/scripts/gpu/kiln-gpu.tar.xz}"
NODE_BIN="${KILN_NODE_BIN:-$(command -v node)}"
VULKAN="${KILN_VULKAN_LOADER:-/usr/lib/x86_64-linux-gnu/libvulkan.so.1}"
DAWN="$ROOT/node_modules/webgpu/dist/linux-x64/dawn.node"

die() { echo "gpu-pack: $*" >&2; exit 1; }
[ -f "$DAWN" ] || die "no $DAWN: run npm install (package webgpu)"
[ -f "$VULKAN" ] || die "no Vulkan loader at $VULKAN: apt-get install libvulkan1"
file -L "$NODE_BIN" | grep -q 'x86-64' || die "$NODE_BIN is not a Linux x86-64 binary"

rm -rf "$OUTDIR"
mkdir -p "$OUTDIR/bin" "$OUTDIR/lib" "$OUTDIR/node_modules/webgpu/dist/linux-x64"
# The check imports only the tensor library, the WebGPU backend, the bench and GPT-2's model class
# (@kiln/gpt2/model, whose options come from @kiln/core/model-options): never the config loader.
# The banner gives the ESM bundle a real `require`, so any CommonJS module it still holds can load
# node builtins (esbuild's own shim throws "Dynamic require of ... is not supported").
META="$(mktemp)"
"$ROOT/node_modules/.bin/esbuild" "$ROOT/scripts/gpu/check.ts" --bundle --platform=node --format=esm \
  --target=node20 --conditions=kiln-source --external:webgpu --log-level=warning --outfile="$OUTDIR/check.mjs" \
  --banner:js="import { createRequire as __kilnCreateRequire } from 'node:module'; const require = __kilnCreateRequire(import.meta.url);" \
  --metafile="$META"
# Fail here, not on the GPU machine, when an import drags in a package the check has no use for.
EXTRA="$(node -e '
  const inputs = Object.keys(JSON.parse(require("fs").readFileSync(process.argv[1], "utf8")).inputs);
  const pkgs = new Set(inputs.filter((f) => f.startsWith("node_modules/"))
    .map((f) => f.split("/").slice(1, f.split("/")[1].startsWith("@") ? 3 : 2).join("/")));
  const allowed = new Set(["zod"]);
  console.log([...pkgs].filter((p) => !allowed.has(p)).join(" "));
' "$META")"
rm -f "$META"
[ -z "$EXTRA" ] || die "check.mjs bundles packages it does not need: $EXTRA (see scripts/gpu/check.ts's imports)"
cp "$ROOT/node_modules/webgpu/index.js" "$ROOT/node_modules/webgpu/package.json" "$OUTDIR/node_modules/webgpu/"
cp "$DAWN" "$OUTDIR/node_modules/webgpu/dist/linux-x64/"
cp -L "$NODE_BIN" "$OUTDIR/bin/node"
# Debug info is most of Debian/NodeSource's binary; the check does not need it.
if command -v strip >/dev/null; then strip --strip-debug "$OUTDIR/bin/node" 2>/dev/null || true; fi
cp -L "$VULKAN" "$OUTDIR/lib/libvulkan.so.1"
cp "$ROOT/scripts/gpu-check.sh" "$ROOT/scripts/gpu/torch_bench.py" "$OUTDIR/"
"$OUTDIR/bin/node" --version > "$OUTDIR/NODE_VERSION"

tar -C "$(dirname "$OUTDIR")" -cf - kiln-gpu | xz -T0 "-${KILN_GPU_XZ_LEVEL:-6}" > "$ARCHIVE.tmp"
mv "$ARCHIVE.tmp" "$ARCHIVE"
SIZE=$(stat -c %s "$ARCHIVE")
echo "gpu-pack: $ARCHIVE $(( SIZE / 1048576 )) MiB (node $(cat "$OUTDIR/NODE_VERSION"), $(du -sh "$OUTDIR" | cut -f1) unpacked)"
[ "$SIZE" -lt $(( 60 * 1048576 )) ] || die "archive is over 60 MiB"
