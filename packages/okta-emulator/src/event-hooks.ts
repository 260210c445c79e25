// Event hooks: CRUD, lifecycle, the one-time verification GET, and at-least-once delivery (docs/okta-behaviour.md §14).
import { randomUUID } from 'node:crypto';
import { notFound, oktaError } from './errors';
import type { LogEvent } from './logs';
import { ID_PREFIX, newId, type EventHookRec, type OktaOrg } from './org';
import { requireObjectBody, type Ctx, type Reply, type Router } from './routing';

const HOOK_TIMEOUT_MS = 3000;

function requireHook(ctx: Ctx): EventHookRec {
  const id = ctx.params['eventHookId'] ?? '';
  const hook = ctx.org.eventHooks.get(id);
  if (!hook) throw notFound(id, 'EventHook');
  return hook;
}

function renderHook(h: EventHookRec, base: string): Record<string, unknown> {
  const self = `${base}/api/v1/eventHooks/${h.id}`;
  const post = (op: string) => ({ href: `${self}/lifecycle/${op}`, hints: { allow: ['POST'] } });
  return {
    id: h.id,
    status: h.status,
    verificationStatus: h.verificationStatus,
    name: h.name,
    description: null,
    created: h.created,
    lastUpdated: h.lastUpdated,
    events: { type: 'EVENT_TYPE', items: [...h.events], filter: null },
    channel: {
      type: 'HTTP',
      version: '1.0.0',
      config: {
        uri: h.url,
        headers: h.headers,
        ...(h.authHeader ? { authScheme: { type: 'HEADER', key: h.authHeader.key } } : {}),
      },
    },
    _links: {
      self: { href: self, hints: { allow: ['GET', 'PUT', 'DELETE'] } },
      verify: post('verify'),
      ...(h.status === 'ACTIVE' ? { deactivate: post('deactivate') } : { activate: post('activate') }),
    },
  };
}

/** Reads `{ name, events: { items }, channel: { config: { uri, headers, authScheme } } }`. */
function parseHookBody(ctx: Ctx): Pick<EventHookRec, 'name' | 'url' | 'events' | 'headers' | 'authHeader'> {
  const body = requireObjectBody(ctx);
  const name = body['name'];
  const events = (body['events'] as { items?: unknown } | undefined)?.items;
  const config = ((body['channel'] as { config?: unknown } | undefined)?.config ?? {}) as Record<string, unknown>;
  const uri = config['uri'];
  if (typeof name !== 'string' || name === '')
    throw oktaError('E0000001', 'name', ['name: The field cannot be left blank']);
  if (!Array.isArray(events) || events.length === 0 || !events.every((e) => typeof e === 'string'))
    throw oktaError('E0000001', 'events', ['events.items: at least one event type is required']);
  if (typeof uri !== 'string' || !/^https?:\/\/[^\s]+$/.test(uri))
    throw oktaError('E0000001', 'channel', ['channel.config.uri: must be an http(s) URL']);
  const headers = Array.isArray(config['headers'])
    ? (config['headers'] as unknown[]).flatMap((h) => {
        const { key, value } = (h ?? {}) as { key?: unknown; value?: unknown };
        return typeof key === 'string' && typeof value === 'string' ? [{ key, value }] : [];
      })
    : [];
  const scheme = config['authScheme'] as { key?: unknown; value?: unknown } | undefined;
  const authHeader =
    scheme && typeof scheme.key === 'string' && typeof scheme.value === 'string'
      ? { key: scheme.key, value: scheme.value }
      : undefined;
  return { name, url: uri, events: events as string[], headers, ...(authHeader ? { authHeader } : {}) };
}

function hookTarget(h: EventHookRec) {
  return { id: h.id, type: 'EventHook', alternateId: h.url, displayName: h.name };
}

function createEventHook(ctx: Ctx): Reply {
  const t = new Date().toISOString();
  const hook: EventHookRec = {
    id: newId(ID_PREFIX.hook),
    ...parseHookBody(ctx),
    status: 'ACTIVE',
    verificationStatus: 'UNVERIFIED',
    created: t,
    lastUpdated: t,
  };
  ctx.org.eventHooks.set(hook.id, hook);
  ctx.record('event_hook.created', [hookTarget(hook)]);
  return { status: 200, body: renderHook(hook, ctx.baseUrl) };
}

function replaceEventHook(ctx: Ctx): Reply {
  const hook = requireHook(ctx);
  const next = parseHookBody(ctx);
  const urlChanged = next.url !== hook.url;
  delete hook.authHeader;
  Object.assign(hook, next, { lastUpdated: new Date().toISOString() });
  if (urlChanged) hook.verificationStatus = 'UNVERIFIED';
  return { status: 200, body: renderHook(hook, ctx.baseUrl) };
}

function setHookStatus(status: EventHookRec['status']) {
  return (ctx: Ctx): Reply => {
    const hook = requireHook(ctx);
    hook.status = status;
    hook.lastUpdated = new Date().toISOString();
    ctx.record(status === 'ACTIVE' ? 'event_hook.activated' : 'event_hook.deactivated', [hookTarget(hook)]);
    return { status: 200, body: renderHook(hook, ctx.baseUrl) };
  };
}

