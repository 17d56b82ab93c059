import type { Command } from "../../cli/command.ts";
import { lazyCommands } from "../../cli/lazy-commands.ts";

/** --kubeconfig and --kube-context: which cluster the rollout commands read. */
const kubeOptions = {
  kubeconfig: { type: "string" },
  "kube-context": { type: "string" },
} as const;

/** basaltctl rollout preview | status: UpgradePlans, read from the cluster through a kubeconfig. */
export const rolloutCommands: Command[] = [
  ...lazyCommands(() => import("./preview.ts"), {
    rolloutPreview: {
      path: ["rollout", "preview"],
      summary: "show the order a plan would take and which nodes would block now, and why",
      usage: "basaltctl rollout preview -f plan.yaml [--kubeconfig FILE] [--kube-context NAME] [--at TIME]",
      options: { file: { type: "string", short: "f" }, at: { type: "string" }, ...kubeOptions },
    },
  }),
  ...lazyCommands(() => import("./status.ts"), {
    rolloutStatus: {
      path: ["rollout", "status"],
      summary: "per-node phase and reason of an UpgradePlan (--node X, --blocked)",
      usage:
        "basaltctl rollout status PLAN [--node NAME]... [--blocked] [--kubeconfig FILE] [--kube-context NAME]",
      options: { node: { type: "string", multiple: true }, blocked: { type: "boolean" }, ...kubeOptions },
    },
  }),
];
