// The baseline: what an admin writes by hand for a layoff. One plain sequential loop over the
// people with the same Okta SDK and its DEFAULT request executor (it sleeps until
// `X-Rate-Limit-Reset` on a 429 and retries twice, then throws). Per person: read the user,
// suspend (when ACTIVE), clear sessions with OAuth tokens, revoke grants, reset factors, remove
// OKTA_GROUP memberships, unassign app links, list the devices, deactivate, then deactivate and delete each device.
// No snapshot, no verification, no shared-device check: less than the runbook does.
//
// Run as a child process by the benchmark (so its CPU and memory are its own):
//   tsx scripts/bench/baseline.ts <orgUrl> <token> <file with one user id per line> <result.json>
import { readFileSync, writeFileSync } from 'node:fs';
import * as okta from '@okta/okta-sdk-nodejs';

export interface BaselineResult {
  startedAt: string;
  finishedAt: string;
  /** People whose loop threw (a 429 after the SDK's retries, or anything else) and were skipped. */
  failed: Array<{ userId: string; error: string }>;
  /** Times the SDK backed off on a 429 (its `backoff` event). */
  sdkBackoffs: number;
}

function isStatus(error: unknown, ...statuses: number[]): boolean {
  const status = (error as { status?: number } | undefined)?.status;
  return typeof status === 'number' && statuses.includes(status);
}

/** Ignores "already gone" and "not allowed here" answers, as a hand-written script would. */
async function tolerate(call: () => Promise<unknown>): Promise<void> {
  try {
    await call();
  } catch (error) {
    if (isStatus(error, 400, 403, 404)) return;
    throw error;
  }
}

async function collect<T>(collection: { each(fn: (item: T) => unknown): Promise<unknown> }): Promise<T[]> {
  const items: T[] = [];
  await collection.each((item) => {
    items.push(item);
  });
  return items;
}

export async function runBaseline(orgUrl: string, token: string, userIds: string[]): Promise<BaselineResult> {
  const executor = new okta.DefaultRequestExecutor();
  let sdkBackoffs = 0;
  executor.on('backoff', () => sdkBackoffs++);
  const client = new okta.Client({ orgUrl, token, cacheMiddleware: null, requestExecutor: executor });
  const startedAt = new Date().toISOString();
  const failed: BaselineResult['failed'] = [];
  for (const userId of userIds) {
    try {
      const user = await client.userApi.getUser({ userId });
      if (String(user.status) === 'ACTIVE') await client.userApi.suspendUser({ userId });
      await client.userApi.revokeUserSessions({ userId, oauthTokens: true });
      await client.userApi.revokeUserGrants({ userId });
      await tolerate(() => client.userApi.resetFactors({ userId }));
      for (const group of await collect(await client.userApi.listUserGroups({ userId }))) {
        if (String(group.type) === 'OKTA_GROUP')
          await tolerate(() => client.groupApi.unassignUserFromGroup({ groupId: String(group.id), userId }));
      }
      const appIds = new Set(
        (await collect(await client.userApi.listAppLinks({ userId }))).map((link) => String(link.appInstanceId)),
      );
      for (const appId of appIds)
        await tolerate(() => client.applicationApi.unassignUserFromApplication({ appId, userId, sendEmail: false }));
      // Okta answers 404 for a deactivated user's devices: listed before the deactivation.
      const devices = await collect(await client.userApi.listUserDevices({ userId }));
      await tolerate(() => client.userApi.deactivateUser({ userId, sendEmail: false }));
      for (const entry of devices) {
        const deviceId = entry.device?.id;
        if (!deviceId) continue;
        await tolerate(() => client.deviceApi.deactivateDevice({ deviceId }));
        await tolerate(() => client.deviceApi.deleteDevice({ deviceId }));
      }
    } catch (error) {
      failed.push({ userId, error: error instanceof Error ? error.message : String(error) });
    }
  }
  return { startedAt, finishedAt: new Date().toISOString(), failed, sdkBackoffs };
}

if (require.main === module) {
  const [orgUrl, token, usersFile, resultFile] = process.argv.slice(2);
  if (!orgUrl || !token || !usersFile || !resultFile) {
    process.stderr.write('usage: tsx scripts/bench/baseline.ts <orgUrl> <token> <users file> <result.json>\n');
    process.exit(2);
  }
  const userIds = readFileSync(usersFile, 'utf8')
    .split('\n')
    .map((line) => line.trim())
    .filter(Boolean);
  runBaseline(orgUrl, token, userIds)
    .then((result) => {
      writeFileSync(resultFile, JSON.stringify(result));
      process.stdout.write(`baseline done: ${userIds.length} people, ${result.failed.length} failed\n`);
    })
    .catch((error: unknown) => {
      process.stderr.write(`baseline: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`);
      process.exit(1);
    });
}
