/**
 * Rewrite fixtures/formatters/golden/* from the fixture reports (after an intended change
 * to a formatter; review the diff before committing). Run: node scripts/regenerate-formatter-goldens.ts
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { GOLDEN_DIR, goldenCases, loadFixtureReport } from '../fixtures/formatters/goldens.ts';
import { formatReport } from '../src/formatters/index.ts';

mkdirSync(GOLDEN_DIR, { recursive: true });
for (const c of goldenCases()) {
  writeFileSync(`${GOLDEN_DIR}${c.golden}`, formatReport(c.format, loadFixtureReport(c.fixture), c.ctx));
  process.stdout.write(`wrote fixtures/formatters/golden/${c.golden}\n`);
}
