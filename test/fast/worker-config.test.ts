// The worker's environment: the retry and footprint knobs an operator sets, validated before anything starts.
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { workerConfigFromEnv } from '../../worker/config';

const base = { OKTA_ORG_URL: 'https://acme.okta.com', OKTA_API_TOKEN: '00abcdefghijklmnopqrstuvwxyz0123456789ABCD' };

describe('worker configuration', () => {
  it('backs Okta retries off to 1 minute by default, and to OFFBOARD_RETRY_MAX_INTERVAL when set', () => {
    expect(workerConfigFromEnv(base).policy.retryMaximumInterval).toBe('1m');
    expect(workerConfigFromEnv({ ...base, OFFBOARD_RETRY_MAX_INTERVAL: '10s' }).policy.retryMaximumInterval).toBe(
      '10s',
    );
  });

  it('refuses a retry ceiling below the first retry or one that is not a duration', () => {
    expect(() => workerConfigFromEnv({ ...base, OFFBOARD_RETRY_MAX_INTERVAL: '0s' })).toThrow(
      /OFFBOARD_RETRY_MAX_INTERVAL must be at least the first retry's 1s/,
    );
    expect(() => workerConfigFromEnv({ ...base, OFFBOARD_RETRY_MAX_INTERVAL: 'soon' })).toThrow(
      /OFFBOARD_RETRY_MAX_INTERVAL must be a duration/,
    );
  });

  it('sizes the workflow worker from its footprint settings, with the defaults measured in docs/performance.md', () => {
    expect(workerConfigFromEnv(base).footprint).toEqual({
      maxCachedWorkflows: 1000,
      workflowTaskSlots: 10,
      stickyQueueTimeout: '10s',
    });
    expect(
      workerConfigFromEnv({
        ...base,
        OFFBOARD_MAX_CACHED_WORKFLOWS: '200',
        OFFBOARD_WORKFLOW_TASK_SLOTS: '20',
        OFFBOARD_STICKY_QUEUE_TIMEOUT: '2m',
      }).footprint,
    ).toEqual({ maxCachedWorkflows: 200, workflowTaskSlots: 20, stickyQueueTimeout: '2m' });
    expect(() => workerConfigFromEnv({ ...base, OFFBOARD_STICKY_QUEUE_TIMEOUT: 'later' })).toThrow(
      /OFFBOARD_STICKY_QUEUE_TIMEOUT must be a duration/,
    );
  });
});

describe('the worker’s Okta credential and org', () => {
  const dir = mkdtempSync(join(tmpdir(), 'worker-config-'));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));
  const file = (name: string, content: string) => {
    const path = join(dir, name);
    writeFileSync(path, content);
    return path;
  };

  it('reads OKTA_API_TOKEN_FILE and OKTA_PRIVATE_KEY_FILE, without one trailing newline, and refuses both forms', () => {
    const tokenFile = file('token', '00abcdefghijklmnopqrstuvwxyz0123456789ABCD\n');
    expect(
      workerConfigFromEnv({ OKTA_ORG_URL: 'https://acme.okta.com', OKTA_API_TOKEN_FILE: tokenFile }).okta.auth,
    ).toEqual({ kind: 'api-token', token: '00abcdefghijklmnopqrstuvwxyz0123456789ABCD' });
    expect(() => workerConfigFromEnv({ ...base, OKTA_API_TOKEN_FILE: tokenFile })).toThrow(
      'Set OKTA_API_TOKEN or OKTA_API_TOKEN_FILE, not both',
    );
    const keyFile = file('key.pem', '-----BEGIN PRIVATE KEY-----\nAAAA\n-----END PRIVATE KEY-----\n');
    const app = { OKTA_ORG_URL: 'https://acme.okta.com', OKTA_CLIENT_ID: '0oa1', OKTA_SCOPES: 'okta.users.manage' };
    expect(workerConfigFromEnv({ ...app, OKTA_PRIVATE_KEY_FILE: keyFile }).okta.auth).toMatchObject({
      privateKey: '-----BEGIN PRIVATE KEY-----\nAAAA\n-----END PRIVATE KEY-----',
    });
    expect(() => workerConfigFromEnv({ ...app, OKTA_PRIVATE_KEY_FILE: keyFile, OKTA_PRIVATE_KEY: 'pem' })).toThrow(
      'Set OKTA_PRIVATE_KEY or OKTA_PRIVATE_KEY_FILE, not both',
    );
  });

  it('refuses a token shorter than 32 bytes for a real org (https), without printing it; the emulator keeps its short ones', () => {
    expect(() => workerConfigFromEnv({ ...base, OKTA_API_TOKEN: 'short-okta-token-1234' })).toThrow(
      /^OKTA_API_TOKEN is shorter than 32 bytes/,
    );
    expect(() => workerConfigFromEnv({ ...base, OKTA_API_TOKEN: 'short-okta-token-1234' })).not.toThrow(
      /short-okta-token-1234/,
    );
    const emulator = { OKTA_ORG_URL: 'http://127.0.0.1:8090', OKTA_API_TOKEN: 'test-token' };
    expect(workerConfigFromEnv(emulator).okta.auth).toEqual({ kind: 'api-token', token: 'test-token' });
  });

  it('refuses a placeholder token without printing it', () => {
    expect(() => workerConfigFromEnv({ ...base, OKTA_API_TOKEN: 'change-me-okta-token' })).toThrow(
      /^OKTA_API_TOKEN holds a placeholder, not a secret/,
    );
  });

  it('refuses an http:// org, whose requests would carry the credential in clear, except on the loopback', () => {
    expect(() => workerConfigFromEnv({ ...base, OKTA_ORG_URL: 'http://acme.okta.com' })).toThrow(
      /^OKTA_ORG_URL must be https:\/\//,
    );
    expect(workerConfigFromEnv({ ...base, OKTA_ORG_URL: 'http://127.0.0.1:8090' }).okta.orgUrl).toBe(
      'http://127.0.0.1:8090',
    );
  });
});
