/**
 * The fake's input/output/temp folders and ComfyUI's path rules over them (folder_paths.py):
 * "name [output]" annotations, the containment checks, and SaveImage's "<prefix>_00001_.png"
 * counter.
 */
import fs from 'node:fs';
import path from 'node:path';

export interface Dirs {
  readonly root: string;
  readonly input: string;
  readonly output: string;
  readonly temp: string;
  readonly user: string;
}

export type DirType = 'input' | 'output' | 'temp';

export function createDirs(root: string): Dirs {
  const dirs = {
    root,
    input: path.join(root, 'input'),
    output: path.join(root, 'output'),
    temp: path.join(root, 'temp'),
    user: path.join(root, 'user'),
  };
  for (const dir of [dirs.input, dirs.output, dirs.temp, dirs.user]) fs.mkdirSync(dir, { recursive: true });
  return dirs;
}

/** ComfyUI empties its temp folder at startup; a restarted fake does the same. */
export function clearTemp(dirs: Dirs): void {
  fs.rmSync(dirs.temp, { recursive: true, force: true });
  fs.mkdirSync(dirs.temp, { recursive: true });
}

/** folder_paths.get_directory_by_type: undefined for anything but output, temp, input. */
export function dirForType(dirs: Dirs, type: string): string | undefined {
  return type === 'output' || type === 'temp' || type === 'input' ? dirs[type] : undefined;
}

/** "x.png [temp]" → {name: "x.png", type: "temp"}; no annotation → type null. */
export function annotatedFilepath(name: string): { name: string; type: DirType | null } {
  for (const type of ['output', 'input', 'temp'] as const) {
    const suffix = ` [${type}]`;
    if (name.endsWith(`[${type}]`)) return { name: name.slice(0, -suffix.length), type };
  }
  return { name, type: null };
}

/** folder_paths.exists_annotated_filepath: what LoadImage's VALIDATE_INPUTS checks. */
export function existsAnnotated(dirs: Dirs, annotated: string): boolean {
  const { name, type } = annotatedFilepath(annotated);
  return fs.existsSync(path.join(dirs[type ?? 'input'], name));
}

/** The file LoadImage reads for an annotated name. */
export function annotatedPath(dirs: Dirs, annotated: string): string {
  const { name, type } = annotatedFilepath(annotated);
  return path.join(dirs[type ?? 'input'], name);
}

/** os.path.commonpath((parent, child)) == parent, on absolute normalized paths. */
export function isInside(parent: string, child: string): boolean {
  const rel = path.relative(path.resolve(parent), path.resolve(child));
  return rel === '' || (!rel.startsWith('..') && !path.isAbsolute(rel));
}

/** LoadImage's combo: image files directly in input/, sorted. */
export function listInputImages(dirs: Dirs): string[] {
  return fs
    .readdirSync(dirs.input, { withFileTypes: true })
    .filter((entry) => entry.isFile() && (guessMimeType(entry.name) ?? '').startsWith('image/'))
    .map((entry) => entry.name)
    .sort();
}

export interface SaveTarget {
  readonly folder: string;
  readonly filename: string;
  readonly subfolder: string;
  counter: number;
}

/** folder_paths.get_save_image_path; throws like ComfyUI when the prefix escapes the folder. */
export function saveTarget(baseDir: string, prefix: string, width: number, height: number): SaveTarget {
  const expanded = prefix.replace(/%width%/g, String(width)).replace(/%height%/g, String(height));
  const normalized = path.normalize(expanded);
  const subfolder = path.dirname(normalized) === '.' ? '' : path.dirname(normalized);
  const filename = path.basename(normalized);
  const folder = path.join(baseDir, subfolder);
  if (!isInside(baseDir, folder)) {
    throw new Error(
      `**** ERROR: Saving image outside the output folder is not allowed.\n full_output_folder: ${path.resolve(folder)}\n         output_dir: ${baseDir}\n         commonpath: ${path.parse(baseDir).root}`,
    );
  }
  fs.mkdirSync(folder, { recursive: true });
  let counter = 1;
  for (const name of fs.readdirSync(folder)) {
    const head = name.slice(0, filename.length + 1);
    if (head.slice(0, -1) !== filename || head.at(-1) !== '_') continue;
    const digits = Number.parseInt(name.slice(filename.length + 1).split('_')[0] ?? '', 10);
    if (Number.isFinite(digits) && digits + 1 > counter) counter = digits + 1;
  }
  return { folder, filename, subfolder, counter };
}

const MIME_TYPES: Readonly<Record<string, string>> = {
  '.png': 'image/png', '.jpg': 'image/jpeg', '.jpeg': 'image/jpeg', '.webp': 'image/webp', '.gif': 'image/gif',
  '.bmp': 'image/bmp', '.tif': 'image/tiff', '.tiff': 'image/tiff', '.svg': 'image/svg+xml', '.txt': 'text/plain',
  '.html': 'text/html', '.htm': 'text/html', '.css': 'text/css', '.js': 'text/javascript', '.json': 'application/json',
  '.mp4': 'video/mp4', '.webm': 'video/webm', '.wav': 'audio/x-wav', '.mp3': 'audio/mpeg', '.flac': 'audio/flac',
  '.ogg': 'audio/ogg', '.safetensors': 'application/octet-stream', '.xhtml': 'application/xhtml+xml', '.xml': 'application/xml',
};

/** mimetypes.guess_type(name)[0] for the types ComfyUI deals with; undefined when unknown. */
export function guessMimeType(name: string): string | undefined {
  return MIME_TYPES[path.extname(name).toLowerCase()];
}
