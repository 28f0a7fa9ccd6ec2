/**
 * One sandboxed worker process, watched from the parent: its terminal message on fd 3, the
 * `sql` requests it makes, capped stdout/stderr, a wall-clock timeout and an RSS cap polled
 * from /proc (the V8 heap flag does not cap Buffers). Returns what happened; deciding what it
 * means for the plugin is runner.ts's job.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { existsSync, readFileSync } from 'node:fs';
import { availableParallelism } from 'node:os';
import type { Readable, Writable } from 'node:stream';
import { encodeParentReply, LineSplitter, MAX_MESSAGE_BYTES, type ChildMessage, type Envelope, type ParentReply, type WorkerSpec, type WorkerTask } from './protocol.ts';
import { HARNESS_ROOT, sandboxArgs, sandboxEnv, WORKER_ENTRY, type SandboxOptions } from './sandbox.ts';

/** Bytes of stdout/stderr kept (head and tail) for error reasons. */
export const OUTPUT_CAP_BYTES = 4096;
/** A plugin writing more than this to stdout+stderr is flooding: it is stopped. */
export const OUTPUT_FLOOD_BYTES = 4 * 1024 * 1024;

/** Keeps the first and last `cap` bytes of a stream and counts the rest. */
export class CappedOutput {
  #head = '';
  #tail = '';
  #dropped = 0;
  readonly cap: number;
  constructor(cap = OUTPUT_CAP_BYTES) {
    this.cap = cap;
  }
  push(chunk: string): void {
    if (this.#head.length < this.cap) {
      const room = this.cap - this.#head.length;
      this.#head += chunk.slice(0, room);
      chunk = chunk.slice(room);
    }
    if (chunk.length === 0) return;
    const joined = this.#tail + chunk;
    this.#dropped += Math.max(0, joined.length - this.cap);
    this.#tail = joined.slice(-this.cap);
  }
  get bytesDropped(): number {
    return this.#dropped;
  }
  text(): string {
    return this.#dropped > 0 ? `${this.#head}\n…[${this.#dropped} bytes omitted]…\n${this.#tail}` : this.#head + this.#tail;
  }
}

export interface ProcessSample {
  rssBytes: number;
  hwmBytes: number;
  cpuMs: number;
}

const CLOCK_TICKS_PER_SECOND = 100;

/** VmRSS/VmHWM and utime+stime of a live process, or undefined once it is gone. */
export function sampleProcess(pid: number): ProcessSample | undefined {
  try {
    const status = readFileSync(`/proc/${pid}/status`, 'utf8');
    const kb = (key: string): number => Number(new RegExp(`^${key}:\\s+(\\d+) kB`, 'm').exec(status)?.[1] ?? 0) * 1024;
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    // Fields after the parenthesized command name; utime and stime are fields 14 and 15.
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    const ticks = Number(fields[11]) + Number(fields[12]);
    return { rssBytes: kb('VmRSS'), hwmBytes: kb('VmHWM'), cpuMs: Math.round((ticks * 1000) / CLOCK_TICKS_PER_SECOND) };
  } catch {
    return undefined;
  }
}

export interface WorkerLimits {
  timeoutMs: number;
  /** RSS cap; undefined = no cap (discovery). */
  memoryMb?: number;
  pollMs?: number;
  /** stdout+stderr volume that counts as flooding (default OUTPUT_FLOOD_BYTES). */
  outputBytes?: number;
  /** RLIMIT_CPU in seconds (default orphanCpuSeconds(timeoutMs)). */
  cpuSeconds?: number;
  /** Largest protocol line accepted from the child (default MAX_MESSAGE_BYTES). */
  maxMessageBytes?: number;
}

export interface WorkerOutcome {
  /** The first terminal message (result / failed / exit-called / unsettled / described). */
  terminal: ChildMessage | undefined;
  logs: { level: 'info' | 'warn'; message: string }[];
  exitCode: number | null;
  signal: NodeJS.Signals | null;
  /** Why the runner killed it; `oversized`: a protocol message over MAX_MESSAGE_BYTES. */
  killedFor: KillReason | undefined;
  /** RSS when the cap tripped (for the manifest; not used in hashed text). */
  rssAtKillBytes: number;
  peakRssBytes: number;
  cpuMs: number;
  wallMs: number;
  stdout: string;
  stderr: string;
  /** Describe mode: the last module the process said it was importing. */
  loading: string | undefined;
}

/** Live worker processes, so an interrupted run can stop them instead of leaving orphans. */
const liveWorkers = new Set<ChildProcess>();

/** Kill every running plugin process (used when the run itself is interrupted). */
export function killAllWorkers(): number {
  const n = liveWorkers.size;
  for (const c of liveWorkers) c.kill('SIGKILL');
  return n;
}

export type KillReason = 'timeout' | 'memory' | 'output' | 'oversized';

/**
 * CPU-time bound of a plugin process (RLIMIT_CPU): a backstop for an orphan whose runner died
 * while it spins in a synchronous loop (its parent watchdog never gets to run). CPU time
 * cannot exceed wall time × cores, so this never fires before the runner's own timeout.
 */
export function orphanCpuSeconds(timeoutMs: number): number {
  return Math.ceil((timeoutMs / 1000) * Math.max(2, availableParallelism())) + 10;
}

/** The command line with RLIMIT_CPU set through /bin/sh's ulimit (exec keeps the pid). */
function withCpuLimit(cpuSeconds: number, argv: readonly string[]): [string, string[]] {
  if (process.platform !== 'linux' || !existsSync('/bin/sh')) return [argv[0]!, argv.slice(1)];
  return ['/bin/sh', ['-c', `ulimit -t ${Math.max(1, Math.ceil(cpuSeconds))} && exec "$0" "$@"`, ...argv]];
}

