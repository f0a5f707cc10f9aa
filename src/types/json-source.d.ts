// ES2025 JSON additions that Node 22+ ships (V8) but TypeScript 5.9's lib does not declare yet:
// JSON.rawJSON and the reviver's third argument with the value's source text.
interface JSONReviverContext {
  readonly source?: string;
}

interface JSON {
  rawJSON(text: string): unknown;
  isRawJSON(value: unknown): boolean;
}
