// Small, readable Okta orgs for workflow tests: each shape the runbook has to handle appears once.
import type { Org } from '@okta-offboarding/okta-emulator';

type SeedUser = Org['users'][number];

/** A typical employee: every kind of access the runbook removes. */
export function employee(login: string, overrides: Partial<SeedUser> = {}): SeedUser {
  return {
    login,
    status: 'ACTIVE',
    profile: { firstName: login.split('@')[0], lastName: 'Tester', email: login },
    groups: ['Engineering', 'Everyone', 'AD Staff', 'All Employees (rule)'],
    apps: [
      { app: 'Slack', scope: 'USER' },
      { app: 'GitHub', scope: 'USER' },
    ],
    factors: [
      { factorType: 'push', provider: 'OKTA', status: 'ACTIVE' },
      { factorType: 'sms', provider: 'OKTA', status: 'ACTIVE' },
    ],
    sessions: 2,
    grants: [{ clientId: '0oaMobileApp00000001', scopeId: 'okta.users.read.self' }],
    refreshTokens: [{ clientId: '0oaMobileApp00000001' }, { clientId: '0oaCliTool000000001a' }],
    ...overrides,
  };
}

/**
 * alice: the leaver (two devices: a laptop only she holds and an iPad shared with bob).
 * bob: a colleague. root: a Super Admin. breakglass: a protected break-glass account.
 */
export function standardOrg(): Org {
  return {
    groups: [
      { name: 'Everyone', type: 'BUILT_IN' },
      { name: 'Engineering', type: 'OKTA_GROUP', apps: ['Jira'] },
      { name: 'AD Staff', type: 'APP_GROUP' },
      { name: 'All Employees (rule)', type: 'OKTA_GROUP', rule: { name: 'Everyone with a department' } },
      { name: 'Super Admins', type: 'OKTA_GROUP' },
      { name: 'Offboarding', type: 'OKTA_GROUP' },
    ],
    apps: [{ label: 'Slack' }, { label: 'GitHub' }, { label: 'Jira' }],
    users: [
      employee('alice@example.com'),
      employee('bob@example.com'),
      employee('root@example.com', { groups: ['Super Admins', 'Everyone'] }),
      employee('breakglass@example.com', { groups: ['Everyone'] }),
    ],
    devices: [
      { displayName: 'Laptop A1', platform: 'MACOS', status: 'ACTIVE', users: ['alice@example.com'] },
      { displayName: 'Team iPad', platform: 'IOS', status: 'ACTIVE', users: ['alice@example.com', 'bob@example.com'] },
      { displayName: 'Phone B1', platform: 'ANDROID', status: 'ACTIVE', users: ['bob@example.com'] },
    ],
  };
}
