// The webhook channel: one signed POST per event, Slack-compatible (`text` and `blocks`) or a JSON envelope.
// Signature (docs/notifications.md, "The webhook's signature"):
//   Offboard-Webhook-Signature: t=<unix seconds>,v1=<hex of HMAC-SHA256(secret, "<t>.<raw body>")>
// `t` is digits only, so the first `.` ends it: no byte can move between the two parts. The idempotency key is in
// the `Idempotency-Key` header and in the body (JSON envelope: `idempotencyKey`; Slack: the context line), the same
// on every attempt. A 2xx is delivered; 408, 429, 5xx and timeouts are tried again; any other answer is final.
import { createHmac } from 'node:crypto';
import { DeliveryError } from './notify-email';
import type { WebhookSettings } from './notify-settings';
import type { TemplateValues } from './notify-templates';

export const WEBHOOK_SIGNATURE_HEADER = 'Offboard-Webhook-Signature';
export const IDEMPOTENCY_KEY_HEADER = 'Idempotency-Key';

export interface OutgoingPost {
  key: string;
  event: string;
  at: string;
  userId: string;
  /** The rendered webhook template. */
  text: string;
  /** The template values of this audience (unnamed unless the webhook has `nameInWebhook`). */
  values: TemplateValues;
}

/** The signature header's value for a body sent at `t` (unix seconds). */
export function signWebhook(secret: string, t: number, body: string): string {
  const mac = createHmac('sha256', secret).update(`${t}.${body}`).digest('hex');
  return `t=${t},v1=${mac}`;
}

/** Slack's mrkdwn reserves `&`, `<` and `>`. */
export const escapeSlack = (value: string): string =>
  value.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');

// Slack refuses a section text longer than 3000 characters.
const clip = (text: string, limit: number): string => (text.length > limit ? `${text.slice(0, limit - 1)}…` : text);

export function webhookBody(format: WebhookSettings['format'], post: OutgoingPost): string {
  if (format === 'slack') {
    return JSON.stringify({
      text: post.text,
      blocks: [
        { type: 'section', text: { type: 'mrkdwn', text: clip(post.text, 3000) } },
        { type: 'context', elements: [{ type: 'mrkdwn', text: `${post.event} · ${escapeSlack(post.key)}` }] },
      ],
    });
  }
  return JSON.stringify({
    version: 1,
    idempotencyKey: post.key,
    event: post.event,
    at: post.at,
    userId: post.userId,
    text: post.text,
    data: post.values,
  });
}

/** Seconds, or an HTTP date, as `Retry-After` says; undefined when absent or unreadable. */
function retryAfterMs(header: string | null): number | undefined {
  if (!header) return undefined;
  const seconds = Number(header);
  if (Number.isFinite(seconds)) return Math.max(0, seconds * 1000);
  const at = Date.parse(header);
  return Number.isNaN(at) ? undefined : Math.max(0, at - Date.now());
}

export async function postWebhook(hook: WebhookSettings, post: OutgoingPost): Promise<void> {
  const body = webhookBody(hook.format, post);
  const t = Math.floor(Date.now() / 1000);
  let response: Response;
  try {
    response = await fetch(hook.url, {
      method: 'POST',
      headers: {
        'Content-Type': 'application/json',
        'User-Agent': 'okta-offboarding-notifications',
        [WEBHOOK_SIGNATURE_HEADER]: signWebhook(hook.secret, t, body),
        [IDEMPOTENCY_KEY_HEADER]: post.key,
        'Offboard-Event': post.event,
      },
      body,
      // A redirect would send the signed body somewhere else: the URL must be the final one.
      redirect: 'manual',
      signal: AbortSignal.timeout(hook.timeoutMs),
    });
  } catch (error) {
    const timedOut = error instanceof Error && (error.name === 'TimeoutError' || error.name === 'AbortError');
    // The URL itself may hold a secret (a Slack webhook's path): errors name the webhook, never the URL.
    const cause = (error as { cause?: { code?: string } }).cause?.code;
    throw new DeliveryError(
      timedOut ? `no answer within ${hook.timeoutMs} ms` : `cannot reach it (${cause ?? 'network error'})`,
      true,
    );
  }
  await response.body?.cancel();
  const status = response.status;
  if (status >= 200 && status < 300) return;
  if (status === 408 || status === 429 || status >= 500)
    throw new DeliveryError(`HTTP ${status}`, true, retryAfterMs(response.headers.get('retry-after')));
  throw new DeliveryError(
    status >= 300 && status < 400 ? `HTTP ${status}: a redirect; configure the final URL` : `HTTP ${status}: refused`,
    false,
  );
}
