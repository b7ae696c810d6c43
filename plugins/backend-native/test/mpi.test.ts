import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { describe, expect, it, test } from 'vitest';
import { mpirunMissing, NODE_TS, runMpi } from '../../../test/helpers/mpirun.js';
import { mpiLibraryCandidates, mpiRelease, openMpi } from '../src/mpi.js';

const CHILD = fileURLToPath(new URL('./mpi-child.ts', import.meta.url));
const STALL = fileURLToPath(new URL('./mpi-stall.ts', import.meta.url));

interface RankReport {
  rank: number;
  size: number;
  name: string;
  f32: number[];
  f64: number[];
  recv: number[];
  gathered: number[];
  bytes: number[];
  json: unknown;
  numbers: number[][];
  differ: number[];
}

/** What every rank of mpi-child.ts must print with `size` ranks, computed here in f64 then rounded as MPI's f32 sum is. */
function expectReports(reports: RankReport[], size: number): void {
  expect(reports.map((r) => r.rank).sort()).toEqual(Array.from({ length: size }, (_, i) => i));
  const ranks = Array.from({ length: size }, (_, r) => r);
  const f32 = Array.from({ length: 37 }, (_, i) =>
    Math.fround(ranks.reduce((s, r) => s + (i + 1) * (r + 1) + 0.25, 0)),
  );
  const counts = ranks.map((i) => (i === size - 1 ? 0 : i + 2));
  const total = counts.reduce((a, b) => a + b, 0);
  const gathered: number[] = [];
  for (const r of ranks) for (let i = 0; i < counts[r]; i++) gathered.push(1000 * r + i);
  for (const rep of reports) {
    expect(rep.size).toBe(size);
    expect(rep.name).toMatch(/^Open MPI v\d/);
    expect(rep.f32).toEqual(f32);
    expect(rep.f64[0]).toBe(ranks.reduce((s, r) => s + r, 0));
    const from = counts.slice(0, rep.rank).reduce((a, b) => a + b, 0);
    expect(rep.recv).toEqual(
      Array.from({ length: counts[rep.rank] }, (_, i) => ranks.reduce((s, r) => s + from + i + 100 * r, 0)),
    );
    expect(total).toBe(rep.gathered.length);
    expect(rep.gathered).toEqual(gathered);
    expect(rep.bytes).toEqual(Array.from({ length: 11 }, (_, i) => 200 + i));
    expect(rep.json).toEqual({ text: 'ü∑', n: [1, 2.5] });
    expect(rep.numbers).toEqual(ranks.map((r) => [r / 3, -(r + 1)]));
    expect(rep.differ).toEqual([1]);
  }
}

describe.skipIf(mpirunMissing !== undefined)('MPI through the native addon (mpirun)', () => {
  it('3 ranks over shared memory: allReduce (f32, f64), reduceScatter and allGather with uneven counts, broadcast, barrier', async () => {
    const run = await runMpi(3, [...NODE_TS, CHILD], { timeoutMs: 60_000 });
    expect(run.code, run.stderr).toBe(0);
    expectReports(
      run.stdout
        .trim()
        .split('\n')
        .map((l) => JSON.parse(l)),
      3,
    );
  });

  it('a rank whose collective waits past the time limit exits (code 70) instead of hanging', async () => {
    const run = await runMpi(2, [...NODE_TS, STALL], { timeoutMs: 60_000 });
    expect(run.code).not.toBe(0);
    expect(run.stderr).toMatch(/kiln: rank 0: MPI allReduce waited more than 2 s for the other ranks .*exiting/);
    // Rank 0 never finished: the limit ended it, not the peer joining 30 s later.
    expect(run.stdout).not.toMatch(/finished/);
  });

  it('2 ranks over TCP loopback (--mca btl self,tcp: what separate machines use)', async () => {
    const run = await runMpi(2, [...NODE_TS, CHILD], { tcp: true, timeoutMs: 60_000 });
    expect(run.code, run.stderr).toBe(0);
    expectReports(
      run.stdout
        .trim()
        .split('\n')
        .map((l) => JSON.parse(l)),
      2,
    );
  });
});

/** An MPICH library, to check its integer handles: KILN_TEST_MPICH_LIBRARY, or Debian's libmpich12 (CI does not install it). */
const MPICH = [process.env.KILN_TEST_MPICH_LIBRARY, '/usr/lib/x86_64-linux-gnu/libmpich.so.12'].find(
  (f): f is string => f !== undefined && existsSync(f),
);

describe.skipIf(MPICH === undefined)('MPICH (a singleton: MPI_Init without a launcher)', () => {
  it('its integer handles (MPI_COMM_WORLD, MPI_FLOAT, MPI_SUM, MPI_IN_PLACE = -1) work for every collective', () => {
    const run = spawnSync(NODE_TS[0], [...NODE_TS.slice(1), CHILD], {
      encoding: 'utf8',
      env: { ...process.env, KILN_MPI_LIBRARY: MPICH },
      timeout: 60_000,
    });
    expect(run.status, run.stderr).toBe(0);
    const rep = JSON.parse(run.stdout.trim()) as RankReport;
    expect(rep).toMatchObject({ rank: 0, size: 1, bytes: Array.from({ length: 11 }, (_, i) => 200 + i) });
    expect(rep.name).toMatch(/^MPICH \d/);
    expect(rep.f32).toEqual(Array.from({ length: 37 }, (_, i) => i + 1.25));
  });
});

describe('finding the MPI library', () => {
  it('shortens the version string of either implementation', () => {
    expect(mpiRelease('Open MPI v4.1.4, package: Debian OpenMPI, ident: 4.1.4, repo rev: v4.1.4, May 26, 2022')).toBe(
      'Open MPI v4.1.4',
    );
    expect(mpiRelease('MPICH Version:\t4.0.2 MPICH Release date:\tThu Apr  7 12:34:45 CDT 2022')).toBe('MPICH 4.0.2');
  });

  it('tries Open MPI first under its mpirun, MPICH first under a PMI launcher, and only KILN_MPI_LIBRARY when set', () => {
    expect(mpiLibraryCandidates({ OMPI_COMM_WORLD_RANK: '0' }, 'linux')).toEqual([
      'libmpi.so.40',
      'libmpi.so.12',
      'libmpich.so.12',
    ]);
    expect(mpiLibraryCandidates({ PMI_RANK: '0' }, 'linux')).toEqual([
      'libmpi.so.12',
      'libmpich.so.12',
      'libmpi.so.40',
    ]);
    expect(mpiLibraryCandidates({ KILN_MPI_LIBRARY: '/opt/mpi/lib/libmpi.so' }, 'linux')).toEqual([
      '/opt/mpi/lib/libmpi.so',
    ]);
    expect(mpiLibraryCandidates({}, 'darwin')).toEqual(['libmpi.40.dylib', 'libmpi.12.dylib']);
  });

  it('says what it tried and how to install MPI when no library opens', () => {
    const opened = openMpi({ KILN_MPI_LIBRARY: '/nonexistent/libmpi.so.40' });
    expect('problem' in opened && opened.problem).toMatch(
      /no MPI library could be opened \(tried \/nonexistent\/libmpi\.so\.40: .*No such file.*\); install Open MPI .*KILN_MPI_LIBRARY/,
    );
  });
});

// Where mpirun is missing, the skipped test's name says why.
if (mpirunMissing) test.skip(mpirunMissing, () => {});
