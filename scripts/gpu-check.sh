#!/usr/bin/env bash
# The prepared GPU check for Kiln's WebGPU backend. Runs on a GPU machine with
# no npm and maybe no Node: everything comes from the bundle that
# scripts/gpu-pack.sh builds (Node, Dawn, the Vulkan loader, the bundled check).
#
#   scripts/gpu-check.sh [--swiftshader] [--quick] [--B 4] [--T 1024] [--steps 10]
#
#   1. finds the NVIDIA Vulkan driver (its ICD manifest, or libGLX_nvidia.so.0,
#      for which it writes a manifest); says so plainly when it is missing
#   2. runs the backend conformance suite (every case, 'full' shapes)
#   3. runs the GPT-2 124M training benchmark and matmul throughput
#   4. runs the same shapes on PyTorch CUDA fp32 eager when torch is installed
#   5. prints the comparison (tokens/s ratio, matmul % of the card's fp32 peak)
# Each part has a time limit (conformance 90 s, Kiln bench 120 s, PyTorch 60 s: under 5 minutes
# in all), so a hung or slow part still leaves the others' figures; KILN_GPU_TIME_SCALE=2 doubles them.
# Exit: 0 all passed, 1 a check failed or ran out of time, 2 no bundle, 3 no usable GPU adapter,
# 4 the bundled check itself could not start.
# Results go to $OUT (when set, e.g. by a remote runner) or ./gpu-check-results.
# --swiftshader runs it all on SwiftShader (a GPU-less test of the script itself);
# --quick uses small shapes and a tiny model.
set -uo pipefail

HERE="$(cd "$(dirname "$0")" && pwd)"
SWIFTSHADER=0; QUICK=0; B=4; T=1024; STEPS=10
while [ $# -gt 0 ]; do
  case "$1" in
    --swiftshader) SWIFTSHADER=1 ;;
    --quick) QUICK=1 ;;
    --B) B="$2"; shift ;;
    --T) T="$2"; shift ;;
    --steps) STEPS="$2"; shift ;;
    -h|--help) sed -n '2,20p' "$0"; exit 0 ;;
    *) echo "gpu-check: unknown option $1" >&2; exit 2 ;;
  esac
  shift
done
RESULTS="${OUT:-$PWD/gpu-check-results}"
mkdir -p "$RESULTS"
say() { echo "gpu-check: $*" | tee -a "$RESULTS/summary.txt"; }
# part SECONDS CMD...: runs CMD under a time limit, output into the summary; its exit status is
# the command's, or 124 when the limit stopped it.
SCALE="${KILN_GPU_TIME_SCALE:-1}"
part() {
  local secs=$(( $1 * SCALE )); shift
  timeout --kill-after=10 "$secs" "$@" 2>&1 | tee -a "$RESULTS/summary.txt"
  local rc="${PIPESTATUS[0]}"
  [ "$rc" != 124 ] && [ "$rc" != 137 ] || { say "stopped after ${secs} s: its time limit (the figures above are all it gave)"; rc=124; }
  return "$rc"
}
: > "$RESULTS/summary.txt"

# ---- the bundle ---------------------------------------------------------------
if [ -x "$HERE/bin/node" ]; then
  BUNDLE="$HERE"                                   # running from inside the bundle
elif [ -x "$HERE/gpu/bundle/kiln-gpu/bin/node" ]; then
  BUNDLE="$HERE/gpu/bundle/kiln-gpu"               # the repo, after gpu-pack.sh
elif [ -f "${KILN_GPU_BUNDLE:-$HERE/gpu/kiln-gpu.tar.xz}" ]; then
  ARCHIVE="${KILN_GPU_BUNDLE:-$HERE/gpu/kiln-gpu.tar.xz}"
  WORK="${TMPDIR:-/tmp}/kiln-gpu-check.$$"
  mkdir -p "$WORK" && tar -C "$WORK" -xJf "$ARCHIVE" || { say "cannot unpack $ARCHIVE"; exit 2; }
  BUNDLE="$WORK/kiln-gpu"
else
  echo "gpu-check: no bundle: run scripts/gpu-pack.sh on a machine with the repo first (it writes scripts/gpu/kiln-gpu.tar.xz)" >&2
  exit 2
fi
NODE="$BUNDLE/bin/node"
if ! "$NODE" --version >/dev/null 2>&1; then
  say "the bundled Node does not start here: $(ldd "$NODE" 2>&1 | grep 'not found' | tr '\n' ' ')"
  exit 2
fi
export LD_LIBRARY_PATH="$BUNDLE/lib${LD_LIBRARY_PATH:+:$LD_LIBRARY_PATH}"
export XDG_RUNTIME_DIR="${XDG_RUNTIME_DIR:-/tmp}"
ICD_DIR="$(mktemp -d)"

# ---- the Vulkan driver ----------------------------------------------------------
GPU_NAME=""
if command -v nvidia-smi >/dev/null 2>&1; then
  GPU_NAME="$(nvidia-smi --query-gpu=name,driver_version,memory.total --format=csv,noheader 2>/dev/null | head -1)"
  say "nvidia-smi: ${GPU_NAME:-no GPU listed}"
