// The load of one scenario: a fresh sample org, one HR event per person through the signed intake
// (retried on 503 and refused connections, as an HR system retries), a fault injector running
// alongside, then the wait for every run to close and the check of every person.
import type { Client } from '@temporalio/client';
import { signV2 } from '../../client/intake/signature';
import type { EmulatorAdmin } from '@okta-offboarding/okta-emulator';
import { generateSampleOrg } from '@okta-offboarding/okta-emulator';
import type { Org } from '@okta-offboarding/okta-emulator';
import type { Residual, RunCounts } from '../results';
import { checkAll, collectRuns, describeDiff, type CheckResult, type PersonCheck } from './check';
import { HR_SECRET } from './stack';

export const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));
export const between = (lo: number, hi: number): number => lo + Math.random() * (hi - lo);
export const pick = <T>(items: readonly T[]): T => items[Math.floor(Math.random() * items.length)] as T;

export type Faults = Record<string, number>;

export interface ScenarioResult {
  name: string;
  users: number;
  /** What the table shows as the load, e.g. `40 offboardings`. */
  load: string;
  faults: Faults;
  runs: RunCounts;
  residual: Residual;
  durationMs: number;
  passed: boolean;
  /** Why it failed, besides the persons below. */
  problems: string[];
  failures: PersonCheck[];
  notes: string[];
}

export function signatureHeader(
  secret: string,
  method: string,
  pathWithQuery: string,
  body: string,
  t = Math.floor(Date.now() / 1000),
): string {
  return `t=${t},v2=${signV2(secret, t, { method, pathWithQuery, contentType: 'application/json', rawBody: body })}`;
}

/** How the load reaches the intake: HTTP to its process, or `inject` into an in-process one (tests). */
export type IntakeCall = (request: {
  method: 'GET' | 'POST';
  path: string;
  body: string;
  headers: Record<string, string>;
}) => Promise<{ status: number; body: string }>;

export function httpIntake(url: string): IntakeCall {
  return async ({ method, path, body, headers }) => {
    const response = await fetch(`${url}${path}`, {
      method,
      headers,
      ...(method === 'POST' ? { body } : {}),
      signal: AbortSignal.timeout(30_000),
    });
    return { status: response.status, body: await response.text() };
  };
}

export interface HrSendStats {
  accepted: number;
  unavailable: number;
  refused: number;
  gaveUp: string[];
}

/** One HR event, signed anew on every attempt, retried on 5xx and connection errors until `deadline`. */
export async function sendHrEvent(
  call: IntakeCall,
  event: Record<string, unknown>,
  stats: HrSendStats,
  deadline: number,
): Promise<boolean> {
  const body = JSON.stringify(event);
  for (;;) {
    try {
      const response = await call({
        method: 'POST',
        path: '/v1/offboardings',
        body,
        headers: {
          'content-type': 'application/json',
          'offboard-signature': signatureHeader(HR_SECRET, 'POST', '/v1/offboardings', body),
        },
      });
      if (response.status === 202 || response.status === 200 || response.status === 201) {
        stats.accepted += 1;
        return true;
      }
      if (response.status < 500)
        throw new Error(`the intake refused an HR event with ${response.status}: ${response.body}`);
      stats.unavailable += 1;
    } catch (error) {
      if (/refused an HR event/.test((error as Error).message)) throw error;
      stats.refused += 1;
    }
    if (Date.now() > deadline) {
      stats.gaveUp.push(String(event.user));
      return false;
    }
    await sleep(between(500, 1500));
  }
}

/** Counts injected Okta faults by kind; the emulator forgets a fault once it expires, so its hits are polled. */
export class FaultTracker {
  private readonly kinds = new Map<string, string>();
  private readonly hits = new Map<string, number>();
  private timer?: NodeJS.Timeout;
  readonly other: Faults = {};

  constructor(private readonly admin: EmulatorAdmin) {}

  async add(kind: string, fault: Parameters<EmulatorAdmin['addFault']>[0]): Promise<void> {
    const id = await this.admin.addFault(fault);
    this.kinds.set(id, kind);
  }

