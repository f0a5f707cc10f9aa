#!/usr/bin/env node
// The version check runs before anything else is loaded: on an older Node the service's modules
// would fail to link (node:sqlite does not exist there) with an error that does not say why.
const [major = 0, minor = 0] = process.versions.node.split('.').map(Number);
if (major < 22 || (major === 22 && minor < 13)) {
  process.stderr.write(
    `comfyui-automa needs Node.js 22.13 or newer (24 LTS recommended); this is ${process.version}.\n` +
      'Run it through npm (npm start), which uses the Node 24 the project installs on Linux x64, or install Node 24.\n',
  );
  process.exit(1);
}
const { main } = await import('./main.js');
main(process.argv.slice(2), process.env).catch((err: unknown) => {
  process.stderr.write(`comfyui-automa: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}\n`);
  process.exit(1);
});
