// The one supervisor of child processes, for the demo, the benchmark, the rehearsal and the chaos
// runs: each child runs in its own process group with its output in a log
// file, is awaited until it is ready (a line in its log, a TCP port that answers, or a probe), can
// be stopped or killed by name and started again, is sampled for CPU seconds and peak memory, and
// is stopped with its whole group (SIGTERM, then SIGKILL after a grace period) on Ctrl-C, SIGTERM,
// SIGHUP or exit.
//
//   const supervisor = new Supervisor({ logDir: '.demo/logs' });
//   supervisor.stopOnSignals();
//   await assertPortsFree([{ port: 7233, what: 'Temporal frontend', change: '--temporal-port <port>' }]);
//   const okta = await supervisor.start({ name: 'okta', command: 'tsx', args: [...], ready: { line: /listening on (\S+)/ } });
//   okta.readyMatch?.[1];  // the URL the child printed
//   await supervisor.stopAll();
//
// Children write straight into their log file (not through a pipe to this process), so a child
// never blocks or dies on a full or closed pipe, and its log survives this process.
import { spawn, type ChildProcess } from 'node:child_process';
import { closeSync, mkdirSync, mkdtempSync, openSync, readFileSync, rmSync, statSync } from 'node:fs';
import { connect, createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { proportionalKb, readProcTable } from './procstat';

export interface ReadyCheck {
  /** Ready when the child's output (stdout or stderr) has a line matching this. */
  line?: RegExp;
  /** Ready when this TCP port accepts connections. */
  port?: { port: number; host?: string };
  /** Ready when this resolves true (polled). */
  probe?: () => Promise<boolean>;
  /** Give up (and stop the child) after this long; default 60 s. */
  timeoutMs?: number;
}

export interface ChildSpec {
  /** Short name for messages and the log file (`<logDir>/<name>.log`). */
  name: string;
  command: string;
  args: string[];
  env?: NodeJS.ProcessEnv;
  cwd?: string;
  ready?: ReadyCheck;
}

export interface SupervisedChild {
  name: string;
  /** Its pid, which is also its process group id. */
  pid: number;
  logFile: string;
  /** The match of `ready.line`, e.g. to read a URL or port the child printed. */
  readyMatch?: RegExpMatchArray;
  /** Resolves when the child's process exits (its group may take a moment longer). */
  exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
  process: ChildProcess;
  /** Stopped or killed on purpose (`stop`), so its exit is not a crash. */
  stopped: boolean;
}

/** What one named child (all its starts together) used: CPU seconds of its process tree, peak memory, restarts. */
export interface Usage {
  name: string;
  cpuS: number;
  peakRssMb: number;
  restarts: number;
}

export interface SupervisorOptions {
  logDir: string;
  /** Time between SIGTERM and SIGKILL; default 10 s. */
  graceMs?: number;
  /** Called when a child exits while the supervisor is not stopping (a crash). */
  onUnexpectedExit?: (child: SupervisedChild, code: number | null, signal: NodeJS.Signals | null) => void;
  /** Where the progress of stopping is reported; default stderr. */
  log?: (line: string) => void;
  /**
   * Sample every child's CPU and memory from /proc twice a second, so `usage()` also counts
   * children that have exited (killed and restarted ones). Off by default: only the rehearsal
   * reports it, and the benchmark should not pay for it.
   */
  sampleUsage?: boolean;
}

export class ChildFailedError extends Error {
  constructor(
    readonly child: string,
    message: string,
    readonly logTail: string,
  ) {
    super(message);
    this.name = 'ChildFailedError';
  }
}

const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

/** Whether any process of the group led by `pgid` is still alive. */
function groupAlive(pgid: number): boolean {
  try {
    process.kill(-pgid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}

function signalGroup(pgid: number, signal: NodeJS.Signals): void {
  try {
    process.kill(-pgid, signal);
  } catch {
    // the group is gone already
  }
}

/** The last lines of a log file, for error messages. */
export function logTail(file: string, lines = 15): string {
  try {
    return readFileSync(file, 'utf8').trimEnd().split('\n').slice(-lines).join('\n');
  } catch {
    return '';
  }
}

export class Supervisor {
  private readonly children: SupervisedChild[] = [];
  private stopping: Promise<void> | undefined;
  private readonly graceMs: number;
  private readonly log: (line: string) => void;
  /** By child name, across restarts: the CPU seconds last seen of every pid of its tree, and its peak memory. */
  private readonly usageByName = new Map<string, { cpuS: Map<number, number>; peakKb: number; starts: number }>();
  private readonly sampler?: NodeJS.Timeout;

  constructor(private readonly options: SupervisorOptions) {
    this.graceMs = options.graceMs ?? 10_000;
    this.log = options.log ?? ((line) => process.stderr.write(`${line}\n`));
    mkdirSync(options.logDir, { recursive: true });
    if (options.sampleUsage) {
      this.sampler = setInterval(() => this.sample(), 500);
      this.sampler.unref();
    }
  }

  /** Children whose process has not exited. */
  get running(): readonly SupervisedChild[] {
    return this.children.filter((child) => child.process.exitCode === null && child.process.signalCode === null);
  }

  /** The pid (and process group) of the running child of that name. */
  pid(name: string): number | undefined {
    return this.running.find((child) => child.name === name)?.pid;
  }

  get isStopping(): boolean {
    return this.stopping !== undefined;
  }

  /** Starts a child in its own process group, appending its output to `<logDir>/<name>.log`, and waits until it is ready. */
  async start(spec: ChildSpec): Promise<SupervisedChild> {
    if (this.stopping) throw new Error(`not starting ${spec.name}: stopping`);
    if (this.pid(spec.name) !== undefined) throw new Error(`${spec.name} is already running`);
    const logFile = join(this.options.logDir, `${spec.name}.log`);
    const fd = openSync(logFile, 'a');
    const offset = statSync(logFile).size;
    const child = spawn(spec.command, spec.args, {
      cwd: spec.cwd,
      env: spec.env ?? process.env,
      stdio: ['ignore', fd, fd],
      detached: true,
    });
    closeSync(fd);
    if (child.pid === undefined) {
      const error = await new Promise<Error>((resolve) => child.once('error', resolve));
      throw new ChildFailedError(spec.name, `${spec.name}: could not start ${spec.command}: ${error.message}`, '');
    }
    const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) => {
      child.once('exit', (code, signal) => resolve({ code, signal }));
    });
    const supervised: SupervisedChild = {
      name: spec.name,
      pid: child.pid,
      logFile,
      exited,
      process: child,
      stopped: false,
    };
    this.children.push(supervised);
    const usage = this.usageByName.get(spec.name) ?? { cpuS: new Map<number, number>(), peakKb: 0, starts: 0 };
    usage.starts += 1;
    this.usageByName.set(spec.name, usage);
    void exited.then(({ code, signal }) => {
      if (!this.stopping && !supervised.stopped) this.options.onUnexpectedExit?.(supervised, code, signal);
    });
    if (spec.ready) {
      try {
        const match = await this.waitUntilReady(supervised, spec.ready, offset);
        if (match) supervised.readyMatch = match;
      } catch (error) {
        await this.stopChild(supervised);
        throw error;
      }
    }
    return supervised;
  }

  private async waitUntilReady(
    child: SupervisedChild,
    ready: ReadyCheck,
    offset: number,
  ): Promise<RegExpMatchArray | undefined> {
    const timeoutMs = ready.timeoutMs ?? 60_000;
    const deadline = Date.now() + timeoutMs;
    let exit: { code: number | null; signal: NodeJS.Signals | null } | undefined;
    void child.exited.then((result) => (exit = result));
    for (;;) {
      let match: RegExpMatchArray | undefined;
      if (ready.line) match = readFileSync(child.logFile, 'utf8').slice(offset).match(ready.line) ?? undefined;
      const lineReady = ready.line === undefined || match !== undefined;
      const portReady =
        lineReady && (ready.port === undefined || (await portAnswers(ready.port.port, ready.port.host)));
      const probeReady = portReady && (ready.probe === undefined || (await ready.probe().catch(() => false)));
      if (probeReady) return match;
      if (exit) {
        const how = exit.signal ? `was killed by ${exit.signal}` : `exited with code ${exit.code}`;
        throw new ChildFailedError(
          child.name,
          `${child.name} ${how} before it was ready (log: ${child.logFile})`,
          logTail(child.logFile),
        );
      }
      if (this.stopping) throw new ChildFailedError(child.name, `${child.name}: stopped before it was ready`, '');
      if (Date.now() > deadline) {
        throw new ChildFailedError(
          child.name,
          `${child.name} was not ready after ${Math.round(timeoutMs / 1000)}s (log: ${child.logFile})`,
          logTail(child.logFile),
        );
      }
      await sleep(150);
    }
  }

  /**
   * `signal` to the child's process group (SIGTERM by default; SIGKILL, or SIGINT for PostgreSQL's
   * fast shutdown), SIGKILL after `graceMs`; resolves when the whole group is gone.
   */
  private async stopChild(
    child: SupervisedChild,
    signal: NodeJS.Signals = 'SIGTERM',
    graceMs = this.graceMs,
  ): Promise<void> {
    child.stopped = true;
    if (!groupAlive(child.pid)) return;
    // Its last CPU seconds, before they are gone with it.
    if (this.sampler) this.sample();
    signalGroup(child.pid, signal);
    const deadline = Date.now() + graceMs;
    while (groupAlive(child.pid) && Date.now() < deadline) await sleep(50);
    if (groupAlive(child.pid)) {
      this.log(`${child.name} did not stop within ${Math.round(graceMs / 1000)}s: killing it`);
      signalGroup(child.pid, 'SIGKILL');
      while (groupAlive(child.pid)) await sleep(50);
    }
    // Node reports the exit a moment after the group is gone; until then the child counts as running.
    await child.exited;
  }

  /** Stops (or with SIGKILL kills) the running child of that name, which may be started again. */
  async stop(name: string, signal: NodeJS.Signals = 'SIGTERM', graceMs = this.graceMs): Promise<void> {
    const child = this.running.find((candidate) => candidate.name === name);
    if (child) await this.stopChild(child, signal, graceMs);
  }

  /**
   * Stops every child, the last started first (the worker before the server it talks to, the
   * database last). A restarted child keeps the place of its first start. Safe to call repeatedly.
   */
  stopAll(graceMs = this.graceMs): Promise<void> {
    this.stopping ??= (async () => {
      const firstStart = (name: string): number => this.children.findIndex((child) => child.name === name);
      const order = [...this.children].sort(
        (a, b) => firstStart(b.name) - firstStart(a.name) || this.children.indexOf(b) - this.children.indexOf(a),
      );
      for (const child of order) {
        if (groupAlive(child.pid)) this.log(`Stopping ${child.name} (pid ${child.pid})...`);
        await this.stopChild(child, 'SIGTERM', graceMs);
      }
      clearInterval(this.sampler);
    })();
    return this.stopping;
  }

  /** Last resort from an exit handler: SIGKILL to every child's group, synchronously. */
  killAllNow(): void {
    for (const child of this.children) if (groupAlive(child.pid)) signalGroup(child.pid, 'SIGKILL');
  }

  /** Records the CPU seconds and memory of every running child's process tree. */
  private sample(): void {
    const running = this.running;
    if (running.length === 0) return;
    const table = readProcTable();
    const childrenOf = new Map<number, number[]>();
    for (const entry of table.values()) childrenOf.set(entry.ppid, [...(childrenOf.get(entry.ppid) ?? []), entry.pid]);
    for (const child of running) {
      const usage = this.usageByName.get(child.name);
      if (!usage || !table.has(child.pid)) continue;
      const tree: number[] = [];
      const queue = [child.pid];
      while (queue.length > 0) {
        const pid = queue.pop() as number;
        const entry = table.get(pid);
        if (!entry) continue;
        usage.cpuS.set(pid, Math.max(usage.cpuS.get(pid) ?? 0, entry.cpuS));
        tree.push(pid);
        queue.push(...(childrenOf.get(pid) ?? []));
      }
      // One process: its RSS. A tree (PostgreSQL's backends share their buffers): the sum of PSS,
      // which counts shared pages once instead of once per process.
      const kb =
        tree.length === 1
          ? (table.get(child.pid)?.rssKb ?? 0)
          : tree.reduce((sum, pid) => sum + proportionalKb(pid), 0);
      usage.peakKb = Math.max(usage.peakKb, kb);
    }
  }

  /** CPU seconds, peak memory and restarts of every child by name (sampled now, and every 0.5 s with `sampleUsage`). */
  usage(): Usage[] {
    this.sample();
    return [...this.usageByName.entries()].map(([name, usage]) => ({
      name,
      cpuS: Math.round([...usage.cpuS.values()].reduce((sum, value) => sum + value, 0) * 10) / 10,
      peakRssMb: Math.round(usage.peakKb / 1024),
      restarts: usage.starts - 1,
    }));
  }

  /**
   * Ctrl-C, SIGTERM and SIGHUP stop every child, then exit (130, 143, 129); `beforeStop` runs first
   * (e.g. to clear a progress line). If this process exits any other way, what is left gets SIGKILL.
   */
  stopOnSignals(beforeStop?: () => void): void {
    const codes: Array<[NodeJS.Signals, number]> = [
      ['SIGINT', 130],
      ['SIGTERM', 143],
      ['SIGHUP', 129],
    ];
    for (const [signal, code] of codes) {
      process.on(signal, () => {
        // npm, the bootstrap and tsx relay the terminal's Ctrl-C as well: repeats are ignored.
        if (this.stopping) return;
        beforeStop?.();
        void this.stopAll().finally(() => process.exit(code));
      });
    }
    process.on('exit', () => this.killAllNow());
  }
}

/** Whether something accepts TCP connections on the port. */
export function portAnswers(port: number, host = '127.0.0.1'): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = connect({ port, host });
    socket.setTimeout(1000);
    socket.once('connect', () => {
      socket.destroy();
      resolve(true);
    });
    socket.once('timeout', () => {
      socket.destroy();
      resolve(false);
    });
    socket.once('error', () => resolve(false));
  });
}