  count(kind: string, n = 1): void {
    this.other[kind] = (this.other[kind] ?? 0) + n;
  }

  start(): void {
    this.timer = setInterval(() => void this.poll().catch(() => {}), 500);
  }

  private async poll(): Promise<void> {
    for (const fault of await this.admin.faults()) {
      if (this.kinds.has(fault.id)) this.hits.set(fault.id, Math.max(this.hits.get(fault.id) ?? 0, fault.hits));
    }
  }

  async finish(): Promise<Faults> {
    clearInterval(this.timer);
    await this.poll().catch(() => {});
    await this.admin.clearFaults();
    const out: Faults = { ...this.other };
    for (const [id, kind] of this.kinds) out[kind] = (out[kind] ?? 0) + (this.hits.get(id) ?? 0);
    return out;
  }
}

export interface LoadOptions {
  name: string;
  users: number;
  client: Client;
  admin: EmulatorAdmin;
  taskQueue: string;
  intake: IntakeCall;
  /** HR events are spread over this long, so faults land on runs in every phase. */
  spreadMs: number;
  deviceWipeDelay: string;
  /** Give up waiting for open runs after this long at most (they count as stuck). */
  settleTimeoutMs: number;
  /** Give up when no run closed for this long; default 5 min. */
  stallMs?: number;
  log: (line: string) => void;
  /** Runs alongside the load; resolves when its faults are over. */
  inject: (context: LoadContext) => Promise<void>;
  /** Extra per-person checks after the standard ones (e.g. steering precedence). */
  extraChecks?: (result: CheckResult, seed: Org) => void | Promise<void>;
  /** How long HR senders keep retrying one event. */
  sendDeadlineMs?: number;
}

export interface LoadContext {
  leavers: string[];
  /** Persons whose HR event the intake accepted so far. */
  accepted: Set<string>;
  /** Resolves once every HR event was sent. */
  submitted: Promise<void>;
  openRuns(): Promise<number>;
  faults: FaultTracker;
}

const runningQuery = (taskQueue: string) =>
  `WorkflowType = "offboardUser" AND ExecutionStatus = "Running" AND TaskQueue = "${taskQueue}"`;

/** Open runs of this stack's task queue (-1 when visibility does not answer, e.g. PostgreSQL is down). */
async function countOpen(client: Client, taskQueue: string, extra = ''): Promise<number> {
  try {
    return (await client.workflow.count(`${runningQuery(taskQueue)}${extra}`)).count;
  } catch (error) {
    // Expected while PostgreSQL is down; anything else (a bad query) would only stall the wait.
    if (!/unavailable|deadline|connect|UNAVAILABLE/i.test((error as Error).message))
      process.stderr.write(`visibility count failed: ${(error as Error).message}\n`);
    return -1;
  }
}

