// Helpers for the starter tests (intake, event hook, poller, CLI): signed intake calls, and what
// Temporal visibility says was started for a person or an event.
import { createHmac } from 'node:crypto';
import type { Client } from '@temporalio/client';
import type { FastifyInstance, LightMyRequestResponse } from 'fastify';
import { buildIntake, type IntakeDeps } from '../../client/intake/server';
import type { OffboardingHarness } from './offboarding';

// 32 bytes and more, as start-up requires; the second one is what `openssl rand -base64 32` prints (with `=`).
export const HR_SECRET = 'test-workday-hmac-key-5f0c2a9e81d4b7';
export const OLD_HR_SECRET = 'q3Jv8yXo0bT1mZs9K2wLr4eN6uHc5aPdGiQfVtYxBn8=';
export const HOOK_SECRET = 'test-okta-hook-key-7d1e94c0b25a3f68';

/** An intake on the harness's Temporal and emulator, with two HR secrets of one name (a rotation). */
export function testIntake(
  harness: OffboardingHarness,
  overrides: Partial<IntakeDeps['config']> = {},
  temporal?: Client,
  logger?: IntakeDeps['logger'],
): Promise<FastifyInstance> {
  return buildIntake({
    logger,
    config: {
      hmacSecrets: [
        { name: 'workday', secret: HR_SECRET },
        { name: 'workday', secret: OLD_HR_SECRET },
      ],
      eventHookSecret: HOOK_SECRET,
      offboardingGroup: 'Offboarding',
      timeZone: 'UTC',
      bodyLimit: 4_096,
      temporal: { taskQueue: harness.taskQueue },
      ...overrides,
    },
    temporal: temporal ?? harness.client,
    okta: harness.okta.client(),
  });
}

/**
 * The `v2` header docs/cli-and-intake.md ("The signature") specifies, computed here independently of the
 * intake's code: HMAC-SHA256 over the netstrings (`<byte length>:<bytes>,`) of t, METHOD, path, query,
 * content type and body.
 */
export function signature(
  secret: string,
  method: string,
  pathWithQuery: string,
  body: string,
  t = Math.floor(Date.now() / 1000),
  contentType = body ? 'application/json' : '',
): string {
  const [path = '', ...rest] = pathWithQuery.split('?');
  const parts = [String(t), method, path, rest.join('?'), contentType, body];
  const canonical = parts.map((part) => `${Buffer.byteLength(part)}:${part},`).join('');
  return `t=${t},v2=${createHmac('sha256', secret).update(canonical).digest('hex')}`;
}

/** The old `v1` header (refused unless OFFBOARD_ACCEPT_V1_SIGNATURES=1). */
export function signatureV1(
  secret: string,
  method: string,
  pathWithQuery: string,
  body: string,
  t = Math.floor(Date.now() / 1000),
): string {
  return `t=${t},v1=${createHmac('sha256', secret).update(`${t}.${method}.${pathWithQuery}.${body}`).digest('hex')}`;
}

export interface SignedCall {
  method: 'GET' | 'POST';
  url: string;
  body?: unknown;
  /** Sent as is (malformed JSON, oversized bodies). */
  rawBody?: string;
  secret?: string;
  t?: number;
  header?: string | null;
  /** Sent and signed instead of `application/json`. */
  contentType?: string;
}

export function call(app: FastifyInstance, request: SignedCall): Promise<LightMyRequestResponse> {
  const payload = request.rawBody ?? (request.body === undefined ? '' : JSON.stringify(request.body));
  const contentType = request.contentType ?? (payload ? 'application/json' : '');
  const header =
    request.header === undefined
      ? signature(request.secret ?? HR_SECRET, request.method, request.url, payload, request.t, contentType)
      : request.header;
  return app.inject({
    method: request.method,
    url: request.url,
    payload: payload || undefined,
    headers: {
      ...(contentType ? { 'content-type': contentType } : {}),
      ...(header === null ? {} : { 'offboard-signature': header }),
    },
  });
}

/** Offboarding runs visibility lists for a query (open and closed). */
export async function listRuns(
  client: Client,
  query: string,
): Promise<Array<{ workflowId: string; runId: string; status: string }>> {
  const runs: Array<{ workflowId: string; runId: string; status: string }> = [];
  for await (const execution of client.workflow.list({ query: `${query} AND WorkflowType = "offboardUser"` })) {
    runs.push({ workflowId: execution.workflowId, runId: execution.runId, status: execution.status.name });
  }
  return runs;
}

export const byUser = (userId: string) => `OktaUserId = "${userId}"`;
export const byEvent = (eventId: string) => `OffboardingEventId = "${eventId}"`;

const pause = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** Polls visibility (eventually consistent) until `count` runs match, and returns them. */
export async function waitForRuns(client: Client, query: string, count = 1, timeoutMs = 15_000) {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const runs = await listRuns(client, query);
    if (runs.length >= count || Date.now() > deadline) return runs;
    await pause(200);
  }
}

/** "Nothing started": give visibility a second to catch up, then list. */
export async function runsAfterSettling(client: Client, query: string) {
  await pause(1_000);
  return listRuns(client, query);
}
