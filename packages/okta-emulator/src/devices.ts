// Devices: lists, device users, and the device lifecycle with its status rules (docs/okta-behaviour.md §12).
import { createHash } from 'node:crypto';
import { notFound, oktaError } from './errors';
import type { DeviceRec, UserRec } from './org';
import { limitParam, page, type Ctx, type Reply, type Router } from './routing';
import { dotted, parseExpression } from './search-expressions';
import { renderUser, requireVisibleUser } from './users';

const MODELS: Record<string, { manufacturer: string; model: string; osVersion: string }> = {
  WINDOWS: { manufacturer: 'LENOVO', model: '20L8S2N800', osVersion: '10.0.19045' },
  MACOS: { manufacturer: 'APPLE', model: 'MacBookPro18,3', osVersion: '14.4.1' },
  IOS: { manufacturer: 'APPLE', model: 'iPhone15,2', osVersion: '17.4' },
  ANDROID: { manufacturer: 'GOOGLE', model: 'Pixel 8', osVersion: '14' },
};

function requireDevice(ctx: Ctx): DeviceRec {
  const id = ctx.params['deviceId'] ?? '';
  const device = ctx.org.devices.get(id);
  if (!device) throw notFound(id, 'GenericUDObject');
  // The request log attributes a device call to the device's first user.
  if (device.users[0]) ctx.userId = device.users[0];
  return device;
}

function renderDevice(d: DeviceRec, base: string): Record<string, unknown> {
  const self = `${base}/api/v1/devices/${d.id}`;
  const hw = MODELS[d.platform] ?? { manufacturer: 'UNKNOWN', model: 'UNKNOWN', osVersion: '1.0' };
  const serial = createHash('sha256').update(d.id).digest('hex').slice(0, 12).toUpperCase();
  const post = (op: string) => ({ href: `${self}/lifecycle/${op}`, hints: { allow: ['POST'] } });
  const actions: Record<string, unknown> = {};
  if (d.status === 'CREATED' || d.status === 'DEACTIVATED') actions['activate'] = post('activate');
  if (d.status === 'ACTIVE' || d.status === 'SUSPENDED') actions['deactivate'] = post('deactivate');
  if (d.status === 'ACTIVE') actions['suspend'] = post('suspend');
  if (d.status === 'SUSPENDED') actions['unsuspend'] = post('unsuspend');
  return {
    id: d.id,
    status: d.status,
    created: d.created,
    lastUpdated: d.lastUpdated,
    profile: {
      displayName: d.displayName,
      platform: d.platform,
      ...hw,
      serialNumber: serial,
      udid: d.id,
      registered: true,
      secureHardwarePresent: true,
      diskEncryptionType: 'ALL_INTERNAL_VOLUMES',
    },
    resourceId: d.id,
    resourceDisplayName: { value: d.displayName, sensitive: false },
    resourceType: 'UDDevice',
    _links: {
      self: { href: self, hints: { allow: ['GET'] } },
      users: { href: `${self}/users`, hints: { allow: ['GET'] } },
      ...actions,
    },
  };
}

function renderDeviceUser(d: DeviceRec, user: UserRec, base: string): Record<string, unknown> {
  return {
    created: d.created,
    managementStatus: 'NOT_MANAGED',
    screenLockType: 'BIOMETRIC',
    user: renderUser(user, base, false),
  };
}

function deviceAttr(d: DeviceRec, attr: string): unknown {
  return dotted(
    {
      id: d.id,
      status: d.status,
      created: d.created,
      lastUpdated: d.lastUpdated,
      profile: { displayName: d.displayName, platform: d.platform },
    },
    attr,
  );
}

