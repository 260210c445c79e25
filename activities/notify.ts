// Notifications at a run's milestones and on drift: who hears of what (notify-settings.ts), in which words
// (notify-templates.ts, notify-message.ts), over SMTP (notify-email.ts) or a signed webhook (notify-webhook.ts).
// Temporal retries the activity (workflows/milestones.ts); each attempt sends only what no earlier attempt
// delivered, remembered by the worker and in the activity's heartbeat, and every message carries the event's
// idempotency key, so receivers can drop what a retry on another worker sends again.
import type { Client } from '@okta/okta-sdk-nodejs';
import { Context, log } from '@temporalio/activity';
import { ApplicationFailure } from '@temporalio/common';
import type { DriftNotice, Milestone } from '../workflows/definitions';
import { createMailer, DeliveryError } from './notify-email';
import { driftValues, milestoneValues, scrub, type Audience } from './notify-message';
import { createPeopleLookup, type Person } from './notify-people';
import type { NotifySettings, Recipient, WebhookSettings } from './notify-settings';
import { render, type NotifyEvent, type TemplateValues } from './notify-templates';
import { escapeSlack, postWebhook } from './notify-webhook';

/** What an attempt did, by delivery (`manager`, `it:email`, `webhook:<name>`): never an address. */
export interface NotifyResult {
  delivered: string[];
  skipped: string[];
}

interface Delivery {
  id: string;
  send: () => Promise<void>;
}

/** Deliveries already made (or refused for good) per idempotency key, kept for an hour. */
class DeliveryMemory {
  private readonly entries = new Map<string, { until: number; refused?: string }>();

  get(key: string, id: string) {
    return this.entries.get(`${key}\n${id}`);
  }

  set(key: string, id: string, refused?: string): void {
    const now = Date.now();
    for (const [entry, { until }] of this.entries) if (until <= now) this.entries.delete(entry);
    this.entries.set(`${key}\n${id}`, { until: now + 3_600_000, refused });
  }
}

interface Progress {
  delivered: string[];
  refused: Record<string, string>;
}

const NOT_CONFIGURED: NotifyResult = { delivered: [], skipped: ['notifications are not configured'] };

