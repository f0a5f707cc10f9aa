import pkg from '../package.json' with { type: 'json' };

/**
 * The package version, taken from package.json when the code is built (esbuild inlines the JSON
 * into every bundle, the npm one and the single executable alike) or loaded by tsx. Not read from
 * disk beside the code: the single executable has no package.json next to it.
 */
export const VERSION: string = pkg.version;
