// Everything a workflow test needs: the suite's real Temporal server, an in-process Okta emulator
// reached through the real Okta SDK, and the project's worker layout on a task queue of its own, with
// payloads encrypted as in production (a test key unless the test gives its own).
import { Client, type WorkflowHandle } from '@temporalio/client';
import {
  DefaultLogger,
  Runtime,
  type LogLevel,
  type LogMetadata,
  type Worker,
  type WorkflowBundleWithSourceMap,
} from '@temporalio/worker';
import type { TestWorkflowEnvironment } from '@temporalio/testing';
import { afterAll, beforeAll, beforeEach, expect } from 'vitest';
import { dataConverterFor, parseCodecKeys } from '../../codec';
import { createOktaClient } from '../../okta/client';
import { notifiedMilestones, type NotifySettings } from '../../activities/notify-settings';
import { DEFAULT_POLICY, type OffboardingPolicy } from '../../activities/policy';
import { startOffboarding, type StartedRun } from '../../runs/offboardings';
import type { Org, RequestEntry } from '@okta-offboarding/okta-emulator';
import { BY_DESIGN } from '../../worker/logger';
import { DEFAULT_BUDGET, type OktaBudget } from '../../worker/budget';
import { bundleWorkflows } from '../../worker/bundle';
import { createWorkers, runWorkers } from '../../worker/workers';
import { statusQuery, type OffboardingRequest, type OffboardingStatus } from '../../workflows/definitions';
import type { offboardUser } from '../../workflows/offboard-user';
import { startTestEmulator, TOKEN, type TestEmulator } from '@okta-offboarding/okta-emulator/testing';
import type { AuditTrail } from '../../archive/trail';
import { TestArchive } from './archive';
import { TEST_CODEC_KEY_LINES, writeCodecKeysFile } from './codec';
import { connectToSuiteServer, outlineHistory, uniqueTaskQueue } from './temporal';

/**
 * Errors only, by default: the tests inject the failures that workers warn about (429s, 500s, refusals,
 * needs-attention) and assert on their outcome, so the warnings would only bury the results.
 * `OFFBOARD_TEST_LOG_LEVEL=WARN npm test` shows them; the by-design notices of the per-bucket workers
 * (worker/logger.ts) never.
 */
class TestLogger extends DefaultLogger {
  override log(level: LogLevel, message: string, meta?: LogMetadata): void {
    if (!BY_DESIGN.some((pattern) => pattern.test(message))) super.log(level, message, meta);
  }
}

Runtime.install({ logger: new TestLogger((process.env.OFFBOARD_TEST_LOG_LEVEL as LogLevel | undefined) ?? 'ERROR') });

/** Limits high enough that functional tests never wait on the worker's own budget. */
export const GENEROUS_BUDGET: OktaBudget = {
  perMinute: Object.fromEntries(
    Object.keys(DEFAULT_BUDGET.perMinute).map((bucket) => [bucket, 60_000]),
  ) as OktaBudget['perMinute'],
  share: 1,
  concurrency: DEFAULT_BUDGET.concurrency,
};

let bundle: Promise<WorkflowBundleWithSourceMap> | undefined;
/** One workflow bundle per test file (about a second to build). */
export function workflowBundle(): Promise<WorkflowBundleWithSourceMap> {
  // As a worker with a codec bundles it: failure messages leave the sandbox as encoded attributes.
  bundle ??= bundleWorkflows();
  return bundle;
}

export interface HarnessOptions {
  policy?: Partial<OffboardingPolicy>;
  budget?: OktaBudget;
  emulator?: Parameters<typeof startTestEmulator>[0];
  /** Keys-file lines for the client and workers (the last is current); `null` runs with plaintext payloads. */
  codecKeys?: string[] | null;
  /** Linked orgs (Org2Org): each an emulator the test started, served by workers beside the workforce org's. */
  linkedOrgs?: Array<{ name: string; url: string; budget?: OktaBudget }>;
  /** What the workers write milestones through, around the harness's archive (a test's fault injection). */
  wrapArchive?: (trail: AuditTrail) => AuditTrail;
  /** Notification settings (worker/notify-config.ts); the policy's `notify` follows from them. None by default. */
  notifications?: NotifySettings;
  /** How long one group-rules listing serves every run (production: GROUP_RULES_SHARED_MS); 0 by default here. */
  groupRulesSharedMs?: number;
}

export class OffboardingHarness {
  private workers: Worker[] = [];
  private running?: Promise<void>;
  private temporal: Client;
  private keyLines: string[] | null;
  private keysFile?: string;
  private testArchive!: TestArchive;
  private trail?: { keyLines: string[] | null; trail: AuditTrail };
  readonly policy: OffboardingPolicy;

