// The emulator's own admin API under /__emulator/ (docs/admin-api.md): reset, seed, state, requests, faults, rate limits,
// injected sign-ins.
import { faultSchema, type FaultStore } from './faults';
import type { SystemLog } from './logs';
import { OktaOrg, SeedError } from './org';
import { rateLimitTableSchema, type RateLimiter } from './rate-limits';
import type { RequestLog } from './request-log';
import type { Reply } from './routing';
import { injectSignIn } from './sign-ins';
import type { Fault, RateLimitTable } from './types';

export type AdminTarget = {
  org: OktaOrg;
  readonly log: SystemLog;
  readonly faults: FaultStore;
  readonly requests: RequestLog;
  readonly limiter: RateLimiter;
  /** swaps the org, resets rate-limit windows and schedules a state-file write */
  replaceOrg(org: OktaOrg): void;
};

const bad = (reason: string): Reply => ({ status: 400, body: { error: reason } });

export function handleAdmin(
  target: AdminTarget,
  method: string,
  path: string,
  query: URLSearchParams,
  body: unknown,
): Reply {
  const route = `${method} ${path.replace(/^\/__emulator/, '')}`;
  switch (route) {
    case 'POST /reset':
      target.replaceOrg(OktaOrg.empty());
      target.log.clear();
      target.faults.clear();
      target.requests.clear();
      return { status: 200, body: { ok: true } };
    case 'POST /seed':
      try {
        target.replaceOrg(OktaOrg.fromSeed(body));
      } catch (err) {
        if (err instanceof SeedError) return bad(err.message);
        throw err;
      }
      return { status: 200, body: { ok: true } };
    case 'GET /state':
      return { status: 200, body: target.org.toState() };
    case 'GET /requests': {
      const since = query.get('since') ?? undefined;
      if (since !== undefined && Number.isNaN(Date.parse(since))) return bad('since must be an ISO date');
      return { status: 200, body: { requests: target.requests.list(since && new Date(since).toISOString()) } };
    }
    case 'DELETE /requests':
      target.requests.clear();
      return { status: 200, body: { ok: true } };
    case 'POST /faults': {
      const parsed = faultSchema.safeParse(body);
      if (!parsed.success)
        return bad(parsed.error.issues.map((i) => `${i.path.join('.') || '(root)'}: ${i.message}`).join('; '));
      const stored = target.faults.add(parsed.data as Fault);
      return { status: 200, body: stored };
    }
    case 'GET /faults':
      return { status: 200, body: { faults: target.faults.list() } };
    case 'DELETE /faults':
      target.faults.clear();
      return { status: 200, body: { ok: true } };
    case 'POST /sign-ins':
      return injectSignIn(target.org, target.log, body);
    case 'GET /rate-limits':
      return { status: 200, body: target.limiter.table() };
    case 'PUT /rate-limits': {
      const parsed = rateLimitTableSchema.safeParse(body);
      if (!parsed.success)
        return bad(parsed.error.issues.map((i) => `${i.path.join('.') || '(root)'}: ${i.message}`).join('; '));
      const table: RateLimitTable = {
        ...parsed.data,
        timeScale: parsed.data.timeScale ?? target.limiter.table().timeScale,
      };
      target.limiter.setTable(table);
      return { status: 200, body: target.limiter.table() };
    }
  }
  const faultId = /^DELETE \/faults\/([^/]+)$/.exec(route)?.[1];
  if (faultId) {
    return target.faults.remove(decodeURIComponent(faultId))
      ? { status: 200, body: { ok: true } }
      : { status: 404, body: { error: `no fault ${faultId}` } };
  }
  return { status: 404, body: { error: `unknown admin route ${route}` } };
}
