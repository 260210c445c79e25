// The notification texts: one file per event and channel kind, `{{name}}` placeholders, read and checked once
// when the worker starts, so a typo in a template stops the worker there instead of failing a notification
// days later. The shipped ones are in notifications/templates/; an operator's folder overrides them file by file.
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { ApplicationFailure } from '@temporalio/common';
import type { MilestoneName } from '../workflows/definitions';

export const NOTIFY_EVENTS = [
  'started',
  'awaiting-approval',
  'locked-out',
  'wipe-scheduled',
  'needs-attention',
  'completed',
  'cancelled',
  'rehired',
  'failed',
  'drift',
] as const satisfies ReadonlyArray<MilestoneName | 'drift'>;
export type NotifyEvent = (typeof NOTIFY_EVENTS)[number];

/** `subject` and `text` make a mail; `webhook` is a webhook's text (Slack's `text`, the JSON envelope's `text`). */
export const TEMPLATE_KINDS = ['subject', 'text', 'webhook'] as const;
export type TemplateKind = (typeof TEMPLATE_KINDS)[number];

/** The shipped templates (notifications/templates/ at the repository's root, or beside dist/ once built). */
export const BUILT_IN_TEMPLATES = join(__dirname, '..', 'notifications', 'templates');

/** Every message knows who and what it is about. */
const COMMON = ['person', 'user', 'userId', 'event', 'at', 'key'] as const;
/** Every milestone names its run. */
const RUN = [...COMMON, 'workflowId', 'runId', 'runUrl', 'statusCommand'] as const;
/** Every offboarding milestone says why, and who asked. */
const OFFBOARD = [...RUN, 'reason', 'source', 'requestedBy'] as const;

/** The placeholders each event's templates may use (notify-message.ts gives each a value). */
export const PLACEHOLDERS = {
  started: [...OFFBOARD, 'effectiveAt'],
  'awaiting-approval': [...OFFBOARD, 'holdReason', 'approveCommand', 'rejectCommand'],
  'locked-out': [...OFFBOARD, 'lockedAt', 'tokensValidUntil'],
  'wipe-scheduled': [...OFFBOARD, 'wipeAt', 'wipeNowCommand', 'cancelCommand'],
  'needs-attention': [...OFFBOARD, 'failedStep', 'errorType', 'errorMessage', 'retryCommand'],
  completed: [...OFFBOARD, 'verification', 'removed'],
  cancelled: [...OFFBOARD, 'cancelledBy', 'cancelReason', 'changesMade', 'rehireCommand'],
  rehired: [...RUN, 'rehiredBy', 'restored'],
  failed: [...OFFBOARD, 'failedStep', 'errorType', 'errorMessage'],
  drift: [...COMMON, 'driftKind', 'detail', 'action', 'clientIp', 'appId'],
} as const satisfies Record<NotifyEvent, readonly string[]>;

export type Placeholder<E extends NotifyEvent> = (typeof PLACEHOLDERS)[E][number];
export type TemplateValues = Record<string, string>;

/** One event's three templates, checked. */
export type EventTemplates = Record<TemplateKind, string>;
export type Templates = Record<NotifyEvent, EventTemplates>;

const PLACEHOLDER = /\{\{(.*?)\}\}/gs;

export const templateFile = (event: NotifyEvent, kind: TemplateKind): string => `${event}.${kind}.txt`;

/** A template that cannot be rendered: found at start-up; at run time (it cannot happen then) not worth a retry. */
export function badTemplate(message: string): ApplicationFailure {
  return ApplicationFailure.create({ type: 'BadTemplate', message, nonRetryable: true });
}

/** The problems of one template: each unknown placeholder (with its line), an unclosed `{{`. */
export function templateProblems(event: NotifyEvent, text: string): string[] {
  const allowed = new Set<string>(PLACEHOLDERS[event]);
  const problems: string[] = [];
  for (const match of text.matchAll(PLACEHOLDER)) {
    const name = (match[1] ?? '').trim();
    if (allowed.has(name)) continue;
    const line = text.slice(0, match.index).split('\n').length;
    problems.push(`line ${line}: unknown placeholder {{${name}}}`);
  }
  const unclosed = text.replace(PLACEHOLDER, '').indexOf('{{');
  if (unclosed >= 0) problems.push('an unclosed {{ (placeholders are written {{name}})');
  return problems;
}

/**
 * Reads and checks every event's templates: from `folder` where it has the file, else the shipped one. Throws a
 * `BadTemplate` failure naming every problem, file by file, with the event's placeholders.
 */
export function loadTemplates(folder?: string): Templates {
  const problems: string[] = [];
  const templates = {} as Templates;
  for (const event of NOTIFY_EVENTS) {
    const texts = {} as EventTemplates;
    for (const kind of TEMPLATE_KINDS) {
      const name = templateFile(event, kind);
      const path = folder && existsSync(join(folder, name)) ? join(folder, name) : join(BUILT_IN_TEMPLATES, name);
      let text: string;
      try {
        text = readFileSync(path, 'utf8');
      } catch (error) {
        problems.push(`${path}: cannot read it (${(error as NodeJS.ErrnoException).code ?? 'error'})`);
        continue;
      }
      const found = templateProblems(event, text);
      if (found.length > 0)
        problems.push(`${path}: ${found.join('; ')} (the placeholders of ${event}: ${PLACEHOLDERS[event].join(', ')})`);
      if (kind === 'subject' && text.trim().includes('\n')) problems.push(`${path}: a subject is one line`);
      texts[kind] = kind === 'subject' ? text.trim() : text.replace(/\s+$/, '\n');
    }
    templates[event] = texts;
  }
  if (problems.length > 0) throw badTemplate(`Notification templates: ${problems.join('\n')}`);
  return templates;
}

/** Fills the placeholders; `escape` adapts a value to the channel (Slack's mrkdwn). */
export function render(
  event: NotifyEvent,
  template: string,
  values: TemplateValues,
  escape: (value: string) => string = (value) => value,
): string {
  const problems = templateProblems(event, template);
  if (problems.length > 0) throw badTemplate(`The ${event} template: ${problems.join('; ')}`);
  return template.replace(PLACEHOLDER, (_match, name: string) => escape(values[name.trim()] ?? ''));
}
