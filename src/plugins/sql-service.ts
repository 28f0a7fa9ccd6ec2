/**
 * Parent side of the SQL proxy: one SQL process per plugin execution, started on its first
 * request, requests answered one at a time. A statement that outlives its time bound is stopped by
 * killing the process (the next request starts a fresh one).
 */
import { fork, type ChildProcess } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { sampleProcess } from './process.ts';
import type { ChildMessage, ParentReply } from './protocol.ts';
import type { SqlRequest, SqlResponse } from './sql-worker.ts';

const SQL_WORKER = fileURLToPath(new URL(import.meta.url.endsWith('.ts') ? './sql-worker.ts' : './sql-worker.js', import.meta.url));
const DEFAULT_TIMEOUT_MS = 10_000;
/** IPC allowance on top of the statement's own bound (the guard itself stops between rows). */
const GRACE_MS = 500;
/** How long the SQL process may take to start. */
const STARTUP_TIMEOUT_MS = 30_000;
/** Largest delay a Node timer takes (a bigger one fires after 1 ms with a TimeoutOverflowWarning). */
const MAX_TIMER_MS = 2 ** 31 - 1;
const RSS_POLL_MS = 50;

export interface SqlService {
  handle: (request: Extract<ChildMessage, { type: 'sql' }>) => Promise<ParentReply>;
  close(): void;
}

export interface SqlServiceLimits {
  /** RSS cap of the SQL process (the plugin's memory cap: the rows it collects are the plugin's). */
  memoryMb?: number;
  /** Upper bound of a statement's timeoutMs (the plugin's own timeout). */
  maxTimeoutMs?: number;
}

/** The time bound a statement gets: its timeoutMs if valid, capped by the plugin's timeout and the timer range. */
export function statementTimeoutMs(requested: unknown, maxTimeoutMs: number = MAX_TIMER_MS): number {
  const ceiling = Math.min(maxTimeoutMs, MAX_TIMER_MS - GRACE_MS);
  const wanted = validTimeout(requested) ? requested : DEFAULT_TIMEOUT_MS;
  return Math.max(1, Math.min(wanted, ceiling));
}

/** Invalid values travel on unchanged: the guard rejects them with its own message. */
function validTimeout(v: unknown): v is number {
  return typeof v === 'number' && Number.isFinite(v) && v > 0;
}

export function createSqlService(storePath: string, datasetId: number, limits: SqlServiceLimits = {}): SqlService {
  let child: { process: ChildProcess; ready: Promise<boolean> } | undefined;
  let nextId = 1;
  let queue: Promise<unknown> = Promise.resolve();

  const start = (): { process: ChildProcess; ready: Promise<boolean> } => {
    // It exits on 'disconnect', i.e. also when an interrupted runner dies.
    // The V8 heap flag bounds the rows it materializes; the RSS poll below bounds the rest.
    const execArgv = limits.memoryMb === undefined ? [] : [`--max-old-space-size=${limits.memoryMb}`];
    const c = fork(SQL_WORKER, [], { stdio: ['ignore', 'ignore', 'pipe', 'ipc'], env: { PATH: process.env.PATH ?? '' }, execArgv });
    c.stderr?.resume();
    const entry = {
      process: c,
      ready: new Promise<boolean>((resolve) => {
        const timer = setTimeout(() => resolve(false), STARTUP_TIMEOUT_MS);
        c.once('message', () => {
          clearTimeout(timer);
          resolve(true);
        });
        c.once('exit', () => {
          clearTimeout(timer);
          resolve(false);
        });
      }),
    };
    c.on('exit', () => {
      if (child === entry) child = undefined;
    });
    return entry;
  };

  const once = async (request: Extract<ChildMessage, { type: 'sql' }>): Promise<ParentReply> => {
    child ??= start();
    const entry = child;
    if (!(await entry.ready)) {
      entry.process.kill('SIGKILL');
      if (child === entry) child = undefined;
      return { type: 'sql-result', ok: false, error: 'the SQL process did not start; sql() is unavailable for this statement' };
    }
    const c = entry.process;
    const id = nextId++;
    const timeoutMs = statementTimeoutMs(request.options?.timeoutMs, limits.maxTimeoutMs);
    let overMemory = false;
    return new Promise<ParentReply>((resolve) => {
      const done = (reply: ParentReply): void => {
        clearTimeout(timer);
        clearInterval(poll);
        c.off('message', onMessage);
        c.off('exit', onExit);
        resolve(reply);
      };
      const onMessage = (m: unknown): void => {
        const r = m as SqlResponse;
        if (r.id !== id) return;
        done(r.ok ? { type: 'sql-result', ok: true, resultJson: r.resultJson } : { type: 'sql-result', ok: false, error: r.error });
      };
      const onExit = (): void =>
        done({
          type: 'sql-result',
          ok: false,
          error: overMemory
            ? `sql() exceeded the memory cap of ${limits.memoryMb} MB (plugins.memoryMb) while collecting its rows; the statement was stopped (lower maxRows, select fewer columns or aggregate in SQL)`
            : 'the SQL process ended unexpectedly (out of memory collecting the rows?); the statement did not complete',
        });
      // The rows a statement collects live in the SQL process: it is held to the plugin's memory cap too.
      const poll = setInterval(() => {
        if (limits.memoryMb === undefined || c.pid === undefined) return;
        const sample = sampleProcess(c.pid);
        if (sample && sample.rssBytes > limits.memoryMb * 1024 * 1024) {
          overMemory = true;
          if (child === entry) child = undefined;
          c.kill('SIGKILL');
        }
      }, RSS_POLL_MS);
      const timer = setTimeout(() => {
        // Forget it now: the next request must not reach the dying process.
        if (child === entry) child = undefined;
        c.kill('SIGKILL');
        done({ type: 'sql-result', ok: false, error: `sql() exceeded its time bound of ${timeoutMs} ms; the statement was stopped (narrow the query or raise timeoutMs)` });
      }, timeoutMs + GRACE_MS);
      c.on('message', onMessage);
      c.on('exit', onExit);
      const req: SqlRequest = { id, storePath, datasetId, query: request.query, params: request.params, options: validTimeout(request.options?.timeoutMs) ? { ...request.options, timeoutMs } : request.options };
      try {
        c.send(req, (err) => {
          if (err) done({ type: 'sql-result', ok: false, error: `the SQL process could not take the statement: ${err.message}` });
        });
      } catch (err) {
        done({ type: 'sql-result', ok: false, error: `the SQL process could not take the statement: ${(err as Error).message}` });
      }
    });
  };

  return {
    handle(request) {
      const p = queue.then(() => once(request));
      queue = p.catch(() => undefined);
      return p;
    },
    close() {
      child?.process.kill('SIGKILL');
      child = undefined;
    },
  };
}
