import { randomBytes } from 'node:crypto';
import { Webhook } from 'standardwebhooks';

/** A new endpoint secret in Standard Webhooks' form: `whsec_` + base64 of 32 random bytes. */
export const newWebhookSecret = (): string => `whsec_${randomBytes(32).toString('base64')}`;

/** True when `secret` is one standardwebhooks can sign with (for secrets a caller brings). */
export function isUsableSecret(secret: string): boolean {
  if (!/^whsec_[A-Za-z0-9+/]+={0,2}$/.test(secret)) return false;
  return Buffer.from(secret.slice('whsec_'.length), 'base64').length >= 24;
}

/**
 * The three Standard Webhooks headers for one attempt: the id stays the same across retries and
 * redeliveries of an event (receivers deduplicate on it), the timestamp is the attempt's.
 */
export function signedHeaders(secret: string, messageId: string, body: string, now: Date): Record<string, string> {
  const signature = new Webhook(secret).sign(messageId, now, body);
  return {
    'webhook-id': messageId,
    'webhook-timestamp': String(Math.floor(now.getTime() / 1000)),
    'webhook-signature': signature,
  };
}