function hookHeaders(hook: EventHookRec): Record<string, string> {
  const headers: Record<string, string> = {};
  for (const h of hook.headers) headers[h.key] = h.value;
  if (hook.authHeader) headers[hook.authHeader.key] = hook.authHeader.value;
  return headers;
}

/** One attempt plus one retry, the retry only after a timeout, network error or 5xx. */
async function withOneRetry(attempt: () => Promise<Response>): Promise<Response | undefined> {
  for (let i = 0; i < 2; i++) {
    try {
      const res = await attempt();
      if (res.status < 500) return res;
      await res.body?.cancel();
    } catch {
      // timeout or connection failure: retry once
    }
  }
  return undefined;
}

async function verifyEventHook(ctx: Ctx): Promise<Reply> {
  const hook = requireHook(ctx);
  const challenge = randomUUID();
  const res = await withOneRetry(() =>
    fetch(hook.url, {
      method: 'GET',
      headers: { ...hookHeaders(hook), 'x-okta-verification-challenge': challenge, accept: 'application/json' },
      signal: AbortSignal.timeout(HOOK_TIMEOUT_MS),
    }),
  );
  let answered: unknown;
  try {
    answered = res && res.status === 200 ? ((await res.json()) as { verification?: unknown }).verification : undefined;
  } catch {
    answered = undefined;
  }
  if (answered !== challenge)
    throw oktaError('E0000001', 'verification', ['Verification of the event hook endpoint failed']);
  hook.verificationStatus = 'VERIFIED';
  hook.lastUpdated = new Date().toISOString();
  ctx.record('event_hook.verified', [hookTarget(hook)]);
  return { status: 200, body: renderHook(hook, ctx.baseUrl) };
}

function deleteEventHook(ctx: Ctx): Reply {
  const hook = requireHook(ctx);
  // Okta deletes only INACTIVE hooks ("as a safety precaution").
  if (hook.status !== 'INACTIVE') throw oktaError('E0000006', undefined, ['Only INACTIVE event hooks can be deleted']);
  ctx.org.eventHooks.delete(hook.id);
  ctx.record('event_hook.deleted', [hookTarget(hook)]);
  return { status: 204 };
}

/** POSTs each System Log event to the ACTIVE, VERIFIED hooks subscribed to its type, in the background. */
export class EventHookDelivery {
  private readonly inFlight = new Set<Promise<void>>();

  constructor(
    private readonly currentOrg: () => OktaOrg,
    private readonly baseUrl: () => string,
  ) {}

  deliver(event: LogEvent): void {
    for (const hook of this.currentOrg().eventHooks.values()) {
      if (hook.status !== 'ACTIVE' || hook.verificationStatus !== 'VERIFIED' || !hook.events.includes(event.eventType))
        continue;
      const p = this.post(hook, event).finally(() => this.inFlight.delete(p));
      this.inFlight.add(p);
    }
  }

  /** Waits for deliveries under way (used on close). */
  async settle(): Promise<void> {
    await Promise.allSettled([...this.inFlight]);
  }

  private async post(hook: EventHookRec, event: LogEvent): Promise<void> {
    const body = JSON.stringify({
      eventType: 'com.okta.event_hook',
      eventTypeVersion: '1.0',
      cloudEventsVersion: '0.1',
      source: `${this.baseUrl()}/api/v1/eventHooks/${hook.id}`,
      eventId: randomUUID(),
      eventTime: new Date().toISOString(),
      contentType: 'application/json',
      data: { events: [event] },
    });
    const res = await withOneRetry(() =>
      fetch(hook.url, {
        method: 'POST',
        body,
        headers: { ...hookHeaders(hook), accept: 'application/json', 'content-type': 'application/json' },
        signal: AbortSignal.timeout(HOOK_TIMEOUT_MS),
      }),
    );
    await res?.body?.cancel();
  }
}

export function registerEventHookRoutes(router: Router): void {
  const one = '/api/v1/eventHooks/:eventHookId';
  router
    .add('GET', '/api/v1/eventHooks', 'okta.eventHooks.read', (ctx) => ({
      status: 200,
      body: [...ctx.org.eventHooks.values()].map((h) => renderHook(h, ctx.baseUrl)),
    }))
    .add('POST', '/api/v1/eventHooks', 'okta.eventHooks.manage', createEventHook)
    .add('GET', one, 'okta.eventHooks.read', (ctx) => ({
      status: 200,
      body: renderHook(requireHook(ctx), ctx.baseUrl),
    }))
    .add('PUT', one, 'okta.eventHooks.manage', replaceEventHook)
    .add('DELETE', one, 'okta.eventHooks.manage', deleteEventHook)
    .add('POST', `${one}/lifecycle/activate`, 'okta.eventHooks.manage', setHookStatus('ACTIVE'))
    .add('POST', `${one}/lifecycle/deactivate`, 'okta.eventHooks.manage', setHookStatus('INACTIVE'))
    .add('POST', `${one}/lifecycle/verify`, 'okta.eventHooks.manage', verifyEventHook);
}
