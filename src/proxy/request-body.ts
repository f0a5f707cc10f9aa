import type { IncomingMessage } from 'node:http';
import { Readable } from 'node:stream';

/** The request body crossed the upload limit while streaming. */
export class BodyLimitExceeded extends Error {
  constructor(readonly limitBytes: number) {
    super(`request body exceeds ${limitBytes} bytes`);
    this.name = 'BodyLimitExceeded';
  }
}

/** The client went away before its request body was complete. */
export class ClientAborted extends Error {
  constructor() {
    super('client closed the connection before the request body was complete');
    this.name = 'ClientAborted';
  }
}

/**
 * The client's request body as a stream for undici, counted against `limitBytes`.
 *
 * Why not hand `req` to undici directly: undici destroys the body stream it was given whenever
 * the upstream request fails, and destroying an unfinished IncomingMessage destroys the client's
 * socket, so the client would see a reset instead of our 502/413. This relay can be destroyed
 * while `req` stays intact (merely paused), and backpressure is kept by pausing `req` whenever
 * the relay's buffer is full.
 */
export function relayRequestBody(req: IncomingMessage, limitBytes: number): Readable {
  let seen = 0;
  const onData = (chunk: Buffer): void => {
    seen += chunk.length;
    if (seen > limitBytes) {
      detach();
      req.pause();
      body.destroy(new BodyLimitExceeded(limitBytes));
      return;
    }
    if (!body.push(chunk)) req.pause();
  };
  const onEnd = (): void => {
    detach();
    body.push(null);
  };
  const onClose = (): void => {
    if (req.complete) return;
    detach();
    body.destroy(new ClientAborted());
  };
  const onError = (): void => onClose();
  const detach = (): void => {
    req.off('data', onData).off('end', onEnd).off('close', onClose).off('error', onError);
  };
  const body = new Readable({
    read: () => void req.resume(),
    destroy: (err, callback) => {
      detach();
      callback(err);
    },
  });
  // Paused first, so adding the 'data' listener does not start the flow: nothing is read from
  // the client until undici reads from us, i.e. until the upstream connection can take it.
  req.pause();
  req.on('data', onData).on('end', onEnd).on('close', onClose).on('error', onError);
  return body;
}
