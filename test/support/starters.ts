// Helpers for the starter tests (intake, event hook, poller, CLI): signed intake calls, and what
// Temporal visibility says was started for a person or an event.
import { createHmac } from 'node:crypto';
import type { Client } from '@temporalio/client';
import type { FastifyInstance, LightMyRequestResponse } from 'fastify';
import { buildIntake, type IntakeDeps } from '../../client/intake/server';
import type { OffboardingHarness } from './offboarding';

export const HR_SECRET = 'workday-secret-0123456789';
export const OLD_HR_SECRET = 'workday-old-secret-98765';
export const HOOK_SECRET = 'okta-hook-shared-secret-42';

/** An intake on the harness's Temporal and emulator, with two HR secrets of one name (a rotation). */
export function testIntake(
  harness: OffboardingHarness,
  overrides: Partial<IntakeDeps['config']> = {},
  temporal?: Client,
): Promise<FastifyInstance> {
  return buildIntake({
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

/** The header docs/cli-and-intake.md ("The signature") specifies, computed here independently of the intake's code. */
export function signature(
  secret: string,
  method: string,
  path: string,
  body: string,
  t = Math.floor(Date.now() / 1000),
): string {
  const hex = createHmac('sha256', secret).update(`${t}.${method}.${path}.${body}`).digest('hex');
  return `t=${t},v1=${hex}`;
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
}

export function call(app: FastifyInstance, request: SignedCall): Promise<LightMyRequestResponse> {
  const payload = request.rawBody ?? (request.body === undefined ? '' : JSON.stringify(request.body));
  const header =
    request.header === undefined
      ? signature(request.secret ?? HR_SECRET, request.method, request.url, payload, request.t)
      : request.header;
  return app.inject({
    method: request.method,
    url: request.url,
    payload: payload || undefined,
    headers: {
      ...(payload ? { 'content-type': 'application/json' } : {}),
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
