// A small typed client of the emulator's admin API, for tests, the demo and the benchmark.
import type { StoredFault } from './faults';
import type { LogEvent } from './logs';
import type { SIGN_IN_EVENT_TYPES } from './sign-ins';
import type { Fault, Org, RateLimitTable, RequestEntry } from './types';

export type { StoredFault };

/** A sign-in to inject (docs/admin-api.md §3): the user by id or login, the client's IP, the app by id or label. */
export type SignIn = {
  user: string;
  ipAddress: string;
  app?: string;
  eventType?: (typeof SIGN_IN_EVENT_TYPES)[number];
  outcome?: 'SUCCESS' | 'FAILURE';
};

export class EmulatorAdmin {
  constructor(private readonly url: string) {}

  private async call<T>(method: string, path: string, body?: unknown): Promise<T> {
    const res = await fetch(`${this.url.replace(/\/$/, '')}/__emulator${path}`, {
      method,
      ...(body === undefined ? {} : { body: JSON.stringify(body), headers: { 'content-type': 'application/json' } }),
    });
    const text = await res.text();
    const parsed = text ? (JSON.parse(text) as unknown) : undefined;
    if (!res.ok) {
      const reason = (parsed as { error?: string } | undefined)?.error ?? text;
      throw new Error(`okta-emulator admin ${method} ${path}: ${res.status} ${reason}`);
    }
    return parsed as T;
  }

  async reset(): Promise<void> {
    await this.call('POST', '/reset');
  }

  async seed(org: Org): Promise<void> {
    await this.call('POST', '/seed', org);
  }

  state(): Promise<Org> {
    return this.call<Org>('GET', '/state');
  }

  async requests(since?: string): Promise<RequestEntry[]> {
    const q = since ? `?since=${encodeURIComponent(since)}` : '';
    return (await this.call<{ requests: RequestEntry[] }>('GET', `/requests${q}`)).requests;
  }

  async clearRequests(): Promise<void> {
    await this.call('DELETE', '/requests');
  }

  /** Adds a fault; answers with its id. */
  async addFault(fault: Fault): Promise<string> {
    return (await this.call<StoredFault>('POST', '/faults', fault)).id;
  }

  async faults(): Promise<StoredFault[]> {
    return (await this.call<{ faults: StoredFault[] }>('GET', '/faults')).faults;
  }

  async clearFaults(): Promise<void> {
    await this.call('DELETE', '/faults');
  }

  async removeFault(id: string): Promise<void> {
    await this.call('DELETE', `/faults/${encodeURIComponent(id)}`);
  }

  rateLimits(): Promise<RateLimitTable> {
    return this.call<RateLimitTable>('GET', '/rate-limits');
  }

  setRateLimits(table: RateLimitTable): Promise<RateLimitTable> {
    return this.call<RateLimitTable>('PUT', '/rate-limits', table);
  }

  /** Writes the System Log event of a sign-in (`user.session.start` unless told), with its IP and app; answers it. */
  signIn(signIn: SignIn): Promise<LogEvent> {
    return this.call<LogEvent>('POST', '/sign-ins', signIn);
  }
}
