// The request context handed to route handlers, the route table, and Okta-style cursor pagination.
import type { IncomingHttpHeaders } from 'node:http';
import { oktaError } from './errors';
import type { SystemLog, LogActor, LogTarget } from './logs';
import type { OktaOrg } from './org';

export type Reply = { status: number; body?: unknown; headers?: Record<string, string> };

export type Ctx = {
  method: string;
  path: string;
  params: Record<string, string>;
  query: URLSearchParams;
  headers: IncomingHttpHeaders;
  /** parsed JSON body, undefined when none was sent */
  body: unknown;
  /** `http://host:port` as the client addressed us */
  baseUrl: string;
  org: OktaOrg;
  log: SystemLog;
  actor: LogActor;
  /** set by handlers: the user the call concerns, for the request log */
  userId?: string;
  /** records a System Log event (and feeds event hooks) */
  record(eventType: string, targets: LogTarget[], displayMessage?: string, actor?: LogActor): void;
  /** how long an activation takes, in real ms (the `activationDelayMs` option over the time scale); 0 = at once */
  activationDelayRealMs: number;
  /** runs `fn` after `realMs` unless the org has been replaced (seed, reset) meanwhile */
  later(realMs: number, fn: () => void): void;
};

export type Handler = (ctx: Ctx) => Reply | Promise<Reply>;

export type Route = { method: string; pattern: string; scope: string; handler: Handler; segments: string[] };

export type RouteMatch = { route: Route; params: Record<string, string> } | { methodNotAllowed: true } | undefined;

/** A route as the emulator serves it: `pattern` has `:param` segments, `scope` is the OAuth scope it requires. */
export type ServedRoute = Pick<Route, 'method' | 'pattern' | 'scope'>;

/** Patterns like `/api/v1/users/:userId/groups`; literal segments win over parameters. */
export class Router {
  private readonly bySegmentCount = new Map<number, Route[]>();

  add(method: string, pattern: string, scope: string, handler: Handler): this {
    const segments = pattern.split('/').slice(1);
    const list = this.bySegmentCount.get(segments.length) ?? [];
    list.push({ method, pattern, scope, handler, segments });
    // literal segments before parameters, position by position
    list.sort((a, b) => rank(a.segments).localeCompare(rank(b.segments)));
    this.bySegmentCount.set(segments.length, list);
    return this;
  }

  match(method: string, path: string): RouteMatch {
    const parts = path.split('/').slice(1);
    const candidates = this.bySegmentCount.get(parts.length);
    if (!candidates) return undefined;
    let pathMatched = false;
    let bestPattern: string | undefined;
    for (const route of candidates) {
      const params = matchSegments(route.segments, parts);
      if (!params) continue;
      if (bestPattern !== undefined && rank(route.segments) !== bestPattern) break;
      bestPattern = rank(route.segments);
      pathMatched = true;
      if (route.method === method) return { route, params };
    }
    return pathMatched ? { methodNotAllowed: true } : undefined;
  }

  /** Every route added, in a stable order (by pattern, then method). */
  routes(): ServedRoute[] {
    return [...this.bySegmentCount.values()]
      .flat()
      .map(({ method, pattern, scope }) => ({ method, pattern, scope }))
      .sort((a, b) => (a.pattern === b.pattern ? compare(a.method, b.method) : compare(a.pattern, b.pattern)));
  }
}

function compare(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

function rank(segments: string[]): string {
  return segments.map((s) => (s.startsWith(':') ? '1' : '0')).join('');
}

function matchSegments(pattern: string[], parts: string[]): Record<string, string> | undefined {
  const params: Record<string, string> = {};
  for (let i = 0; i < pattern.length; i++) {
    const p = pattern[i] as string;
    const v = parts[i] as string;
    if (p.startsWith(':')) {
      if (v === '') return undefined;
      let decoded: string;
      try {
        decoded = decodeURIComponent(v);
      } catch {
        return undefined;
      }
      params[p.slice(1)] = decoded;
    } else if (p !== v) {
      return undefined;
    }
  }
  return params;
}

/**
 * Parses `limit` with a default and a maximum. Unusable values fall back to the default: the list operations
 * declare no 400, and what Okta does with `limit=-5` is unknown (docs/okta-behaviour.md §4).
 */
export function limitParam(ctx: Ctx, defaultLimit: number, max: number): number {
  const n = Number(ctx.query.get('limit') ?? '');
  if (!Number.isInteger(n) || n <= 0) return defaultLimit;
  return Math.min(n, max);
}

/**
 * One page of `items` after the `after` cursor (the id of the last item of the previous page),
 * with absolute `self` and `next` Link headers that keep the original query.
 */
export function page<T>(
  ctx: Ctx,
  items: readonly T[],
  idOf: (item: T) => string,
  limit: number,
  render: (item: T) => unknown,
): Reply {
  const after = ctx.query.get('after');
  let start = 0;
  if (after) {
    const idx = items.findIndex((i) => idOf(i) === after);
    start = idx === -1 ? items.length : idx + 1;
  }
  const slice = items.slice(start, start + limit);
  const links = [`<${selfUrl(ctx)}>; rel="self"`];
  const last = slice[slice.length - 1];
  if (start + limit < items.length && last !== undefined)
    links.push(`<${nextUrl(ctx, { after: idOf(last), limit: String(limit) })}>; rel="next"`);
  return { status: 200, body: slice.map(render), headers: { link: links.join(', ') } };
}

export function selfUrl(ctx: Ctx): string {
  const qs = ctx.query.toString();
  return `${ctx.baseUrl}${ctx.path}${qs ? `?${qs}` : ''}`;
}

export function nextUrl(ctx: Ctx, set: Record<string, string>, remove: string[] = []): string {
  const q = new URLSearchParams(ctx.query);
  for (const r of remove) q.delete(r);
  for (const [k, v] of Object.entries(set)) q.set(k, v);
  return `${ctx.baseUrl}${ctx.path}?${q.toString().replace(/\+/g, '%20')}`;
}

export function boolParam(ctx: Ctx, name: string, dflt: boolean): boolean {
  const v = ctx.query.get(name);
  if (v === null || v === '') return dflt;
  return v.toLowerCase() === 'true';
}

export function requireObjectBody(ctx: Ctx): Record<string, unknown> {
  if (ctx.body === undefined || ctx.body === null || typeof ctx.body !== 'object' || Array.isArray(ctx.body)) {
    throw oktaError('E0000003');
  }
  return ctx.body as Record<string, unknown>;
}
