import { Agent, buildConnector } from 'undici';

/** undici's own default for the first TCP keep-alive probe. */
const KEEP_ALIVE_INITIAL_DELAY_MS = 60_000;

/**
 * undici's connector, with TCP keep-alive turned on once the socket has connected instead of
 * right after it was created. Same sockets on every platform; but wine's emulation of Windows
 * sockets (where the Windows build is tested) fails the connect when keep-alive is set first.
 */
export function upstreamConnector(options: buildConnector.BuildOptions = {}): buildConnector.connector {
  const connect = buildConnector({ ...options, keepAlive: false });
  return (connectOptions, callback) => {
    connect(connectOptions, (...result) => {
      if (result[0] === null) result[1].setKeepAlive(true, KEEP_ALIVE_INITIAL_DELAY_MS);
      callback(...result);
    });
  };
}

/** The dispatcher for undici's request() calls that name none (file transfers, pool info). */
export function createUpstreamAgent(): Agent {
  return new Agent({ connect: upstreamConnector() });
}
