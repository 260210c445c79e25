// The System Log poller's activities: find the offboarding group, read its membership adds, and
// start a run per add through the same path as every other starter (one run per person and event).
import type { Client } from '@okta/okta-sdk-nodejs';
import type { Client as TemporalClient } from '@temporalio/client';
import { ApplicationFailure } from '@temporalio/common';
import { callOkta, readAll } from '../okta/errors';
import { resolveGroupId } from '../okta/lookups';
import { startOnce } from '../runs/offboardings';

export interface GroupAdd {
  uuid: string;
  published: string;
  userId: string;
}

export function createSystemLogActivities(okta: Client, temporal: TemporalClient | undefined) {
  return {
    /** The offboarding group's id; OFFBOARD_OKTA_GROUP may be a name (read-only lookup). */
    async resolveOffboardingGroup({ group }: { group: string }): Promise<string> {
      const id = await callOkta('listGroups', () => resolveGroupId(okta, group));
      if (!id)
        throw ApplicationFailure.create({
          type: 'OffboardingGroupNotFound',
          message: `Okta has no group ${group}`,
          nonRetryable: true,
        });
      return id;
    },

    /**
     * `group.user_membership.add` events targeting the group, published from `since` to now. A
     * bounded query (`since` and `until`), because a polling query's pages never end.
     */
    async readOffboardingGroupAdds({ groupId, since }: { groupId: string; since: string }): Promise<GroupAdd[]> {
      const events = await callOkta('listLogEvents', async () =>
        readAll(
          await okta.systemLogApi.listLogEvents({
            since,
            until: new Date().toISOString(),
            filter: `eventType eq "group.user_membership.add" and target.id eq "${groupId}"`,
            limit: 1000,
          }),
        ),
      );
      return events.flatMap((event) => {
        const user = event.target?.find((target) => target.type === 'User');
        if (!event.uuid || !user?.id) return [];
        const published = event.published instanceof Date ? event.published.toISOString() : String(event.published);
        return [{ uuid: event.uuid, published, userId: user.id }];
      });
    },

    /** Starts the person's run for this event unless the event (or the person's open run) already has one. */
    async startOffboardingForEvent({ add, group, taskQueue }: { add: GroupAdd; group: string; taskQueue: string }) {
      if (!temporal) throw ApplicationFailure.nonRetryable('The worker has no Temporal client to start runs with');
      const started = await startOnce(temporal, taskQueue, {
        userId: add.userId,
        reason: `Added to the Okta group ${group}`,
        source: 'okta-group',
        requestedBy: 'okta-system-log',
        correlationId: add.uuid,
      });
      return { workflowId: started.workflowId, created: started.created };
    },
  };
}