export type SqlHandler = (request: Extract<ChildMessage, { type: 'sql' }>) => Promise<ParentReply>;

export function runWorker(work: WorkerTask, sandbox: SandboxOptions, limits: WorkerLimits, onSql?: SqlHandler): Promise<WorkerOutcome> {
  const started = performance.now();
  const token = randomBytes(16).toString('hex');
  const spec = { ...work, token } as WorkerSpec;
  const [command, args] = withCpuLimit(limits.cpuSeconds ?? orphanCpuSeconds(limits.timeoutMs), [process.execPath, ...sandboxArgs(sandbox), WORKER_ENTRY]);
  const child = spawn(command, args, {
    stdio: ['ignore', 'pipe', 'pipe', 'pipe', 'pipe'],
    // Its own process group: a plugin's kill(0, …) reaches only its own process, not the runner's group.
    detached: true,
    env: sandboxEnv(),
    cwd: sandbox.write[0] ?? HARNESS_ROOT,
  });
  liveWorkers.add(child);
  const fromChild = child.stdio[3] as Readable;
  const toChild = child.stdio[4] as Writable;
  const stdout = new CappedOutput();
  const stderr = new CappedOutput();
  const outcome: WorkerOutcome = {
    terminal: undefined,
    logs: [],
    exitCode: null,
    signal: null,
    killedFor: undefined,
    rssAtKillBytes: 0,
    peakRssBytes: 0,
    cpuMs: 0,
    wallMs: 0,
    stdout: '',
    stderr: '',
    loading: undefined,
  };
  const kill = (why: KillReason): void => {
    if (outcome.killedFor === undefined && outcome.terminal === undefined) outcome.killedFor = why;
    child.kill('SIGKILL');
  };
  const observe = (): void => {
    if (child.pid === undefined) return;
    const s = sampleProcess(child.pid);
    if (!s) return;
    outcome.peakRssBytes = Math.max(outcome.peakRssBytes, s.hwmBytes, s.rssBytes);
    outcome.cpuMs = Math.max(outcome.cpuMs, s.cpuMs);
    if (limits.memoryMb !== undefined && s.rssBytes > limits.memoryMb * 1024 * 1024) {
      outcome.rssAtKillBytes = s.rssBytes;
      kill('memory');
    }
  };
  const poll = setInterval(observe, limits.pollMs ?? 50);
  const timer = setTimeout(() => kill('timeout'), limits.timeoutMs);

  let outputBytes = 0;
  const capture = (sink: CappedOutput) => (c: string) => {
    sink.push(c);
    outputBytes += c.length;
    if (outputBytes > (limits.outputBytes ?? OUTPUT_FLOOD_BYTES)) kill('output');
  };
  child.stdout!.setEncoding('utf8').on('data', capture(stdout));
  child.stderr!.setEncoding('utf8').on('data', capture(stderr));
  toChild.on('error', () => {}); // the child may be gone before we answer; its exit tells the story
  // An oversized line is almost always the result: the process is stopped, not waited for.
  const lines = new LineSplitter(limits.maxMessageBytes ?? MAX_MESSAGE_BYTES, () => kill('oversized'));
  let malformed = 0;
  let forged = 0;
  fromChild.on('data', (chunk: Buffer) => {
    for (const line of lines.push(chunk)) {
      let envelope: Envelope;
      try {
        envelope = JSON.parse(line) as Envelope;
      } catch {
        malformed++;
        continue;
      }
      if (envelope === null || typeof envelope !== 'object' || envelope.token !== token) {
        forged++;
        continue;
      }
      const { token: _token, ...rest } = envelope;
      const msg = rest as ChildMessage;
      if (msg.type === 'log') {
        if (outcome.logs.length < 200) outcome.logs.push({ level: msg.level, message: msg.message });
      } else if (msg.type === 'loading') {
        outcome.loading = msg.file;
      } else if (msg.type === 'sql') {
        const answer = onSql ? onSql(msg) : Promise.resolve<ParentReply>({ type: 'sql-result', ok: false, error: 'sql is not available in this process' });
        void answer
          .catch((err: unknown): ParentReply => ({ type: 'sql-result', ok: false, error: `sql() failed in the runner: ${(err as Error).message}` }))
          .then((reply) => {
            if (!toChild.destroyed) toChild.write(encodeParentReply(reply));
          });
      } else if (outcome.terminal === undefined) {
        outcome.terminal = msg;
      }
    }
  });
  toChild.write(`${JSON.stringify(spec)}\n`);

  return new Promise((resolve) => {
    let done = false;
    const finish = (code: number | null, signal: NodeJS.Signals | null): void => {
      if (done) return;
      done = true;
      liveWorkers.delete(child);
      clearInterval(poll);
      clearTimeout(timer);
      outcome.exitCode = code;
      outcome.signal = signal;
      outcome.wallMs = Math.round(performance.now() - started);
      outcome.stdout = stdout.text();
      const notes = [malformed > 0 ? `${malformed} malformed protocol lines` : '', forged > 0 ? `${forged} protocol messages without the runner's token (ignored)` : ''].filter(Boolean);
      outcome.stderr = notes.length > 0 ? `${stderr.text()}\n[${notes.join('; ')}]` : stderr.text();
      toChild.destroy();
      resolve(outcome);
    };
    child.on('error', (err) => {
      stderr.push(`spawn failed: ${err.message}`);
      finish(null, null);
    });
    child.on('exit', () => observe());
    child.on('close', (code, signal) => finish(code, signal));
  });
}
