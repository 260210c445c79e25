// Encrypted history, end to end: what Temporal stores for a run (read raw, without the codec, by the SDK and by the
// `temporal` CLI) holds none of the person's data, the same history read through the codec holds it all, and a key
// rotation keeps old runs readable while new payloads use the new key, even for a run waiting on its device timer.
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import type { temporal } from '@temporalio/proto';
import { beforeAll, describe, expect, it } from 'vitest';
import type { Org } from '@okta-offboarding/okta-emulator';
import { AesGcmCodec, ENCRYPTED_ENCODING, KEY_ID_METADATA } from '../../codec';
import { statusQuery, type OffboardingReport } from '../../workflows/definitions';
import type { offboardUser } from '../../workflows/offboard-user';
import { codecKeysOf, decodeInPlace, payloadsIn, storedText, testKeyLine } from '../support/codec';
import { employee } from '../support/orgs';
import { useHarness, type OffboardingHarness } from '../support/offboarding';
import { suiteServerAddress } from '../support/temporal';

const K1 = testKeyLine('k1');
const K2 = testKeyLine('k2');

/** Strings that appear nowhere but in the person's data, so finding one in stored history is a leak. */
/** The marker Temporal's core records for `patched()`: its details name the patch id only. */
const PATCH_MARKER = 'core_patch';
/**
 * The marker of a local activity (the run policy, the archive's writes): its `result` goes through the codec; its
 * `data` is the core's own record of the call (sequence, attempt, activity id and type, times), no payload of ours.
 */
const LOCAL_ACTIVITY_MARKER = 'core_local_activity';

const PERSONAL = {
  login: 'zelda.quintero@leaver.example',
  firstName: 'Zeldarine',
  lastName: 'Quinterova',
  reason: 'Resigned after the Kestrel reorganisation',
  group: 'Kestrel Falconry Guild',
  appWithProfile: 'Ultramarine Payroll',
  app: 'Marzipan Wiki',
  profileValue: 'CC-VERMILION-4471',
  device: 'Zeldas Obsidian Laptop',
};

function leaversOrg(): Org {
  const leaver = (login: string, firstName: string, lastName: string) =>
    employee(login, {
      profile: { firstName, lastName, email: login },
      groups: ['Everyone', PERSONAL.group],
      apps: [
        { app: PERSONAL.appWithProfile, scope: 'USER', profile: { costCenter: PERSONAL.profileValue } },
        { app: PERSONAL.app, scope: 'USER' },
      ],
    });
  return {
    groups: [
      { name: 'Everyone', type: 'BUILT_IN' },
      { name: PERSONAL.group, type: 'OKTA_GROUP' },
    ],
    apps: [{ label: PERSONAL.appWithProfile, requiredProfile: ['costCenter'] }, { label: PERSONAL.app }],
    users: [
      leaver(PERSONAL.login, PERSONAL.firstName, PERSONAL.lastName),
      leaver('waiting.leaver@leaver.example', 'Waitingname', 'Timerova'),
      leaver('new.leaver@leaver.example', 'Newname', 'Rotatova'),
    ],
    devices: [
      { displayName: PERSONAL.device, platform: 'MACOS', status: 'ACTIVE', users: [PERSONAL.login] },
      { displayName: 'Waiting Laptop', platform: 'MACOS', status: 'ACTIVE', users: ['waiting.leaver@leaver.example'] },
    ],
  };
}

let harness: OffboardingHarness;
useHarness({ codecKeys: [K1] }, (started) => (harness = started));

/** The run's history as Temporal stores it: `env.client` has no data converter, and history is never decoded. */
async function rawHistory(workflowId: string, runId: string): Promise<temporal.api.history.v1.IHistory> {
  return harness.env.client.workflow.getHandle(workflowId, runId).fetchHistory();
}

