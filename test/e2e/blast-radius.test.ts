// The blast-radius guard: more starts than the threshold within the window, counted by one gate workflow for
// every starter, hold every further run in `awaiting-approval` with no Okta call until an operator approves it;
// a pause holds every new run; members of approval-required groups always wait; the requester cannot approve
// their own run. Real dev server, the worker layout, the Okta emulator; assertions on Okta's final state and
// its request log.
import { WithStartWorkflowOperation, type WorkflowHandle } from '@temporalio/client';
import { PassThrough } from 'node:stream';
import { inject } from 'vitest';
import { describe, expect, it } from 'vitest';
import { EXIT, runCli } from '../../client/cli/program';
import { TOKEN } from '@okta-offboarding/okta-emulator/testing';
import type { Org } from '@okta-offboarding/okta-emulator';
import {
  admitUpdate,
  gateStart,
  gateWorkflowId,
  statusQuery,
  type AdmissionAsk,
  type OffboardingReport,
  type OffboardingStatus,
} from '../../workflows/definitions';
import { oktaUser, TEST_POLICY, useHarness, type OffboardingHarness } from '../support/offboarding';
import { employee, standardOrg } from '../support/orgs';
import { recordHistory } from '../support/temporal';

let counted: OffboardingHarness;
let open: OffboardingHarness;

/** Threshold 25 in an hour, as in production. */
useHarness(
  { policy: { ...TEST_POLICY, approvalThreshold: 25, approvalWindow: '1h' } },
  (started) => (counted = started),
);
/** No count (threshold 0): only the pause and the approval-required group hold runs. */
useHarness(
  { policy: { ...TEST_POLICY, approvalThreshold: 0, approvalRequiredGroups: ['Executives'] } },
  (started) => (open = started),
);

/** Runs the CLI as `operator`; `typed` is what the operator types on a terminal (no terminal when absent). */
async function offboard(
  harness: OffboardingHarness,
  operator: string | { operator: string; typed: string },
  ...argv: string[]
) {
  const out: string[] = [];
  const err: string[] = [];
  const as = typeof operator === 'string' ? { operator } : operator;
  const env = {
    TEMPORAL_ADDRESS: inject('temporalAddress'),
    TEMPORAL_NAMESPACE: 'default',
    OFFBOARD_TASK_QUEUE: harness.taskQueue,
    OKTA_ORG_URL: harness.okta.url,
    OKTA_API_TOKEN: TOKEN,
    OFFBOARD_OPERATOR: as.operator,
    ...harness.codecEnv,
  };
  const stdin = Object.assign(new PassThrough(), { isTTY: 'typed' in as });
  if ('typed' in as) stdin.end(`${as.typed}\n`);
  const code = await runCli(argv, { env, out: (text) => out.push(text), err: (text) => err.push(text), stdin });
  return { code, stdout: out.join('\n'), stderr: err.join('\n'), json: () => JSON.parse(out.join('\n')) as unknown };
}

/** Every request the emulator logged about a user: by its user id, or naming the id in its path or query. */
async function callsFor(harness: OffboardingHarness, userId: string) {
  return (await harness.admin.requests()).filter(
    (entry) => entry.userId === userId || entry.path.includes(userId) || (entry.query ?? '').includes(userId),
  );
}

/** Polls visibility (eventually consistent) until `count` runs of the harness's queue match. */
async function waitForVisible(harness: OffboardingHarness, query: string, count: number): Promise<void> {
  const full = `WorkflowType = "offboardUser" AND TaskQueue = "${harness.taskQueue}" AND ${query}`;
  const deadline = Date.now() + 30_000;
  while ((await harness.client.workflow.count(full)).count !== count) {
    if (Date.now() > deadline) throw new Error(`visibility never showed ${count} runs for ${full}`);
    await new Promise((resolve) => setTimeout(resolve, 200));
  }
}

/** The activity types a run scheduled, in order, from its history. */
/** The activities scheduled on task queues (the run policy and the archive's writes are local activities). */
async function activitiesOf(handle: WorkflowHandle): Promise<string[]> {
  const { events } = await handle.fetchHistory();
  return (events ?? []).flatMap((event) => event.activityTaskScheduledEventAttributes?.activityType?.name ?? []);
}

const heldStep = (status: OffboardingStatus) => status.steps.find((step) => step.step === 'awaitApproval');

function layoffOrg(people: number): Org {
  const org = standardOrg();
  return {
    ...org,
    users: [...org.users, ...Array.from({ length: people }, (_, index) => employee(`person${index}@example.com`))],
    devices: [],
  };
}

