// Linked orgs (Org2Org, docs/org2org.md). The workforce org is the identity provider of each linked org: locking the
// person out there stops new federated sign-ins, but their linked user keeps its sessions, tokens, group memberships
// and app assignments in the linked org, and may have a password of its own. So, in the same run:
// - right after the workforce lock (lock first: once the workforce account is suspended no new federated sign-in can
//   open a session that this lock would miss), for each linked org at once: find the linked user(s), suspend them,
//   revoke their sessions with OAuth tokens, consent grants and any client's refresh tokens, at lock priority;
// - after the workforce revocations and deactivation: snapshot their groups and apps, remove the memberships and
//   direct assignments, check grants and clients are gone, deactivate, verify.
// Every call goes to that org's own task queues (OktaCalls' `org`), steps are named `<org>:<operation>`, and what
// was found is kept in `snapshot.linkedOrgs[]`, the source of the rehire there.
import { patched } from '@temporalio/workflow';
import { RealChanges, type Changes } from './changes';
import type {
  LinkedOrg,
  LinkedOrgSnapshot,
  OffboardingSnapshot,
  Residue,
  RunPolicy,
  StepOutcome,
  StepRecord,
} from './definitions';
import { deactivatesInLock } from './lock-out';
import type { UntilDone } from './needs-attention';
import { OktaCalls, type Urgency } from './okta-calls';
import type { Progress } from './report';
import { restoreFromSnapshot } from './restore';
import { forEachLimited, type RunRecord } from './run-record';
import { ResidueFound } from './verify';

/** Runs that started before it, or without linked orgs, touch the workforce org only. */
export const LINKED_ORGS = 'linked-orgs';

/** A user found in a linked org, and what the run knows of them. */
interface LinkedUser {
  id: string;
  /** The status found: what a rehire brings back. */
  statusFound: string;
  /** The status as the run last knew it: saves a read at deactivation. */
  knownStatus: string;
}

interface OrgRun {
  org: LinkedOrg;
  okta: OktaCalls;
  changes: Changes;
  /** The run's record, every step named `<org>:<step>`. */
  record: RunRecord;
  /** Undefined until the find ran; then every user it found (none: nobody to offboard there). */
  users?: LinkedUser[];
  snapshots: LinkedOrgSnapshot[];
  /** Whether `snapshots` are in the run's snapshot (which does not exist yet when the lock reads them). */
  reported?: boolean;
}

export interface LinkedOrgsDeps {
  policy: RunPolicy;
  /** The workforce user: the id the linked orgs know the person by. */
  userId: string;
  progress: Progress;
  /** The run's changes: a dry run's plan is shared, a real run's changes are made per org. */
  changes: Changes;
  untilDone: UntilDone;
  safePoint: () => void;
}

/** The run's record as one org's: every step it begins is named `<org>:<step>`. */
function orgRecord(record: RunRecord, org: string): RunRecord {
  const view = Object.create(record) as RunRecord;
  view.begin = (step, phase) => record.begin(`${org}:${step}`, phase);
  return view;
}

/** The org's own steps, named as the workforce org's (what rehire reads to know what the run removed there). */
function orgSteps(steps: StepRecord[], org: string): StepRecord[] {
  const prefix = `${org}:`;
  return steps
    .filter((step) => step.step.startsWith(prefix))
    .map((step) => ({ ...step, step: step.step.slice(prefix.length) }));
}

export class LinkedOrgs {
  private readonly runs: OrgRun[];

  /** The linked orgs of this run, or undefined (none configured, or a run that started before linked orgs). */
  static forRun(deps: LinkedOrgsDeps): LinkedOrgs | undefined {
    if (!deps.policy.linkedOrgs?.length || !patched(LINKED_ORGS)) return undefined;
    return new LinkedOrgs(deps);
  }

  private constructor(private readonly deps: LinkedOrgsDeps) {
    const planned = deps.changes.outcome === 'dry-run';
    this.runs = (deps.policy.linkedOrgs ?? []).map((org) => {
      const okta = new OktaCalls(deps.policy, { org: org.name });
      return {
        org,
        okta,
        // A plan only lists changes, whatever the org; real changes go to the org's own queues.
        changes: planned ? deps.changes : new RealChanges(() => okta, deps.progress, deps.safePoint),
        record: orgRecord(deps.progress.record, org.name),
        snapshots: [],
      };
    });
  }