export async function runLoad(options: LoadOptions): Promise<ScenarioResult> {
  const started = Date.now();
  const seedNumber = Math.floor(Math.random() * 1_000_000_000);
  const org = generateSampleOrg({ users: options.users, seed: seedNumber });
  await options.admin.reset();
  await options.admin.seed(org);
  const seed = await options.admin.state();
  const leavers = org.users.slice(0, options.users).map((user) => user.id as string);
  options.log(`  org seed ${seedNumber}: ${options.users} leavers, ${seed.devices.length} devices\n`);

  const stats: HrSendStats = { accepted: 0, unavailable: 0, refused: 0, gaveUp: [] };
  const accepted = new Set<string>();
  const faults = new FaultTracker(options.admin);
  faults.start();
  const sendDeadline = options.sendDeadlineMs ?? 180_000;
  const gap = options.spreadMs / Math.max(1, leavers.length);
  const submitted = (async () => {
    const sends: Array<Promise<void>> = [];
    for (const [index, userId] of leavers.entries()) {
      sends.push(
        sendHrEvent(
          options.intake,
          {
            user: userId,
            eventId: `chaos-${options.name}-${seedNumber}-${index}`,
            reason: `chaos ${options.name}`,
            deviceWipeDelay: options.deviceWipeDelay,
          },
          stats,
          Date.now() + sendDeadline,
        ).then((ok) => {
          if (ok) accepted.add(userId);
        }),
      );
      await sleep(gap);
    }
    await Promise.all(sends);
  })();
  // Only this scenario's runs: a run left open by an earlier scenario must not hold this one up.
  const scope = ` AND StartTime >= "${new Date(started - 1000).toISOString()}"`;
  const context: LoadContext = {
    leavers,
    accepted,
    submitted,
    openRuns: () => countOpen(options.client, options.taskQueue, scope),
    faults,
  };
  const injected = options.inject(context);
  await Promise.all([submitted, injected]);

  // Every run closes. A run counts as stuck once no run has closed for `stallMs` (runs still
  // closing means the system is working through its backlog); `settleTimeoutMs` caps the wait.
  // Runs all parked in needs-attention end the wait early.
  const deadline = Date.now() + options.settleTimeoutMs;
  const stallMs = options.stallMs ?? 300_000;
  let lastOpen = Number.POSITIVE_INFINITY;
  let lastProgress = Date.now();
  let lastLog = 0;
  for (;;) {
    const open = await countOpen(options.client, options.taskQueue, scope);
    const parked =
      open > 0
        ? await countOpen(options.client, options.taskQueue, `${scope} AND OffboardingPhase = "needs-attention"`)
        : 0;
    if (open === 0 || (open > 0 && parked === open && Date.now() - started > 30_000)) break;
    if (open >= 0 && open < lastOpen) {
      lastOpen = open;
      lastProgress = Date.now();
    }
    if (Date.now() > deadline || Date.now() - lastProgress > stallMs) {
      options.log(
        `  gave up waiting: ${open} runs still open, none closed for ${Math.round((Date.now() - lastProgress) / 1000)}s\n`,
      );
      break;
    }
    if (Date.now() - lastLog > 10_000) {
      options.log(`  ${open} runs open (${Math.round((Date.now() - started) / 1000)}s)\n`);
      lastLog = Date.now();
    }
    await sleep(1000);
  }
  const faultCounts = await faults.finish();
  if (stats.unavailable) faultCounts['intake 5xx (HR retried)'] = stats.unavailable;
  if (stats.refused) faultCounts['intake unreachable (HR retried)'] = stats.refused;

  // Visibility lags: a run that visibility still lists as open may have closed; collectRuns asks each run.
  const final = await options.admin.state();
  const views = await collectRuns(options.client, leavers);
  const result = checkAll(seed, final, views, stats.accepted);
  await options.extraChecks?.(result, seed);
  result.failures = result.persons.filter((person) => person.residual.length > 0 || person.mismatches.length > 0);
  result.residual = {
    count: result.persons.filter((p) => p.residual.length > 0).length,
    userIds: result.persons.filter((p) => p.residual.length > 0).map((p) => p.userId),
  };

  const problems: string[] = [];
  if (stats.gaveUp.length) problems.push(`${stats.gaveUp.length} HR events never accepted by the intake`);
  const passed =
    problems.length === 0 &&
    result.failures.length === 0 &&
    result.runs.lost === 0 &&
    result.runs.stuck === 0 &&
    result.runs.needsAttention === 0 &&
    result.runs.failed === 0;
  return {
    name: options.name,
    users: options.users,
    load: `${options.users} offboardings`,
    faults: faultCounts,
    runs: result.runs,
    residual: result.residual,
    durationMs: Date.now() - started,
    passed,
    problems,
    failures: result.failures,
    notes: [],
  };
}

export function printFailures(result: ScenarioResult, log: (line: string) => void, limit = 20): void {
  for (const problem of result.problems) log(`  FAILED: ${problem}\n`);
  for (const person of result.failures.slice(0, limit)) log(`${describeDiff(person)}\n`);
  if (result.failures.length > limit) log(`  ... and ${result.failures.length - limit} more\n`);
}
