// `npm run demo -- --two-orgs`: a second Okta emulator, a customer-identity org (CIC) whose users sign in through the
// demo's workforce org by an Org2Org identity provider, and the orgs file that tells the worker about it
// (docs/org2org.md). Every sample employee has a customer account there, linked by the IdP.
import { existsSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { stringify } from 'yaml';
import { EMULATOR_CLI, EmulatorAdmin, type Org } from '@okta-offboarding/okta-emulator';
import { WORKFORCE_LIMITS } from '../worker/budget';
import { OKTA_BUCKETS } from '../workflows/definitions';
import type { Supervisor } from './supervisor/processes';

export const CIC_ORG = 'cic';
const CIC_TOKEN = 'demo-cic-okta-token';
const CIC_IDP = '0oaDemoWorkforceIdp1';

/** The customer-identity org: a customer account per workforce employee, each linked by the Org2Org IdP. */
export function customerOrgFor(workforce: Org): Org {
  const employees = workforce.users.filter((user) => user.id && !user.roles?.length && user.status !== 'DEPROVISIONED');
  const customerLogin = (login: string) => login.replace(/@.*$/, '@customers.example.com');
  return {
    groups: [
      { name: 'Everyone', type: 'BUILT_IN' },
      { name: 'Premium Support', type: 'OKTA_GROUP', apps: ['Billing'] },
      { name: 'Beta Program', type: 'OKTA_GROUP' },
    ],
    apps: [{ label: 'Support Portal', requiredProfile: ['tier'] }, { label: 'Billing' }],
    users: employees.map((user) => ({
      login: customerLogin(user.login),
      status: 'ACTIVE' as const,
      groups: ['Everyone', 'Premium Support', 'Beta Program'],
      apps: [{ app: 'Support Portal', scope: 'USER' as const, profile: { tier: 'gold' } }],
      sessions: 2,
      grants: [{ clientId: '0oaDemoCustomerApp01' }],
      refreshTokens: [{ clientId: '0oaDemoCustomerApp01' }],
    })),
    devices: [],
    identityProviders: [
      {
        id: CIC_IDP,
        name: 'Workforce (Org2Org)',
        users: employees.map((user) => ({ user: customerLogin(user.login), externalId: user.id as string })),
      },
    ],
  };
}

export interface CustomerOrg {
  url: string;
  admin: EmulatorAdmin;
  /** What the worker needs to serve the second org. */
  workerEnv: Record<string, string>;
  /** One line on the person's linked customer account, read from the second emulator. */
  describe(workforceUserId: string): Promise<string>;
}

/** Starts the second emulator (its own state file in `dataDir`) and writes the orgs file and its token file. */
export async function startCustomerOrg(
  supervisor: Supervisor,
  options: { port: number; dataDir: string; root: string; tsx: string; timeScale: number; workforce: () => Org },
  env: NodeJS.ProcessEnv,
): Promise<CustomerOrg> {
  const stateFile = join(options.dataDir, 'cic-okta-state.json');
  const seedArgs: string[] = [];
  if (!existsSync(stateFile)) {
    const seedFile = join(options.dataDir, 'cic-okta-seed.json');
    writeFileSync(seedFile, JSON.stringify(customerOrgFor(options.workforce()), null, 2));
    seedArgs.push('--seed', seedFile);
  }
  const url = `http://127.0.0.1:${options.port}`;
  await supervisor.start({
    name: 'okta-emulator-cic',
    command: options.tsx,
    args: [
      EMULATOR_CLI,
      ...['--port', String(options.port), '--host', '127.0.0.1', ...seedArgs, '--state-file', stateFile],
      ...['--rate-limits', 'workforce', '--time-scale', String(options.timeScale), '--token', CIC_TOKEN],
    ],
    cwd: options.root,
    env,
    ready: { line: /Okta emulator listening on/, timeoutMs: 60_000 },
  });
  const tokenFile = join(options.dataDir, 'cic-okta-token');
  writeFileSync(tokenFile, `${CIC_TOKEN}\n`, { mode: 0o600 });
  const rateLimits = Object.fromEntries(
    ([...OKTA_BUCKETS, 'cumulative'] as const).map((limit) => [
      limit,
      Math.round(WORKFORCE_LIMITS[limit] * options.timeScale),
    ]),
  );
  const orgsFile = join(options.dataDir, 'okta-orgs.yaml');
  writeFileSync(
    orgsFile,
    `# The demo's linked org (docs/org2org.md); the workforce org is the OKTA_* one.\n${stringify({
      linked: [
        {
          name: CIC_ORG,
          url,
          apiTokenFile: tokenFile,
          rateLimits,
          link: { by: 'idp', idpId: CIC_IDP },
        },
      ],
    })}`,
  );
  const admin = new EmulatorAdmin(url);
  return {
    url,
    admin,
    workerEnv: { OKTA_ORGS_FILE: orgsFile },
    async describe(workforceUserId) {
      const org = await admin.state();
      const linked = org.identityProviders?.[0]?.users.find((link) => link.externalId === workforceUserId);
      const user = org.users.find((candidate) => candidate.id === linked?.user);
      if (!user) return `Customer-identity org (${url}): no account linked to ${workforceUserId}.`;
      const groups = (user.groups ?? []).map((id) => org.groups.find((group) => group.id === id)?.name ?? id);
      const apps = (user.apps ?? []).filter((app) => app.scope === 'USER').length;
      return (
        `Customer-identity org (${url}): linked account ${user.login} (${user.id}) is ${user.status}; ` +
        `groups: ${groups.join(', ') || 'none'}; direct apps: ${apps}; sessions: ${user.sessions ?? 0}; ` +
        `refresh tokens: ${user.refreshTokens?.length ?? 0}`
      );
    },
  };
}