  /** Right after the workforce lock: find and lock the linked users of every linked org at once. */
  lock(): Promise<void> {
    return this.deps.untilDone('lock-linked-orgs', () => this.eachOrg((run) => this.lockOrg(run)));
  }

  /** After the workforce deactivation: snapshot, remove groups and direct apps, deactivate and verify in each org. */
  offboard(): Promise<void> {
    return this.deps.untilDone('offboard-linked-orgs', () => this.eachOrg((run) => this.offboardOrg(run)));
  }

  /** A rehire during the run: each org gets back what the run removed there (nothing where it changed nothing). */
  restore(): Promise<void> {
    const { policy, progress } = this.deps;
    return this.deps.untilDone(
      'restore-linked-orgs',
      () =>
        this.eachOrg(async (run) => {
          if (!run.changes.sentAny) return;
          for (const user of run.users ?? []) {
            await restoreLinkedUser(run.okta, run.record, policy, progress.notes, {
              org: run.org.name,
              userId: user.id,
              snapshot: run.snapshots.find((entry) => entry.user.id === user.id),
              statusBefore: user.statusFound,
              steps: orgSteps(progress.record.steps, run.org.name),
            });
          }
        }),
      { stoppable: false },
    );
  }

  private eachOrg(work: (run: OrgRun) => Promise<void>): Promise<void> {
    return forEachLimited(this.runs, this.runs.length, work);
  }

  private async lockOrg(run: OrgRun): Promise<void> {
    run.users ??= await this.find(run);
    const { okta, changes, record } = run;
    const users = run.users;
    if (users.length === 0) return;
    const concurrency = this.deps.policy.itemConcurrency;

    const suspend = record.begin('suspendUser', 'locking');
    await forEachLimited(users, concurrency, async (user) => {
      const outcome = await changes.run(
        suspend,
        { kind: 'user', id: user.id },
        'suspendUser',
        'lock',
        `Suspend linked user ${user.id}`,
        { userId: user.id, knownStatus: user.knownStatus },
        { plannedIf: user.knownStatus === 'ACTIVE' },
      );
      if (outcome === 'done') user.knownStatus = 'SUSPENDED';
    });
    record.finish(suspend);

    const sessions = record.begin('revokeSessions', 'locking');
    const grants = record.begin('revokeGrants', 'locking');
    await forEachLimited(users, concurrency, async ({ id: userId }) => {
      await Promise.all([
        changes.run(
          sessions,
          { kind: 'session', id: userId },
          'revokeSessions',
          'lock',
          `Revoke sessions and OAuth tokens of linked user ${userId}`,
          { userId },
        ),
        changes.run(
          grants,
          { kind: 'grant', id: userId },
          'revokeGrants',
          'lock',
          `Revoke OAuth consent grants of linked user ${userId}`,
          { userId },
        ),
      ]);
    });
    record.finish(sessions);
    record.finish(grants);

    const tokens = record.begin('revokeClientTokens', 'locking');
    await changes.afterChanges(
      async () => {
        await forEachLimited(users, concurrency, async (user) => {
          // Okta hides a deactivated user's OAuth clients (404); their tokens went with the deactivation.
          if (user.statusFound === 'DEPROVISIONED') return;
          const userId = user.id;
          const survivors = await okta.call(
            'listOAuthClients',
            'lock',
            `List OAuth clients still holding tokens of linked user ${userId}`,
            { userId },
          );
          for (const clientId of survivors) {
            await changes.run(
              tokens,
              { kind: 'client', id: clientId },
              'revokeClientTokens',
              'lock',
              `Revoke refresh tokens of linked user ${userId} for client ${clientId}`,
              { userId, clientId },
            );
          }
        });
        record.finish(tokens);
      },
      () => record.finish(tokens, 'not-needed', 'a real run revokes the tokens of any OAuth client still listed'),
    );

    // A user Okta cannot suspend could still sign in (a reset or activation link, an expired password, the lockout
    // timer): as in the workforce org (lock-out.ts), what deactivation destroys is read first, then they are
    // deactivated within the lock.
    const early = users.filter((user) => deactivatesInLock(user.statusFound));
    if (early.length === 0) return;
    if (run.snapshots.length === 0) run.snapshots = await this.snapshot(run, users, 'lock');
    await this.deactivate(run, early, 'locking', 'lock');
  }

