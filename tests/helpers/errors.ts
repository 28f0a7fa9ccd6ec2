import { HarnessError } from '../../src/common/errors.ts';

/** The HarnessError `fn` throws; anything else (or nothing) fails the test. */
export function harnessErrorOf(fn: () => unknown): HarnessError {
  try {
    fn();
  } catch (err) {
    if (err instanceof HarnessError) return err;
    throw err;
  }
  throw new Error('expected a HarnessError');
}
