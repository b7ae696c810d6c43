#!/usr/bin/env node
// Builds rust-kernels/ into plugins/backend-wasm/wasm/kiln-kernels.wasm: one
// no_std crate, wasm32 with simd128 + atomics, importing a shared memory.
//
//   node rust-kernels/build.mjs           rebuild the committed .wasm
//   node rust-kernels/build.mjs --check   rebuild into a temp file; exit 1 if
//                                          it differs from the committed one
//
// rustc is looked up as $RUSTC, then /usr/bin/rustc (Debian), then `rustc` on
// PATH; the first one that has the wasm32-unknown-unknown standard library
// wins. The build passes every input explicitly and remaps source paths, so
// the same rustc gives the same bytes on any machine.
import { execFileSync } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { findRustc, installOrCheck } from './build-common.mjs';

const here = dirname(fileURLToPath(import.meta.url));
const target = join(here, '..', 'plugins', 'backend-wasm', 'wasm', 'kiln-kernels.wasm');
const TRIPLE = 'wasm32-unknown-unknown';
// 4 GiB: the whole wasm32 address space (the JS side decides what to use).
const MAX_MEMORY = 65536 * 65536;

function findWasmRustc() {
  return findRustc(
    [process.env.RUSTC, '/usr/bin/rustc', 'rustc'],
    (rustc) => {
      const libdir = execFileSync(rustc, ['--print', 'target-libdir', '--target', TRIPLE], { encoding: 'utf8' }).trim();
      return existsSync(libdir) && readdirSync(libdir).some((f) => f.startsWith('libcore-'))
        ? true
        : `no ${TRIPLE} standard library in ${libdir}`;
    },
    `Install one: on Debian/Ubuntu \`apt-get install -y rustc libstd-rust-dev-wasm32 lld-14\`, ` +
      `or with rustup \`rustup target add ${TRIPLE}\` (then set RUSTC to that rustc).`,
  );
}

function build(rustc, out) {
  const args = [
    '--edition',
    '2021',
    '--crate-type',
    'cdylib',
    '--crate-name',
    'kiln_kernels',
    '--target',
    TRIPLE,
    '-C',
    'opt-level=3',
    '-C',
    'codegen-units=1',
    // Loop strength reduction rewrites inbounds pointer offsets into plain
    // adds, so every load paid a separate i32.add (an x64 lea in V8) instead
    // of a folded memarg offset: matmul ran ~20% slower with it.
    '-C',
    'llvm-args=-disable-lsr',
    // lto=fat: Debian's prebuilt core lacks +atomics; LTO recompiles it so
    // the linker accepts a shared memory.
    '-C',
    'lto=fat',
    '-C',
    'panic=abort',
    '-C',
    'target-feature=+simd128,+atomics,+bulk-memory,+mutable-globals',
    '-C',
    'link-arg=--import-memory',
    '-C',
    'link-arg=--shared-memory',
    '-C',
    `link-arg=--max-memory=${MAX_MEMORY}`,
    '-C',
    'link-arg=--export=__stack_pointer',
    '-C',
    'link-arg=--export=__heap_base',
    '-C',
    'link-arg=--strip-debug',
    `--remap-path-prefix=${here}=kiln-kernels`,
    '-o',
    out,
    join(here, 'src', 'lib.rs'),
  ];
  execFileSync(rustc, args, { stdio: ['ignore', 'inherit', 'inherit'], cwd: here });
}

const check = process.argv.includes('--check');
const { rustc, version } = findWasmRustc();
const tmp = mkdtempSync(join(tmpdir(), 'kiln-kernels-'));
try {
  const out = join(tmp, 'kiln-kernels.wasm');
  build(rustc, out);
  installOrCheck({
    fresh: readFileSync(out),
    target,
    check,
    what: 'rust-kernels',
    version,
    command: 'npm run build:kernels',
  });
} finally {
  rmSync(tmp, { recursive: true, force: true });
}
