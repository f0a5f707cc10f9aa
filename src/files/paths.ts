/**
 * Names and folders as ComfyUI clients send them, checked once before they touch the disk.
 * Everything here is pure string work; confinement against the real tree (symlinks) is in tree.ts.
 */

export const FILE_TYPES = ['input', 'temp', 'output'] as const;
export type FileType = (typeof FILE_TYPES)[number];

export const isFileType = (value: string): value is FileType => (FILE_TYPES as readonly string[]).includes(value);

/** A file in one of our three trees: `segments` is the subfolder split on `/`, never `..`. */
export interface FileLocation {
  readonly type: FileType;
  readonly segments: readonly string[];
  readonly name: string;
}

export const subfolderOf = (location: FileLocation): string => location.segments.join('/');

/** Why a client-supplied path part was refused. */
export type PathProblem = 'empty' | 'absolute' | 'invalid';

// A NUL ends the string for the OS; a backslash is a separator for Windows clients and for any
// tool that later copies the tree, so neither may appear in a stored name.
const FORBIDDEN_CHARS = /[\0\\]/;

/**
 * Subfolder as given to /upload or /view: `a/b`, `a/./b`, `` (root). Leading `/`, `..` segments,
 * NUL and backslashes are refused; empty and `.` segments are dropped.
 */
export function parseSubfolder(raw: string): { segments: string[] } | { problem: PathProblem } {
  if (raw.startsWith('/')) return { problem: 'absolute' };
  if (FORBIDDEN_CHARS.test(raw)) return { problem: 'invalid' };
  const segments = raw.split('/').filter((s) => s !== '' && s !== '.');
  if (segments.includes('..')) return { problem: 'invalid' };
  return { segments };
}

/** A single file name: no separators, not `.`/`..`, no NUL. */
export function checkFileName(raw: string): PathProblem | undefined {
  if (raw === '') return 'empty';
  if (raw.startsWith('/')) return 'absolute';
  if (FORBIDDEN_CHARS.test(raw) || raw.includes('/') || raw === '.' || raw === '..') return 'invalid';
  return undefined;
}

/**
 * ComfyUI's annotated names: `x.png [output]` names x.png in the output folder. Like ComfyUI the
 * suffix wins over any `type` parameter; unlike ComfyUI a missing space before it is tolerated.
 */
export function parseAnnotated(name: string): { name: string; type: FileType | undefined } {
  for (const type of FILE_TYPES) {
    const suffix = `[${type}]`;
    if (name.endsWith(suffix)) return { name: name.slice(0, -suffix.length).replace(/ $/, ''), type };
  }
  return { name, type: undefined };
}

/** Python's os.path.splitext on a base name: `a.tar.gz` → [`a.tar`, `.gz`], `.rc` → [`.rc`, ``]. */
export function splitExt(name: string): [string, string] {
  const dot = name.lastIndexOf('.');
  const leadingDots = name.length - name.replace(/^\.+/, '').length;
  if (dot <= leadingDots) return [name, ''];
  return [name.slice(0, dot), name.slice(dot)];
}

/** The n-th alternative ComfyUI picks when a name is taken by other content: `a (1).png`. */
export function numberedName(name: string, n: number): string {
  if (n === 0) return name;
  const [stem, ext] = splitExt(name);
  return `${stem} (${n})${ext}`;
}

/**
 * A string input of a prompt read the way ComfyUI's LoadImage reads it: `name.png`,
 * `sub/name.png`, `name.png [temp]`. Undefined when the string cannot be a file name at all;
 * a location back does not mean the file exists (most strings are prompts or model names).
 */
export function parseInputReference(value: string): FileLocation | undefined {
  if (value.length === 0 || value.length > 1024 || value.includes('\n')) return undefined;
  const annotated = parseAnnotated(value);
  const slash = annotated.name.lastIndexOf('/');
  const name = annotated.name.slice(slash + 1);
  const folder = parseSubfolder(slash === -1 ? '' : annotated.name.slice(0, slash));
  if ('problem' in folder || checkFileName(name) !== undefined) return undefined;
  return { type: annotated.type ?? 'input', segments: folder.segments, name };
}