describe('more starts than the threshold within the window', () => {
  it('30 HR starts with threshold 25: 25 run, 5 wait with no Okta call; one rejected ends cancelled, `approve --source hr --since 1h` releases the rest', async () => {
    await counted.seed(layoffOrg(30));
    const ids = await Promise.all(
      Array.from({ length: 30 }, (_, index) => counted.userId(`person${index}@example.com`)),
    );
    const start = (index: number) =>
      counted.start({
        userId: ids[index] ?? '',
        source: 'hr',
        requestedBy: 'workday',
        correlationId: `hr-feed-bug-${String(index).padStart(2, '0')}`,
      });

    // The first 25 within seconds; the 5 after them once those have been counted, all within the minute.
    const first = await Promise.all(Array.from({ length: 25 }, (_, index) => start(index)));
    await Promise.all(
      first.map(({ handle }) =>
        counted.waitForStatus(handle, (status) => status.steps.some((step) => step.step === 'checkUser'), 60_000),
      ),
    );
    const later = await Promise.all(Array.from({ length: 5 }, (_, index) => start(25 + index)));
    const held = await Promise.all(
      later.map(({ handle }) => counted.waitForStatus(handle, (status) => status.phase === 'awaiting-approval')),
    );
    const reports = await Promise.all(first.map(({ handle }) => handle.result()));
    expect(reports.map((report) => report.outcome)).toEqual(Array(25).fill('completed'));
    for (const status of held)
      expect(heldStep(status)?.reason).toMatch(/^\d+ starts within 1h, more than the approval threshold of 25$/);
    const heldIds = ids.slice(25);
    for (const userId of heldIds) {
      expect(await callsFor(counted, userId)).toEqual([]);
      expect((await oktaUser(counted, userId)).status).toBe('ACTIVE');
    }

    // A rejected run ends cancelled, with nothing changed in Okta (the CLI's own lookup of the person is a read).
    const [rejected, ...approved] = later;
    const rejectedId = heldIds[0] ?? '';
    const reject = await offboard(counted, 'sec-omar', 'reject', rejectedId, '--reason', 'HR feed bug');
    expect(reject.code).toBe(EXIT.ok);
    const rejectedReport = (await rejected?.handle.result()) as OffboardingReport;
    expect(rejectedReport.outcome).toBe('cancelled');
    expect(
      rejectedReport.messages.map((message) => `${message.name}@${message.phase} by ${message.requestedBy}`),
    ).toEqual(['reject@awaiting-approval by cli:sec-omar']);
    expect(rejectedReport.notes.join(' ')).toMatch(/Rejected in awaiting-approval by cli:sec-omar \(HR feed bug\)/);
    expect(rejectedReport.notes.join(' ')).toMatch(/Cancelled before any change in Okta/);
    const cliLookup = [`GET /api/v1/users/${rejectedId}`];
    const callsOf = async (userId: string) =>
      (await callsFor(counted, userId)).map((entry) => `${entry.method} ${entry.path}`);
    expect(await callsOf(rejectedId)).toEqual(cliLookup);
    expect(await activitiesOf(rejected!.handle)).toEqual(['askAdmission']);
    await waitForVisible(counted, 'OffboardingPhase = "awaiting-approval"', 4);

    // Without a terminal and without --yes, a bulk action refuses; --dry-run lists what it would touch.
    const unconfirmed = await offboard(counted, 'sec-omar', 'approve', '--source', 'hr', '--since', '1h');
    expect(unconfirmed.code).toBe(EXIT.usage);
    expect(unconfirmed.stderr).toMatch(/^offboard: approve would go to 4 run\(s\): without a terminal .*--yes/);
    const listed = await offboard(
      counted,
      'sec-omar',
      'approve',
      '--source',
      'hr',
      '--since',
      '1h',
      '--dry-run',
      '--json',
    );
    expect(listed.code).toBe(EXIT.ok);
    const targets = (listed.json() as { targets: Array<{ userId: string }> }).targets;
    expect(targets.map((target) => target.userId).sort()).toEqual(heldIds.slice(1).sort());
    for (const userId of heldIds.slice(1)) expect(await callsFor(counted, userId)).toEqual([]);

    const approvedAt = Date.now();
    const release = await offboard(
      counted,
      'sec-omar',
      'approve',
      '--source',
      'hr',
      '--since',
      '1h',
      '--yes',
      '--json',
    );
    expect(release.code).toBe(EXIT.ok);
    expect((release.json() as { results: Array<{ outcome: string }> }).results.map((result) => result.outcome)).toEqual(
      Array(4).fill('sent'),
    );
    const released = await Promise.all(approved.map(({ handle }) => handle.result()));
    expect(released.map((report) => report.outcome)).toEqual(Array(4).fill('completed'));
    for (const report of released) {
      expect(report.messages.map((message) => `${message.name}@${message.phase}`)).toEqual([
        'approve@awaiting-approval',
      ]);
      expect(report.steps.find((step) => step.step === 'awaitApproval')?.items).toEqual([
        { id: report.userId, kind: 'user', outcome: 'done', reason: 'approved by cli:sec-omar' },
      ]);
    }
    for (const userId of heldIds.slice(1)) {
      expect((await oktaUser(counted, userId)).status).toBe('DEPROVISIONED');
      const firstCall = (await callsFor(counted, userId))[0];
      expect(Date.parse(firstCall?.at ?? '')).toBeGreaterThanOrEqual(approvedAt - 1_000);
    }
    expect(await callsOf(rejectedId)).toEqual(cliLookup);
    expect((await oktaUser(counted, rejectedId)).status).toBe('ACTIVE');

    await recordHistory('awaiting-approval-then-approved', approved[0]!.handle);
    await recordHistory('awaiting-approval-rejected', rejected!.handle);
    await recordHistory('offboarding-gate', counted.client.workflow.getHandle(gateWorkflowId(counted.taskQueue)));

    // Bulk rehire, narrowed by the event ids' prefix: the ten runs hr-feed-bug-00 to -09 are undone.
    const rehire = await offboard(
      counted,
      'sec-omar',
      'rehire',
      '--since',
      '1h',
      '--event-prefix',
      'hr-feed-bug-0',
      '--yes',
      '--json',
    );
    expect(rehire.code).toBe(EXIT.ok);
    const rehired = (rehire.json() as { results: Array<{ userId: string; outcome: string }> }).results;
    expect(rehired.map((result) => result.userId).sort()).toEqual(ids.slice(0, 10).sort());
    expect(rehired.every((result) => result.outcome === 'sent')).toBe(true);
    await Promise.all(ids.slice(0, 10).map((userId) => counted.client.workflow.getHandle(`rehire-${userId}`).result()));
    for (const userId of ids.slice(0, 10))
      expect(['ACTIVE', 'PROVISIONED']).toContain((await oktaUser(counted, userId)).status);
    expect((await oktaUser(counted, ids[10] ?? '')).status).toBe('DEPROVISIONED');
  });
});

