#!/usr/bin/env node
// Builds rust-kernels/ for this machine as a Node-API addon:
// plugins/backend-native/native/kiln-kernels.<platform>-<arch>[-gnu].node,
// and on x86_64 a second build for x86-64-v3 (AVX2, FMA, SSE4.1: VEX-encoded
// 4-lane kernels, ~1.5× faster than baseline SSE2 here), `...-gnu.v3.node`,
// which the loader takes on CPUs that have those features.
//
//   node rust-kernels/build-native.mjs           rebuild the committed addon
//   node rust-kernels/build-native.mjs --check   rebuild into a temp file; exit 1 if
//                                                 it differs from the committed one
//
// Needs a rustc ≥ 1.89 for the host (AVX-512 intrinsics are stable from
// 1.89): $RUSTC_NATIVE, then rustup's ~/.cargo/bin/rustc, then `rustc` on
// PATH. Debian's /usr/bin/rustc 1.63 is too old. In both builds the matmul
// micro-kernel picks AVX-512 or AVX2+FMA at run time. Every input
// is passed explicitly and paths are remapped, so the same rustc gives the
// same bytes on any machine.
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { homedir, tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { findRustc, installOrCheck } from './build-common.mjs';

const here = dirname(fileURLToPath(import.meta.url));
const MIN_MINOR = 89;

function libcSuffix() {
  if (process.platform !== 'linux') return '';
  return process.report?.getReport?.()?.header?.glibcVersionRuntime ? '-gnu' : '-musl';
}

const base = join(
  here,
  '..',
  'plugins',
  'backend-native',
  'native',
  `kiln-kernels.${process.platform}-${process.arch}${libcSuffix()}`,
);
/** [file, extra rustc flags]: the portable build, then the x86-64-v3 one. */
const variants = [[`${base}.node`, []]];
if (process.arch === 'x64') variants.push([`${base}.v3.node`, ['-C', 'target-cpu=x86-64-v3']]);

function build(rustc, out, flags) {
  const args = [
    '--edition',
    '2021',
    '--crate-type',
    'cdylib',
    '--crate-name',
    'kiln_kernels',
    '-C',
    'opt-level=3',
    '-C',
    'codegen-units=1',
    '-C',
    'lto=fat',
    '-C',
    'panic=abort',
    '-C',
    'strip=symbols',
    `--remap-path-prefix=${here}=kiln-kernels`,
    `--remap-path-prefix=${homedir()}=~`,
    ...flags,
    '-o',
    out,
    join(here, 'src', 'lib.rs'),
  ];
  execFileSync(rustc, args, { stdio: ['ignore', 'inherit', 'inherit'], cwd: here });
}

const check = process.argv.includes('--check');
const { rustc, version } = findRustc(
  [process.env.RUSTC_NATIVE, join(homedir(), '.cargo', 'bin', 'rustc'), 'rustc'],
  (_rustc, v) => {
    const minor = Number(/^rustc 1\.(\d+)/.exec(v)?.[1] ?? 0);
    return minor >= MIN_MINOR ? true : `older than 1.${MIN_MINOR}`;
  },
  `Install a current Rust for the host with rustup, or set RUSTC_NATIVE to one.`,
);
const tmp = mkdtempSync(join(tmpdir(), 'kiln-native-'));
try {
  for (const [target, flags] of variants) {
    const out = join(tmp, 'kiln-kernels.node');
    build(rustc, out, flags);
    installOrCheck({
      fresh: readFileSync(out),
      target,
      check,
      what: 'rust-kernels (native)',
      version,
      command: 'npm run build:native',
    });
  }
} finally {
  rmSync(tmp, { recursive: true, force: true });
}
