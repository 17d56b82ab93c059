import type { BasaltError } from "@basalt/machinery";
import { explainCallError } from "./client-errors.ts";
import type { TlsMaterial } from "./transport.ts";

export interface Target {
  /** The name shown with every answer (node name, or the address when it has none). */
  node: string;
  endpoint: string;
}

export type NodeResult<T> =
  | { node: string; value: T; error?: undefined }
  | { node: string; error: BasaltError; value?: undefined };

/**
 * Asks every target the same question with at most `concurrency` calls in flight, yielding each
 * answer as it arrives, tagged with its node. `call` may return one value or a stream of them; a
 * node that fails yields one error result and never hides the others' answers.
 */
export async function* fanOut<T>(
  targets: readonly Target[],
  call: (target: Target) => Promise<T> | AsyncIterable<T>,
  options: { concurrency: number; tls?: Partial<TlsMaterial> },
): AsyncGenerator<NodeResult<T>> {
  const results: NodeResult<T>[] = [];
  let wake: (() => void) | undefined;
  const notify = () => {
    const w = wake;
    wake = undefined;
    w?.();
  };
  const push = (r: NodeResult<T>) => {
    results.push(r);
    notify();
  };
  let next = 0;
  let running = 0;

  const runOne = async (target: Target) => {
    try {
      const answer = call(target);
      if (isAsyncIterable(answer)) {
        for await (const value of answer) push({ node: target.node, value });
      } else {
        push({ node: target.node, value: await answer });
      }
    } catch (err) {
      push({ node: target.node, error: explainCallError(err, target.endpoint, options.tls) });
    }
  };

  const launch = () => {
    while (running < Math.max(1, options.concurrency) && next < targets.length) {
      const target = targets[next++]!;
      running++;
      void runOne(target).finally(() => {
        running--;
        launch();
        notify();
      });
    }
  };
  launch();

  while (running > 0 || results.length > 0) {
    if (results.length === 0) {
      await new Promise<void>((r) => {
        wake = r;
      });
      continue;
    }
    yield results.shift()!;
  }
}

function isAsyncIterable<T>(v: unknown): v is AsyncIterable<T> {
  return typeof v === "object" && v !== null && Symbol.asyncIterator in v;
}