  private async deactivate(
    run: OrgRun,
    users: LinkedUser[],
    phase: 'locking' | 'deactivating',
    urgency: Urgency,
  ): Promise<void> {
    const step = run.record.begin('deactivateUser', phase);
    for (const user of users) {
      const outcome = await run.changes.run(
        step,
        { kind: 'user', id: user.id },
        'deactivateUser',
        urgency,
        `Deactivate linked user ${user.id}`,
        { userId: user.id, knownStatus: user.knownStatus },
      );
      if (outcome !== 'failed') user.knownStatus = 'DEPROVISIONED';
    }
    run.record.finish(step);
  }

  /** The linked users, by the org's link method; none is reported, not a failure. */
  private async find(run: OrgRun): Promise<LinkedUser[]> {
    const { okta, record, org } = run;
    const workforceId = this.deps.userId;
    const step = record.begin('findLinkedUser', 'locking');
    const { link } = org;
    const how =
      link.by === 'idp'
        ? `linked to ${workforceId} by identity provider ${link.idpId}`
        : `whose profile.${link.attribute} is ${workforceId}`;
    const found =
      link.by === 'idp'
        ? await okta.call('findLinkedUsersByIdp', 'lock', `Find the user ${how}`, {
            idpId: link.idpId,
            externalId: workforceId,
            ...(link.scan ? { scan: true } : {}),
          })
        : await okta.call('findLinkedUsersByAttribute', 'lock', `Find the user ${how}`, {
            attribute: link.attribute,
            value: workforceId,
          });
    const users: LinkedUser[] = [];
    for (const user of found) {
      const status =
        user.status ??
        (await okta.call('readUserStatus', 'lock', `Read status of linked user ${user.id}`, { userId: user.id }));
      if (status === undefined) continue; // deleted since the answer: nothing left to lock
      users.push({ id: user.id, statusFound: status, knownStatus: status });
      record.add(step, { id: user.id, kind: 'user', outcome: 'done', reason: `the user ${how}, status ${status}` });
    }
    if (users.length === 0)
      record.add(step, {
        id: workforceId,
        kind: 'user',
        outcome: 'not-needed',
        reason: `org ${org.name} has no user ${how}: nothing to offboard there`,
      });
    record.finish(step);
    return users;
  }

  private async offboardOrg(run: OrgRun): Promise<void> {
    const users = run.users ?? [];
    if (users.length === 0) return;
    if (run.snapshots.length === 0) run.snapshots = await this.snapshot(run, users, 'revoke');
    if (!run.reported) this.report(run.snapshots);
    run.reported = true;
    const { changes, record } = run;
    const concurrency = this.deps.policy.itemConcurrency;

    const groupStep = record.begin('removeGroupMembership', 'revoking');
    const appStep = record.begin('unassignApp', 'revoking');
    for (const { user, groups, apps } of run.snapshots) {
      const userId = user.id;
      await forEachLimited(groups, concurrency, async (group) => {
        if (group.type !== 'OKTA_GROUP') {
          const reason = `${group.type} membership is not managed in Okta (${group.name})`;
          record.add(groupStep, { id: group.id, kind: 'group', outcome: 'skipped', reason });
          return;
        }
        const summary = `Remove linked user ${userId} from group ${group.id} (${group.name})`;
        await changes.run(groupStep, { kind: 'group', id: group.id }, 'removeGroupMembership', 'revoke', summary, {
          groupId: group.id,
          userId,
        });
      });
      await forEachLimited(apps, concurrency, async (app) => {
        if (app.scope !== 'USER') {
          const reason = 'group-scoped assignment: leaves with the group membership';
          record.add(appStep, { id: app.id, kind: 'app', outcome: 'skipped', reason });
          return;
        }
        const summary = `Unassign app ${app.id} (${app.label}) from linked user ${userId}`;
        await changes.run(appStep, { kind: 'app', id: app.id }, 'unassignApp', 'revoke', summary, {
          appId: app.id,
          userId,
        });
      });
    }
    record.finish(groupStep);
    record.finish(appStep);

    await changes.afterChanges(
      () => this.verify(run, 'verifyRevoked', 'revoking', (user) => this.hiddenResidue(run, user)),
      () => undefined,
    );

    // Deactivated already: found so, or by the lock.
    const active = users.filter((user) => user.knownStatus !== 'DEPROVISIONED');
    if (active.length > 0) await this.deactivate(run, active, 'deactivating', 'revoke');

    await changes.afterChanges(
      () => this.verify(run, 'verifyOffboarded', 'deactivating', (user) => this.residue(run, user)),
      () => undefined,
    );
  }

