/**
 * One error shape for everything a user can get wrong: bad input files, bad config,
 * bad CLI usage. The CLI prints `file:line:column error [code] message` plus a hint and
 * exits with `exitCode` (2 by default: usage/config/input error). Anything that is not a
 * HarnessError is a bug and is reported as such (still without a raw stack unless DEBUG).
 */
export interface SourcePosition {
  file?: string;
  /** 1-based */
  line?: number;
  /** 1-based */
  column?: number;
}

export interface HarnessErrorOptions extends SourcePosition {
  /** What the user should do about it. */
  hint?: string;
  exitCode?: 0 | 1 | 2;
  cause?: unknown;
}

export class HarnessError extends Error {
  readonly code: string;
  readonly file?: string;
  readonly line?: number;
  readonly column?: number;
  readonly hint?: string;
  readonly exitCode: 0 | 1 | 2;

  constructor(code: string, message: string, options: HarnessErrorOptions = {}) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.name = 'HarnessError';
    this.code = code;
    if (options.file !== undefined) this.file = options.file;
    if (options.line !== undefined) this.line = options.line;
    if (options.column !== undefined) this.column = options.column;
    if (options.hint !== undefined) this.hint = options.hint;
    this.exitCode = options.exitCode ?? 2;
  }
}

export function isHarnessError(value: unknown): value is HarnessError {
  return value instanceof HarnessError;
}

/** `file:line:column` with whatever parts are known. */
export function formatPosition(pos: SourcePosition): string {
  if (pos.file === undefined) return pos.line === undefined ? '' : `line ${pos.line}`;
  let out = pos.file;
  if (pos.line !== undefined) {
    out += `:${pos.line}`;
    if (pos.column !== undefined) out += `:${pos.column}`;
  }
  return out;
}

/** `policies/x.yaml:12:7 error [unknown-fact] message\n  hint: …` */
export function formatHarnessError(err: HarnessError): string {
  const where = formatPosition(err);
  const head = `${where ? `${where} ` : ''}error [${err.code}] ${err.message}`;
  return err.hint ? `${head}\n  hint: ${err.hint}` : head;
}