describe('approval-required groups and the two-person rule', () => {
  it('a member of an approval-required group waits after the check’s reads whatever the count; the requester cannot approve it, another operator can', async () => {
    const org = standardOrg();
    org.groups.push({ name: 'Executives', type: 'OKTA_GROUP' });
    org.users.push(employee('ceo@example.com', { groups: ['Executives', 'Everyone'] }));
    await open.seed(org);
    const ceo = await open.userId('ceo@example.com');

    const started = await offboard(open, 'anna', 'start', 'ceo@example.com', '--device-wipe-delay', '0s', '--json');
    expect(started.code).toBe(EXIT.ok);
    const handle = open.client.workflow.getHandle(`offboard-${ceo}`);
    const waiting = await open.waitForStatus(handle, (status) => status.phase === 'awaiting-approval');
    expect(waiting.steps.map((step) => `${step.step}:${step.outcome}`)).toEqual([
      'checkUser:done',
      'awaitApproval:not-needed',
    ]);
    expect(heldStep(waiting)?.reason).toMatch(
      /^member of \S+ \(Executives\), a group whose members' runs always need an approval$/,
    );
    expect(await open.mutations(ceo)).toEqual([]);

    const own = await offboard(open, 'anna', 'approve', 'ceo@example.com');
    expect(own.code).toBe(EXIT.notAccepted);
    expect(own.stderr).toMatch(/^offboard: two-person rule: cli:anna requested this run and cannot approve it/);
    expect(await open.mutations(ceo)).toEqual([]);

    const other = await offboard(open, 'ben', 'approve', 'ceo@example.com', '--reason', 'confirmed with the board');
    expect(other.code).toBe(EXIT.ok);
    const report = (await handle.result()) as OffboardingReport;
    expect(report.outcome).toBe('completed');
    expect(report.messages.map((message) => `${message.name}@${message.phase} by ${message.requestedBy}`)).toEqual([
      'approve@awaiting-approval by cli:ben',
    ]);
    // Read again after the wait: the lock works from what Okta says at approval.
    expect(report.steps.map((step) => step.step).slice(0, 3)).toEqual(['checkUser', 'awaitApproval', 'checkUser']);
    expect((await oktaUser(open, ceo)).status).toBe('DEPROVISIONED');
    await recordHistory('approval-required-group', handle);
  });
});