/** Whether this process could listen on the port. */
export function portFree(port: number, host = '127.0.0.1'): Promise<boolean> {
  return new Promise((resolve) => {
    const server = createServer();
    server.once('error', () => resolve(false));
    server.listen({ port, host, exclusive: true }, () => server.close(() => resolve(true)));
  });
}

export interface PortNeed {
  port: number;
  host?: string;
  /** What will listen there, e.g. `Temporal frontend (gRPC)`. */
  what: string;
  /** How to choose another port, e.g. `--temporal-port <port>` or `OFFBOARD_INTAKE_PORT=<port>`. */
  change: string;
}

export class PortTakenError extends Error {
  constructor(readonly taken: PortNeed[]) {
    super(
      taken
        .map(
          (need) =>
            `Port ${need.port} (${need.what}) is already in use: stop what holds it (\`ss -ltnp 'sport = :${need.port}'\` shows it) or choose another port with ${need.change}.`,
        )
        .join('\n'),
    );
    this.name = 'PortTakenError';
  }
}

/**
 * Checks every port before anything starts, so the user learns of all conflicts at once and no
 * child is left half started. A port counts as taken when it cannot be bound on `host` or when
 * something answers on it (a server bound to another address of the same port).
 */
export async function assertPortsFree(needs: PortNeed[]): Promise<void> {
  const taken: PortNeed[] = [];
  for (const need of needs) {
    const host = need.host ?? '127.0.0.1';
    if (!(await portFree(need.port, host)) || (await portAnswers(need.port, host === '0.0.0.0' ? '127.0.0.1' : host)))
      taken.push(need);
  }
  if (taken.length > 0) throw new PortTakenError(taken);
}

