#!/usr/bin/env node
import { main } from './main.js';

main(process.argv.slice(2), process.env).catch((err: unknown) => {
  process.stderr.write(`comfyui-automa: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}\n`);
  process.exit(1);
});
