import type { Command } from "../../cli/command.ts";
import { lazyCommands } from "../../cli/lazy-commands.ts";

const common = {
  name: { type: "string" },
  "state-dir": { type: "string" },
} as const;

export const clusterCommands: Command[] = lazyCommands(() => import("./cluster-run.ts"), {
  clusterCreate: {
    path: ["cluster", "create"],
    summary:
      "a local Kubernetes cluster of Basalt VMs (qemu TCG, own network namespace): 1 control plane + N workers, bootstrapped, every Node Ready",
    usage:
      "basaltctl cluster create [--name basalt] [--workers 2] [--image DIR | --build] [--keep] [--state-dir DIR]",
    options: {
      ...common,
      workers: { type: "string" },
      image: { type: "string" },
      build: { type: "boolean" },
      keep: { type: "boolean" },
    },
  },
  clusterDestroy: {
    path: ["cluster", "destroy"],
    summary: "stop a cluster's VMs and relay, remove its network namespace, files and basaltctl context",
    usage: "basaltctl cluster destroy [--name basalt] [--state-dir DIR]",
    options: common,
  },
  clusterList: {
    path: ["cluster", "list"],
    summary: "local clusters and their nodes (status, role, address, node API endpoint, VM running)",
    usage: "basaltctl cluster list [--state-dir DIR]",
    options: { "state-dir": common["state-dir"] },
  },
  clusterHost: {
    path: ["cluster", "host"],
    summary: "(internal) the detached process that owns a cluster's VMs; started by cluster create",
    usage: "basaltctl cluster host --dir DIR",
    options: { dir: { type: "string" } },
  },
});
