// A small org with one of everything, with readable fixed ids, for the emulator's tests.
import type { Org } from '../src/types';

/** A 20-character Okta-style id: prefix + name padded with zeros. */
const oid = (prefix: string, name: string): string => (prefix + name).padEnd(20, '0');

export const IDS = {
  alice: oid('00u', 'alice'),
  bob: oid('00u', 'bob'),
  carol: oid('00u', 'carol'),
  dave: oid('00u', 'dave'),
  erin: oid('00u', 'erin'),
  frank: oid('00u', 'frank'),
  everyone: oid('00g', 'everyone'),
  engineering: oid('00g', 'engineering'),
  sales: oid('00g', 'sales'),
  adUsers: oid('00g', 'adusers'),
  offboarding: oid('00g', 'offboarding'),
  engRule: oid('0pr', 'engrule'),
  slack: oid('0oa', 'slack'),
  github: oid('0oa', 'github'),
  salesforce: oid('0oa', 'salesforce'),
  alicePush: oid('opf', 'alicepush'),
  aliceTotp: oid('ost', 'alicetotp'),
  aliceSms: oid('mbl', 'alicesms'),
  aliceGrant: oid('oag', 'alicegrant'),
  aliceToken: oid('oar', 'alicetoken'),
  aliceToken2: oid('oar', 'alicetoken2'),
  mac: oid('guo', 'mac'),
  ipad: oid('guo', 'ipad'),
  oldLaptop: oid('guo', 'oldlaptop'),
  bobPhone: oid('guo', 'bobphone'),
  defaultServer: oid('aus', 'default'),
  defaultPolicy: oid('00p', 'default'),
  defaultRule: oid('0pr', 'default'),
  // used by single tests that add them to the org
  gina: oid('00u', 'gina'),
  workday: oid('0oa', 'workday'),
  scim: oid('0oa', 'scim'),
  kiosk: oid('guo', 'kiosk'),
};

export function fixtureOrg(): Org {
  return {
    apps: [
      { id: IDS.slack, label: 'Slack', name: 'slack' },
      { id: IDS.github, label: 'GitHub', name: 'github' },
      { id: IDS.salesforce, label: 'Salesforce', name: 'salesforce' },
    ],
    groups: [
      { id: IDS.everyone, name: 'Everyone', type: 'BUILT_IN', apps: [IDS.slack] },
      {
        id: IDS.engineering,
        name: 'Engineering',
        type: 'OKTA_GROUP',
        apps: [IDS.github],
        rule: { id: IDS.engRule, name: 'Engineering department' },
      },
      { id: IDS.sales, name: 'Sales', type: 'OKTA_GROUP' },
      { id: IDS.adUsers, name: 'AD Users', type: 'APP_GROUP' },
      { id: IDS.offboarding, name: 'Offboarding', type: 'OKTA_GROUP' },
    ],
    users: [
      {
        id: IDS.alice,
        login: 'alice.adams@example.com',
        status: 'ACTIVE',
        profile: { firstName: 'Alice', lastName: 'Adams', email: 'alice.adams@example.com', department: 'Engineering' },
        groups: ['Engineering', IDS.adUsers],
        apps: [{ app: 'Salesforce', scope: 'USER' }],
        factors: [
          { id: IDS.alicePush, factorType: 'push', provider: 'OKTA' },
          { id: IDS.aliceTotp, factorType: 'token:software:totp', provider: 'OKTA' },
          { id: IDS.aliceSms, factorType: 'sms', provider: 'OKTA' },
        ],
        sessions: 2,
        grants: [{ id: IDS.aliceGrant, clientId: IDS.slack, scopeId: 'okta.users.read.self' }],
        refreshTokens: [
          { id: IDS.aliceToken, clientId: IDS.slack },
          { id: IDS.aliceToken2, clientId: IDS.github },
        ],
      },
      { id: IDS.bob, login: 'bob.brown@example.com', status: 'SUSPENDED', groups: ['Sales'] },
      { id: IDS.carol, login: 'carol.clark@example.com', status: 'DEPROVISIONED', groups: ['Engineering'] },
      { id: IDS.dave, login: 'dave.davis@example.com', status: 'STAGED' },
      { id: IDS.erin, login: 'erin.evans@example.com', status: 'LOCKED_OUT' },
      { id: IDS.frank, login: 'frank.foster@example.com', status: 'PROVISIONED' },
    ],
    devices: [
      { id: IDS.mac, displayName: "Alice's MacBook", platform: 'MACOS', status: 'ACTIVE', users: [IDS.alice] },
      {
        id: IDS.ipad,
        displayName: 'Shared iPad',
        platform: 'IOS',
        status: 'ACTIVE',
        users: ['alice.adams@example.com', IDS.bob],
      },
      { id: IDS.oldLaptop, displayName: 'Old laptop', platform: 'WINDOWS', status: 'DEACTIVATED', users: [] },
      { id: IDS.bobPhone, displayName: "Bob's phone", platform: 'ANDROID', status: 'SUSPENDED', users: [IDS.bob] },
    ],
    authorizationServers: [
      {
        id: IDS.defaultServer,
        name: 'default',
        description: 'Default Authorization Server for your Applications',
        audiences: ['api://default'],
        policies: [
          {
            id: IDS.defaultPolicy,
            name: 'Default Policy',
            rules: [{ id: IDS.defaultRule, name: 'Default Policy Rule', accessTokenLifetimeMinutes: 60 }],
          },
        ],
      },
    ],
  };
}
