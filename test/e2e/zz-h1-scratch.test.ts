import { it } from 'vitest';
import { useHarness, type OffboardingHarness } from '../support/offboarding';
import { standardOrg } from '../support/orgs';
let harness: OffboardingHarness;
useHarness({}, (h) => (harness = h));
it('dumps local activity markers', async () => {
  await harness.seed(standardOrg());
  const { handle } = await harness.start({ userId: await harness.userId('alice@example.com') });
  await handle.result();
  const history = await harness.env.client.workflow.getHandle(handle.workflowId).fetchHistory();
  for (const e of history.events ?? []) {
    const m = e.markerRecordedEventAttributes;
    if (m?.markerName !== 'core_local_activity') continue;
    for (const [k, v] of Object.entries(m.details ?? {}))
      console.log(e.eventId, k, JSON.stringify((v.payloads ?? []).map((p) => ({ md: Object.fromEntries(Object.entries(p.metadata ?? {}).map(([a, b]) => [a, Buffer.from(b).toString()])), data: Buffer.from(p.data ?? []).toString().slice(0, 80) }))));
    if (m.failure) console.log(e.eventId, 'failure', JSON.stringify(m.failure).slice(0, 300));
  }
});
