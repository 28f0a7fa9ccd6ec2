/** Public package API: `import { definePlugin } from 'stat-harness'`. */
export { HarnessError } from './common/errors.ts';
