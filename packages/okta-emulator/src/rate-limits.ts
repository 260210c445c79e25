// Per-minute rate-limit buckets (Workforce figures, docs/okta-behaviour.md §3), the cumulative Management API window,
// their windows on the emulator's clock, and the concurrency limit.
import { z } from 'zod';
import type { RateLimitBucket, RateLimitTable } from './types';

const ALL = ['GET', 'POST', 'PUT', 'DELETE', 'PATCH'];

/**
 * Okta's Workforce figures per bucket, per minute (docs/okta-behaviour.md §3.2). The ids name the buckets of Okta's
 * own path-to-bucket mapping (okta/terraform-provider-okta, okta/internal/apimutex/rate_limit_lines.go), so a client
 * can plan against the same table: `users-get` is `/api/v1/users/{id:.+}`, `users` is `/api/v1/users` (list, create
 * and every sub-resource and lifecycle call of a user), `users-id` is `/api/v1/users/{id}`, and so on.
 */
export const WORKFORCE_PER_MINUTE = {
  'users-get': 2000,
  users: 600,
  'users-id': 600,
  groups: 500,
  'groups-id': 1000,
  apps: 100,
  'apps-id': 500,
  devices: 100,
  'device-users': 100,
  logs: 120,
  default: 1200,
  cumulative: 7000,
} as const;

export type RateLimitBucketId = keyof typeof WORKFORCE_PER_MINUTE;

/** The Workforce table. Rows sharing a name share one window. */
export function workforceTable(timeScale = 1): RateLimitTable {
  const row = (
    name: Exclude<RateLimitBucketId, 'cumulative'>,
    methods: string[],
    pathPattern: string,
  ): RateLimitBucket => ({
    name,
    methods,
    pathPattern,
    perMinute: WORKFORCE_PER_MINUTE[name],
  });
  return {
    buckets: [
      row('users-get', ['GET'], '/api/v1/users/{idOrLogin}'),
      row('users', ['GET', 'POST'], '/api/v1/users'),
      row('users', ALL, '/api/v1/users/{id}/*'),
      row('users-id', ['POST', 'PUT', 'DELETE'], '/api/v1/users/{id}'),
      row('groups', ALL, '/api/v1/groups'),
      row('groups', ALL, '/api/v1/groups/rules*'),
      row('groups', ALL, '/api/v1/groups/{id}/*'),
      row('groups-id', ALL, '/api/v1/groups/{id}'),
      row('apps', ALL, '/api/v1/apps'),
      row('apps', ALL, '/api/v1/apps/{id}/*'),
      row('apps-id', ALL, '/api/v1/apps/{id}'),
      row('devices', ALL, '/api/v1/devices*'),
      row('device-users', ALL, '/api/v1/devices/{id}/users'),
      row('logs', ALL, '/api/v1/logs*'),
      row('default', ALL, '/api/v1/*'),
    ],
    cumulativePerMinute: WORKFORCE_PER_MINUTE.cumulative,
    concurrency: 75,
    timeScale,
  };
}

/** The same rows with limits no test or benchmark reaches; headers are still sent. */
export function unlimitedTable(timeScale = 1): RateLimitTable {
  const t = workforceTable(timeScale);
  return {
    buckets: t.buckets.map((b) => ({ ...b, perMinute: 1_000_000_000 })),
    cumulativePerMinute: 1_000_000_000,
    concurrency: 1_000_000,
    timeScale,
  };
}

export const rateLimitTableSchema = z.object({
  buckets: z
    .array(
      z.object({
        name: z.string().min(1),
        methods: z.array(z.string().min(1)),
        pathPattern: z.string().startsWith('/'),
        perMinute: z.number().int().min(0),
      }),
    )
    .min(1),
  cumulativePerMinute: z.number().int().min(0).optional(),
  concurrency: z.number().int().min(1),
  timeScale: z.number().positive().optional(),
});

type CompiledRow = {
  bucket: RateLimitBucket;
  methods: Set<string>;
  segments: string[];
  /** `exact`: the path itself; `self-and-below`: a trailing `*`; `below`: a trailing `/*` */
  reach: 'exact' | 'self-and-below' | 'below';
};

/** The window a call counted against; when refused, the window that refused it. Headers describe `window`. */
export type Verdict = { window: string; allowed: boolean; limit: number; remaining: number; resetEpochS: number };

type Window = { start: number; count: number };

export class RateLimiter {
  private rows: CompiledRow[] = [];
  private current!: RateLimitTable;
  private readonly windows = new Map<string, Window>();
  private cumulative: Window | undefined;
  private readonly classified = new Map<string, CompiledRow | undefined>();
  inFlight = 0;

  /** `clock`: the emulator's time in epoch ms (the host's, shifted by `clockOffsetMs`). */
  constructor(
    table: RateLimitTable,
    private readonly clock: () => number = Date.now,
  ) {
    this.setTable(table);
  }

