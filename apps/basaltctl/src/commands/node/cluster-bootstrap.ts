import type { Command } from "../../cli/command.ts";
import { lazyCommands } from "../../cli/lazy-commands.ts";

export const clusterBootstrapCommands: Command[] = lazyCommands(() => import("./cluster-bootstrap-run.ts"), {
  bootstrap: {
    path: ["bootstrap"],
    summary:
      "initialize etcd and the Kubernetes cluster on one control-plane node, once (admin); prints each phase",
    usage: "basaltctl bootstrap -n NODE",
  },
  kubeconfig: {
    path: ["kubeconfig"],
    summary:
      "an admin kubeconfig from a control-plane node (admin; a secret: 0600 file with --out, else stdout)",
    usage: "basaltctl kubeconfig -n NODE [--out FILE [--force]] [--validity 24h]",
    options: {
      out: { type: "string" },
      force: { type: "boolean" },
      validity: { type: "string" },
    },
  },
});
