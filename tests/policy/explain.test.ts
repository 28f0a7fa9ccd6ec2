/** Explain nodes carry a right-hand fact as data (valueFact), from both evaluators. */
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { parseEnvToggles } from '../../src/config/index.ts';
import { buildPolicySet, compilePolicies, evaluateOne, loadPolicies, renderExplain, type ExplainNode, type SubjectFacts, type ThresholdConfig } from '../../src/policy/index.ts';
import { ROOT } from '../helpers/cli.ts';

const CONFIG: ThresholdConfig = { largeRows: 1_000_000, closeWindow: { startDay: 20, endDay: 5 }, plugins: { dirs: [], packages: [], jobs: undefined, timeoutMs: 1, memoryMb: 1 }, env: parseEnvToggles({}) };
const compiled = compilePolicies(loadPolicies([join(ROOT, 'policies/streaming.contract-mismatch.yaml')], { config: CONFIG, cwd: ROOT }));

function leaves(n: ExplainNode | undefined): ExplainNode[] {
  if (!n) return [];
  return n.kind === 'condition' ? [n] : (n.children ?? []).flatMap(leaves);
}

describe('explain valueFact', () => {
  for (const engine of ['fast', 'jre'] as const) {
    it(`a { fact: … } right-hand side is named in the node and in missing facts (${engine})`, async () => {
      const set = buildPolicySet(compiled, { engine, nowMs: Date.UTC(2026, 0, 10) });
      // access.declared missing: the doesNotContain leaf cannot be decided because of its right-hand fact.
      const subject: SubjectFacts = { kind: 'plugin', id: 'p', access: { classes: ['iter_batches'] }, telemetry: { unboundedLoadRows: 0, rowsLoaded: 0, rowsIterated: 1, sqlStatements: 0 } };
      const { result, trace } = await evaluateOne(set, 'streaming.contract-mismatch', { subjects: [subject] }, subject, { env: CONFIG.env });
      const node = leaves(trace.violation).find((l) => l.operator === 'doesNotContain')!;
      expect(node.valueFact).toBe('access.declared');
      expect(leaves(trace.violation).filter((l) => l.valueFact !== undefined)).toHaveLength(1);
      expect(result.missingFacts).toContain('access.declared');
      expect(renderExplain(result, trace)).toContain('(access.declared = (missing))');
    });
  }
});