  table(): RateLimitTable {
    return structuredClone(this.current);
  }

  setTable(table: RateLimitTable): void {
    this.current = structuredClone(table);
    this.rows = table.buckets.map(compile);
    this.classified.clear();
    this.resetWindows();
  }

  resetWindows(): void {
    this.windows.clear();
    this.cumulative = undefined;
  }

  /** Real milliseconds in one Okta minute. */
  minuteMs(): number {
    return 60_000 / this.current.timeScale;
  }

  get timeScale(): number {
    return this.current.timeScale;
  }

  get concurrency(): number {
    return this.current.concurrency;
  }

  now(): number {
    return this.clock();
  }

  /**
   * The row for a request: segment by segment from the left a literal beats a parameter, then a longer pattern
   * beats a shorter one, then an exact pattern beats a prefix (so `/groups/rules*` wins over `/groups/{id}`).
   */
  classify(method: string, path: string): RateLimitBucket | undefined {
    const key = `${method} ${path}`;
    if (this.classified.has(key)) return this.classified.get(key)?.bucket;
    const parts = path.split('/').slice(1);
    let best: CompiledRow | undefined;
    for (const row of this.rows) {
      if (row.methods.size > 0 && !row.methods.has(method)) continue;
      if (!matches(row, parts)) continue;
      if (!best || moreSpecific(row, best) > 0) best = row;
    }
    // Paths carry ids, so memoise by shape only while the cache is small.
    if (this.classified.size < 10_000) this.classified.set(key, best);
    return best?.bucket;
  }

  /**
   * Counts one call against its bucket's window and the cumulative window (each starts at its first call). A call
   * either window refuses counts in neither. The headers name the window with fewer calls left (the bucket on a tie).
   */
  take(bucket: RateLimitBucket): Verdict {
    const now = this.clock();
    const own = this.window(this.windows.get(bucket.name), now);
    this.windows.set(bucket.name, own);
    const ownVerdict = this.verdict(bucket.name, own, bucket.perMinute);
    if (!ownVerdict.allowed) return ownVerdict;
    const ceiling = this.current.cumulativePerMinute;
    let total: Verdict | undefined;
    if (ceiling !== undefined) {
      this.cumulative = this.window(this.cumulative, now);
      total = this.verdict('cumulative', this.cumulative, ceiling);
      if (!total.allowed) return total;
      this.cumulative.count++;
      total.remaining--;
    }
    own.count++;
    ownVerdict.remaining--;
    return total && total.remaining < ownVerdict.remaining ? total : ownVerdict;
  }

  private window(w: Window | undefined, now: number): Window {
    return w && now < w.start + this.minuteMs() ? w : { start: now, count: 0 };
  }

  private verdict(name: string, w: Window, limit: number): Verdict {
    const resetEpochS = Math.ceil((w.start + this.minuteMs()) / 1000);
    return { window: name, allowed: w.count < limit, limit, remaining: Math.max(0, limit - w.count), resetEpochS };
  }
}

function compile(bucket: RateLimitBucket): CompiledRow {
  const p = bucket.pathPattern;
  const reach = p.endsWith('/*') ? 'below' : p.endsWith('*') ? 'self-and-below' : 'exact';
  const segments = p.replace(/\*$/, '').replace(/\/$/, '').split('/').slice(1);
  return { bucket, methods: new Set(bucket.methods.map((m) => m.toUpperCase())), segments, reach };
}

function matches(row: CompiledRow, parts: string[]): boolean {
  const n = row.segments.length;
  if (row.reach === 'exact' ? parts.length !== n : row.reach === 'below' ? parts.length <= n : parts.length < n)
    return false;
  for (let i = 0; i < n; i++) {
    const s = row.segments[i] as string;
    if (!s.startsWith('{') && s !== parts[i]) return false;
  }
  return true;
}

/** > 0 when `a` is the more specific row for a path both match. */
function moreSpecific(a: CompiledRow, b: CompiledRow): number {
  const n = Math.max(a.segments.length, b.segments.length);
  for (let i = 0; i < n; i++) {
    const sa = a.segments[i];
    const sb = b.segments[i];
    if (sa === undefined || sb === undefined) return sa === undefined ? -1 : 1;
    const rank = (s: string) => (s.startsWith('{') ? 1 : 2);
    if (rank(sa) !== rank(sb)) return rank(sa) - rank(sb);
  }
  return (a.reach === 'exact' ? 1 : 0) - (b.reach === 'exact' ? 1 : 0);
}

/** The bucket id a call counts against in Okta's Workforce table (`default` for an unlisted /api/v1 path). */
export function workforceBucket(method: string, path: string): RateLimitBucketId {
  workforceClassifier ??= new RateLimiter(workforceTable());
  return (workforceClassifier.classify(method.toUpperCase(), path)?.name ?? 'default') as RateLimitBucketId;
}

let workforceClassifier: RateLimiter | undefined;
