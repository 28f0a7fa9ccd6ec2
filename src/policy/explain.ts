/**
 * Explain: the condition tree of one policy for one subject, with each fact's value (both
 * sides, including right-hand facts json-rules-engine does not record) and each condition's
 * outcome (true / false / unknown).
 */
import type { ExplainNode, PolicyResult } from './result.ts';
import type { PolicyTrace } from './evaluate.ts';

function outcomeText(o: ExplainNode['outcome']): string {
  return o === 'unknown' ? 'UNKNOWN' : o ? 'true' : 'false';
}

function show(v: unknown): string {
  return v === undefined ? '(missing)' : JSON.stringify(v);
}

export function renderExplainNode(node: ExplainNode, indent = '  '): string[] {
  if (node.kind === 'condition') {
    const valueFact = node.valueFact;
    const rhs = valueFact === undefined ? '' : ` (${valueFact} = ${show(node.value)})`;
    return [`${indent}${outcomeText(node.outcome).padEnd(7)} ${node.text}    [${node.fact} = ${show(node.factValue)}${rhs}]`];
  }
  const lines = [`${indent}${outcomeText(node.outcome).padEnd(7)} ${node.kind}`];
  for (const c of node.children ?? []) lines.push(...renderExplainNode(c, `${indent}  `));
  return lines;
}

export function renderExplain(result: PolicyResult, trace: PolicyTrace): string {
  const lines = [`${result.policyId} on ${result.subject.kind} ${result.subject.id}: ${result.status} (severity ${result.severity})`];
  if (trace.applies) lines.push('applies:', ...renderExplainNode(trace.applies));
  lines.push('violation:', ...renderExplainNode(trace.violation));
  if (result.message !== undefined) lines.push(`message: ${result.message}`);
  if (result.missingFacts?.length) lines.push(`missing facts: ${result.missingFacts.join(', ')}`);
  return `${lines.join('\n')}\n`;
}
