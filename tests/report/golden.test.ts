import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { GOLDEN_INPUTS, goldenArtifacts, goldenName } from '../../fixtures/report/refresh-goldens.ts';

/**
 * Golden files for every rendered artifact of the hand-built inputs. After an intended change:
 * `node fixtures/report/refresh-goldens.ts` and review the diff.
 */
const DIR = 'fixtures/report/golden/';

describe('golden report artifacts', () => {
  const expected = new Set<string>();
  for (const input of GOLDEN_INPUTS) {
    for (const [rel, content] of goldenArtifacts(input)) {
      const name = goldenName(input, rel);
      expected.add(name);
      it(`${input}: ${rel} matches ${DIR}${name}`, () => {
        expect(existsSync(`${DIR}${name}`), `missing golden; run node fixtures/report/refresh-goldens.ts`).toBe(true);
        expect(content).toBe(readFileSync(`${DIR}${name}`, 'utf8'));
      });
    }
  }
  it('no stale golden files', () => {
    expect(readdirSync(DIR).sort()).toEqual([...expected].sort());
  });
});
