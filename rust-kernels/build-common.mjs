// What the two kernel builds (build.mjs for wasm32, build-native.mjs for the
// host) share: finding a rustc that can build the target, and installing the
// fresh artifact atomically or, with --check, failing when the committed one
// differs from it.
import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { dirname } from 'node:path';

/** The first candidate for which `accept(rustc, version)` returns true, else an error listing every try. */
export function findRustc(candidates, accept, howToInstall) {
  const tried = [];
  for (const rustc of candidates.filter(Boolean)) {
    try {
      const version = execFileSync(rustc, ['--version'], { encoding: 'utf8' }).trim();
      const why = accept(rustc, version);
      if (why === true) return { rustc, version };
      tried.push(`${rustc} (${version}): ${why}`);
    } catch (err) {
      tried.push(`${rustc}: ${err.code === 'ENOENT' ? 'not found' : String(err.message).split('\n')[0]}`);
    }
  }
  throw new Error(`no suitable rustc found. Tried:\n  ${tried.join('\n  ')}\n${howToInstall}`);
}

/** Writes `fresh` to `target` (temp file + rename), or with `check` exits 1 when the committed file differs. */
export function installOrCheck({ fresh, target, check, what, version, command }) {
  if (check) {
    const committed = existsSync(target) ? readFileSync(target) : null;
    if (!committed || !fresh.equals(committed)) {
      console.error(
        `${what}: ${target} is out of date (rebuilt ${fresh.length} bytes with ${version}, committed ` +
          `${committed ? committed.length + ' bytes' : 'nothing'}). Run \`${command}\` and commit the result.`,
      );
      process.exit(1);
    }
    console.log(`${what}: committed file matches a fresh build (${fresh.length} bytes, ${version})`);
    return;
  }
  const staged = `${target}.tmp`;
  mkdirSync(dirname(target), { recursive: true });
  writeFileSync(staged, fresh);
  renameSync(staged, target);
  console.log(`${what}: wrote ${target} (${fresh.length} bytes, ${version})`);
}
