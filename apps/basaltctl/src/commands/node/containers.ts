import type { Command } from "../../cli/command.ts";
import { lazyCommands } from "../../cli/lazy-commands.ts";

const selectorOptions = {
  kubernetes: { type: "boolean", short: "k" },
  namespace: { type: "string" },
} as const;

/** `logs -k NAMESPACE/POD[/CONTAINER]`: a container's log (the `logs` command dispatches here with -k). */
const [podLogs] = lazyCommands(() => import("./containers-run.ts"), {
  podLogs: {
    path: ["logs"],
    summary: "a container's log: logs -k NAMESPACE/POD[/CONTAINER] [-f] [--tail N]",
    usage: "basaltctl logs -k NAMESPACE/POD[/CONTAINER] [-f] [--tail N]",
    options: {
      kubernetes: { type: "boolean", short: "k" },
      follow: { type: "boolean", short: "f" },
      tail: { type: "string" },
    },
  },
});

export const containerCommands: Command[] = lazyCommands(() => import("./containers-run.ts"), {
  containers: {
    path: ["containers"],
    summary:
      "containers from the container runtime (CRI): pod, image, state, restarts; -k Kubernetes pods only",
    usage: "basaltctl containers [-k] [--namespace NS]",
    options: selectorOptions,
  },
  containersStats: {
    path: ["containers", "stats"],
    summary: "CPU and memory per container; -k Kubernetes pods only",
    usage: "basaltctl containers stats [-k] [--namespace NS]",
    options: selectorOptions,
  },
  pods: {
    path: ["pods"],
    summary: "pod sandboxes from the container runtime (CRI); -k Kubernetes pods only",
    usage: "basaltctl pods [-k] [--namespace NS]",
    options: selectorOptions,
  },
  images: {
    path: ["images"],
    summary: "images the container runtime holds",
  },
  imageImport: {
    path: ["image", "import"],
    summary:
      "stream an OCI or docker image archive to the nodes' containerd (--pin: keep from GC) (operator)",
    usage: "basaltctl image import FILE [--pin] [--name REF] -n NODES",
    options: { pin: { type: "boolean" }, name: { type: "string" } },
  },
  imageRm: {
    path: ["image", "rm"],
    summary: "remove an image by name or id (operator)",
    usage: "basaltctl image rm REF -n NODES",
  },
});

/**
 * Gives the `logs SERVICE` command a -k mode: `logs -k NAMESPACE/POD[/CONTAINER]` reads a
 * container's log instead. Other commands pass through unchanged.
 */
export function withPodLogs(c: Command): Command {
  if (c.path.join(" ") !== "logs") return c;
  return {
    ...c,
    summary: `${c.summary}; with -k a container's: logs -k NAMESPACE/POD[/CONTAINER]`,
    usage: `${c.usage} | ${podLogs.usage}`,
    options: { ...c.options, ...podLogs.options },
    run: (inv) => (inv.values.kubernetes === true ? podLogs.run(inv) : c.run(inv)),
  };
}
