import { readFileSync } from "node:fs";
import { BasaltError } from "@basalt/machinery";
import { parse } from "yaml";
import type { Row, RunCommand } from "../../cli/command.ts";
import { clusterState, instant, kubeFor, rollout } from "./cluster-access.ts";

/** A plan file: a whole UpgradePlan object, or just its spec. */
export function readPlanFile(path: string): { name: string; spec: unknown } {
  let doc: unknown;
  try {
    doc = parse(readFileSync(path, "utf8"));
  } catch (err) {
    throw new BasaltError("invalid_argument", `cannot read ${path}: ${(err as Error).message}`);
  }
  const o = (doc ?? {}) as { kind?: string; metadata?: { name?: string }; spec?: unknown };
  if (o.kind === "UpgradePlan") return { name: o.metadata?.name ?? "(unnamed)", spec: o.spec };
  return { name: "(file)", spec: doc };
}

/**
 * `basaltctl rollout preview -f plan.yaml`: before anything starts, the order of the canary and the
 * batches under the budget, and which nodes would block right now and why.
 */
export const rolloutPreview: RunCommand = async (inv) => {
  const file = inv.values.file as string | undefined;
  if (!file) throw new BasaltError("invalid_argument", "no plan file", { hint: "pass -f plan.yaml" });
  const { name, spec } = readPlanFile(file);
  const c = await rollout();
  const checked = c.checkPlanSpec(spec);
  if ("problems" in checked) {
    throw new BasaltError(
      "invalid_argument",
      `${file}: ${checked.problems.map((p) => `${p.path}: ${p.message}`).join("; ")}`,
      { hint: "fix the plan; the CRD schema documents every field" },
    );
  }
  const now = instant(inv.values.at as string | undefined);
  const kube = await kubeFor(inv);
  try {
    const { state } = await clusterState(kube, now);
    const preview = c.previewRollout(state, checked.spec, now);
    const waveOf = new Map(preview.waves.flatMap((w) => w.nodes.map((n) => [n, w] as const)));
    const rows: Row[] = preview.now.nodes.map((d) => {
      const w = waveOf.get(d.node);
      return {
        NODE: d.node,
        ZONE: d.zone || "(no zone)",
        WAVE: w ? w.wave : "-",
        STAGE: w ? w.stage : "-",
        NOW: d.action === "cordon" ? `would start: ${d.reason}` : d.reason,
      };
    });
    rows.sort(
      (a, b) => (a.WAVE === "-" ? 1 : 0) - (b.WAVE === "-" ? 1 : 0) || Number(a.WAVE) - Number(b.WAVE),
    );
    const s = preview.now.summary;
    const blocked = new Map<string, number>();
    for (const d of preview.now.nodes)
      if (d.code !== "acting" && d.code !== "upToDate" && d.code !== "done")
        blocked.set(d.code, (blocked.get(d.code) ?? 0) + 1);
    const message = [
      `plan ${name}: ${s.nodes} node(s) in scope, ${s.counts.upToDate ?? 0} already on the target`,
      `budget: ${s.unavailable}/${s.maxUnavailable} unavailable now${s.zones.length > 1 ? ` (${s.zones.map((z) => `${z.zone || "(no zone)"} ${z.unavailable}/${z.maxUnavailable}`).join(", ")})` : ""}`,
      s.window.open ? "window: open" : `window: ${s.window.reason ?? "closed"}`,
      `${preview.waves.length} wave(s); ${preview.now.actions.filter((a) => a.kind === "cordon").length} would start now`,
      blocked.size ? `waiting now: ${[...blocked].map(([k, n]) => `${k} ${n}`).join(", ")}` : "",
    ]
      .filter(Boolean)
      .join("\n");
    return {
      kind: "local",
      rows,
      message,
      json: {
        plan: name,
        at: new Date(now).toISOString(),
        summary: s,
        waves: preview.waves,
        nodes: preview.now.nodes,
        never: preview.never,
      },
    };
  } finally {
    kube.close();
  }
};