  /** What rehire needs back: status, groups (with the rules that manage them) and apps with their profiles. */
  private async snapshot(run: OrgRun, users: LinkedUser[], urgency: Urgency): Promise<LinkedOrgSnapshot[]> {
    const { okta, record, org } = run;
    const step = record.begin('takeSnapshot', 'snapshot');
    const snapshots: LinkedOrgSnapshot[] = [];
    for (const user of users) {
      const userId = user.id;
      const [{ groups }, apps] = await Promise.all([
        okta.call('listUserGroups', urgency, `Read groups of linked user ${userId}`, { userId }),
        okta.call('listAssignedApps', urgency, `List apps assigned to linked user ${userId}`, { userId }),
      ]);
      const oktaGroupIds = groups.filter((group) => group.type === 'OKTA_GROUP').map((group) => group.id);
      const rules = oktaGroupIds.length
        ? await okta.call('listGroupRules', urgency, `Read group rules of linked user ${userId}'s groups`, {
            groupIds: oktaGroupIds,
          })
        : [];
      snapshots.push({
        org: org.name,
        user: { id: userId, status: user.statusFound },
        groups: groups.map((group) => ({
          ...group,
          ruleIds: rules.filter((rule) => rule.groupIds.includes(group.id)).map((rule) => rule.id),
        })),
        apps,
      });
    }
    const count = (what: 'groups' | 'apps') => snapshots.reduce((sum, entry) => sum + entry[what].length, 0);
    record.finish(step, 'done', `${snapshots.length} linked user(s): ${count('groups')} groups, ${count('apps')} apps`);
    return snapshots;
  }

  /** Into the run's snapshot, in the orgs' configured order whichever org answered first. */
  private report(snapshots: LinkedOrgSnapshot[]): void {
    const snapshot: OffboardingSnapshot | undefined = this.deps.progress.snapshot;
    if (!snapshot) return;
    const order = (entry: LinkedOrgSnapshot) => this.runs.findIndex((other) => other.org.name === entry.org);
    snapshot.linkedOrgs = [...(snapshot.linkedOrgs ?? []), ...snapshots].sort((a, b) => order(a) - order(b));
  }

  /** One verification step over the org's users: residue (named with the org) keeps the run from going on. */
  private async verify(
    run: OrgRun,
    name: string,
    phase: 'revoking' | 'deactivating',
    find: (user: LinkedUser) => Promise<Residue[]>,
  ): Promise<void> {
    const step = run.record.begin(name, phase);
    const residue: Residue[] = [];
    for (const user of run.users ?? []) residue.push(...(await find(user)));
    const outcome: StepOutcome = residue.length ? 'failed' : 'done';
    run.record.finish(step, outcome, residue.length ? `${residue.length} item(s) left` : 'no access left');
    if (residue.length)
      throw new ResidueFound(residue.map((item) => ({ ...item, detail: `org ${run.org.name}: ${item.detail}` })));
  }

