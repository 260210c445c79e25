// Runs the rehearsal's processes: each in its own process group with its output in a log file,
// sampled from /proc for CPU seconds and peak RSS (the whole process tree, across restarts), and
// all stopped by one call on success, failure or Ctrl-C.
import { spawn, type ChildProcess } from 'node:child_process';
import { createWriteStream, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

const CLOCK_TICKS = 100;
const PAGE_KB = 4;

export interface StartOptions {
  env?: NodeJS.ProcessEnv;
  cwd?: string;
  /** Resolves once this text appears in the output (e.g. a "listening" line). */
  readyText?: string;
  readyTimeoutMs?: number;
}

interface Managed {
  name: string;
  child: ChildProcess;
  exited: Promise<number | string>;
  output: string;
}

export interface Usage {
  name: string;
  cpuS: number;
  peakRssMb: number;
  restarts: number;
}

/** utime+stime (ticks) and RSS (kB) of every process, with its parent. */
function readProcTable(): Map<number, { ppid: number; ticks: number; rssKb: number }> {
  const table = new Map<number, { ppid: number; ticks: number; rssKb: number }>();
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      const stat = readFileSync(`/proc/${entry}/stat`, 'utf8');
      // Fields after the command name, which may contain spaces, start after the last ')'.
      const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
      table.set(Number(entry), {
        ppid: Number(fields[1]),
        ticks: Number(fields[11]) + Number(fields[12]),
        rssKb: Number(fields[21]) * PAGE_KB,
      });
    } catch {
      // The process ended while we looked.
    }
  }
  return table;
}

function bindable(port: number): Promise<number | undefined> {
  return new Promise((resolve) => {
    const server = createServer();
    server.unref();
    server.once('error', () => resolve(undefined));
    server.listen(port, '127.0.0.1', () => {
      const address = server.address();
      server.close(() => resolve(typeof address === 'object' && address ? address.port : undefined));
    });
  });
}

const handedOut = new Set<number>();

/**
 * A free loopback port. Below 32768 (under Linux's ephemeral range) by default: Temporal stores
 * membership ports in a PostgreSQL smallint, and ports there are not taken by outgoing connections.
 */
function proportionalKb(pid: number): number {
  try {
    return Number(/^Pss:\s+(\d+)/m.exec(readFileSync(`/proc/${pid}/smaps_rollup`, 'utf8'))?.[1] ?? 0);
  } catch {
    return 0;
  }
}

export async function freePort(): Promise<number> {
  for (let attempt = 0; attempt < 200; attempt++) {
    const candidate = 20_000 + Math.floor(Math.random() * 12_000);
    if (handedOut.has(candidate)) continue;
    if ((await bindable(candidate)) !== undefined) {
      handedOut.add(candidate);
      return candidate;
    }
  }
  throw new Error('no free port between 20000 and 32000 on 127.0.0.1');
}

export class Supervisor {
  private readonly running = new Map<string, Managed>();
  /** name -> pid -> last seen CPU ticks, kept after the process ends. */
  private readonly ticks = new Map<string, Map<number, number>>();
  private readonly peakRssKb = new Map<string, number>();
  private readonly restarts = new Map<string, number>();
  private readonly sampler: NodeJS.Timeout;

  constructor(private readonly logDir: string) {
    this.sampler = setInterval(() => this.sample(), 500);
    this.sampler.unref();
  }

  logFile(name: string): string {
    return join(this.logDir, `${name}.log`);
  }

