/**
 * The @fastify/reply-from baseline: a bare Fastify app relaying /comfyui/* to the upstream with
 * reply.from(), bodies streamed (no parsing). Only started when the package is installed (it is
 * not a dependency of the project):
 *   node --import tsx bench/reply-from-main.ts <upstream-url> <port>
 */
import Fastify, { type FastifyPluginAsync, type FastifyReply } from 'fastify';

async function main(): Promise<void> {
  const [upstream, port] = process.argv.slice(2);
  if (upstream === undefined || port === undefined) throw new Error('usage: reply-from-main.ts <upstream-url> <port>');
  // A variable specifier: the package is optional, so TypeScript must not try to resolve it.
  const specifier: string = '@fastify/reply-from';
  const plugin = ((await import(specifier)) as { default: FastifyPluginAsync<{ base: string }> }).default;
  const app = Fastify({ logger: false, bodyLimit: 4 * 1024 * 1024 * 1024 });
  await app.register(plugin, { base: upstream });
  app.removeAllContentTypeParsers();
  app.addContentTypeParser('*', (_request, payload, done) => done(null, payload));
  app.all('/comfyui/*', (request, reply) => {
    (reply as FastifyReply & { from(source: string): FastifyReply }).from(request.url.slice('/comfyui'.length));
  });
  await app.listen({ host: '127.0.0.1', port: Number(port) });
}

main().catch((error: unknown) => {
  process.stderr.write(`reply-from-main: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`);
  process.exit(1);
});
