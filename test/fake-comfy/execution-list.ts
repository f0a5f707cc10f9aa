/**
 * The order ComfyUI runs nodes in (comfy_execution.graph.ExecutionList): a topological dissolve
 * seeded from the output nodes, where among ready nodes an output node goes first, then a node
 * feeding an output, then one two steps from an output, else the first ready one. Cached
 * upstream nodes are not scheduled at all; cached outputs are (they replay their UI).
 */

type Prompt = Readonly<Record<string, Readonly<Record<string, unknown>>>>;

const isLink = (value: unknown): value is [string, number] =>
  Array.isArray(value) && value.length === 2 && typeof value[0] === 'string';

export class ExecutionList {
  private readonly pending = new Map<string, true>();
  private readonly blockers = new Map<string, Set<string>>();
  private readonly blocking = new Map<string, Set<string>>();

  constructor(
    private readonly prompt: Prompt,
    private readonly isOutput: (id: string) => boolean,
    private readonly isCached: (id: string) => boolean,
  ) {}

  addNode(start: string): void {
    const stack = [start];
    const links: Array<[string, string]> = [];
    while (stack.length > 0) {
      const id = stack.pop() as string;
      if (this.pending.has(id)) continue;
      this.pending.set(id, true);
      this.blockers.set(id, new Set());
      this.blocking.set(id, new Set());
      for (const value of Object.values(this.inputsOf(id))) {
        if (!isLink(value) || !Object.hasOwn(this.prompt, value[0])) continue;
        if (!this.isCached(value[0])) stack.push(value[0]);
        links.push([value[0], id]);
      }
    }
    for (const [from, to] of links) {
      if (this.isCached(from) && !this.pending.has(from)) continue;
      this.addNode(from);
      this.blocking.get(from)?.add(to);
      this.blockers.get(to)?.add(from);
    }
  }

  isEmpty(): boolean {
    return this.pending.size === 0;
  }

  /** The next node to run; undefined if what remains is blocked (a cycle). */
  next(): string | undefined {
    const ready = [...this.pending.keys()].filter((id) => this.blockers.get(id)?.size === 0);
    const blocked = (id: string): string[] => [...(this.blocking.get(id) ?? [])];
    return (
      ready.find((id) => this.isOutput(id)) ??
      ready.find((id) => blocked(id).some((b) => this.isOutput(b))) ??
      ready.find((id) => blocked(id).some((b) => this.pending.has(b) && blocked(b).some((c) => this.isOutput(c)))) ??
      ready[0]
    );
  }

  complete(id: string): void {
    this.pending.delete(id);
    for (const blocker of this.blockers.get(id) ?? []) this.blocking.get(blocker)?.delete(id);
    for (const blocked of this.blocking.get(id) ?? []) this.blockers.get(blocked)?.delete(id);
    this.blockers.delete(id);
    this.blocking.delete(id);
  }

  private inputsOf(id: string): Readonly<Record<string, unknown>> {
    const inputs = this.prompt[id]?.['inputs'];
    return inputs !== null && typeof inputs === 'object' ? (inputs as Record<string, unknown>) : {};
  }
}