function listDevices(ctx: Ctx): Reply {
  const limit = limitParam(ctx, 200, 200);
  const search = ctx.query.get('search');
  const expr = search ? parseExpression(search) : undefined;
  const expand = ctx.query.get('expand');
  const devices = [...ctx.org.devices.values()].filter((d) => !expr || expr.matches((a) => deviceAttr(d, a)));
  return page(
    ctx,
    devices,
    (d) => d.id,
    limit,
    (d) => {
      const body = renderDevice(d, ctx.baseUrl);
      if (expand === 'user' || expand === 'userSummary') {
        const users = d.users.flatMap((id) => ctx.org.users.get(id) ?? []);
        body['_embedded'] = {
          users: users.map((u) =>
            expand === 'user'
              ? renderDeviceUser(d, u, ctx.baseUrl)
              : {
                  created: d.created,
                  managementStatus: 'NOT_MANAGED',
                  user: {
                    id: u.id,
                    login: u.profile.login,
                    firstName: u.profile['firstName'],
                    lastName: u.profile['lastName'],
                  },
                },
          ),
        };
      }
      return body;
    },
  );
}

/** A deactivated user's devices answer 404 like their factors (docs/okta-behaviour.md §18). */
function listUserDevices(ctx: Ctx): Reply {
  const user = requireVisibleUser(ctx);
  const devices = [...user.devices].flatMap((id) => ctx.org.devices.get(id) ?? []);
  return {
    status: 200,
    body: devices.map((d) => ({ created: d.created, deviceUserId: user.id, device: renderDevice(d, ctx.baseUrl) })),
  };
}

function deviceTarget(d: DeviceRec): { id: string; type: string; alternateId: string; displayName: string } {
  return { id: d.id, type: 'Device', alternateId: d.id, displayName: d.displayName };
}

/** Wrong-state transitions answer 400 E0000001 as in the old Devices reference. */
function transition(from: DeviceRec['status'][], to: DeviceRec['status'], eventType: string, destroysLinks = false) {
  return (ctx: Ctx): Reply => {
    const d = requireDevice(ctx);
    if (!from.includes(d.status)) throw oktaError('E0000001', 'status', [`status: The device is ${d.status}`]);
    d.status = to;
    d.lastUpdated = new Date().toISOString();
    if (destroysLinks) ctx.org.unlinkDevice(d);
    ctx.record(eventType, [deviceTarget(d)]);
    return { status: 204 };
  };
}

function deleteDevice(ctx: Ctx): Reply {
  const d = requireDevice(ctx);
  if (d.status !== 'DEACTIVATED') throw oktaError('E0000152');
  ctx.org.unlinkDevice(d);
  ctx.org.devices.delete(d.id);
  ctx.record('device.lifecycle.delete', [deviceTarget(d)]);
  return { status: 204 };
}

export function registerDeviceRoutes(router: Router): void {
  const lifecycle = '/api/v1/devices/:deviceId/lifecycle';
  router
    .add('GET', '/api/v1/users/:userId/devices', 'okta.users.read', listUserDevices)
    .add('GET', '/api/v1/devices', 'okta.devices.read', listDevices)
    .add('GET', '/api/v1/devices/:deviceId', 'okta.devices.read', (ctx) => ({
      status: 200,
      body: renderDevice(requireDevice(ctx), ctx.baseUrl),
    }))
    .add('DELETE', '/api/v1/devices/:deviceId', 'okta.devices.manage', deleteDevice)
    .add('GET', '/api/v1/devices/:deviceId/users', 'okta.devices.read', (ctx) => {
      const d = requireDevice(ctx);
      return {
        status: 200,
        body: d.users.flatMap((id) => ctx.org.users.get(id) ?? []).map((u) => renderDeviceUser(d, u, ctx.baseUrl)),
      };
    })
    .add(
      'POST',
      `${lifecycle}/activate`,
      'okta.devices.manage',
      transition(['CREATED', 'DEACTIVATED'], 'ACTIVE', 'device.lifecycle.activate'),
    )
    .add(
      'POST',
      `${lifecycle}/deactivate`,
      'okta.devices.manage',
      transition(['ACTIVE', 'SUSPENDED'], 'DEACTIVATED', 'device.lifecycle.deactivate', true),
    )
    .add(
      'POST',
      `${lifecycle}/suspend`,
      'okta.devices.manage',
      transition(['ACTIVE'], 'SUSPENDED', 'device.lifecycle.suspend'),
    )
    .add(
      'POST',
      `${lifecycle}/unsuspend`,
      'okta.devices.manage',
      transition(['SUSPENDED'], 'ACTIVE', 'device.lifecycle.unsuspend'),
    );
}
