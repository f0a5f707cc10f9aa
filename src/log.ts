import { pino, type DestinationStream, type Logger, type LoggerOptions } from 'pino';
import type { LogLevel } from './config/index.js';

export type { Logger } from 'pino';
export type { DestinationStream } from 'pino';

const FASTIFY_LISTENING = 'Server listening at ';

/**
 * The service logger: JSON lines to stdout, or to `destination` (a pretty stream on a terminal,
 * the desktop mode's log file). Authorization headers and key-carrying query strings are
 * redacted so keys never reach a log.
 */
export function createLogger(level: LogLevel, options: { destination?: DestinationStream } = {}): Logger {
  const base: LoggerOptions = {
    level,
    hooks: {
      logMethod(args, method) {
        // Fastify's own "Server listening at <url>" (one per interface on 0.0.0.0) repeats the
        // "comfyui-automa listening" line main.ts writes with the address and the set-up in it.
        if (typeof args[0] === 'string' && args[0].startsWith(FASTIFY_LISTENING)) return;
        method.apply(this, args);
      },
    },
    redact: { paths: ['req.headers.authorization', 'req.headers.cookie', 'headers.authorization'], censor: '[redacted]' },
  };
  return options.destination === undefined ? pino(base) : pino(base, options.destination);
}

/**
 * Every line to `file` (appended; its folder made) and to stdout: the desktop mode's log, which
 * outlives a console window nobody looks at.
 */
export function fileAndStdout(file: string): DestinationStream {
  // Each stream takes every level: the logger's own level decides what is written.
  return pino.multistream([
    { level: 'trace', stream: pino.destination({ dest: file, mkdir: true, append: true, sync: false }) },
    { level: 'trace', stream: pino.destination({ dest: 1, sync: false }) },
  ]);
}

/**
 * Human-readable lines for a terminal, formatted in this thread. Not pino's transport option:
 * that starts a worker from a file inside pino's package, which a single executable does not have.
 * Loaded on demand, so a service logging JSON never pays for pino-pretty.
 */
export async function prettyDestination(): Promise<DestinationStream> {
  const { default: pretty } = await import('pino-pretty');
  return pretty({ translateTime: 'SYS:HH:MM:ss.l', destination: 1 });
}
