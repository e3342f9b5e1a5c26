import { readdirSync } from 'node:fs';
import { join } from 'node:path';
import { specPaths, specsOfBatch } from './helpers/batches';

describe('the batches that run the specs', () => {
  it('run every spec once, in exactly one batch', () => {
    const batches = readdirSync(join(__dirname, 'batches')).map((name) => join(__dirname, 'batches', name));
    expect(batches.length).toBeGreaterThan(1);
    const dealt = batches.flatMap((batch) => specsOfBatch(batch));
    expect([...dealt].sort()).toEqual(specPaths());
    expect(specPaths()).toEqual(expect.arrayContaining(['test-batches.spec.ts', 'rest/users-read.contract.spec.ts']));
  });

  it('refuses a file of test/batches/ that is not a batch file', () => {
    expect(() => specsOfBatch(join(__dirname, 'batches', 'notes.test.ts'))).toThrow(/is not a batch file/);
  });
});
