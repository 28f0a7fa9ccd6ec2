import type { NewRun } from '../../src/runs/index.ts';

/** A run record for store-level tests; override only what the test is about. */
export function newRunFixture(over: Partial<NewRun> = {}): NewRun {
  return {
    datasetId: 1,
    dataset: { id: 1, name: 'd', fingerprint: 'fp1' } as NewRun['dataset'],
    seed: 0,
    pluginIds: ['a', 'b'],
    pluginIdsHash: 'ids1',
    pluginSetHash: 'set1',
    codeHash: 'code1',
    configHash: 'cfg1',
    config: {},
    knownIssuesMode: 'off',
    harnessVersion: '0',
    startedAt: '2025-01-01T00:00:00Z',
    ...over,
  };
}
