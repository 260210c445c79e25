// Devices: deactivate, then delete the Okta device record, but never a device another user who is
// not deactivated still holds. In Okta this removes the device's trust and binding; it erases no data.
import type { Client } from '@okta/okta-sdk-nodejs';
import type { OffboardingSnapshot } from '../workflows/definitions';
import {
  callOkta,
  changeOkta,
  goneIsDone,
  isNotFound,
  isOktaError,
  readAll,
  toTemporalFailure,
  type ChangeResult,
} from '../okta/errors';

export type DeviceSummary = Omit<OffboardingSnapshot['devices'][number], 'otherActiveUserIds'>;

/** A device's other holders who are not deactivated; `gone`: the device was deleted (Okta answered 404). */
export interface DeviceHolders {
  gone: boolean;
  others: string[];
}

type Holder = { user?: { id?: string; status?: unknown } };

const otherHolders = (holders: Holder[], userId: string): string[] =>
  holders
    .filter((holder) => holder.user?.id !== userId && holder.user?.status !== 'DEPROVISIONED')
    .map((holder) => String(holder.user?.id));

export function createDeviceActivities(okta: Client) {
  async function getDevice({ deviceId }: { deviceId: string }): Promise<{ id: string; status: string } | undefined> {
    const device = await callOkta(
      'getDevice',
      () => okta.deviceApi.getDevice({ deviceId }),
      (error) => (isNotFound(error) ? null : undefined),
    );
    return device ? { id: deviceId, status: String(device.status) } : undefined;
  }

  /** A device's holders other than `userId` who are not deactivated; a 404 means another run deleted the device. */
  async function readHolders(operation: string, deviceId: string, userId: string): Promise<DeviceHolders> {
    const holders = await callOkta<Holder[] | null>(
      operation,
      async () => readAll(await okta.deviceApi.listDeviceUsers({ deviceId })),
      (error) => (isNotFound(error) ? null : undefined),
    );
    return holders ? { gone: false, others: otherHolders(holders, userId) } : { gone: true, others: [] };
  }

  return {
    getDevice,

    async listUserDevices({ userId }: { userId: string }): Promise<DeviceSummary[]> {
      const devices = await callOkta('listUserDevices', async () =>
        readAll(await okta.userApi.listUserDevices({ userId })),
      );
      return devices
        .filter((entry) => entry.device?.id)
        .map((entry) => ({
          id: String(entry.device?.id),
          platform: String(entry.device?.profile?.platform ?? ''),
          status: String(entry.device?.status ?? ''),
        }));
    },

    /**
     * Other holders of the device who are not deactivated: a shared device is kept while any of them is
     * still a person of the org (ACTIVE, SUSPENDED on leave, LOCKED_OUT, PASSWORD_EXPIRED...). A deleted
     * device (404) has no holders.
     */
    async listOtherDeviceUsers({ deviceId, userId }: { deviceId: string; userId: string }): Promise<string[]> {
      return (await readHolders('listOtherDeviceUsers', deviceId, userId)).others;
    },

    /**
     * The same read, telling a deleted device (404: another holder's run deleted it) from one with no other holder:
     * a run that finds it gone makes no further call for it.
     */
    async readDeviceHolders({ deviceId, userId }: { deviceId: string; userId: string }): Promise<DeviceHolders> {
      return readHolders('readDeviceHolders', deviceId, userId);
    },

    /** ACTIVE or SUSPENDED -> DEACTIVATED; a 400 E0000001 means it moved meanwhile, so re-read. */
    /** `gone`: the device no longer exists (404, or deleted meanwhile). */
    async deactivateDevice({ deviceId }: { deviceId: string }): Promise<ChangeResult & { gone?: boolean }> {
      try {
        await okta.deviceApi.deactivateDevice({ deviceId });
        return { outcome: 'done' };
      } catch (error) {
        if (isNotFound(error)) return { outcome: 'not-needed', reason: 'device already deleted', gone: true };
        if (isOktaError(error, 400, 'E0000001')) {
          const device = await getDevice({ deviceId });
          if (!device) return { outcome: 'not-needed', reason: 'device already deleted', gone: true };
          if (device.status === 'DEACTIVATED') return { outcome: 'not-needed', reason: 'device already DEACTIVATED' };
        }
        throw toTemporalFailure(error, 'deactivateDevice');
      }
    },

    /** Okta deletes only DEACTIVATED devices. */
    async deleteDevice({ deviceId }: { deviceId: string }): Promise<ChangeResult> {
      return changeOkta('deleteDevice', () => okta.deviceApi.deleteDevice({ deviceId }), goneIsDone('device'));
    },
  };
}
