// Decommissioning the user's devices after the wait: each device no other user who is not deactivated holds is
// deactivated, then its Okta record deleted (its trust and binding go; no data is erased).
import { patched } from '@temporalio/workflow';
import type { Changes } from './changes';
import type { OffboardingSnapshot, StepOutcome } from './definitions';
import { FEWER_CALLS, FEWER_CALLS_AFTER_LOCK, type OktaCalls } from './okta-calls';
import { forEachLimited, type RunRecord } from './run-record';

type Device = OffboardingSnapshot['devices'][number];

export interface Decommissioning {
  okta: OktaCalls;
  changes: Changes;
  record: RunRecord;
  userId: string;
  itemConcurrency: number;
  /** Where each deleted device's id goes, for verification; it keeps those of an earlier attempt. */
  deleted: string[];
}

/** The `decommissionDevice` step: one item per device. */
export async function decommissionDevices(devices: Device[], run: Decommissioning): Promise<void> {
  const { changes, record } = run;
  const step = record.begin('decommissionDevice', 'wiping-devices');
  const keep = (device: Device, holders: string[]) =>
    record.add(step, {
      id: device.id,
      kind: 'device',
      outcome: 'skipped',
      reason: `shared with ACTIVE or other not deactivated user(s) ${holders.join(', ')}: kept`,
    });
  // Not async: the caller awaits the change itself, so concurrent devices keep their order of calls.
  const deleteDevice = (device: Device): Promise<StepOutcome> =>
    changes.run(
      step,
      { kind: 'device', id: device.id },
      'deleteDevice',
      'revoke',
      `Delete device ${device.id} (${device.platform})`,
      { deviceId: device.id },
    );

  // Holders change during the wait (a co-holder may have left too): decide on today's holders.
  const decommission = async (device: Device): Promise<void> => {
    const gone = () =>
      record.add(step, { id: device.id, kind: 'device', outcome: 'not-needed', reason: 'device already deleted' });
    const summary = `Read holders of device ${device.id}`;
    const holders = { deviceId: device.id, userId: run.userId };
    let others: string[];
    if (patched(FEWER_CALLS_AFTER_LOCK)) {
      // A co-holder's run may have deleted it already: Okta answers 404 for its holders, and nothing is left to do.
      const read = await run.okta.call('readDeviceHolders', 'revoke', summary, holders);
      if (read.gone) return gone();
      others = read.others;
    } else {
      others = await run.okta.call('listOtherDeviceUsers', 'revoke', summary, holders);
    }
    if (others.length > 0) return keep(device, others);
    if (patched(FEWER_CALLS)) {
      // No read first: Okta answers 400 E0000001 for a device already DEACTIVATED (the activity re-reads then) and
      // 404 for one deleted.
      const deactivated = await run.okta.call(
        'deactivateDevice',
        'revoke',
        `Deactivate device ${device.id} (${device.platform})`,
        { deviceId: device.id },
      );
      if (deactivated.gone) return gone();
      const outcome = await deleteDevice(device);
      if (outcome !== 'skipped' && outcome !== 'failed') run.deleted.push(device.id);
      return;
    }
    const current = await run.okta.call('getDevice', 'revoke', `Read device ${device.id}`, { deviceId: device.id });
    if (!current) return gone();
    if (current.status !== 'DEACTIVATED') {
      await run.okta.call('deactivateDevice', 'revoke', `Deactivate device ${device.id} (${device.platform})`, {
        deviceId: device.id,
      });
    }
    const outcome = await deleteDevice(device);
    if (outcome !== 'skipped' && outcome !== 'failed') run.deleted.push(device.id);
  };

  await forEachLimited(devices, run.itemConcurrency, (device) =>
    changes.afterChanges(
      () => decommission(device),
      // A plan goes by the holders the snapshot saw.
      async (plan) => {
        const holders = device.otherActiveUserIds ?? [];
        if (holders.length > 0) return keep(device, holders);
        plan('deactivateDevice', device.id);
        await deleteDevice(device);
      },
    ),
  );
  record.finish(step);
}
