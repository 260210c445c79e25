// OKTA_ORGS_FILE: the linked orgs (Org2Org) a worker serves, each with its credential from a file, its own budget and
// its link method, validated at start-up with errors that name the file, the org and the setting; without the file,
// the one org of the OKTA_* variables, exactly as before.
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { stringify } from 'yaml';
import { DEFAULT_BUDGET, queueRate } from '../../worker/budget';
import { workerConfigFromEnv } from '../../worker/config';
import { linkedOrgQueues } from '../../worker/orgs';
import { activityTaskQueue } from '../../workflows/definitions';

const TOKEN = '00abcdefghijklmnopqrstuvwxyz0123456789ABCD';
const CIC_TOKEN = '00ZYXWVUTSRQPONMLKJIHGFEDCBA9876543210zyxw';
const base = { OKTA_ORG_URL: 'https://acme.okta.com', OKTA_API_TOKEN: TOKEN };

const dir = mkdtempSync(join(tmpdir(), 'orgs-config-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
const file = (name: string, content: string): string => {
  const path = join(dir, name);
  writeFileSync(path, content);
  return path;
};
const tokenFile = file('cic-token', `${CIC_TOKEN}\n`);
const keyFile = file(
  'partners-key.pem',
  '-----BEGIN PRIVATE KEY-----\nMIIBVQIBADANBgkqhkiG9w0BAQEFAASCAT8wggE7\n-----END PRIVATE KEY-----\n',
);

const cic = {
  name: 'cic',
  url: 'https://acme-customers.okta.com',
  apiTokenFile: tokenFile,
  rateLimits: { users: 300, cumulative: 2000 },
  share: 0.5,
  concurrency: { users: 3 },
  link: { by: 'idp', idpId: '0oaWorkforceIdp00001' },
};
const partners = {
  name: 'partners',
  url: 'https://acme-partners.okta.com',
  clientId: '0oaPartnersService01',
  privateKeyFile: keyFile,
  keyId: 'k1',
  scopes: ['okta.users.read', 'okta.users.manage', 'okta.idps.read'],
  link: { by: 'attribute', attribute: 'workforceId' },
};
const withOrgs = (content: unknown, name = 'orgs.yaml') => ({
  ...base,
  OKTA_ORGS_FILE: file(name, name.endsWith('.json') ? JSON.stringify(content) : stringify(content)),
});

describe('without OKTA_ORGS_FILE', () => {
  it('serves the one org of the OKTA_* variables, on the same queues, and tells runs of no linked org', () => {
    const config = workerConfigFromEnv(base);
    expect(config.linkedOrgs).toEqual([]);
    expect(config.okta.orgUrl).toBe('https://acme.okta.com');
    expect(config.budget).toEqual(DEFAULT_BUDGET);
    expect('linkedOrgs' in config.policy).toBe(false);
    expect(activityTaskQueue('offboarding', 'users')).toBe('offboarding-okta-users');
  });
});

describe('with OKTA_ORGS_FILE', () => {
  it('reads each linked org from YAML: its URL, its credential from files, its own limits, share and slots', () => {
    const config = workerConfigFromEnv(withOrgs({ linked: [cic, partners] }));
    const [customers, partner] = config.linkedOrgs;
    expect(customers?.okta).toEqual({
      orgUrl: 'https://acme-customers.okta.com',
      auth: { kind: 'api-token', token: CIC_TOKEN },
    });
    expect(customers?.budget.perMinute.users).toBe(300);
    expect(customers?.budget.perMinute.apps).toBe(DEFAULT_BUDGET.perMinute.apps);
    expect(customers?.budget.share).toBe(0.5);
    expect(customers?.budget.concurrency.users).toBe(3);
    expect(partner?.okta.auth).toMatchObject({ kind: 'service-app', clientId: '0oaPartnersService01', keyId: 'k1' });
    expect(partner?.budget).toEqual(DEFAULT_BUDGET);
    // The workforce org is still the OKTA_* one.
    expect(config.okta.orgUrl).toBe('https://acme.okta.com');
  });

  it('reads JSON as well', () => {
    expect(workerConfigFromEnv(withOrgs({ linked: [cic] }, 'orgs.json')).linkedOrgs.map((org) => org.name)).toEqual([
      'cic',
    ]);
  });

  it('tells runs each linked org by name and link method, and never its credential', () => {
    const { policy } = workerConfigFromEnv(withOrgs({ linked: [cic, partners] }));
    expect(policy.linkedOrgs).toEqual([
      { name: 'cic', link: { by: 'idp', idpId: '0oaWorkforceIdp00001' } },
      { name: 'partners', link: { by: 'attribute', attribute: 'workforceId' } },
    ]);
    expect(JSON.stringify(policy)).not.toContain(CIC_TOKEN);
    expect(JSON.stringify(policy)).not.toContain('PRIVATE KEY');
  });

  it("gives each linked org queues of its own, at its own limits' rate", () => {
    const [customers] = workerConfigFromEnv(withOrgs({ linked: [cic] })).linkedOrgs;
    const queues = linkedOrgQueues('offboarding', customers!);
    expect(queues.find((queue) => queue.taskQueue === 'offboarding-org-cic-okta-users')).toEqual({
      taskQueue: 'offboarding-org-cic-okta-users',
      perMinute: queueRate(customers!.budget, 'users') * 60,
      slots: 3,
    });
    expect(new Set(queues.map((queue) => queue.taskQueue)).size).toBe(queues.length);
  });

  it('takes the workforce org from the file when it has a primary, and refuses OKTA_ORG_URL beside it', () => {
    const primary = { name: 'workforce', url: 'https://acme.okta.com', apiTokenFile: tokenFile, share: 0.8 };
    const env = withOrgs({ primary, linked: [cic] });
    const { OKTA_ORG_URL: _url, OKTA_API_TOKEN: _token, ...withoutOkta } = env;
    const config = workerConfigFromEnv(withoutOkta);
    expect(config.okta.auth).toEqual({ kind: 'api-token', token: CIC_TOKEN });
    expect(config.budget.share).toBe(0.8);
    expect(() => workerConfigFromEnv(env)).toThrow(/has a primary org: unset OKTA_ORG_URL/);
  });

  it.each([
    [
      'an unknown bucket',
      { linked: [{ ...cic, rateLimits: { users_get: 10 } }] },
      /linked\.0\.rateLimits: unknown Okta bucket "users_get"/,
    ],
    [
      'a name unfit for a task queue',
      { linked: [{ ...cic, name: 'Customer Org' }] },
      /linked\.0\.name: must be lower-case/,
    ],
    ['a name used twice', { linked: [cic, { ...partners, name: 'cic' }] }, /the org name "cic" is used twice/],
    ['an inline token', { linked: [{ ...cic, apiToken: CIC_TOKEN }] }, /linked\.0: Unrecognized key: "apiToken"/],
    ['no link method', { linked: [{ ...cic, link: undefined }] }, /linked\.0\.link/],
    ['an IdP link without its id', { linked: [{ ...cic, link: { by: 'idp' } }] }, /linked\.0\.link\.idpId/],
    ['no linked org', { linked: [] }, /linked: lists no linked org/],
    [
      'a plain-HTTP org',
      { linked: [{ ...cic, url: 'http://acme-customers.okta.com' }] },
      /org "cic": url must be https/,
    ],
    [
      'a missing token file',
      { linked: [{ ...cic, apiTokenFile: join(dir, 'nope') }] },
      /org "cic": apiTokenFile: cannot read .*\(ENOENT\)/,
    ],
    [
      'a service app without scopes',
      { linked: [{ ...partners, scopes: [] }] },
      /org "partners": clientId needs scopes/,
    ],
  ])('refuses %s, naming the setting', (_what, content, message) => {
    expect(() => workerConfigFromEnv(withOrgs(content))).toThrow(message);
  });

  it('refuses a file that is not YAML, naming it', () => {
    expect(() => workerConfigFromEnv({ ...base, OKTA_ORGS_FILE: file('broken.yaml', 'linked: [') })).toThrow(
      /OKTA_ORGS_FILE .*broken\.yaml is not valid YAML/,
    );
  });
});