  private constructor(
    readonly env: TestWorkflowEnvironment,
    readonly okta: TestEmulator,
    readonly taskQueue: string,
    private readonly options: HarnessOptions,
  ) {
    this.policy = {
      ...DEFAULT_POLICY,
      retryInitialInterval: '200ms',
      retryMaximumInterval: '2s',
      // Every run still asks the blast-radius guard; only test/e2e/blast-radius.test.ts sets a threshold it reaches.
      approvalThreshold: 1_000_000,
      ...(options.notifications ? { notify: notifiedMilestones(options.notifications) } : {}),
      ...options.policy,
    };
    this.keyLines = options.codecKeys === undefined ? TEST_CODEC_KEY_LINES : options.codecKeys;
    this.temporal = this.connectClient();
  }

  /** A client on the suite's connection with the harness's codec (`env.client` has none: it reads history raw). */
  private connectClient(): Client {
    const dataConverter = dataConverterFor(this.keyLines ? parseCodecKeys(this.keyLines.join('\n')) : undefined);
    return new Client({ connection: this.env.connection, namespace: 'default', dataConverter });
  }

  static async start(options: HarnessOptions = {}): Promise<OffboardingHarness> {
    const [env, okta] = await Promise.all([connectToSuiteServer(), startTestEmulator(options.emulator)]);
    const harness = new OffboardingHarness(env, okta, uniqueTaskQueue('offboard'), options);
    harness.testArchive = await TestArchive.open();
    await harness.startWorkers();
    return harness;
  }

  /** The client the harness's workers agree with: it encrypts what it sends and decrypts what it reads. */
  get client(): Client {
    return this.temporal;
  }

  /** The environment that gives a CLI, intake or worker config the harness's keys (OFFBOARD_CODEC_KEYS_FILE). */
  get codecEnv(): NodeJS.ProcessEnv {
    if (!this.keyLines) return {};
    this.keysFile ??= writeCodecKeysFile(this.keyLines);
    return { OFFBOARD_CODEC_KEYS_FILE: this.keysFile };
  }

  /** A key rotation, as operators do it: every worker restarts with the new keys file, and so does the client. */
  async rotateKeys(lines: string[]): Promise<void> {
    await this.stopWorkers();
    this.keyLines = lines;
    this.keysFile = undefined;
    this.temporal = this.connectClient();
    await this.startWorkers();
  }

  get admin() {
    return this.okta.admin;
  }

  /** The workers' audit archive (an embedded PostgreSQL of its own), sealed with the harness's current keys. */
  get archive(): AuditTrail {
    if (this.trail?.keyLines !== this.keyLines)
      this.trail = { keyLines: this.keyLines, trail: this.testArchive.trail(this.keyLines) };
    return this.trail.trail;
  }

  /** The environment that points a CLI at the workers' archive (OFFBOARD_ARCHIVE_DIR). */
  get archiveEnv(): NodeJS.ProcessEnv {
    return this.testArchive.env;
  }

  async startWorkers(): Promise<void> {
    this.workers = await createWorkers({
      connection: this.env.nativeConnection,
      namespace: 'default',
      taskQueue: this.taskQueue,
      okta: createOktaClient({ orgUrl: this.okta.url, auth: { kind: 'api-token', token: TOKEN } }),
      policy: this.policy,
      budget: this.options.budget ?? GENEROUS_BUDGET,
      linkedOrgs: this.options.linkedOrgs?.map(({ name, url, budget }) => ({
        name,
        okta: createOktaClient({ orgUrl: url, auth: { kind: 'api-token', token: TOKEN } }),
        budget: budget ?? GENEROUS_BUDGET,
      })),
      temporal: this.client,
      archive: this.options.wrapArchive?.(this.archive) ?? this.archive,
      notifications: this.options.notifications,
      dataConverter: this.client.options.dataConverter,
      workflowCode: { workflowBundle: await workflowBundle() },
      // Each test reseeds Okta with fresh ids: a rules listing shared across tests would answer for the last org.
      activityOptions: { groupRulesSharedMs: this.options.groupRulesSharedMs ?? 0 },
      overrides: { shutdownGraceTime: '1s' },
    });
    this.running = runWorkers(this.workers);
  }

  /** Shuts every worker down, as a deploy or a crash would (in-flight activities are abandoned). */
  async stopWorkers(): Promise<void> {
    for (const worker of this.workers) if (worker.getState() === 'RUNNING') worker.shutdown();
    await this.running;
    this.workers = [];
  }

  async seed(org: Org): Promise<void> {
    await this.admin.reset();
    await this.admin.seed(org);
  }

  /** The Okta id of a seeded user. */
  async userId(login: string): Promise<string> {
    const user = (await this.admin.state()).users.find((candidate) => candidate.login === login);
    if (!user?.id) throw new Error(`no seeded user ${login}`);
    return user.id;
  }