/** Without settings (no OFFBOARD_NOTIFY_FILE) runs schedule no notification; one that comes anyway sends nothing. */
export function createNotificationActivities(okta: Client, settings?: NotifySettings) {
  if (!settings) {
    return {
      notifyMilestone: async (_milestone: Milestone): Promise<NotifyResult> => NOT_CONFIGURED,
      notifyDrift: async (_notice: DriftNotice): Promise<void> => undefined,
    };
  }
  const config = settings;
  const people = createPeopleLookup(okta, config.lookupCacheMs);
  const mailer = config.smtp && createMailer(config.smtp);
  const memory = new DeliveryMemory();

  const recipientSettings = (recipient: Exclude<Recipient, 'manager'>) => config[recipient];

  /** Whether this event's messages may name the person anywhere: then the person is read from Okta. */
  function namesPerson(event: NotifyEvent): boolean {
    return config.routes[event].some((recipient) => {
      if (recipient === 'manager') return true;
      const target = recipientSettings(recipient);
      return (
        (target?.named === true && target.email.length > 0) ||
        (target?.webhooks ?? []).some((name) => config.webhooks[name]?.nameInWebhook)
      );
    });
  }

  function mail(event: NotifyEvent, key: string, to: string[], audience: string, values: TemplateValues): Delivery {
    return {
      id: audience === 'manager' ? 'manager' : `${audience}:email`,
      send: () => {
        if (!mailer) throw new DeliveryError('no SMTP server is configured', false);
        const templates = config.templates[event];
        return mailer.send({
          to,
          key,
          event,
          audience,
          subject: render(event, templates.subject, values).replace(/\s+/g, ' ').trim(),
          text: render(event, templates.text, values),
        });
      },
    };
  }

  function post(
    event: NotifyEvent,
    hook: WebhookSettings,
    values: (audience: Audience) => TemplateValues,
    person: Person | undefined,
    meta: { key: string; at: string; userId: string },
  ): Delivery {
    return {
      id: `webhook:${hook.name}`,
      send: () => {
        const audienceValues = values({ named: hook.nameInWebhook, person });
        const escape = hook.format === 'slack' ? escapeSlack : undefined;
        const text = render(event, config.templates[event].webhook, audienceValues, escape);
        return postWebhook(hook, { ...meta, event, text, values: audienceValues });
      },
    };
  }

  /** The deliveries of one event to its configured recipients, and what had to be skipped. */
  async function plan(
    event: NotifyEvent,
    userId: string,
    key: string,
    at: string,
    values: (audience: Audience) => TemplateValues,
  ): Promise<{ deliveries: Delivery[]; skipped: string[] }> {
    const skipped: string[] = [];
    const person = namesPerson(event) ? await people.person(userId, config.manager?.attribute) : undefined;
    if (namesPerson(event) && !person)
      skipped.push('the person: Okta has no such user any more (messages say the Okta id)');
    const deliveries = new Map<string, Delivery>();
    const add = (delivery: Delivery) => deliveries.set(delivery.id, delivery);
    for (const recipient of config.routes[event]) {
      if (recipient === 'manager') {
        const ref = person?.managerRef;
        const email = ref ? await people.managerEmail(ref) : undefined;
        if (!ref) skipped.push(`manager: the person's profile has no ${config.manager?.attribute ?? 'manager'}`);
        else if (!email)
          skipped.push(
            `manager: no Okta user with an e-mail address matches the profile's ${config.manager?.attribute}`,
          );
        else add(mail(event, key, [email], 'manager', values({ named: true, person })));
        continue;
      }
      const target = recipientSettings(recipient);
      if (!target) continue;
      if (target.email.length > 0)
        add(mail(event, key, target.email, recipient, values({ named: target.named, person })));
      for (const name of target.webhooks) {
        const hook = config.webhooks[name];
        if (hook) add(post(event, hook, values, person, { key, at, userId }));
      }
    }
    return { deliveries: [...deliveries.values()], skipped };
  }

  /** Sends what no earlier attempt delivered; fails (retryably when any failure is) if anything is undelivered. */
  async function deliver(event: NotifyEvent, key: string, planned: { deliveries: Delivery[]; skipped: string[] }) {
    const context = Context.current();
    const earlier = (context.info.heartbeatDetails ?? {}) as Partial<Progress>;
    const progress: Progress = { delivered: [...(earlier.delivered ?? [])], refused: { ...earlier.refused } };
    const pending = planned.deliveries.filter(({ id }) => {
      const remembered = memory.get(key, id);
      if (remembered?.refused !== undefined) progress.refused[id] = remembered.refused;
      else if (remembered && !progress.delivered.includes(id)) progress.delivered.push(id);
      return !progress.delivered.includes(id) && progress.refused[id] === undefined;
    });
    const failures: Array<{ id: string; error: DeliveryError }> = [];
    await Promise.all(
      pending.map(async ({ id, send }) => {
        try {
          await send();
          progress.delivered.push(id);
          memory.set(key, id);
          log.info('Notification sent', { event, delivery: id, key, attempt: context.info.attempt });
        } catch (error) {
          if (error instanceof ApplicationFailure) throw error;
          const failure = error instanceof DeliveryError ? error : new DeliveryError(scrub(String(error)), true);
          failures.push({ id, error: failure });
          if (!failure.retryable) {
            progress.refused[id] = failure.message;
            memory.set(key, id, failure.message);
          }
        }
        context.heartbeat(progress);
      }),
    );
    const undelivered = [
      ...Object.entries(progress.refused).map(([id, message]) => ({ id, message, retryable: false, after: undefined })),
      ...failures
        .filter(({ error }) => error.retryable)
        .map(({ id, error }) => ({ id, message: error.message, retryable: true, after: error.retryAfterMs })),
    ].filter(({ id }) => planned.deliveries.some((delivery) => delivery.id === id));
    if (undelivered.length === 0) return { delivered: progress.delivered, skipped: planned.skipped };
    const retryable = undelivered.some((failure) => failure.retryable);
    const delay = Math.max(0, ...undelivered.map((failure) => failure.after ?? 0));
    throw ApplicationFailure.create({
      type: retryable ? 'NotificationUndelivered' : 'NotificationRefused',
      message: `${event}: ${undelivered.map((failure) => `${failure.id}: ${failure.message}`).join('; ')}${
        progress.delivered.length ? ` (delivered: ${progress.delivered.join(', ')})` : ''
      }`,
      nonRetryable: !retryable,
      nextRetryDelay: retryable && delay > 0 ? delay : undefined,
    });
  }

  return {
    /** Tells a milestone's recipients (workflows/milestones.ts); reads the person and their manager from Okta. */
    async notifyMilestone(milestone: Milestone): Promise<NotifyResult> {
      const values = (audience: Audience) => milestoneValues(milestone, audience, config.temporal);
      const planned = await plan(milestone.name, milestone.report.userId, milestone.key, milestone.at, values);
      return deliver(milestone.name, milestone.key, planned);
    },
    /** Tells IT and security that access came back after a verified offboarding (the drift watch). */
    async notifyDrift(notice: DriftNotice): Promise<void> {
      const values = (audience: Audience) => driftValues(notice, audience);
      const planned = await plan('drift', notice.userId, notice.key, notice.at, values);
      const { delivered, skipped } = await deliver('drift', notice.key, planned);
      log.info('Drift notified', { key: notice.key, delivered, skipped });
    },
  };
}
