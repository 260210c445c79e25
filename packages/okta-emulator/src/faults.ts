// Injected faults for /api/v1 calls: answer instead of Okta, drop the connection, or add latency.
import { randomUUID } from 'node:crypto';
import { z } from 'zod';
import type { Fault } from './types';

export const faultSchema = z
  .object({
    route: z.string().min(1),
    method: z.string().min(1).optional(),
    status: z.number().int().min(100).max(599).optional(),
    errorCode: z.string().min(1).optional(),
    errorSummary: z.string().optional(),
    resetAfterS: z.number().min(0).optional(),
    connectionReset: z.boolean().optional(),
    latencyMs: z.number().min(0).max(600_000).optional(),
    probability: z.number().min(0).max(1).optional(),
    count: z.number().int().min(1).optional(),
    forMs: z.number().min(0).optional(),
  })
  .strict();

export type StoredFault = Fault & { id: string; hits: number; addedAt: number };

type Compiled = { fault: StoredFault; pattern: RegExp };

/** What the matching faults ask for: a delay, and possibly an answer or a dropped connection. */
export type FaultOutcome = { latencyMs: number; answer?: StoredFault };

function globToRegExp(glob: string): RegExp {
  const escaped = glob
    .split('*')
    .map((part) => part.replace(/[.+?^${}()|[\]\\]/g, '\\$&'))
    .join('.*');
  return new RegExp(`^${escaped}$`);
}

export class FaultStore {
  private faults: Compiled[] = [];

  add(fault: Fault): StoredFault {
    const stored: StoredFault = { ...fault, id: randomUUID(), hits: 0, addedAt: Date.now() };
    this.faults.push({ fault: stored, pattern: globToRegExp(fault.route) });
    return stored;
  }

  list(): StoredFault[] {
    return this.faults.map((c) => ({ ...c.fault }));
  }

  clear(): void {
    this.faults = [];
  }

  remove(id: string): boolean {
    const before = this.faults.length;
    this.faults = this.faults.filter((c) => c.fault.id !== id);
    return this.faults.length !== before;
  }

  get size(): number {
    return this.faults.length;
  }

  /** Every live fault matching the call counts a hit; latencies add up, the first answering fault answers. */
  match(method: string, path: string, now = Date.now()): FaultOutcome | undefined {
    if (this.faults.length === 0) return undefined;
    let outcome: FaultOutcome | undefined;
    this.faults = this.faults.filter(
      ({ fault }) =>
        (fault.count === undefined || fault.hits < fault.count) &&
        (fault.forMs === undefined || now - fault.addedAt < fault.forMs),
    );
    for (const { fault, pattern } of this.faults) {
      if (fault.method && fault.method.toUpperCase() !== method) continue;
      if (!pattern.test(path)) continue;
      if (fault.probability !== undefined && Math.random() >= fault.probability) continue;
      fault.hits++;
      outcome ??= { latencyMs: 0 };
      outcome.latencyMs += fault.latencyMs ?? 0;
      const answers = fault.connectionReset || fault.status !== undefined || fault.errorCode !== undefined;
      if (answers && !outcome.answer) outcome.answer = fault;
    }
    return outcome;
  }
}
