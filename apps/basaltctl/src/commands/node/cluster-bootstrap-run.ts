import { existsSync } from "node:fs";
import { BootstrapResponseSchema, ClusterService, KubeconfigResponseSchema } from "@basalt/api";
import { explainCallError, nodeTransport, resolveTargets } from "@basalt/client";
import { BasaltError } from "@basalt/machinery";
import { createClient } from "@connectrpc/connect";
import { loadContext } from "../../cli/client-config-file.ts";
import type { RunCommand } from "../../cli/command.ts";
import { writePrivateFile } from "../../cli/private-file.ts";
import { parseDuration } from "./kubeconfig-validity.ts";
import { nodeCall } from "./node-call.ts";

function validitySeconds(inv: { values: Record<string, unknown> }): number {
  const v = inv.values.validity as string | undefined;
  return v === undefined ? 0 : parseDuration(v);
}

/** Without --out the kubeconfig goes to stdout as is (pipe it; it is a secret). */
const kubeconfigToStdout = nodeCall({
  service: ClusterService,
  method: "kubeconfig",
  output: KubeconfigResponseSchema,
  maxTargets: 1,
  request: (inv) => ({ validitySeconds: validitySeconds(inv) }),
  rows: (v) => [{ EXPIRES: v.expires }],
  raw: (v) => new TextEncoder().encode(v.kubeconfig),
});

export const bootstrap = nodeCall({
  service: ClusterService,
  method: "bootstrap",
  output: BootstrapResponseSchema,
  mutating: true,
  maxTargets: 1,
  streaming: true,
  longRunning: true,
  rows: (v) => [{ PHASE: v.phase, MESSAGE: v.message, ...(v.done ? { DONE: "yes" } : {}) }],
});

export const kubeconfig: RunCommand = async (inv, command) => {
  const out = inv.values.out as string | undefined;
  if (out === undefined) return kubeconfigToStdout(inv, command);
  // Refuse before asking the node: an existing file stays untouched unless --force.
  if (existsSync(out) && inv.values.force !== true)
    throw new BasaltError("already_exists", `${out} exists`, { hint: "pass --force to overwrite it" });
  const { context } = loadContext(inv.global);
  const targets = resolveTargets(context, inv.global, { mutating: false });
  if (targets.length !== 1)
    throw new BasaltError(
      "invalid_argument",
      `kubeconfig takes one node, not ${targets.length} (${targets.map((t) => t.node).join(", ")})`,
      { hint: "name the control-plane node with -n NODE" },
    );
  const target = targets[0]!;
  const client = createClient(ClusterService, nodeTransport(target.endpoint, context));
  let answer: { kubeconfig: string; expires: string };
  try {
    answer = await client.kubeconfig(
      { validitySeconds: validitySeconds(inv) },
      { timeoutMs: inv.global.timeoutMs },
    );
  } catch (err) {
    throw explainCallError(err, target.endpoint, context);
  }
  writePrivateFile(out, answer.kubeconfig, inv.values.force === true);
  return {
    kind: "local",
    rows: [{ NODE: target.node, FILE: out, MODE: "0600", EXPIRES: answer.expires }],
    json: { node: target.node, file: out, expires: answer.expires },
    message: `use it with: export KUBECONFIG=${out}`,
  };
};
