import { join } from "node:path";
import { run } from "./kubectl.ts";

const basaltctl = join(import.meta.dirname, "../../../../dist/basaltctl.mjs");

/** One row of `basaltctl rollout status -o json`, as sampled. */
export interface StatusRow {
  at: number;
  node: string;
  status: string;
  code: string;
  reason: string;
  /** When the node entered `status` (ms since the epoch), as the controller recorded it. */
  since?: number;
}

/** Samples `basaltctl rollout status PLAN -o json` every few seconds into `rows`, until stopped. */
export function statusSampler(kubeconfig: string, plan: string) {
  const rows: StatusRow[] = [];
  const errors: string[] = [];
  let tables: string[] = [];
  let stopped = false;
  const once = async () => {
    try {
      const out = await run(
        [process.execPath, basaltctl, "rollout", "status", plan, "-o", "json", "--kubeconfig", kubeconfig],
        60_000,
      );
      const doc = JSON.parse(out.slice(out.indexOf("{")));
      const at = Date.now();
      for (const n of doc.nodes ?? [])
        rows.push({
          at,
          node: n.node,
          status: n.status,
          code: n.code,
          reason: n.reason,
          ...(n.since ? { since: Date.parse(n.since) } : {}),
        });
    } catch (err) {
      errors.push((err as Error).message.split("\n")[0] ?? "");
    }
  };
  const loop = (async () => {
    while (!stopped) {
      await once();
      // Each sample is a basaltctl process on the host, whose two cores the VMs share.
      await new Promise((r) => setTimeout(r, 5000));
    }
  })();
  return {
    rows,
    errors,
    /** One more sample now (the loop may have slept through the last change). */
    once,
    get tables() {
      return tables;
    },
    /** The table form too, for the log. */
    async table(): Promise<string> {
      const t = await run(
        [process.execPath, basaltctl, "rollout", "status", plan, "--kubeconfig", kubeconfig],
        60_000,
      );
      tables = [...tables, t];
      return t;
    },
    /** Statuses seen for `node`, in order, without repeats. */
    statuses(node: string): string[] {
      return rows
        .filter((r) => r.node === node)
        .map((r) => r.status)
        .filter((s, i, a) => i === 0 || a[i - 1] !== s);
    },
    async stop() {
      stopped = true;
      await loop;
    },
  };
}
