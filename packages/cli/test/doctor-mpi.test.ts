/** kiln doctor's MPI line: the library data-parallel training would open, or why none. */
import { describe, expect, test } from 'vitest';
import { mpirunMissing } from '../../../test/helpers/mpirun.js';
import { runCaptured } from '../src/index.js';

const doctor = (env: Record<string, string>, json = true) =>
  runCaptured(['doctor', ...(json ? ['--json'] : [])], { cwd: process.cwd(), env });

describe('kiln doctor: MPI', () => {
  // First: once a process has opened a libmpi it keeps it, so the failing case cannot come after a success.
  test('says why MPI is unavailable when the library cannot be opened', async () => {
    const { code, stdout } = await doctor({ KILN_MPI_LIBRARY: '/nonexistent/libmpi.so.40' });
    expect(code).toBe(0);
    expect(JSON.parse(stdout).mpi.available).toMatch(
      /no MPI library could be opened \(tried \/nonexistent\/libmpi\.so\.40/,
    );
    const human = await doctor({ KILN_MPI_LIBRARY: '/nonexistent/libmpi.so.40' }, false);
    expect(human.stdout).toMatch(/\nmpi +not available: no MPI library could be opened/);
  });

  test.skipIf(mpirunMissing !== undefined)('names the library it opens and the mpirun on the PATH', async () => {
    const { code, stdout } = await doctor({});
    expect(code).toBe(0);
    expect(JSON.parse(stdout).mpi).toMatchObject({
      available: true,
      implementation: 'Open MPI',
      library: 'libmpi.so.40',
      version: expect.stringMatching(/^Open MPI v\d/),
      release: expect.stringMatching(/^Open MPI v\d[\d.]*$/),
      mpirun: expect.stringMatching(/^mpirun \(Open MPI\) \d/),
    });
    const human = await doctor({}, false);
    expect(human.stdout).toMatch(
      /\nmpi +Open MPI v\d[\d.]* \(libmpi\.so\.40, Open MPI handles\); mpirun \(Open MPI\) /,
    );
  });
});
