/**
 * Parent side of the SQL proxy: one SQL process per plugin execution, started on its first
 * request, requests answered one at a time. A statement that outlives its time bound is stopped by
 * killing the process (the next request starts a fresh one).
 */
import { fork, type ChildProcess } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import type { ChildMessage, ParentMessage } from './protocol.ts';
import type { SqlRequest, SqlResponse } from './sql-worker.ts';

const SQL_WORKER = fileURLToPath(new URL(import.meta.url.endsWith('.ts') ? './sql-worker.ts' : './sql-worker.js', import.meta.url));
const DEFAULT_TIMEOUT_MS = 10_000;
/** IPC allowance on top of the statement's own bound (the guard itself stops between rows). */
const GRACE_MS = 500;
/** How long the SQL process may take to start. */
const STARTUP_TIMEOUT_MS = 30_000;

export interface SqlService {
  handle: (request: Extract<ChildMessage, { type: 'sql' }>) => Promise<ParentMessage>;
  close(): void;
}

export function createSqlService(storePath: string, datasetId: number): SqlService {
  let child: { process: ChildProcess; ready: Promise<boolean> } | undefined;
  let nextId = 1;
  let queue: Promise<unknown> = Promise.resolve();

  const start = (): { process: ChildProcess; ready: Promise<boolean> } => {
    // It exits on 'disconnect', i.e. also when an interrupted runner dies.
    const c = fork(SQL_WORKER, [], { stdio: ['ignore', 'ignore', 'pipe', 'ipc'], env: { PATH: process.env.PATH ?? '' }, execArgv: [] });
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

  const once = async (request: Extract<ChildMessage, { type: 'sql' }>): Promise<ParentMessage> => {
    child ??= start();
    const entry = child;
    if (!(await entry.ready)) {
      entry.process.kill('SIGKILL');
      if (child === entry) child = undefined;
      return { type: 'sql-result', ok: false, error: 'the SQL process did not start; sql() is unavailable for this statement' };
    }
    const c = entry.process;
    const id = nextId++;
    const timeoutMs = typeof request.options?.timeoutMs === 'number' && request.options.timeoutMs > 0 ? request.options.timeoutMs : DEFAULT_TIMEOUT_MS;
    return new Promise<ParentMessage>((resolve) => {
      const done = (reply: ParentMessage): void => {
        clearTimeout(timer);
        c.off('message', onMessage);
        c.off('exit', onExit);
        resolve(reply);
      };
      const onMessage = (m: unknown): void => {
        const r = m as SqlResponse;
        if (r.id !== id) return;
        done(r.ok ? { type: 'sql-result', ok: true, result: r.result } : { type: 'sql-result', ok: false, error: r.error });
      };
      const onExit = (): void => done({ type: 'sql-result', ok: false, error: 'the SQL process ended unexpectedly; the statement did not complete' });
      const timer = setTimeout(() => {
        // Forget it now: the next request must not reach the dying process.
        if (child === entry) child = undefined;
        c.kill('SIGKILL');
        done({ type: 'sql-result', ok: false, error: `sql() exceeded its time bound of ${timeoutMs} ms; the statement was stopped (narrow the query or raise timeoutMs)` });
      }, timeoutMs + GRACE_MS);
      c.on('message', onMessage);
      c.on('exit', onExit);
      const req: SqlRequest = { id, storePath, datasetId, query: request.query, params: request.params, options: request.options };
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