  async start(
    request: Partial<OffboardingRequest> & { userId: string },
  ): Promise<StartedRun & { handle: WorkflowHandle<typeof offboardUser> }> {
    const started = await startOffboarding(this.client, this.taskQueue, {
      reason: 'test',
      source: 'cli',
      requestedBy: 'vitest',
      correlationId: `test-${Math.random().toString(36).slice(2, 10)}`,
      deviceWipeDelay: '0s',
      ...request,
    });
    const handle = this.client.workflow.getHandle<typeof offboardUser>(started.workflowId, started.runId);
    this.startedInTest.push(handle);
    return { ...started, handle };
  }

  /** The runs `start` began in the current test: their histories are printed if it fails. */
  readonly startedInTest: WorkflowHandle[] = [];

  /** The outline of each run the failed test started (a CI log then shows what a replay met). */
  async outlineStartedRuns(): Promise<string> {
    const outlines = await Promise.all(
      this.startedInTest.map((handle) =>
        outlineHistory(handle).catch((error: unknown) => `${handle.workflowId}: no history (${String(error)})`),
      ),
    );
    return outlines.join('\n');
  }

  /** Polls the `status` query until `predicate` holds. */
  async waitForStatus(
    handle: WorkflowHandle,
    predicate: (status: OffboardingStatus) => boolean,
    timeoutMs = 30_000,
  ): Promise<OffboardingStatus> {
    const deadline = Date.now() + timeoutMs;
    let last: OffboardingStatus | undefined;
    while (Date.now() < deadline) {
      try {
        last = await handle.query(statusQuery);
        if (predicate(last)) return last;
      } catch {
        // the first workflow task may not have run yet
      }
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
    throw new Error(`status never matched; last phase ${last?.phase ?? 'unknown'}`);
  }

  /** Waits until a request has met the fault (with a latency: until that request is in flight). */
  async waitForHit(faultId: string, timeoutMs = 30_000): Promise<void> {
    const deadline = Date.now() + timeoutMs;
    while (!(await this.admin.faults()).some((fault) => fault.id === faultId && fault.hits > 0)) {
      if (Date.now() > deadline) throw new Error(`no request met fault ${faultId}`);
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
  }

  /** Okta writes (anything but GET) the emulator logged, optionally about one user. */
  async mutations(userId?: string): Promise<RequestEntry[]> {
    const requests = await this.admin.requests();
    return requests.filter(
      (entry) =>
        entry.method !== 'GET' && entry.status >= 200 && entry.status < 400 && (!userId || entry.userId === userId),
    );
  }

  async close(): Promise<void> {
    await this.stopWorkers();
    await this.testArchive?.close();
    await this.okta.emulator.close();
    await this.env.teardown();
  }
}

/** The policy most workflow tests run with: the standard org's admins and break-glass account are protected. */
export const TEST_POLICY: Partial<OffboardingPolicy> = {
  protectedGroups: ['Super Admins'],
  protectedUsers: ['breakglass@example.com'],
  offboardingGroup: 'Offboarding',
};

/** One user as the emulator holds it now, with group types and device names resolved. */
export async function oktaUser(harness: OffboardingHarness, userId: string) {
  const state = await harness.admin.state();
  const user = state.users.find((candidate) => candidate.id === userId);
  const groups = new Map(state.groups.map((group) => [group.id, group]));
  return {
    exists: user !== undefined,
    status: user?.status,
    sessions: user?.sessions ?? 0,
    grants: user?.grants ?? [],
    refreshTokens: user?.refreshTokens ?? [],
    factors: user?.factors ?? [],
    groupNames: (user?.groups ?? []).map((id) => groups.get(id)?.name ?? id).sort(),
    oktaGroupNames: (user?.groups ?? [])
      .filter((id) => groups.get(id)?.type === 'OKTA_GROUP')
      .map((id) => groups.get(id)?.name ?? id)
      .sort(),
    directApps: (user?.apps ?? [])
      .filter((app) => app.scope === 'USER')
      .map((app) => state.apps.find((candidate) => candidate.id === app.app)?.label ?? app.app)
      .sort(),
    devices: state.devices
      .filter((device) => device.users.includes(userId))
      .map((device) => `${device.displayName}:${device.status}`)
      .sort(),
    allDevices: state.devices.map((device) => `${device.displayName}:${device.status}`).sort(),
  };
}

/**
 * One harness for a test file: started before its tests, closed after them, and every emulator
 * answer it produced checked against Okta's OpenAPI document.
 */
export function useHarness(options: HarnessOptions, onStarted: (harness: OffboardingHarness) => void): void {
  let harness: OffboardingHarness | undefined;
  beforeAll(async () => {
    harness = await OffboardingHarness.start(options);
    onStarted(harness);
  });
  beforeEach(({ onTestFailed }) => {
    harness?.startedInTest.splice(0);
    onTestFailed(async () => {
      const outlines = await harness?.outlineStartedRuns();
      if (outlines) console.error(`The histories of the runs this test started:\n${outlines}`);
    });
  });
  afterAll(async () => {
    expect(harness?.okta.takeViolations()).toEqual([]);
    await harness?.close();
  });
}
