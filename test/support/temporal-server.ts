// Dev-server settings shared by tests, the demo and the benchmark.

/**
 * `matching.useNewMatcher` makes the server honour activity priorities (lock-phase calls first);
 * without it server 1.29.1 ignores `priorityKey` (temporal-notes.md). SQLite pragmas keep a
 * layoff-sized test fast.
 */
export function devServerArgs(): string[] {
  return [
    '--dynamic-config-value', 'matching.useNewMatcher=true',
    '--sqlite-pragma', 'journal_mode=WAL',
    '--sqlite-pragma', 'synchronous=OFF',
  ];
}
