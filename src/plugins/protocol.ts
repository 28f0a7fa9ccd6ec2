/**
 * The runner ⇄ plugin-process protocol. Messages are newline-delimited JSON on two extra
 * pipes (never stdout, which a plugin may flood): fd 3 child → parent, fd 4 parent → child.
 * The child side is synchronous (fs.readSync/writeSync) because the accessor API plugins see
 * is synchronous, and a `sql` call has to wait for the parent's answer in place.
 */
import { readSync, writeSync } from 'node:fs';
import type { AccessTelemetry, DatasetInfo, SqlOptions, SqlResult } from '../dataset/types.ts';
import type { PluginManifest, PluginResult } from './types.ts';

export const CHILD_TO_PARENT_FD = 3;
export const PARENT_TO_CHILD_FD = 4;

/** The first line the parent writes: what the child should do. */
export type WorkerSpec = (
  | { mode: 'describe'; files: string[] }
  | {
      mode: 'run';
      file: string;
      pluginId: string;
      artifacts: string;
      seed: number;
      config: { largeRows: number; timezone: string; closeWindow: { startDay: number; endDay: number }; plugin: Record<string, unknown> };
      /** Results of the declared dependencies that completed. */
      dependencies: Record<string, PluginResult>;
      dataset: { arrowPath: string; info: DatasetInfo; streamingStrict: boolean; allowUnboundedLoad: boolean } | null;
    }
) & {
  /**
   * Random per-process token every child message must carry. Plugin code can write to fd 3
   * too, but cannot learn the token (read from fd 4 before plugin code runs, kept in a
   * closure of the worker), so it cannot forge a result or its telemetry.
   */
  token: string;
};

export interface DescribedFile {
  file: string;
  manifests: (PluginManifest & { hasRun: boolean })[];
  error?: string;
}

export interface ChildUsage {
  maxRssBytes: number;
  cpuMs: number;
  /** RSS just before run() was called: the process's own baseline. */
  baselineRssBytes: number;
}

export type ChildMessage =
  | { type: 'described'; files: DescribedFile[] }
  | { type: 'result'; result: unknown; telemetry: AccessTelemetry; usage: ChildUsage }
  | { type: 'failed'; phase: 'load' | 'run' | 'result'; reason: string; detail?: string; telemetry?: AccessTelemetry; usage?: ChildUsage }
  | { type: 'exit-called'; code: number | string | null | undefined }
  | { type: 'unsettled' }
  | { type: 'log'; level: 'info' | 'warn'; message: string }
  | { type: 'sql'; query: string; params: unknown; options: SqlOptions };

export type ParentMessage = { type: 'sql-result'; ok: true; result: SqlResult } | { type: 'sql-result'; ok: false; error: string };

/** Splits a byte stream into lines (for the parent's async side). */
export class LineSplitter {
  #buffer = '';
  push(chunk: string): string[] {
    this.#buffer += chunk;
    const lines = this.#buffer.split('\n');
    this.#buffer = lines.pop() ?? '';
    return lines.filter((l) => l.length > 0);
  }
}

// ---- child side (synchronous) ------------------------------------------------------------

const sleeper = new Int32Array(new SharedArrayBuffer(4));

function retryable(err: unknown): boolean {
  const code = (err as NodeJS.ErrnoException).code;
  return code === 'EAGAIN' || code === 'EWOULDBLOCK' || code === 'EINTR';
}

export function writeAllSync(fd: number, text: string | Uint8Array): void {
  const data = typeof text === 'string' ? Buffer.from(text, 'utf8') : text;
  let off = 0;
  while (off < data.length) {
    try {
      off += writeSync(fd, data, off, data.length - off);
    } catch (err) {
      if (!retryable(err)) throw err;
      Atomics.wait(sleeper, 0, 0, 1);
    }
  }
}

let pending = Buffer.alloc(0);

/** Blocking read of one line from fd (the parent → child pipe). */
export function readLineSync(fd: number): string {
  const chunk = Buffer.alloc(64 * 1024);
  for (;;) {
    const nl = pending.indexOf(10);
    if (nl >= 0) {
      const line = pending.subarray(0, nl).toString('utf8');
      pending = pending.subarray(nl + 1);
      return line;
    }
    let n: number;
    try {
      n = readSync(fd, chunk, 0, chunk.length, null);
    } catch (err) {
      if (!retryable(err)) throw err;
      Atomics.wait(sleeper, 0, 0, 1);
      continue;
    }
    if (n === 0) throw new Error('the runner closed the channel');
    pending = Buffer.concat([pending, chunk.subarray(0, n)]);
  }
}

type DistributiveOmit<T, K extends keyof T> = T extends unknown ? Omit<T, K> : never;
/** What the caller asks a worker to do; runWorker adds the token. */
export type WorkerTask = DistributiveOmit<WorkerSpec, 'token'>;

/** A child message on the wire: the message plus the spec's token. */
export type Envelope = ChildMessage & { token: string };

export function sendToParent(message: ChildMessage, token: string): void {
  writeAllSync(CHILD_TO_PARENT_FD, `${JSON.stringify({ ...message, token })}\n`);
}