describe('the pause', () => {
  it('holds every new run in awaiting-approval with no Okta call; resume admits new ones, the held ones wait for approve or cancel, and a protected account stays refused', async () => {
    await open.seed(standardOrg());
    const [alice, bob, root] = await Promise.all(
      ['alice@example.com', 'bob@example.com', 'root@example.com'].map((login) => open.userId(login)),
    );
    const paused = await offboard(open, 'anna', 'pause', '--reason', 'group rule writing into Offboarding', '--json');
    expect(paused.code).toBe(EXIT.ok);
    expect(paused.json()).toMatchObject({
      workflowId: gateWorkflowId(open.taskQueue),
      gate: { paused: { requestedBy: 'cli:anna', reason: 'group rule writing into Offboarding' } },
    });

    const heldAlice = await open.start({ userId: alice ?? '', source: 'hr', requestedBy: 'workday' });
    const heldRoot = await open.start({ userId: root ?? '', source: 'hr', requestedBy: 'workday' });
    for (const { handle } of [heldAlice, heldRoot]) {
      const status = await open.waitForStatus(handle, (current) => current.phase === 'awaiting-approval');
      expect(heldStep(status)?.reason).toMatch(
        /^the guard is paused \(by cli:anna at .*: group rule writing into Offboarding\)$/,
      );
    }
    expect(await callsFor(open, alice ?? '')).toEqual([]);
    expect(await callsFor(open, root ?? '')).toEqual([]);
    await waitForVisible(open, 'OffboardingPhase = "awaiting-approval"', 2);

    const resumed = await offboard(open, 'anna', 'resume');
    expect(resumed.code).toBe(EXIT.ok);
    expect(resumed.stdout).toMatch(/2 run\(s\) held meanwhile still await approval/);
    const bobRun = await open.start({ userId: bob ?? '', source: 'hr', requestedBy: 'workday' });
    expect((await bobRun.handle.result()).outcome).toBe('completed');
    expect((await heldAlice.handle.query(statusQuery)).phase).toBe('awaiting-approval');

    // Approval never overrides protection: the check refuses the Super Admin before any change.
    expect((await offboard(open, 'ben', 'approve', root ?? '')).code).toBe(EXIT.ok);
    await expect(heldRoot.handle.result()).rejects.toMatchObject({ cause: { type: 'ProtectedAccount' } });
    expect(await open.mutations(root)).toEqual([]);

    // Bulk cancel of what the pause held, confirmed on a terminal: alice's run ends cancelled, untouched.
    await waitForVisible(open, 'ExecutionStatus = "Running"', 1);
    const declined = await offboard(
      open,
      { operator: 'ben', typed: 'no' },
      'cancel',
      '--source',
      'hr',
      '--since',
      '10m',
    );
    expect(declined.code).toBe(EXIT.ok);
    expect(declined.stdout).toContain(heldAlice.workflowId);
    expect(declined.stderr).toMatch(/Cancel these 1 run\(s\)\? Type "yes" to go ahead:\nNothing was sent\./);
    expect((await heldAlice.handle.query(statusQuery)).phase).toBe('awaiting-approval');
    const cancel = await offboard(
      open,
      { operator: 'ben', typed: 'yes' },
      'cancel',
      '--source',
      'hr',
      '--since',
      '10m',
    );
    expect(cancel.code).toBe(EXIT.ok);
    expect(cancel.stdout).toMatch(/Cancel: sent to 1, refused by 0\./);
    const cancelled = await heldAlice.handle.result();
    expect(cancelled.outcome).toBe('cancelled');
    // Bob's run read the iPad he shares with alice; alice's own run called no Okta activity at all.
    expect(await activitiesOf(heldAlice.handle)).toEqual(['askAdmission']);
    expect(await open.mutations(alice)).toEqual([]);
    expect((await oktaUser(open, alice ?? '')).status).toBe('ACTIVE');
  });
});

describe('the gate', () => {
  it('answers a run that asks twice the same, and counts every starter’s runs in one window', async () => {
    const ask = (runId: string, source: AdmissionAsk['source']): AdmissionAsk => ({
      workflowId: `offboard-${runId}`,
      runId,
      source,
      threshold: 2,
      window: '1h',
    });
    const admit = (asks: AdmissionAsk[]) =>
      open.client.workflow.executeUpdateWithStart(admitUpdate, {
        args: [asks],
        startWorkflowOperation: new WithStartWorkflowOperation('offboardingGate', gateStart(`${open.taskQueue}`)),
      });
    const before = (await admit([ask('probe-0', 'api')]))[0]?.startsInWindow ?? 0;
    const answers = await admit([ask('probe-1', 'hr'), ask('probe-2', 'okta-group'), ask('probe-1', 'hr')]);
    const again = await admit([ask('probe-2', 'okta-group')]);
    expect(answers[0]).toEqual(answers[2]);
    expect(again[0]).toEqual(answers[1]);
    expect(answers[1]?.startsInWindow).toBe(before + 2);
    expect(answers[1]?.admitted).toBe(false);
  });
});
