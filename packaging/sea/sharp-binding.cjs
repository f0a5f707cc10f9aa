// Replaces sharp's lib/sharp.js in the single executable: its require() of
// @img/sharp-<platform>/sharp.node cannot work from inside the executable, so the binary is loaded
// from the extracted copy (packaging/sea/entry.ts), where libvips sits where its RPATH (Linux) or
// the DLL search of its own folder (Windows) looks for it.
const path = require('node:path');

const platform = `${process.platform}-${process.arch}`;
const file = path.join(globalThis.__automaPackageRoot, 'node_modules', '@img', `sharp-${platform}`, 'lib', `sharp-${platform}.node`);
const binding = { exports: {} };
process.dlopen(binding, file);
module.exports = binding.exports;
