import { lookup } from 'node:dns/promises';
import { isIP } from 'node:net';
import { Agent, buildConnector, request } from 'undici';
import type { AddressPolicy } from './address-policy.js';

export interface WebhookResponse {
  readonly statusCode: number;
  /** The first bytes of the body, as text. */
  readonly snippet: string;
}

export interface WebhookClient {
  /** POST `body`; never follows redirects. Rejects on refusal, connect failure or timeout. */
  post(url: string, headers: Readonly<Record<string, string>>, body: string): Promise<WebhookResponse>;
  close(): Promise<void>;
}

export interface WebhookClientOptions {
  readonly policy: AddressPolicy;
  readonly connectTimeoutMs: number;
  /** For the answer's headers, and again for its body. */
  readonly timeoutMs: number;
  readonly snippetBytes?: number;
}

/** Raised when the policy refuses the address a name resolved to: never worth retrying soon, but reported the same way. */
export class AddressRefused extends Error {}

/**
 * An undici Agent whose connector resolves the host itself and checks every address against the
 * policy before it dials: the check is on the address actually connected to, not on the URL text,
 * so DNS rebinding and IP literals in any spelling are covered. The TLS server name stays the
 * URL's host.
 */
export function createWebhookClient(options: WebhookClientOptions): WebhookClient {
  const snippetBytes = options.snippetBytes ?? 1024;
  const dial = buildConnector({ timeout: options.connectTimeoutMs });
  const agent = new Agent({
    connect: (connectOptions, callback) => {
      resolveAllowed(connectOptions.hostname, options.policy).then(
        (address) => dial({ ...connectOptions, hostname: address }, callback),
        (err: unknown) => callback(err instanceof Error ? err : new Error(String(err)), null),
      );
    },
    headersTimeout: options.timeoutMs,
    bodyTimeout: options.timeoutMs,
    // A receiver that holds the connection open is not our problem after its answer.
    keepAliveTimeout: 4_000,
  });
  return {
    post: async (url, headers, body) => {
      // undici's request() follows no redirect (that takes its redirect interceptor): a 3xx is an answer like any other.
      const response = await request(url, { method: 'POST', headers, body, dispatcher: agent });
      let snippet = '';
      let taken = 0;
      try {
        for await (const chunk of response.body) {
          const bytes = chunk as Buffer;
          snippet += bytes.subarray(0, Math.max(0, snippetBytes - taken)).toString('utf8');
          taken += bytes.length;
          if (taken >= snippetBytes) break;
        }
      } finally {
        // Done reading: a receiver streaming a huge body must not hold the attempt.
        response.body.destroy();
      }
      return { statusCode: response.statusCode, snippet };
    },
    // destroy, not close: shutting down must not wait on a receiver that is slow to answer.
    close: () => agent.destroy(),
  };
}

async function resolveAllowed(hostname: string, policy: AddressPolicy): Promise<string> {
  const addresses = isIP(hostname) !== 0 ? [hostname] : (await lookup(hostname, { all: true, verbatim: true })).map((a) => a.address);
  const refusals: string[] = [];
  for (const address of addresses) {
    const refusal = policy.refusal(address);
    if (refusal === null) return address;
    refusals.push(refusal);
  }
  throw new AddressRefused(`refused to connect: ${refusals.join('; ') || `${hostname} has no address`}`);
}
