// Starts an in-process emulator whose every /api/v1 answer is checked against the OpenAPI contract
// (contract/management.yaml), and real SDK clients for it.
import * as okta from '@okta/okta-sdk-nodejs';
import { EmulatorAdmin } from '../admin-client';
import { startOktaEmulator, type OktaEmulator, type OktaEmulatorOptions } from '../server';
import { validateResponse } from './openapi';

// The SDK sends even 127.0.0.1 through HTTPS_PROXY when it is set (docs/okta-behaviour.md §15.3).
for (const name of ['HTTPS_PROXY', 'https_proxy', 'HTTP_PROXY', 'http_proxy']) delete process.env[name];

export const TOKEN = 'test-token';

export type TestEmulator = {
  emulator: OktaEmulator;
  url: string;
  admin: EmulatorAdmin;
  /** a real SDK client: SSWS, no GET cache, no retries unless asked */
  client(extra?: Partial<ConstructorParameters<typeof okta.Client>[0]> & { maxRetries?: number }): okta.Client;
  /** answers that broke the OpenAPI document since the last call; clears the list */
  takeViolations(): string[];
};

export async function startTestEmulator(options: OktaEmulatorOptions = {}): Promise<TestEmulator> {
  let violations: string[] = [];
  const emulator = await startOktaEmulator({
    port: 0,
    rateLimits: 'unlimited',
    ...options,
    onResponse: (r) => {
      if (r.injected) return;
      try {
        violations.push(...validateResponse(r));
      } catch (err) {
        violations.push(`${r.method} ${r.path} → ${r.status}: validator failed: ${(err as Error).message}`);
      }
    },
  });
  return {
    emulator,
    url: emulator.url,
    admin: new EmulatorAdmin(emulator.url),
    client: ({ maxRetries = 0, ...extra } = {}) =>
      new okta.Client({
        orgUrl: emulator.url,
        token: TOKEN,
        cacheMiddleware: null,
        requestExecutor: new okta.DefaultRequestExecutor({ maxRetries, requestTimeout: 0 }),
        ...extra,
      }),
    takeViolations: () => {
      const out = violations;
      violations = [];
      return out;
    },
  };
}

/** Collects a Collection through the SDK's own pagination. */
export async function all<T>(collection: Promise<AsyncIterable<T>> | AsyncIterable<T>): Promise<Array<NonNullable<T>>> {
  const out: Array<NonNullable<T>> = [];
  for await (const item of await collection) if (item !== null && item !== undefined) out.push(item as NonNullable<T>);
  return out;
}

/** The OktaApiError (or other error) a call rejects with. */
export async function failure(promise: Promise<unknown>): Promise<{
  status?: number;
  errorCode?: string;
  errorSummary?: string;
  errorCauses?: Array<{ errorSummary: string }>;
  headers?: { get(n: string): string | null };
  message: string;
}> {
  try {
    await promise;
  } catch (err) {
    return err as never;
  }
  throw new Error('expected the call to fail');
}

/** Raw HTTP call with the SSWS token, for what the SDK can't send (bad bodies, unknown routes). */
export async function raw(
  url: string,
  method: string,
  path: string,
  body?: string,
  headers: Record<string, string> = {},
): Promise<{ status: number; headers: Headers; json: unknown; text: string }> {
  const res = await fetch(`${url}${path}`, {
    method,
    headers: {
      authorization: `SSWS ${TOKEN}`,
      ...(body !== undefined ? { 'content-type': 'application/json' } : {}),
      ...headers,
    },
    ...(body !== undefined ? { body } : {}),
  });
  const text = await res.text();
  let json: unknown;
  try {
    json = text ? JSON.parse(text) : undefined;
  } catch {
    json = undefined;
  }
  return { status: res.status, headers: res.headers, json, text };
}
