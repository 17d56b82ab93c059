import { execFileSync } from "node:child_process";
import { join } from "node:path";

/** kubectl from the pinned Kubernetes build, with the lab's admin kubeconfig. */
export function kubectlRunner(binDir: string, kubeconfig: string, prefix: readonly string[] = []) {
  const run = (args: readonly string[], timeoutMs = 60_000, input?: string): string => {
    const argv = [...prefix, join(binDir, "kubectl"), `--kubeconfig=${kubeconfig}`, ...args];
    return execFileSync(argv[0]!, argv.slice(1), {
      encoding: "utf8",
      input,
      stdio: [input === undefined ? "ignore" : "pipe", "pipe", "pipe"],
      timeout: timeoutMs,
    });
  };
  // biome-ignore lint/suspicious/noExplicitAny: Kubernetes JSON, checked field by field by the tests
  const json = (args: readonly string[]): any => JSON.parse(run([...args, "-o", "json"]));
  return { run, json };
}

export type Kubectl = ReturnType<typeof kubectlRunner>;

/** Polls `fn` until it returns a value (not undefined), or fails with the last reason after `timeoutMs`. */
export async function until<T>(what: string, timeoutMs: number, fn: () => T | undefined, everyMs = 2000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  let last = "";
  for (;;) {
    try {
      const v = fn();
      if (v !== undefined) return v;
    } catch (err) {
      last = (err as Error).message.split("\n").slice(0, 3).join(" | ");
    }
    if (Date.now() > deadline) throw new Error(`${what}: not within ${timeoutMs / 1000} s${last ? ` (last error: ${last})` : ""}`);
    await new Promise((r) => setTimeout(r, everyMs));
  }
}

/** The Node's Ready condition status ("True", "False", "Unknown"), or undefined if it is not registered. */
// biome-ignore lint/suspicious/noExplicitAny: Kubernetes JSON
export function nodeReady(node: any): string | undefined {
  return node?.status?.conditions?.find((c: { type: string }) => c.type === "Ready")?.status;
}
