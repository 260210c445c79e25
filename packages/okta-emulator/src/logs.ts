// The System Log: every change the emulator makes becomes a LogEvent, readable at GET /api/v1/logs.
import { randomUUID } from 'node:crypto';
import { oktaError } from './errors';
import { limitParam, nextUrl, selfUrl, type Ctx, type Reply, type Router } from './routing';
import { dotted, parseExpression } from './search-expressions';

export type LogActor = { id: string; type: string; alternateId: string; displayName: string };
export type LogTarget = {
  id: string;
  type: string;
  alternateId: string;
  displayName: string;
  detailEntry?: Record<string, unknown>;
};

export type LogEvent = {
  uuid: string;
  published: string;
  eventType: string;
  version: '0';
  displayMessage: string;
  severity: 'INFO' | 'WARN';
  legacyEventType?: string;
  actor: LogActor;
  outcome: { result: 'SUCCESS' | 'FAILURE'; reason?: string };
  target: LogTarget[];
  client: {
    userAgent: { rawUserAgent: string; os: string; browser: string };
    zone: string;
    device: string;
    ipAddress: string;
  };
  request: { ipChain: Array<{ ip: string; version: string }> };
  debugContext: { debugData: { requestUri: string; requestId: string } };
  transaction: { type: 'WEB'; id: string; detail: Record<string, never> };
  authenticationContext: { authenticationStep: number; externalSessionId: string };
  securityContext: Record<string, never>;
};

/** Display messages and legacy types for the events the emulator emits (okta-developer-docs data/event-types.json). */
const EVENT_INFO: Record<string, [string, string | null]> = {
  'user.lifecycle.create': ['Create Okta user', 'core.user.config.user_creation.success'],
  'user.lifecycle.activate': ['Activate Okta user', 'core.user.config.user_activated'],
  'user.lifecycle.reactivate': ['Reactivate Okta user', 'core.user.config.user_reactivated'],
  'user.lifecycle.suspend': ['Suspend Okta user', 'core.user.config.user_suspended'],
  'user.lifecycle.unsuspend': ['Unsuspend Okta user', 'core.user.config.user_unsuspended'],
  'user.lifecycle.deactivate': ['Deactivate Okta user', 'core.user.config.user_deactivated'],
  'user.lifecycle.delete.initiated': ['Delete Okta user', 'core.user.config.user_deleted'],
  'user.lifecycle.delete.completed': ['Delete Okta user completed', null],
  'user.account.unlock': ['Unlock user account', 'core.user.config.user_unlocked'],
  'user.session.clear': ['Clear user session', 'core.user_auth.session_clear'],
  'user.mfa.factor.deactivate': ['Reset factor for user', 'core.user.factor.deactivate'],
  'user.mfa.factor.reset_all': ['Reset all factors for user', 'core.user.factor.reset_all'],
  'user.session.start': ['User login to Okta', 'core.user_auth.login_success'],
  'user.authentication.sso': ['User single sign on to app', null],
  'user.authentication.auth_via_mfa': ['Authentication of user via MFA', null],
  'group.lifecycle.create': ['Create Okta group', 'core.user_group.created'],
  'group.lifecycle.delete': ['Delete Okta group', 'core.user_group.deleted'],
  'group.user_membership.add': ['Add user to group membership', 'core.user_group_member.user_add'],
  'group.user_membership.remove': ['Remove user from group membership', 'core.user_group_member.user_remove'],
  'group.user_membership.rule.add_exclusion': ['Add user to group rule exclusion list', null],
  'application.user_membership.add': ['Add user to application membership', 'app.generic.provision.assign_user_to_app'],
  'application.user_membership.remove': [
    'Remove user from application membership',
    'app.generic.unprovision.user_removed',
  ],
  'app.oauth2.as.consent.revoke': ['Revoke consent grant', null],
  'app.oauth2.token.revoke': ['Revoke OAuth 2.0 token', null],
  'device.lifecycle.activate': ['Activate device', null],
  'device.lifecycle.deactivate': ['Deactivate device', null],
  'device.lifecycle.suspend': ['Suspend device', null],
  'device.lifecycle.unsuspend': ['Unsuspend device', null],
  'device.lifecycle.delete': ['Delete device', null],
  'event_hook.created': ['Event hook created', null],
  'event_hook.activated': ['Event hook activated', null],
  'event_hook.deactivated': ['Event hook deactivated', null],
  'event_hook.verified': ['Event hook verified', null],
  'event_hook.deleted': ['Event hook deleted', null],
};

export type LogListener = (event: LogEvent) => void;

const RETENTION = 100_000;

export class SystemLog {
  private events: LogEvent[] = [];
  /** sequence number of events[0]; cursors are sequence numbers so they survive trimming */
  private firstSeq = 0;
  private readonly listeners: LogListener[] = [];

  onEvent(listener: LogListener): void {
    this.listeners.push(listener);
  }

  clear(): void {
    this.firstSeq += this.events.length;
    this.events = [];
  }

