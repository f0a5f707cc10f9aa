/**
 * The text the frontend rewrites while converting: `{a|b}` choices and comments in prompt
 * widgets (processDynamicPrompt, formatUtil.ts) and `%Node.widget%` / `%date:…%` in save nodes'
 * file name prefixes (applyTextReplacements, searchAndReplace.ts).
 */

// Nesting deeper than this is not a prompt; the frontend would recurse once per level.
const MAX_CHOICE_DEPTH = 64;

/** Thrown when a prompt nests `{…}` choices beyond MAX_CHOICE_DEPTH. */
export class ChoiceNestingError extends Error {}

/**
 * Strip `/* … *\/` and `// …` comments, replace each `{a|b|…}` by one random option (nested
 * groups included), then unescape `\{ \| \}`. Other backslash escapes stay as written.
 */
export function processDynamicPrompt(input: string, random: () => number): string {
  return processAt(input, random, 0);
}

function processAt(input: string, random: () => number, depth: number): string {
  return expand(input.replace(/\/\*[\s\S]*?\*\/|\/\/.*/g, ''), random, depth).replace(/\\([{}|])/g, '$1');
}

function expand(text: string, random: () => number, depth: number): string {
  if (depth > MAX_CHOICE_DEPTH) throw new ChoiceNestingError(`{…} choices nested more than ${MAX_CHOICE_DEPTH} deep`);
  let i = 0;
  let result = '';
  const escape = (): string => `\\${text[i++] ?? ''}`;
  const choiceBlock = (): string => {
    const options: string[] = [];
    let choice = '';
    let nesting = 0;
    while (i < text.length) {
      const char = text[i++];
      if (char === '\\') {
        choice += escape();
        continue;
      }
      if (char === '{') nesting++;
      else if (char === '}') {
        if (nesting === 0) break;
        nesting--;
      } else if (char === '|' && nesting === 0) {
        options.push(choice);
        choice = '';
        continue;
      }
      choice += char;
    }
    options.push(choice);
    // The chosen option goes through the whole function again, as in the frontend.
    return processAt(options[Math.floor(random() * options.length)] ?? '', random, depth + 1);
  };
  while (i < text.length) {
    const char = text[i++];
    if (char === '\\') result += escape();
    else if (char === '{') result += choiceBlock();
    else result += char;
  }
  return result;
}

/** A node as text replacement sees it: S&R name, title, and its widgets' current values. */
export interface ReplacementNode {
  readonly srName: string | undefined;
  readonly title: string;
  readonly widget: (name: string) => { readonly value: unknown } | undefined;
}

/**
 * `%Name.widget%` → that widget's value on the first node whose "Node name for S&R" is Name (else
 * whose title is), with characters unsafe in file names turned into `_`; `%date:FORMAT%` → now;
 * anything unresolved stays as written.
 */
export function applyTextReplacements(value: string, nodes: readonly ReplacementNode[], now: Date): string {
  return value.replace(/%([^%]+)%/g, (match: string, text: string) => {
    const split = text.split('.');
    if (split.length !== 2) {
      const first = split[0] ?? '';
      return first.startsWith('date:') ? formatDate(first.slice(5), now) : match;
    }
    const [name, widgetName] = split as [string, string];
    const node = nodes.find((n) => n.srName === name) ?? nodes.find((n) => n.title === name);
    const widget = node?.widget(widgetName);
    if (!widget) return match;
    // eslint-disable-next-line no-control-regex
    return String(widget.value ?? '').replace(/[/?<>\\:*|"\x00-\x1F\x7F]/g, '_');
  });
}

const DATE_PARTS: Readonly<Record<string, (d: Date) => number>> = {
  d: (d) => d.getDate(),
  M: (d) => d.getMonth() + 1,
  h: (d) => d.getHours(),
  m: (d) => d.getMinutes(),
  s: (d) => d.getSeconds(),
};

/** The frontend's formatDate: yyyy, yy, MM, M, dd, d, hh, h, mm, m, ss, s (local time). */
function formatDate(format: string, date: Date): string {
  return format.replace(/dd?|MM?|hh?|mm?|ss?|yyy?y?/g, (token) => {
    if (token === 'yy') return String(date.getFullYear()).slice(2);
    if (token === 'yyyy') return String(date.getFullYear());
    const part = DATE_PARTS[token[0] ?? ''];
    return part ? String(part(date)).padStart(token.length, '0') : token;
  });
}
