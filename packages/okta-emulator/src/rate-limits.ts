// Per-minute rate-limit buckets (Workforce figures, docs/okta-behaviour.md §3), their windows, and the concurrency limit.
import { z } from 'zod';
import type { RateLimitBucket, RateLimitTable } from './types';

const ALL = ['GET', 'POST', 'PUT', 'DELETE', 'PATCH'];

/**
 * The Workforce table. Rows sharing a name share one window (`groups` covers both `/groups` and `/groups/rules*`).
 * Sub-resources of a user fall in the user buckets by method (an emulator choice, docs/okta-behaviour.md §3.2).
 */
export function workforceTable(timeScale = 1): RateLimitTable {
  return {
    buckets: [
      { name: 'users-get', methods: ['GET'], pathPattern: '/api/v1/users/{idOrLogin}*', perMinute: 2000 },
      { name: 'users-list-create', methods: ['GET', 'POST'], pathPattern: '/api/v1/users', perMinute: 600 },
      { name: 'users-update', methods: ['POST', 'PUT', 'DELETE'], pathPattern: '/api/v1/users/{id}*', perMinute: 600 },
      { name: 'groups', methods: ALL, pathPattern: '/api/v1/groups', perMinute: 500 },
      { name: 'groups', methods: ALL, pathPattern: '/api/v1/groups/rules*', perMinute: 500 },
      { name: 'groups-id', methods: ALL, pathPattern: '/api/v1/groups/{id}*', perMinute: 1000 },
      { name: 'apps-id', methods: ALL, pathPattern: '/api/v1/apps/{id}', perMinute: 500 },
      { name: 'apps', methods: ALL, pathPattern: '/api/v1/apps*', perMinute: 100 },
      { name: 'logs', methods: ALL, pathPattern: '/api/v1/logs*', perMinute: 120 },
      { name: 'devices', methods: ALL, pathPattern: '/api/v1/devices*', perMinute: 100 },
      { name: 'default', methods: ALL, pathPattern: '/api/v1/*', perMinute: 1200 },
    ],
    concurrency: 75,
    timeScale,
  };
}

/** The same rows with limits no test or benchmark reaches; headers are still sent. */
export function unlimitedTable(timeScale = 1): RateLimitTable {
  const t = workforceTable(timeScale);
  return { buckets: t.buckets.map((b) => ({ ...b, perMinute: 1_000_000_000 })), concurrency: 1_000_000, timeScale };
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
  concurrency: z.number().int().min(1),
  timeScale: z.number().positive().optional(),
});

type CompiledRow = {
  bucket: RateLimitBucket;
  methods: Set<string>;
  segments: string[];
  prefix: boolean;
  literals: number;
};

export type Verdict = { bucket: string; allowed: boolean; limit: number; remaining: number; resetEpochS: number };

export class RateLimiter {
  private rows: CompiledRow[] = [];
  private current!: RateLimitTable;
  private readonly windows = new Map<string, { start: number; count: number }>();
  private readonly classified = new Map<string, CompiledRow | undefined>();
  inFlight = 0;

  constructor(table: RateLimitTable) {
    this.setTable(table);
  }

  table(): RateLimitTable {
    return structuredClone(this.current);
  }

  setTable(table: RateLimitTable): void {
    this.current = structuredClone(table);
    this.rows = table.buckets.map((bucket) => {
      const prefix = bucket.pathPattern.endsWith('*');
      const segments = bucket.pathPattern.replace(/\*$/, '').replace(/\/$/, '').split('/').slice(1);
      return {
        bucket,
        methods: new Set(bucket.methods.map((m) => m.toUpperCase())),
        segments,
        prefix,
        literals: segments.filter((s) => !s.startsWith('{')).length,
      };
    });
    this.classified.clear();
    this.windows.clear();
  }

  resetWindows(): void {
    this.windows.clear();
  }

  /** Real milliseconds in one Okta minute. */
  minuteMs(): number {
    return 60_000 / this.current.timeScale;
  }

  get concurrency(): number {
    return this.current.concurrency;
  }

  /**
   * The row for a request: an exact pattern beats any prefix pattern; among prefixes the longest
   * (most segments, then most literal segments) wins.
   */
  classify(method: string, path: string): RateLimitBucket | undefined {
    const key = `${method} ${path}`;
    if (this.classified.has(key)) return this.classified.get(key)?.bucket;
    const parts = path.split('/').slice(1);
    let best: CompiledRow | undefined;
    let bestScore = -1;
    for (const row of this.rows) {
      if (row.methods.size > 0 && !row.methods.has(method)) continue;
      if (!matches(row, parts)) continue;
      const score = (row.prefix ? 0 : 1_000_000) + row.segments.length * 1000 + row.literals;
      if (score > bestScore) {
        best = row;
        bestScore = score;
      }
    }
    // Paths carry ids, so memoise by shape only while the cache is small.
    if (this.classified.size < 10_000) this.classified.set(key, best);
    return best?.bucket;
  }

  /** Counts one call against the bucket's window (a window starts at the bucket's first call). */
  take(bucket: RateLimitBucket, now = Date.now()): Verdict {
    const len = this.minuteMs();
    let w = this.windows.get(bucket.name);
    if (!w || now >= w.start + len) {
      w = { start: now, count: 0 };
      this.windows.set(bucket.name, w);
    }
    const resetEpochS = Math.ceil((w.start + len) / 1000);
    if (w.count >= bucket.perMinute)
      return { bucket: bucket.name, allowed: false, limit: bucket.perMinute, remaining: 0, resetEpochS };
    w.count++;
    return {
      bucket: bucket.name,
      allowed: true,
      limit: bucket.perMinute,
      remaining: bucket.perMinute - w.count,
      resetEpochS,
    };
  }
}

function matches(row: CompiledRow, parts: string[]): boolean {
  if (row.prefix ? parts.length < row.segments.length : parts.length !== row.segments.length) return false;
  for (let i = 0; i < row.segments.length; i++) {
    const s = row.segments[i] as string;
    if (!s.startsWith('{') && s !== parts[i]) return false;
  }
  return true;
}
