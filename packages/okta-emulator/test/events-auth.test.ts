// System Log, event hooks (verification and delivery to a local receiver), SSWS and OAuth private_key_jwt auth.
import { createServer, type IncomingHttpHeaders, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import * as okta from '@okta/okta-sdk-nodejs';
import { fixtureOrg, IDS } from './fixtures';
import { all, failure, startTestEmulator, type TestEmulator } from '../src/testing/harness';

let t: TestEmulator;
let client: okta.Client;
// jose is ESM-only; the tests are CommonJS.
const jose = () => import('jose');

beforeAll(async () => {
  t = await startTestEmulator();
  client = t.client();
});
afterAll(async () => t.emulator.close());
beforeEach(async () => {
  await t.admin.reset();
  await t.admin.seed(fixtureOrg());
});
afterEach(() => expect(t.takeViolations()).toEqual([]));

type LogEvent = { eventType?: string; target?: Array<{ id?: string; type?: string }> };

describe('System Log', () => {
  it('records each change with its event type and User/UserGroup targets', async () => {
    const since = new Date(Date.now() - 1000).toISOString();
    await client.groupApi.assignUserToGroup({ groupId: IDS.sales, userId: IDS.alice });
    await client.userApi.suspendUser({ userId: IDS.alice });
    const col = await client.systemLogApi.listLogEvents({ since, until: new Date(Date.now() + 1000).toISOString() });
    const events = (await all(col)) as LogEvent[];
    expect(events.map((e) => e.eventType)).toEqual(['group.user_membership.add', 'user.lifecycle.suspend']);
    const add = events[0];
    expect(add?.target?.find((x) => x.type === 'User')?.id).toBe(IDS.alice);
    expect(add?.target?.find((x) => x.type === 'UserGroup')?.id).toBe(IDS.sales);
  });

  it('filters, searches with q, and pages a bounded query', async () => {
    for (const id of [IDS.alice, IDS.erin]) await client.userApi.revokeUserSessions({ userId: id });
    await client.userApi.suspendUser({ userId: IDS.alice });
    const since = new Date(Date.now() - 60_000).toISOString();
    const until = new Date(Date.now() + 1000).toISOString();
    const filtered = (await all(
      client.systemLogApi.listLogEvents({
        since,
        until,
        filter: `eventType eq "user.session.clear" and target.id eq "${IDS.erin}"`,
      }),
    )) as LogEvent[];
    expect(filtered).toHaveLength(1);
    const q = (await all(client.systemLogApi.listLogEvents({ since, until, q: 'suspend' }))) as LogEvent[];
    expect(q.map((e) => e.eventType)).toEqual(['user.lifecycle.suspend']);
    const paged = await all(client.systemLogApi.listLogEvents({ since, until, limit: 1 }));
    expect(paged).toHaveLength(3);
    const desc = (await all(
      client.systemLogApi.listLogEvents({ since, until, sortOrder: 'DESCENDING' }),
    )) as LogEvent[];
    expect(desc[0]?.eventType).toBe('user.lifecycle.suspend');
  });

  it('always gives a polling query (no until) a next link, empty when idle', async () => {
    const res = await fetch(
      `${t.url}/api/v1/logs?since=${encodeURIComponent(new Date(Date.now() + 60_000).toISOString())}`,
      { headers: { authorization: 'SSWS test-token' } },
    );
    expect(await res.json()).toEqual([]);
    expect(res.headers.get('link')).toMatch(/rel="next"/);
    t.takeViolations();
  });

  it('answers 400 E0000030 for a since that is not an ISO date (the SDK sends Date.toString())', async () => {
    const err = await failure(all(client.systemLogApi.listLogEvents({ since: new Date() as never })));
    expect([err.status, err.errorCode]).toEqual([400, 'E0000030']);
  });
});

describe('event hooks', () => {
  let receiver: Server;
  let receiverUrl: string;
  const received: Array<{ method: string; headers: IncomingHttpHeaders; body: string }> = [];
  let failNext = 0;

  beforeAll(async () => {
    receiver = createServer((req, res) => {
      let body = '';
      req.on('data', (c: Buffer) => {
        body += c.toString();
      });
      req.on('end', () => {
        received.push({ method: req.method ?? '', headers: req.headers, body });
        if (req.method === 'GET') {
          res.setHeader('content-type', 'application/json');
          res.end(JSON.stringify({ verification: req.headers['x-okta-verification-challenge'] }));
          return;
        }
        if (failNext > 0) {
          failNext--;
          res.statusCode = 503;
          res.end();
          return;
        }
        res.statusCode = 204;
        res.end();
      });
    });
    await new Promise<void>((r) => receiver.listen(0, '127.0.0.1', () => r()));
    receiverUrl = `http://127.0.0.1:${(receiver.address() as AddressInfo).port}/okta`;
  });
  afterAll(async () => new Promise<void>((r) => receiver.close(() => r())));
  beforeEach(() => {
    received.length = 0;
  });

  const createHook = () =>
    client.eventHookApi.createEventHook({
      eventHook: {
        name: 'offboarding trigger',
        events: { type: 'EVENT_TYPE', items: ['group.user_membership.add'] },
        channel: {
          type: 'HTTP',
          version: '1.0.0',
          config: { uri: receiverUrl, authScheme: { type: 'HEADER', key: 'Authorization', value: 'shared-secret' } },
        },
      },
    });

  it('verifies with the one-time GET challenge, then delivers events with the auth header, retrying once on 5xx', async () => {
    const hook = await createHook();
    expect([hook.status, hook.verificationStatus]).toEqual(['ACTIVE', 'UNVERIFIED']);
    const verified = await client.eventHookApi.verifyEventHook({ eventHookId: hook.id as string });
    expect(verified.verificationStatus).toBe('VERIFIED');
    expect(received[0]?.method).toBe('GET');
    failNext = 1;
    await client.groupApi.assignUserToGroup({ groupId: IDS.offboarding, userId: IDS.alice });
    await new Promise((r) => setTimeout(r, 300));
    const posts = received.filter((r) => r.method === 'POST');
    expect(posts).toHaveLength(2);
    expect(posts[1]?.headers['authorization']).toBe('shared-secret');
    const envelope = JSON.parse(posts[1]?.body ?? '{}');
    expect(envelope.eventType).toBe('com.okta.event_hook');
    const event = envelope.data.events[0];
    expect(event.eventType).toBe('group.user_membership.add');
    expect(event.target.map((x: { type: string; id: string }) => [x.type, x.id])).toEqual([
      ['User', IDS.alice],
      ['UserGroup', IDS.offboarding],
    ]);
  });

  it('does not deliver to an unverified or deactivated hook', async () => {
    const hook = await createHook();
    await client.groupApi.assignUserToGroup({ groupId: IDS.offboarding, userId: IDS.alice });
    await client.eventHookApi.verifyEventHook({ eventHookId: hook.id as string });
    await client.eventHookApi.deactivateEventHook({ eventHookId: hook.id as string });
    await client.groupApi.assignUserToGroup({ groupId: IDS.offboarding, userId: IDS.bob });
    await new Promise((r) => setTimeout(r, 200));
    expect(received.filter((r) => r.method === 'POST')).toEqual([]);
  });

  it('lists, gets, replaces, and deletes only INACTIVE hooks', async () => {
    const hook = await createHook();
    const id = hook.id as string;
    expect((await all(client.eventHookApi.listEventHooks())).map((h) => h.id)).toEqual([id]);
    expect((await client.eventHookApi.getEventHook({ eventHookId: id })).name).toBe('offboarding trigger');
    const replaced = await client.eventHookApi.replaceEventHook({
      eventHookId: id,
      eventHook: {
        name: 'renamed',
        events: { type: 'EVENT_TYPE', items: ['user.lifecycle.suspend'] },
        channel: { type: 'HTTP', version: '1.0.0', config: { uri: receiverUrl } },
      },
    });
    expect([replaced.name, replaced.events?.items]).toEqual(['renamed', ['user.lifecycle.suspend']]);
    const active = await failure(client.eventHookApi.deleteEventHook({ eventHookId: id }));
    expect(active.status).toBe(403);
    await client.eventHookApi.deactivateEventHook({ eventHookId: id });
    await expect(client.eventHookApi.deleteEventHook({ eventHookId: id })).resolves.toBeUndefined();
    expect((await failure(client.eventHookApi.getEventHook({ eventHookId: id }))).status).toBe(404);
  });

  it('fails verification with 400 when the endpoint does not echo the challenge', async () => {
    const hook = await client.eventHookApi.createEventHook({
      eventHook: {
        name: 'bad',
        events: { type: 'EVENT_TYPE', items: ['user.lifecycle.suspend'] },
        channel: { type: 'HTTP', version: '1.0.0', config: { uri: `${t.url}/nowhere` } },
      },
    });
    const err = await failure(client.eventHookApi.verifyEventHook({ eventHookId: hook.id as string }));
    expect(err.status).toBe(400);
  });
});

describe('authentication', () => {
  it('answers 401 E0000011 to a wrong SSWS token', async () => {
    const wrong = t.client({ token: 'nope' });
    const err = await failure(wrong.userApi.getUser({ userId: IDS.alice }));
    expect([err.status, err.errorCode, err.errorSummary]).toEqual([401, 'E0000011', 'Invalid token provided']);
  });

  it('issues a Bearer token for a private_key_jwt service app and enforces its scopes with 403 E0000006', async () => {
    const { exportJWK, exportPKCS8, generateKeyPair } = await jose();
    const { publicKey, privateKey } = await generateKeyPair('RS256', { extractable: true });
    const publicJwk = { ...(await exportJWK(publicKey)), kid: 'key-1', alg: 'RS256' };
    const org = fixtureOrg();
    org.serviceApps = [
      { clientId: '0oaservice0000000000', publicJwk, scopes: ['okta.users.read', 'okta.users.manage'] },
    ];
    await t.admin.seed(org);
    const service = new okta.Client({
      orgUrl: t.url,
      authorizationMode: 'PrivateKey',
      clientId: '0oaservice0000000000',
      scopes: ['okta.users.read', 'okta.users.manage', 'okta.groups.manage'],
      privateKey: await exportPKCS8(privateKey),
      keyId: 'key-1',
      cacheMiddleware: null,
      requestExecutor: new okta.DefaultRequestExecutor({ maxRetries: 0, requestTimeout: 0 }),
    });
    expect((await service.userApi.getUser({ userId: IDS.alice })).id).toBe(IDS.alice);
    await service.userApi.suspendUser({ userId: IDS.alice });
    const err = await failure(service.groupApi.assignUserToGroup({ groupId: IDS.sales, userId: IDS.alice }));
    expect([err.status, err.errorCode]).toEqual([403, 'E0000006']);
    const logs = await failure(all(service.systemLogApi.listLogEvents({})));
    expect(logs.status).toBe(403);
  });

  it('refuses an assertion signed by another key (the SDK then sends Bearer undefined: 401)', async () => {
    const { exportJWK, exportPKCS8, generateKeyPair } = await jose();
    const { publicKey } = await generateKeyPair('RS256', { extractable: true });
    const other = await generateKeyPair('RS256', { extractable: true });
    const org = fixtureOrg();
    org.serviceApps = [
      {
        clientId: '0oaservice0000000000',
        publicJwk: { ...(await exportJWK(publicKey)), kid: 'k' },
        scopes: ['okta.users.read'],
      },
    ];
    await t.admin.seed(org);
    const service = new okta.Client({
      orgUrl: t.url,
      authorizationMode: 'PrivateKey',
      clientId: '0oaservice0000000000',
      scopes: ['okta.users.read'],
      privateKey: await exportPKCS8(other.privateKey),
      keyId: 'k',
      cacheMiddleware: null,
      requestExecutor: new okta.DefaultRequestExecutor({ maxRetries: 0, requestTimeout: 0 }),
    });
    const err = await failure(service.userApi.getUser({ userId: IDS.alice }));
    expect(err.status).toBe(401);
  });
});
