// The record a run keeps of itself: steps and their items, for the report, the `status` query
// and the Temporal UI's current details.
import { setCurrentDetails } from '@temporalio/workflow';
import type { Phase, StepItem, StepOutcome, StepRecord } from './definitions';

const ICON: Record<StepOutcome | 'running', string> = {
  done: '✅',
  skipped: '⏭️',
  failed: '❌',
  'not-needed': '➖',
  running: '⏳',
};

/** A step's outcome from its items': done if anything was done, else the most telling of the rest. */
function summarise(items: StepItem[]): StepOutcome {
  if (items.some((item) => item.outcome === 'failed')) return 'failed';
  if (items.some((item) => item.outcome === 'done')) return 'done';
  if (items.some((item) => item.outcome === 'skipped')) return 'skipped';
  return 'not-needed';
}

export class RunRecord {
  readonly steps: StepRecord[] = [];
  private running = new Set<StepRecord>();

  constructor(
    private readonly title: string,
    private phase: () => Phase,
  ) {}

  begin(step: string, phase: Phase): StepRecord {
    const record: StepRecord = {
      step,
      phase,
      outcome: 'not-needed',
      startedAt: new Date().toISOString(),
      count: 0,
      items: [],
    };
    this.steps.push(record);
    this.running.add(record);
    this.publish();
    return record;
  }

  add(record: StepRecord, item: StepItem): void {
    record.items.push(item);
    record.count = record.items.filter((entry) => entry.outcome === 'done').length;
  }

  finish(record: StepRecord, outcome?: StepOutcome, reason?: string): void {
    record.outcome = outcome ?? summarise(record.items);
    if (reason) record.reason = reason;
    record.finishedAt = new Date().toISOString();
    this.running.delete(record);
    this.publish();
  }

  /** A step with no items: one call, one outcome. */
  single(step: string, phase: Phase, outcome: StepOutcome, reason?: string): StepRecord {
    const record = this.begin(step, phase);
    this.finish(record, outcome, reason);
    return record;
  }

  /** Markdown shown as the workflow's current details in the Temporal UI. */
  publish(extra?: string): void {
    const lines = [
      `**${this.title}**: phase \`${this.phase()}\``,
      '',
      '| | step | phase | items |',
      '|---|---|---|---|',
    ];
    for (const step of this.steps) {
      const icon = this.running.has(step) ? ICON.running : ICON[step.outcome];
      const items = step.items.length ? `${step.count}/${step.items.length}` : '';
      lines.push(`| ${icon} | ${step.step}${step.reason ? `: ${step.reason}` : ''} | ${step.phase} | ${items} |`);
    }
    if (extra) lines.push('', extra);
    setCurrentDetails(lines.join('\n'));
  }
}

/** Runs `fn` over `items`, at most `limit` at once; every item runs, then the first failure is thrown. */
export async function forEachLimited<T>(
  items: readonly T[],
  limit: number,
  fn: (item: T) => Promise<void>,
): Promise<void> {
  let next = 0;
  const failures: unknown[] = [];
  const lane = async (): Promise<void> => {
    while (next < items.length) {
      const item = items[next++] as T;
      try {
        await fn(item);
      } catch (error) {
        failures.push(error);
      }
    }
  };
  await Promise.all(Array.from({ length: Math.max(1, Math.min(limit, items.length)) }, lane));
  if (failures.length > 0) throw failures[0];
}