  append(
    eventType: string,
    actor: LogActor,
    target: LogTarget[],
    requestUri: string,
    displayMessage?: string,
    /** A sign-in the admin API injects: the client it came from, and its outcome (docs/admin-api.md). */
    signIn?: { ipAddress: string; outcome: LogEvent['outcome'] },
  ): LogEvent {
    const [message, legacy] = EVENT_INFO[eventType] ?? [eventType, null];
    const event: LogEvent = {
      uuid: randomUUID(),
      published: new Date().toISOString(),
      eventType,
      version: '0',
      displayMessage: displayMessage ?? message,
      severity: 'INFO',
      ...(legacy ? { legacyEventType: legacy } : {}),
      actor,
      outcome: signIn?.outcome ?? { result: 'SUCCESS' },
      target: target.map((t) => ({ ...t })),
      client: {
        userAgent: { rawUserAgent: 'okta-emulator', os: 'Unknown', browser: 'UNKNOWN' },
        zone: 'null',
        device: 'Unknown',
        ipAddress: signIn?.ipAddress ?? '127.0.0.1',
      },
      request: {
        ipChain: [{ ip: signIn?.ipAddress ?? '127.0.0.1', version: signIn?.ipAddress.includes(':') ? 'V6' : 'V4' }],
      },
      debugContext: { debugData: { requestUri, requestId: randomUUID() } },
      transaction: { type: 'WEB', id: randomUUID(), detail: {} },
      authenticationContext: { authenticationStep: 0, externalSessionId: 'unknown' },
      securityContext: {},
    };
    this.events.push(event);
    if (this.events.length > RETENTION) {
      this.events.shift();
      this.firstSeq++;
    }
    for (const l of this.listeners) l(event);
    return event;
  }

  all(): readonly LogEvent[] {
    return this.events;
  }

  /** Events from sequence number `seq` on. */
  fromSeq(seq: number): { events: readonly LogEvent[]; startSeq: number } {
    const idx = Math.max(0, seq - this.firstSeq);
    return { events: this.events.slice(idx), startSeq: this.firstSeq + idx };
  }
}

function isoParam(ctx: Ctx, name: string): number | undefined {
  const raw = ctx.query.get(name);
  if (raw === null || raw === '') return undefined;
  const t = /^\d{4}-\d{2}-\d{2}T/.test(raw) ? Date.parse(raw) : NaN;
  if (Number.isNaN(t)) throw oktaError('E0000030');
  return t;
}

function listLogEvents(ctx: Ctx): Reply {
  const limit = limitParam(ctx, 100, 1000);
  const until = isoParam(ctx, 'until');
  const sinceParam = isoParam(ctx, 'since');
  const afterRaw = ctx.query.get('after');
  const descending = (ctx.query.get('sortOrder') ?? 'ASCENDING').toUpperCase() === 'DESCENDING';
  const filter = ctx.query.get('filter');
  const expr = filter ? parseExpression(filter) : undefined;
  const q = (ctx.query.get('q') ?? '').toLowerCase().split(/\s+/).filter(Boolean);
  if (q.length > 10) throw oktaError('E0000001', 'q', ['q: at most 10 keywords']);
  const since = sinceParam ?? (until ?? Date.now()) - 7 * 24 * 3600 * 1000;

  // Cursors: a sequence number for polling queries, `o<offset>` into the result for bounded ones.
  let afterSeq = 0;
  let offset = 0;
  if (afterRaw) {
    const n = Number(afterRaw.startsWith('o') ? afterRaw.slice(1) : afterRaw);
    if (!Number.isInteger(n) || n < 0) throw oktaError('E0000001', 'after', ['after: invalid cursor']);
    if (afterRaw.startsWith('o')) offset = n;
    else afterSeq = n;
  }
  const { events, startSeq } = ctx.log.fromSeq(afterSeq);
  const selected: Array<{ event: LogEvent; seq: number }> = [];
  events.forEach((event, i) => {
    const t = Date.parse(event.published);
    if (t < since || (until !== undefined && t >= until)) return;
    if (expr && !expr.matches((attr) => dotted(event, attr))) return;
    if (q.length > 0) {
      const text = JSON.stringify(event).toLowerCase();
      if (!q.every((word) => text.includes(word))) return;
    }
    selected.push({ event, seq: startSeq + i });
  });
  if (descending) selected.reverse();
  const pageItems = selected.slice(offset, offset + limit);
  const links = [`<${selfUrl(ctx)}>; rel="self"`];
  const last = pageItems[pageItems.length - 1];
  const polling = until === undefined && !descending;
  if (polling) {
    // A polling query always has a next link; when idle it points past the newest event seen.
    const cursor = last ? last.seq + 1 : Math.max(afterSeq, startSeq + events.length);
    links.push(`<${nextUrl(ctx, { after: String(cursor) }, ['since'])}>; rel="next"`);
  } else if (selected.length > offset + limit) {
    links.push(`<${nextUrl(ctx, { after: `o${offset + limit}` })}>; rel="next"`);
  }
  return { status: 200, body: pageItems.map((s) => s.event), headers: { link: links.join(', ') } };
}

export function registerLogRoutes(router: Router): void {
  router.add('GET', '/api/v1/logs', 'okta.logs.read', listLogEvents);
}
