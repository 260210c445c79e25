// The log of /api/v1 calls the emulator answered, read by tests and the benchmark through the admin API.
import type { RequestEntry } from './types';

const MAX_ENTRIES = 100_000;

export class RequestLog {
  private entries: RequestEntry[] = [];

  add(entry: RequestEntry): void {
    this.entries.push(entry);
    if (this.entries.length > MAX_ENTRIES) this.entries.splice(0, this.entries.length - MAX_ENTRIES);
  }

  /** Entries at or after `since` (ISO time), oldest first. */
  list(since?: string): RequestEntry[] {
    if (!since) return [...this.entries];
    return this.entries.filter((e) => e.at >= since);
  }

  clear(): void {
    this.entries = [];
  }
}