const handedOut = new Set<number>();

/**
 * A free loopback port. Below 32768 (under Linux's ephemeral range): Temporal stores membership
 * ports in a PostgreSQL smallint, and ports there are not taken by outgoing connections.
 */
export async function freePort(): Promise<number> {
  for (let attempt = 0; attempt < 200; attempt++) {
    const candidate = 20_000 + Math.floor(Math.random() * 12_000);
    if (handedOut.has(candidate)) continue;
    if (await portFree(candidate)) {
      handedOut.add(candidate);
      return candidate;
    }
  }
  throw new Error('no free port between 20000 and 32000 on 127.0.0.1');
}

export interface SupervisedRunOptions {
  /** What runs, for messages: `the rehearsal`, `the chaos run`. */
  what: string;
  /** The prefix of its temp directory (`<tmp>/<prefix>XXXXXX`, logs in `logs/`). */
  workDirPrefix: string;
  /** Keep the logs even when it passes. */
  keepLogs: boolean;
  /** See `SupervisorOptions.sampleUsage`. */
  sampleUsage?: boolean;
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
export async function runSupervised(
  options: SupervisedRunOptions,
  body: (run: SupervisedRun) => Promise<boolean>,
): Promise<never> {
  const workDir = mkdtempSync(join(tmpdir(), options.workDirPrefix));
  const run: SupervisedRun = {
    supervisor: new Supervisor({
      logDir: join(workDir, 'logs'),
      log: (line) => options.log(`${line}\n`),
      sampleUsage: options.sampleUsage,
    }),
    workDir,
    cleanups: [],
  };
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
    options.log(
      `\n${options.what[0]?.toUpperCase()}${options.what.slice(1)} failed: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`,
    );
    return shutdown(1);
  }
}
