// What the notifications file (OFFBOARD_NOTIFY_FILE, worker/notify-config.ts) configures, once validated: the
// channels (SMTP, signed webhooks), who receives what, and the templates. Secrets are in here only as read from
// their `_FILE` settings; nothing of it ever enters workflow history.
import type { MilestoneName } from '../workflows/definitions';
import { NOTIFY_EVENTS, type NotifyEvent, type Templates } from './notify-templates';

export const RECIPIENTS = ['manager', 'it', 'security'] as const;
export type Recipient = (typeof RECIPIENTS)[number];

/**
 * Who hears of what when the file does not say: the manager of the person's lock-out, device wipe and end; IT of
 * everything an operator acts on or should know; security of holds and of access that came back.
 */
export const DEFAULT_ROUTES: Record<NotifyEvent, Recipient[]> = {
  started: ['it'],
  'awaiting-approval': ['security'],
  'locked-out': ['manager'],
  'wipe-scheduled': ['manager'],
  'needs-attention': ['it'],
  completed: ['manager', 'it'],
  cancelled: ['it'],
  rehired: ['manager', 'it'],
  failed: ['it'],
  drift: ['it', 'security'],
};

export interface SmtpSettings {
  host: string;
  port: number;
  /** TLS from the first byte (port 465); otherwise STARTTLS when the server offers it. */
  secure: boolean;
  /** Refuse to send unless STARTTLS succeeds. */
  requireTLS: boolean;
  auth?: { user: string; password: string };
  from: string;
  /** PEM of the CA that signed the server's certificate, when not a public one. */
  ca?: string;
  timeoutMs: number;
}

export interface WebhookSettings {
  name: string;
  url: string;
  format: 'slack' | 'json';
  /** HMAC-SHA256 key of the signature header. */
  secret: string;
  timeoutMs: number;
  /** The person's login and name in the text; by default the webhook says the Okta id only. */
  nameInWebhook: boolean;
}

export interface RecipientSettings {
  email: string[];
  /** Webhook names (keys of `webhooks`). */
  webhooks: string[];
  /** Whether its mails name the person (login, display name); its webhooks follow their own `nameInWebhook`. */
  named: boolean;
}

export interface NotifySettings {
  smtp?: SmtpSettings;
  webhooks: Record<string, WebhookSettings>;
  /** The person's manager, found by this Okta profile attribute (`managerId`: an Okta id or a login). */
  manager?: { attribute: string };
  it?: RecipientSettings;
  security?: RecipientSettings;
  /** Each event's recipients, configured ones only. */
  routes: Record<NotifyEvent, Recipient[]>;
  templates: Templates;
  /** For the run's link in messages. */
  temporal: { uiUrl: string; namespace: string };
  /** How long a worker keeps what it read of a person and their manager. */
  lookupCacheMs: number;
}

/** The milestones anyone receives: what `RunPolicy.notify` lists, so a run schedules no activity for the others. */
export function notifiedMilestones(settings: NotifySettings | undefined): MilestoneName[] {
  if (!settings) return [];
  return NOTIFY_EVENTS.filter(
    (event): event is Exclude<NotifyEvent, 'drift'> => event !== 'drift' && settings.routes[event].length > 0,
  );
}