  async start(name: string, command: string, args: string[], options: StartOptions = {}): Promise<void> {
    if (this.running.has(name)) throw new Error(`${name} is already running`);
    const log = createWriteStream(this.logFile(name), { flags: 'a' });
    const child = spawn(command, args, {
      cwd: options.cwd,
      env: options.env ?? process.env,
      detached: true,
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    const managed: Managed = {
      name,
      child,
      output: '',
      exited: new Promise((resolve) => child.on('exit', (code, signal) => resolve(signal ?? code ?? -1))),
    };
    for (const stream of [child.stdout, child.stderr]) {
      stream?.on('data', (chunk: Buffer) => {
        if (!log.writableEnded) log.write(chunk);
        if (managed.output.length < 1_000_000) managed.output += chunk.toString();
      });
    }
    void managed.exited.then(() => {
      if (this.running.get(name) === managed) this.running.delete(name);
    });
    // After 'exit', output may still be in the pipes; 'close' comes when they are drained.
    child.on('close', () => log.end());
    if (this.ticks.has(name)) this.restarts.set(name, (this.restarts.get(name) ?? 0) + 1);
    this.ticks.set(name, this.ticks.get(name) ?? new Map());
    this.running.set(name, managed);
    await new Promise<void>((resolve, reject) => {
      child.once('spawn', resolve);
      child.once('error', reject);
    });
    if (options.readyText) await this.waitForOutput(name, options.readyText, options.readyTimeoutMs ?? 60_000);
  }

  async waitForOutput(name: string, text: string, timeoutMs: number): Promise<void> {
    const managed = this.running.get(name);
    if (!managed) throw new Error(`${name} is not running`);
    const deadline = Date.now() + timeoutMs;
    let ended = false;
    void managed.exited.then(() => (ended = true));
    while (!managed.output.includes(text)) {
      if (ended) throw new Error(`${name} exited before it was ready; see ${this.logFile(name)}:\n${managed.output.slice(-2000)}`);
      if (Date.now() > deadline) throw new Error(`${name} was not ready within ${timeoutMs / 1000}s; see ${this.logFile(name)}`);
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
  }

  pid(name: string): number | undefined {
    return this.running.get(name)?.child.pid;
  }

  /** Sends the signal to the process group and waits for the process to exit. */
  async stop(name: string, signal: NodeJS.Signals = 'SIGTERM', timeoutMs = 30_000): Promise<number | string | undefined> {
    const managed = this.running.get(name);
    if (!managed?.child.pid) return undefined;
    this.sample();
    this.signal(managed, signal);
    const timer = setTimeout(() => this.signal(managed, 'SIGKILL'), timeoutMs);
    const result = await managed.exited;
    clearTimeout(timer);
    return result;
  }

  private signal(managed: Managed, signal: NodeJS.Signals): void {
    try {
      process.kill(-(managed.child.pid as number), signal);
    } catch {
      // Already gone.
    }
  }

  /** Stops every process at once, except the first one started (the database), which goes last. */
  async stopAll(timeoutMs = 20_000): Promise<void> {
    const [first, ...rest] = [...this.running.keys()];
    await Promise.all(rest.map((name) => this.stop(name, 'SIGTERM', timeoutMs)));
    if (first) await this.stop(first, 'SIGTERM', timeoutMs);
    clearInterval(this.sampler);
  }

  /** Last resort from an exit handler: SIGKILL every process group, synchronously. */
  killAllNow(): void {
    for (const managed of this.running.values()) this.signal(managed, 'SIGKILL');
  }

  sample(): void {
    if (this.running.size === 0) return;
    const table = readProcTable();
    const children = new Map<number, number[]>();
    for (const [pid, info] of table) children.set(info.ppid, [...(children.get(info.ppid) ?? []), pid]);
    for (const managed of this.running.values()) {
      const root = managed.child.pid;
      if (!root || !table.has(root)) continue;
      const seen = this.ticks.get(managed.name) as Map<number, number>;
      const tree: number[] = [];
      const queue = [root];
      while (queue.length > 0) {
        const pid = queue.pop() as number;
        const info = table.get(pid);
        if (!info) continue;
        seen.set(pid, Math.max(seen.get(pid) ?? 0, info.ticks));
        tree.push(pid);
        queue.push(...(children.get(pid) ?? []));
      }
      // One process: its RSS. A tree (PostgreSQL's backends share their buffers): the sum of PSS,
      // which counts shared pages once instead of once per process.
      const kb = tree.length === 1 ? (table.get(root)?.rssKb ?? 0) : tree.reduce((sum, pid) => sum + proportionalKb(pid), 0);
      this.peakRssKb.set(managed.name, Math.max(this.peakRssKb.get(managed.name) ?? 0, kb));
    }
  }

  usage(): Usage[] {
    this.sample();
    return [...this.ticks.entries()].map(([name, pids]) => ({
      name,
      cpuS: Math.round(([...pids.values()].reduce((sum, value) => sum + value, 0) / CLOCK_TICKS) * 10) / 10,
      peakRssMb: Math.round((this.peakRssKb.get(name) ?? 0) / 1024),
      restarts: this.restarts.get(name) ?? 0,
    }));
  }
}

export interface SupervisedRunOptions {
  /** What runs, for messages: `the rehearsal`, `the chaos run`. */
  what: string;
  /** The prefix of its temp directory (`<tmp>/<prefix>XXXXXX`, logs in `logs/`). */
  workDirPrefix: string;
  /** Keep the logs even when it passes. */
  keepLogs: boolean;
  log: (line: string) => void;
  elapsed: () => string;
}

/** What a supervised run gets: its supervisor, its temp directory, and cleanups run after every process is stopped. */
export interface SupervisedRun {
  supervisor: Supervisor;
  workDir: string;
  cleanups: Array<() => void>;
}

/**
 * Runs `body` with a supervisor over a temp directory, then stops every process it started and
 * runs its cleanups (last added first), on success, failure, an exception or Ctrl-C, and exits 0
 * when `body` returned true, 1 otherwise (130 on a signal). Logs are kept unless it passed.
 */
export async function runSupervised(options: SupervisedRunOptions, body: (run: SupervisedRun) => Promise<boolean>): Promise<never> {
  const workDir = mkdtempSync(join(tmpdir(), options.workDirPrefix));
  mkdirSync(join(workDir, 'logs'), { recursive: true });
  const run: SupervisedRun = { supervisor: new Supervisor(join(workDir, 'logs')), workDir, cleanups: [] };
  let stopping: Promise<void> | undefined;
  const shutdown = async (code: number): Promise<never> => {
    // Ctrl-C reaches this process twice (from the terminal and forwarded by npm's bootstrap): one stop.
    stopping ??= (async () => {
      options.log(`\nStopping everything ${options.what} started (${options.elapsed()})...\n`);
      await run.supervisor.stopAll(10_000);
      for (const cleanup of [...run.cleanups].reverse()) {
        try {
          cleanup();
        } catch {
          // best effort: the processes are gone already
        }
      }
      if (code === 0 && !options.keepLogs) rmSync(workDir, { recursive: true, force: true });
      else options.log(`logs kept in ${join(workDir, 'logs')}\n`);
    })();
    await stopping;
    process.exit(code);
  };
  process.on('exit', () => run.supervisor.killAllNow());
  for (const signal of ['SIGINT', 'SIGTERM'] as const) process.on(signal, () => void shutdown(130));
  try {
    return await shutdown((await body(run)) ? 0 : 1);
  } catch (error) {
    options.log(`\n${options.what[0]?.toUpperCase()}${options.what.slice(1)} failed: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`);
    return shutdown(1);
  }
}
