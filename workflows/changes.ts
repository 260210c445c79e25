// How the runbook changes Okta, chosen once per run: for real (each change is its activity, and
// the outcome Okta gave is recorded) or as a plan (a dry run: Okta is only read, each change is
// listed in the plan, and nothing waits for a timer).
import type { PlannedAction, StepItem, StepOutcome, StepRecord } from './definitions';
import type { ActivityArgs, ChangeActivity, OktaCalls, Urgency } from './okta-calls';
import type { Progress } from './report';

/** The Okta object a change acts on. */
export type ChangeItem = Pick<StepItem, 'kind' | 'id'>;

/** Adds a change to a dry run's plan without recording it as a step item. */
export type Plan = (step: ChangeActivity, itemId: string) => void;

/**
 * One change of one item, at a safe point; returns its outcome. A plan lists it (outcome
 * `not-needed`, "planned (dry run)"), or leaves it out when `plannedIf` is false: the reads of the
 * check say it is not needed. A real run calls it regardless; the activity reads Okta's state.
 */
export type RunChange = <K extends ChangeActivity>(
  step: StepRecord,
  item: ChangeItem,
  activity: K,
  urgency: Urgency,
  summary: string,
  args: ActivityArgs<K>,
  options?: { plannedIf?: boolean },
) => Promise<StepOutcome>;

export interface Changes {
  /** How the run ends once every step is done. */
  readonly outcome: 'completed' | 'dry-run';
  /** A dry run's plan, for its report. */
  readonly plan?: PlannedAction[];
  /** Whether a change has been sent to Okta: from then on a stop may leave something to restore. */
  readonly sentAny: boolean;
  /** Whether Okta answered `activity` in this run. */
  made(activity: ChangeActivity): boolean;

  readonly run: RunChange;

  /** A durable wait: a real run waits; a plan notes "A real run would <what>." */
  wait(what: string, wait: () => Promise<void>): Promise<void>;

  /**
   * Work that needs Okta's state after this run's changes (reading them back, or deciding on
   * today's state): a real run does it; a plan, which changed nothing, does `planned` instead.
   */
  afterChanges<T>(real: () => Promise<T>, planned: (plan: Plan) => T | Promise<T>): Promise<T>;
}

export class RealChanges implements Changes {
  readonly outcome = 'completed';
  readonly plan = undefined;
  sentAny = false;
  private readonly answered = new Set<ChangeActivity>();

  /** `okta` is read at the first change: the run builds it once it has read its policy. */
  constructor(
    private readonly okta: () => OktaCalls,
    private readonly progress: Progress,
    private readonly safePoint: () => void,
  ) {}

  made(activity: ChangeActivity): boolean {
    return this.answered.has(activity);
  }

  readonly run: RunChange = async (step, item, activity, urgency, summary, args) => {
    this.safePoint();
    this.sentAny = true;
    const { outcome, reason } = await this.okta().call(activity, urgency, summary, args);
    this.answered.add(activity);
    this.progress.record.add(step, { id: item.id, kind: item.kind, outcome, reason });
    return outcome;
  };

  // Both hand back the caller's own promise, adding no step to the order in which concurrent
  // items schedule their activities: runs in flight replay that order.
  wait(_what: string, wait: () => Promise<void>): Promise<void> {
    return wait();
  }

  afterChanges<T>(real: () => Promise<T>): Promise<T> {
    return real();
  }
}

export class PlannedChanges implements Changes {
  readonly outcome = 'dry-run';
  readonly plan: PlannedAction[] = [];
  readonly sentAny = false;

  constructor(
    private readonly progress: Progress,
    private readonly safePoint: () => void,
  ) {}

  made(): boolean {
    return false;
  }

  readonly run: RunChange = async (step, item, activity, _urgency, _summary, _args, { plannedIf = true } = {}) => {
    if (!plannedIf) return 'not-needed';
    this.safePoint();
    this.addToPlan(activity, item.id);
    this.progress.record.add(step, {
      id: item.id,
      kind: item.kind,
      outcome: 'not-needed',
      reason: 'planned (dry run)',
    });
    return 'not-needed';
  };

  async wait(what: string): Promise<void> {
    this.progress.notes.push(`A real run would ${what}.`);
  }

  async afterChanges<T>(_real: () => Promise<T>, planned: (plan: Plan) => T | Promise<T>): Promise<T> {
    return planned((step, itemId) => this.addToPlan(step, itemId));
  }

  private addToPlan(step: ChangeActivity, itemId: string): void {
    this.plan.push({ phase: this.progress.phase, step, itemId });
  }
}
