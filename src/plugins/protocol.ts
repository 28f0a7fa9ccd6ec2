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
  /** Describe mode: the module about to be imported (names the culprit if importing it never ends). */
  | { type: 'loading'; file: string }
  | { type: 'log'; level: 'info' | 'warn'; message: string }
  | { type: 'sql'; query: string; params: unknown; options: SqlOptions };

export type ParentMessage = { type: 'sql-result'; ok: true; result: SqlResult } | { type: 'sql-result'; ok: false; error: string };

/** What the runner sends back: a message, or a result the SQL process already serialized (not parsed again here). */
export type ParentReply = ParentMessage | { type: 'sql-result'; ok: true; resultJson: string };

/** The line written to the child for a reply. */
export function encodeParentReply(reply: ParentReply): string {
  if (reply.ok && 'resultJson' in reply) return `{"type":"sql-result","ok":true,"result":${reply.resultJson}}\n`;
  return `${JSON.stringify(reply)}\n`;
}

/**
 * Largest protocol line either side accepts (a result, a spec, an SQL reply). Bigger messages
 * would make the runner hold several copies of them (text, parsed value, validation) beside
 * the plugin's own memory cap; plugins with more to say write to ctx.artifacts.
 */
export const MAX_MESSAGE_BYTES = 16 * 1024 * 1024;

export const MAX_MESSAGE_MB = MAX_MESSAGE_BYTES / 1024 / 1024;

/**
 * Splits a byte stream into lines (the parent's async side). Chunks are kept in a list and
 * only each new chunk is scanned for a newline, so a long line costs linear time. A line
 * longer than `maxLineBytes` is dropped (and counted by `onOversized`) without being kept.
 */
export class LineSplitter {
  #chunks: Buffer[] = [];
  #pendingBytes = 0;
  #discarding = false;
  readonly maxLineBytes: number;
  readonly onOversized: (bytesSoFar: number) => void;
  constructor(maxLineBytes = MAX_MESSAGE_BYTES, onOversized: (bytesSoFar: number) => void = () => {}) {
    this.maxLineBytes = maxLineBytes;
    this.onOversized = onOversized;
  }
  push(chunk: Buffer): string[] {
    const lines: string[] = [];
    let start = 0;
    for (let nl = chunk.indexOf(10, start); nl >= 0; nl = chunk.indexOf(10, start)) {
      const tail = chunk.subarray(start, nl);
      if (!this.#discarding && this.#pendingBytes + tail.length <= this.maxLineBytes) {
        const line = this.#chunks.length === 0 ? tail.toString('utf8') : Buffer.concat([...this.#chunks, tail]).toString('utf8');
        if (line.length > 0) lines.push(line);
      } else if (!this.#discarding) {
        this.onOversized(this.#pendingBytes + tail.length);
      }
      this.#chunks = [];
      this.#pendingBytes = 0;
      this.#discarding = false;
      start = nl + 1;
    }
    const rest = chunk.subarray(start);
    if (rest.length > 0 && !this.#discarding) {
      if (this.#pendingBytes + rest.length > this.maxLineBytes) {
        // Report it now (the sender may never finish the line) and drop what was kept.
        this.onOversized(this.#pendingBytes + rest.length);
        this.#chunks = [];
        this.#pendingBytes = 0;
        this.#discarding = true;
      } else {
        this.#chunks.push(rest);
        this.#pendingBytes += rest.length;
      }
    }
    return lines;
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

/** Bytes read past the last line returned (the child reads one line at a time). */
let pending: Buffer[] = [];

/** The runner closed the channel (it exited or was killed): nothing more will arrive. */
export class ChannelClosedError extends Error {}

/** A line longer than the protocol allows; the rest of it has been read and dropped. */
export class OversizedLineError extends Error {
  readonly bytes: number;
  constructor(bytes: number) {
    super(`a protocol message of more than ${MAX_MESSAGE_MB} MB`);
    this.bytes = bytes;
  }
}

/**
 * Blocking read of one line from fd (the parent → child pipe). Chunks are collected in a list
 * and only the newest is scanned for the newline (linear in the line length).
 */
export function readLineSync(fd: number, maxLineBytes = MAX_MESSAGE_BYTES): string {
  let chunks = pending;
  pending = [];
  let bytes = chunks.reduce((n, c) => n + c.length, 0);
  let oversized = false;
  // Leftover chunks were scanned already when they were read: only one can hold a newline, the first.
  let scanFrom = 0;
  for (;;) {
    for (let i = scanFrom; i < chunks.length; i++) {
      const nl = chunks[i]!.indexOf(10);
      if (nl < 0) continue;
      const head = [...chunks.slice(0, i), chunks[i]!.subarray(0, nl)];
      const rest = chunks[i]!.subarray(nl + 1);
      pending = [...(rest.length > 0 ? [rest] : []), ...chunks.slice(i + 1)];
      if (oversized) throw new OversizedLineError(bytes);
      return Buffer.concat(head).toString('utf8');
    }
    scanFrom = chunks.length;
    const chunk = Buffer.alloc(64 * 1024);
    let n: number;
    try {
      n = readSync(fd, chunk, 0, chunk.length, null);
    } catch (err) {
      if (!retryable(err)) throw err;
      Atomics.wait(sleeper, 0, 0, 1);
      continue;
    }
    if (n === 0) throw new ChannelClosedError('the runner closed the channel');
    chunks.push(chunk.subarray(0, n));
    bytes += n;
    if (bytes > maxLineBytes) {
      // Keep reading to the end of the line so the next message starts clean, but hold nothing.
      oversized = true;
      const last = chunks[chunks.length - 1]!;
      chunks = last.indexOf(10) >= 0 ? [last] : [];
      scanFrom = 0;
    }
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