fi

find_nvidia_icd() {
  local d f lib=""
  for d in /usr/share/vulkan/icd.d /etc/vulkan/icd.d /usr/local/share/vulkan/icd.d /usr/share/vulkan/implicit_layer.d; do
    for f in "$d"/nvidia*.json; do [ -f "$f" ] && { echo "$f"; return 0; }; done
  done
  # No manifest (common in containers): the driver's Vulkan ICD lives in libGLX_nvidia.so.0.
  lib="$(ldconfig -p 2>/dev/null | awk '/libGLX_nvidia\.so\.0/ {print $NF; exit}')"
  if [ -z "$lib" ]; then
    for d in /usr/lib/x86_64-linux-gnu /usr/lib64 /usr/lib /usr/local/nvidia/lib64 /usr/local/nvidia/lib; do
      [ -f "$d/libGLX_nvidia.so.0" ] && { lib="$d/libGLX_nvidia.so.0"; break; }
    done
  fi
  [ -n "$lib" ] || return 1
  printf '{ "file_format_version": "1.0.0", "ICD": { "library_path": "%s", "api_version": "1.3.0" } }\n' "$lib" > "$ICD_DIR/nvidia_icd.json"
  echo "$ICD_DIR/nvidia_icd.json"
}

if [ "$SWIFTSHADER" = 1 ]; then
  ICD="${KILN_SWIFTSHADER_ICD:-/usr/lib/chromium/vk_swiftshader_icd.json}"
  [ -f "$ICD" ] || { say "no SwiftShader ICD at $ICD (apt-get install chromium)"; exit 2; }
  QUICK=1
elif ! ICD="$(find_nvidia_icd)"; then
  say "NVIDIA VULKAN DRIVER MISSING: no nvidia_icd.json and no libGLX_nvidia.so.0 on this machine."
  say "  WebGPU (Dawn) reaches NVIDIA GPUs only through Vulkan. Install the driver's Vulkan part"
  say "  (e.g. libnvidia-gl-<version>), or in a container set NVIDIA_DRIVER_CAPABILITIES=compute,utility,graphics."
  say "  The WebGPU checks cannot run; PyTorch alone is measured below for reference."
  ICD=""
fi
[ -n "$ICD" ] && { export VK_ICD_FILENAMES="$ICD"; say "Vulkan driver manifest: $ICD"; }

SHAPES=full; MODEL=124m
if [ "$QUICK" = 1 ]; then SHAPES=gpu; MODEL=tiny; B=2; T=32; STEPS=3; fi

STATUS=0
if [ -n "$ICD" ]; then
  "$NODE" "$BUNDLE/check.mjs" info 2>&1 | tee -a "$RESULTS/summary.txt"
  INFO_STATUS="${PIPESTATUS[0]}"
  # check.mjs info exits 2 only when Dawn answered and offered no adapter; anything else means the
  # bundled check itself failed before it could ask (a broken bundle, a missing library).
  if [ "$INFO_STATUS" = 2 ]; then
    say "Dawn found no adapter through $ICD: the Vulkan driver is installed but not usable here (see the messages above)."
    STATUS=3
  elif [ "$INFO_STATUS" != 0 ]; then
    say "the bundled check failed before asking for an adapter (exit $INFO_STATUS): see the error above; rebuild with scripts/gpu-pack.sh."
    STATUS=4
  else
    say "conformance suite ($SHAPES shapes):"
    part 90 "$NODE" "$BUNDLE/check.mjs" conformance --shapes "$SHAPES" --out "$RESULTS/conformance.json" || STATUS=1
    say "training benchmark (GPT-2 $MODEL, B=$B T=$T, $STEPS steps):"
    part 120 "$NODE" "$BUNDLE/check.mjs" bench --model "$MODEL" --B "$B" --T "$T" --steps "$STEPS" --out "$RESULTS/webgpu.json" || STATUS=1
  fi
else
  STATUS=3
fi

# ---- PyTorch on the same shapes ------------------------------------------------
TORCH_JSON=""
if [ "$SWIFTSHADER" = 0 ] && python3 -c 'import torch, sys; sys.exit(0 if torch.cuda.is_available() else 1)' 2>/dev/null; then
  say "PyTorch CUDA fp32 eager on the same shapes:"
  part 60 python3 "$BUNDLE/torch_bench.py" --B "$B" --T "$T" --steps "$STEPS" --out "$RESULTS/torch.json"
  [ -f "$RESULTS/torch.json" ] && TORCH_JSON="$RESULTS/torch.json"
else
  say "PyTorch with CUDA is not available here: no side-by-side figures."
fi

if [ -f "$RESULTS/webgpu.json" ]; then
  "$NODE" "$BUNDLE/check.mjs" compare "$RESULTS/webgpu.json" $TORCH_JSON --gpu "${GPU_NAME%%,*}" 2>&1 | tee -a "$RESULTS/summary.txt"
fi
rm -rf "$ICD_DIR"
say "results in $RESULTS (exit $STATUS)"
exit $STATUS
