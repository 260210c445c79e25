// The notification templates: every shipped one renders with its event's placeholders, an operator's folder
// overrides them file by file, and a mistake (an unknown placeholder, an unclosed one) is a BadTemplate that
// names the file, the line and the placeholders the event has.
import { readdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { ApplicationFailure } from '@temporalio/common';
import { describe, expect, it } from 'vitest';
import {
  BUILT_IN_TEMPLATES,
  loadTemplates,
  NOTIFY_EVENTS,
  PLACEHOLDERS,
  render,
  TEMPLATE_KINDS,
  templateFile,
} from '../../activities/notify-templates';
import { tempDir } from '../support/notifications';

function failureOf(work: () => unknown): ApplicationFailure {
  try {
    work();
  } catch (error) {
    expect(error).toBeInstanceOf(ApplicationFailure);
    return error as ApplicationFailure;
  }
  throw new Error('expected a BadTemplate failure');
}

describe('the shipped templates', () => {
  it('are one file per event and channel kind, and nothing else', () => {
    const expected = NOTIFY_EVENTS.flatMap((event) => TEMPLATE_KINDS.map((kind) => templateFile(event, kind)));
    expect(readdirSync(BUILT_IN_TEMPLATES).sort()).toEqual(expected.sort());
  });

  it('load without a problem, and each uses only placeholders its event fills', () => {
    const templates = loadTemplates();
    for (const event of NOTIFY_EVENTS) {
      const values = Object.fromEntries(PLACEHOLDERS[event].map((name) => [name, `<${name}>`]));
      for (const kind of TEMPLATE_KINDS) {
        const text = render(event, templates[event][kind], values);
        expect(text, `${event}.${kind}`).not.toMatch(/\{\{|\}\}/);
        expect(text.trim().length, `${event}.${kind}`).toBeGreaterThan(0);
      }
    }
  });

  it('give the wipe-scheduled mail the time and both commands, and the subject one line', () => {
    const { 'wipe-scheduled': wipe } = loadTemplates();
    const values = Object.fromEntries(PLACEHOLDERS['wipe-scheduled'].map((name) => [name, `<${name}>`]));
    const text = render('wipe-scheduled', wipe.text, values);
    expect(text).toContain('<wipeAt>');
    expect(text).toContain('<wipeNowCommand>');
    expect(text).toContain('<cancelCommand>');
    expect(render('wipe-scheduled', wipe.subject, values)).not.toContain('\n');
  });
});

describe('an operator’s templates folder', () => {
  it('overrides the files it has and keeps the shipped ones for the rest', () => {
    const dir = tempDir('notify-templates');
    writeFileSync(join(dir, 'locked-out.subject.txt'), 'LOCKED: {{ person }}\n');
    const templates = loadTemplates(dir);
    expect(render('locked-out', templates['locked-out'].subject, { person: 'Okta user 00u1' })).toBe(
      'LOCKED: Okta user 00u1',
    );
    expect(templates['locked-out'].text).toBe(loadTemplates()['locked-out'].text);
  });

  it('refuses an unknown placeholder at load, naming the file, the line and the event’s placeholders', () => {
    const dir = tempDir('notify-templates');
    writeFileSync(join(dir, 'completed.text.txt'), 'Done.\n\nBy {{manager_email}}.\n');
    const failure = failureOf(() => loadTemplates(dir));
    expect(failure.type).toBe('BadTemplate');
    expect(failure.nonRetryable).toBe(true);
    expect(failure.message).toContain(join(dir, 'completed.text.txt'));
    expect(failure.message).toContain('line 3: unknown placeholder {{manager_email}}');
    expect(failure.message).toContain('the placeholders of completed: person, user, userId');
  });

  it('refuses a placeholder of another event, an unclosed placeholder and a subject of two lines', () => {
    const dir = tempDir('notify-templates');
    writeFileSync(join(dir, 'started.text.txt'), 'Wipe at {{wipeAt}}\n');
    writeFileSync(join(dir, 'drift.webhook.txt'), 'Came back: {{detail}\n');
    writeFileSync(join(dir, 'failed.subject.txt'), 'Refused\n{{person}}\n');
    const { message } = failureOf(() => loadTemplates(dir));
    expect(message).toContain('started.text.txt: line 1: unknown placeholder {{wipeAt}}');
    expect(message).toContain('drift.webhook.txt: an unclosed {{');
    expect(message).toContain('failed.subject.txt: a subject is one line');
  });
});

describe('rendering', () => {
  it('escapes values for the channel, never the template', () => {
    const text = render('drift', '*{{detail}}*', { detail: 'a <b> & c' }, (value) =>
      value.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;'),
    );
    expect(text).toBe('*a &lt;b&gt; &amp; c*');
  });

  it('fails with a non-retryable BadTemplate on a placeholder the event does not have', () => {
    const failure = failureOf(() => render('started', 'Hello {{password}}', {}));
    expect(failure).toMatchObject({ type: 'BadTemplate', nonRetryable: true });
  });
});