  /** Before deactivation, while Okta still shows them: consent grants and OAuth clients holding tokens. */
  private async hiddenResidue(run: OrgRun, user: LinkedUser): Promise<Residue[]> {
    if (user.knownStatus === 'DEPROVISIONED') return []; // Okta hides them (404); deactivation revoked them
    const userId = user.id;
    const [grants, clients] = await Promise.all([
      run.okta.call('listUserGrants', 'revoke', `Verify: consent grants of linked user ${userId}`, { userId }),
      run.okta.call('listOAuthClients', 'revoke', `Verify: OAuth clients of linked user ${userId}`, { userId }),
    ]);
    return [
      ...grants.map((id) => ({ kind: 'grant' as const, id, detail: 'consent grant left' })),
      ...clients.map((id) => ({ kind: 'client' as const, id, detail: 'OAuth client still holds tokens or grants' })),
    ];
  }

  /** After deactivation: the status, and no OKTA_GROUP membership or direct app assignment left. */
  private async residue(run: OrgRun, user: LinkedUser): Promise<Residue[]> {
    const userId = user.id;
    const status = await run.okta.call('readUserStatus', 'revoke', `Verify: status of linked user ${userId}`, {
      userId,
    });
    if (status === undefined) return []; // deleted: nothing left to grant access
    const [{ groups }, apps] = await Promise.all([
      run.okta.call('listUserGroups', 'revoke', `Verify: groups of linked user ${userId}`, { userId }),
      run.okta.call('listAssignedApps', 'revoke', `Verify: apps assigned to linked user ${userId}`, { userId }),
    ]);
    return [
      ...(status === 'DEPROVISIONED'
        ? []
        : [{ kind: 'user-status' as const, id: userId, detail: `status ${status}, expected DEPROVISIONED` }]),
      ...groups
        .filter((group) => group.type === 'OKTA_GROUP')
        .map((group) => ({
          kind: 'group' as const,
          id: group.id,
          detail: `still a member of OKTA_GROUP ${group.name}`,
        })),
      ...apps
        .filter((app) => app.scope === 'USER')
        .map((app) => ({ kind: 'app' as const, id: app.id, detail: `direct assignment to ${app.label} left` })),
    ];
  }
}

interface LinkedRehire {
  org: string;
  userId: string;
  snapshot?: LinkedOrgSnapshot;
  statusBefore?: string;
  /** The org's steps, named without the org (restore.ts reads what the run removed from them). */
  steps: StepRecord[];
}

/** One linked user back as the run found them, through restore.ts; its notes name the org. */
async function restoreLinkedUser(
  okta: OktaCalls,
  record: RunRecord,
  policy: RunPolicy,
  notes: string[],
  { org, userId, snapshot, statusBefore, steps }: LinkedRehire,
): Promise<void> {
  const orgNotes: string[] = [];
  await restoreFromSnapshot(okta, record, {
    userId,
    snapshot: snapshot && {
      takenAt: '',
      user: snapshot.user,
      groups: snapshot.groups,
      apps: snapshot.apps,
      factors: [],
      devices: [],
      oauthClientIds: [],
    },
    // The offboarding group is the workforce org's: a group of that name here is restored like any other.
    policy: { ...policy, offboardingGroup: undefined },
    notes: orgNotes,
    steps,
    statusBefore,
  });
  notes.push(...orgNotes.map((note) => `Org ${org}, linked user ${userId}: ${note}`));
}

/**
 * A rehire after the run closed (`rehireUser`): each linked user of the closed run's snapshot gets back what the run
 * removed in their org. An org no longer configured is noted, not reached: no worker serves its queues.
 */
export async function restoreLinkedOrgs(
  policy: RunPolicy,
  record: RunRecord,
  notes: string[],
  { snapshot, steps }: { snapshot: OffboardingSnapshot; steps: StepRecord[] },
): Promise<void> {
  const linked = snapshot.linkedOrgs ?? [];
  if (linked.length === 0 || !patched(LINKED_ORGS)) return;
  for (const entry of linked) {
    if (!policy.linkedOrgs?.some((org) => org.name === entry.org)) {
      notes.push(`Org ${entry.org} is no longer in OKTA_ORGS_FILE: its linked user ${entry.user.id} was not restored.`);
      continue;
    }
    await restoreLinkedUser(new OktaCalls(policy, { org: entry.org }), orgRecord(record, entry.org), policy, notes, {
      org: entry.org,
      userId: entry.user.id,
      snapshot: entry,
      steps: orgSteps(steps, entry.org),
    });
  }
}
