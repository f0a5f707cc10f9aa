/**
 * What tests tell the fake's nodes to do: take time, report progress steps, fail, or stall until
 * released. Rules are matched against each node execution; the newest matching rule wins.
 */

/** A class type name, or any combination of class type, node id and prompt id. */
export type NodeTarget = string | { readonly classType?: string; readonly nodeId?: string; readonly promptId?: string };

export interface NodeFailure {
  /** exception_message (ComfyUI appends "\n"); default "Injected failure". */
  readonly message?: string;
  /** exception_type; default "RuntimeError". */
  readonly type?: string;
  /** Fail only the next matching execution. */
  readonly once?: boolean;
}

export interface NodeExecution {
  readonly promptId: string;
  readonly nodeId: string;
  readonly classType: string;
}

export interface Stall {
  /** Resolves with the first execution that hit the stall. */
  readonly reached: Promise<NodeExecution>;
  /** Let stalled and future matching executions go on. */
  release(): void;
}

export interface Behavior {
  readonly delayMs: number | undefined;
  readonly steps: number | undefined;
  readonly failure: NodeFailure | undefined;
  readonly stall: StallRule | undefined;
}

export interface StallRule {
  readonly target: NodeTarget;
  released: boolean;
  hit(execution: NodeExecution): void;
  release(): void;
  /** Resolves on release; `signal` aborts the wait when the fake crashes. */
  wait(signal: AbortSignal): Promise<void>;
}

type Rule =
  | { readonly target: NodeTarget; readonly delayMs: number }
  | { readonly target: NodeTarget; readonly steps: number }
  | { readonly target: NodeTarget; failure: NodeFailure | undefined };

/** Whether a rule's target covers this node execution. */
export function matches(target: NodeTarget, execution: NodeExecution): boolean {
  if (typeof target === 'string') return target === execution.classType;
  return (
    (target.classType === undefined || target.classType === execution.classType) &&
    (target.nodeId === undefined || target.nodeId === execution.nodeId) &&
    (target.promptId === undefined || target.promptId === execution.promptId)
  );
}

const ANY: NodeTarget = {};

export class Behaviors {
  private rules: Rule[] = [];
  private stalls: StallRule[] = [];

  setDelay(ms: number, target: NodeTarget = ANY): void {
    this.rules.push({ target, delayMs: ms });
  }

  setSteps(steps: number, target: NodeTarget = ANY): void {
    this.rules.push({ target, steps });
  }

  fail(target: NodeTarget, failure: NodeFailure = {}): void {
    this.rules.push({ target, failure });
  }

  stall(target: NodeTarget = ANY): Stall {
    let resolveReached!: (execution: NodeExecution) => void;
    const reached = new Promise<NodeExecution>((resolve) => (resolveReached = resolve));
    const waiters = new Set<() => void>();
    const rule: StallRule = {
      target,
      released: false,
      hit: (execution) => resolveReached(execution),
      release: () => {
        rule.released = true;
        this.stalls = this.stalls.filter((s) => s !== rule);
        for (const waiter of [...waiters]) waiter();
      },
      wait: (signal) =>
        new Promise<void>((resolve) => {
          const done = (): void => {
            waiters.delete(done);
            signal.removeEventListener('abort', done);
            resolve();
          };
          waiters.add(done);
          signal.addEventListener('abort', done, { once: true });
        }),
    };
    this.stalls.push(rule);
    return { reached, release: rule.release };
  }

  releaseAll(): void {
    for (const stall of [...this.stalls]) stall.release();
  }

  reset(): void {
    this.releaseAll();
    this.rules = [];
  }

  /** The behavior for one execution; consumes a matching `once` failure. */
  resolve(execution: NodeExecution): Behavior {
    let delayMs: number | undefined;
    let steps: number | undefined;
    let failure: NodeFailure | undefined;
    for (const rule of this.rules) {
      if (!matches(rule.target, execution)) continue;
      if ('delayMs' in rule) delayMs = rule.delayMs;
      else if ('steps' in rule) steps = rule.steps;
      else if (rule.failure) failure = rule.failure;
    }
    const failing = this.rules.find((r) => 'failure' in r && r.failure === failure && failure?.once);
    if (failing && 'failure' in failing) failing.failure = undefined;
    const stall = [...this.stalls].reverse().find((s) => !s.released && matches(s.target, execution));
    return { delayMs, steps, failure, stall };
  }
}