/** The same history through a codec: every payload decoded, as the Temporal UI shows it with the codec server. */
async function decodedHistory(workflowId: string, runId: string, codec: AesGcmCodec) {
  const history = await rawHistory(workflowId, runId);
  await decodeInPlace(history, [codec]);
  return history;
}

/**
 * The key ids of the history's encrypted payloads, and where it holds payloads no codec saw, search attributes aside
 * (Temporal indexes them), the patch markers' details and the local-activity markers' `data` (Temporal's core writes
 * them: a patch id; an activity's sequence, type and time).
 */
function keyIdsOf(history: temporal.api.history.v1.IHistory): { keyIds: string[]; plain: string[] } {
  const text = (bytes?: Uint8Array | null) => (bytes ? Buffer.from(bytes).toString('utf8') : undefined);
  const keyIds = new Set<string>();
  const plain: string[] = [];
  for (const event of history.events ?? []) {
    const marker = event.markerRecordedEventAttributes?.markerName;
    const coreWritten = marker === LOCAL_ACTIVITY_MARKER ? ['data'] : [];
    for (const payload of payloadsIn(event, ['searchAttributes', ...coreWritten])) {
      const keyId = text(payload.metadata?.[KEY_ID_METADATA]);
      if (text(payload.metadata?.encoding) === ENCRYPTED_ENCODING && keyId) keyIds.add(keyId);
      else if (marker !== PATCH_MARKER) plain.push(`event ${event.eventId} (${event.eventType}, ${marker})`);
    }
  }
  return { keyIds: [...keyIds].sort(), plain };
}

const personalValues = Object.values(PERSONAL);

let first: { workflowId: string; runId: string; report: OffboardingReport };

beforeAll(async () => {
  await harness.seed(leaversOrg());
  const userId = await harness.userId(PERSONAL.login);
  const { workflowId, runId, handle } = await harness.start({
    userId,
    reason: PERSONAL.reason,
    requestedBy: 'workday',
    source: 'hr',
  });
  first = { workflowId, runId, report: await handle.result() };
});

describe('a completed run', () => {
  it('completed with the snapshot the history must hide', () => {
    expect(first.report.outcome).toBe('completed');
    expect(first.report.snapshot?.groups.map((group) => group.name)).toContain(PERSONAL.group);
    expect(first.report.snapshot?.apps.map((app) => app.label)).toEqual(
      expect.arrayContaining([PERSONAL.appWithProfile, PERSONAL.app]),
    );
  });

  it('is stored with none of the person’s data: every payload but the search attributes is encrypted', async () => {
    const history = await rawHistory(first.workflowId, first.runId);
    const stored = storedText(history);
    for (const value of personalValues) expect(stored).not.toContain(value);
    const { keyIds, plain } = keyIdsOf(history);
    expect(plain).toEqual([]);
    expect(keyIds).toEqual(['k1']);
    // Failures and summaries went through the codec too, so the raw history has the fields, with nothing legible.
    expect(history.events?.some((event) => event.userMetadata?.summary)).toBe(true);
  });

  it('shows the person’s data once read through the codec', async () => {
    const decoded = storedText(await decodedHistory(first.workflowId, first.runId, new AesGcmCodec(codecKeysOf(K1))));
    expect(decoded).toContain(PERSONAL.reason);
    expect(decoded).toContain(PERSONAL.group);
    expect(decoded).toContain(PERSONAL.appWithProfile);
    expect(decoded).toContain(PERSONAL.app);
    expect(decoded).toContain(PERSONAL.profileValue);
    // The summaries the Temporal UI lists, decoded: `Remove <user> from group <id> (<name>)`.
    expect(decoded).toMatch(new RegExp(`from group \\w+ \\(${PERSONAL.group}\\)`));
  });

  it('shows nothing of the person to `temporal workflow show` without the codec', async () => {
    const { ensureTemporalCli } = await import('../../scripts/temporal-cli.mjs');
    const cli = await ensureTemporalCli();
    const { stdout } = await promisify(execFile)(
      cli,
      [
        'workflow',
        'show',
        '--address',
        await suiteServerAddress(),
        '--namespace',
        'default',
        '--workflow-id',
        first.workflowId,
        '--run-id',
        first.runId,
        '--output',
        'json',
      ],
      { maxBuffer: 64 * 1024 * 1024 },
    );
    // The CLI prints payload bytes as base64: read every string as itself and as base64, as an operator would.
    const strings: string[] = [];
    JSON.stringify(
      JSON.parse(stdout),
      (_key, value: unknown) => (typeof value === 'string' && strings.push(value), value),
    );
    const shown = strings.flatMap((value) => [value, Buffer.from(value, 'base64').toString('utf8')]).join('\n');
    expect(shown).toContain(ENCRYPTED_ENCODING);
    // A plaintext payload does show through this reading: the patch markers' ids, which Temporal's core writes.
    expect(shown).toContain('"deprecated":false');
    for (const value of personalValues) expect(shown).not.toContain(value);
  });
});

