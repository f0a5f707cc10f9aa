import { pino, type Logger, type LoggerOptions } from 'pino';
import type { LogLevel } from './config/index.js';

export type { Logger } from 'pino';

const FASTIFY_LISTENING = 'Server listening at ';

/**
 * The service logger. JSON lines by default; pretty output only when stdout is a terminal.
 * Authorization headers and key-carrying query strings are redacted so keys never reach a log.
 */
export function createLogger(level: LogLevel, options: { pretty?: boolean } = {}): Logger {
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
  if (options.pretty) {
    return pino({ ...base, transport: { target: 'pino-pretty', options: { translateTime: 'SYS:HH:MM:ss.l' } } });
  }
  return pino(base);
}
