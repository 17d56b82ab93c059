import { execFile } from "node:child_process";
import { join } from "node:path";

/**
 * Runs a program without blocking this process: the loopback forwards into the lab's namespace
 * are served by this very process, so a synchronous exec would starve them.
 */
export function run(argv: readonly string[], timeoutMs: number, input?: string): Promise<string> {
  return new Promise((resolve, reject) => {
    const child = execFile(
      argv[0]!,
      argv.slice(1),
      { encoding: "utf8", timeout: timeoutMs, maxBuffer: 64 * 1024 * 1024 },
      (err, stdout, stderr) => {
        if (err)
          reject(
            Object.assign(new Error(`${argv.slice(0, 4).join(" ")}…: ${stderr || err.message}`), {
              stdout,
              stderr,
            }),
          );
        else resolve(stdout);
      },
    );
    if (input !== undefined) child.stdin?.end(input);
    else child.stdin?.end();
  });
}

/** kubectl from the pinned Kubernetes build, with the lab's admin kubeconfig. */
export function kubectlRunner(binDir: string, kubeconfig: string, prefix: readonly string[] = []) {
  // Under TCG one apiserver call can take seconds; a list with many objects, tens of seconds.
  const kubectl = (args: readonly string[], timeoutMs = 120_000, input?: string): Promise<string> =>
    run([...prefix, join(binDir, "kubectl"), `--kubeconfig=${kubeconfig}`, ...args], timeoutMs, input);
  // biome-ignore lint/suspicious/noExplicitAny: Kubernetes JSON, checked field by field by the tests
  const json = async (args: readonly string[]): Promise<any> =>
    JSON.parse(await kubectl([...args, "-o", "json"]));
  return { run: kubectl, json };
}

export type Kubectl = ReturnType<typeof kubectlRunner>;

/** Polls `fn` until it returns a value (not undefined), or fails with the last reason after `timeoutMs`. */
export async function until<T>(
  what: string,
  timeoutMs: number,
  fn: () => Promise<T | undefined>,
  everyMs = 2000,
): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  let last = "";
  for (;;) {
    try {
      const v = await fn();
      if (v !== undefined) return v;
    } catch (err) {
      last = (err as Error).message.split("\n").slice(0, 3).join(" | ");
    }
    if (Date.now() > deadline)
      throw new Error(`${what}: not within ${timeoutMs / 1000} s${last ? ` (last error: ${last})` : ""}`);
    await new Promise((r) => setTimeout(r, everyMs));
  }
}

/** The Node's Ready condition status ("True", "False", "Unknown"), or undefined if it is not registered. */
// biome-ignore lint/suspicious/noExplicitAny: Kubernetes JSON
export function nodeReady(node: any): string | undefined {
  return node?.status?.conditions?.find((c: { type: string }) => c.type === "Ready")?.status;
}