describe('a key rotation (the new key last, the old one kept)', () => {
  it('keeps old runs readable, encrypts new ones with the new key, and completes a run waiting across it', async () => {
    const waitingUser = await harness.userId('waiting.leaver@leaver.example');
    const waiting = await harness.start({ userId: waitingUser, deviceWipeDelay: '12s', reason: PERSONAL.reason });
    await harness.waitForStatus(waiting.handle, (status) => status.phase === 'awaiting-device-wipe');

    await harness.rotateKeys([K1, K2]);
    // The device timer has not fired yet: the run resumes on the workers that hold k2.
    const rotated = harness.client.workflow.getHandle<typeof offboardUser>(waiting.workflowId);
    expect((await rotated.query(statusQuery)).phase).toBe('awaiting-device-wipe');
    // The current details (the UI's "current details", a query answer) are encrypted too: raw, they do not decode.
    const metadata = '__temporal_workflow_metadata';
    expect(await rotated.query(metadata)).toMatchObject({ currentDetails: expect.any(String) });
    await expect(harness.env.client.workflow.getHandle(waiting.workflowId).query(metadata)).rejects.toThrow(
      /binary\/encrypted/,
    );

    const newUser = await harness.userId('new.leaver@leaver.example');
    const fresh = await harness.start({ userId: newUser, reason: PERSONAL.reason });
    expect((await fresh.handle.result()).outcome).toBe('completed');
    const freshKeys = keyIdsOf(await rawHistory(fresh.workflowId, fresh.runId));
    expect(freshKeys.plain).toEqual([]);
    expect(freshKeys.keyIds).toEqual(['k2']);

    // A handle of the new client: the old one holds k1 only, and the run's newer payloads are k2's.
    const waited = await rotated.result();
    expect(waited.outcome).toBe('completed');
    expect(waited.snapshot?.apps.map((app) => app.label)).toContain(PERSONAL.appWithProfile);
    expect((await harness.admin.state()).devices.map((device) => device.displayName)).not.toContain('Waiting Laptop');
    const waitedKeys = keyIdsOf(await rawHistory(waiting.workflowId, waiting.runId));
    expect(waitedKeys.plain).toEqual([]);
    expect(waitedKeys.keyIds).toEqual(['k1', 'k2']);

    // The first run, written under k1 alone, still reads through the rotated client; without k1 it cannot.
    const old = await harness.client.workflow.getHandle<typeof offboardUser>(first.workflowId, first.runId).result();
    expect(old.reason).toBe(PERSONAL.reason);
    expect(old.snapshot?.groups.map((group) => group.name)).toContain(PERSONAL.group);
    await expect(decodedHistory(first.workflowId, first.runId, new AesGcmCodec(codecKeysOf(K2)))).rejects.toThrow(
      /codec key k1, which OFFBOARD_CODEC_KEYS_FILE does not hold/,
    );
  });
});
