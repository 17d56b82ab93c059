import type { Kube } from "@basalt/kube";
import { controlPlaneRoleLabel, startControlPlaneServices } from "./control-plane-bootstrap.ts";
import type { ControlPlanePaths } from "./control-plane-paths.ts";
import type { GeneratedFile } from "./kubernetes-files.ts";
import type { KubeNodeDeps, KubePhase } from "./kubernetes-phases.ts";

/** What a control-plane node's phases use beyond a worker's. */
export interface ControlPlaneNodeDeps {
  paths: ControlPlanePaths;
  /** Issues the control plane's certificates and kubeconfigs from the config's CAs (new keys each boot). */
  files(): Promise<GeneratedFile[]>;
  /** Whether Bootstrap has run on this node (the marker on STATE). */
  bootstrapped(): Promise<boolean>;
  /** A client with basaltd's admin identity on the apiserver (loopback); the same one each call. */
  kube(): Kube;
  /** Told once this boot's PKI is on disk (Bootstrap must not start etcd before it). */
  pkiWritten?(): void;
}

function cpOf(deps: KubeNodeDeps): ControlPlaneNodeDeps {
  if (!deps.controlPlane) throw new Error("a control-plane phase ran on a node without control-plane deps");
  return deps.controlPlane;
}

/** The control plane's PKI on STATE: certificates issued at every boot from the config's CAs. */
export const controlPlanePki: KubePhase = {
  name: "control-plane-pki",
  essential: true,
  async run(deps) {
    const cp = cpOf(deps);
    await deps.host.mkdirp(cp.paths.pkiDir);
    await deps.host.mkdirp(deps.paths.kubeletCertDir);
    const files = await cp.files();
    for (const f of files) await deps.host.writeFile(f.path, f.text, f.mode);
    cp.pkiWritten?.();
    return `${files.length} certificates, keys and kubeconfigs in ${cp.paths.pkiDir}`;
  },
};

/** After Bootstrap (an earlier boot): etcd → apiserver → controller-manager → scheduler, each healthy. */
export const controlPlane: KubePhase = {
  name: "control-plane",
  essential: true,
  async run(deps) {
    const cp = cpOf(deps);
    if (!(await cp.bootstrapped()))
      return "not bootstrapped yet: etcd and the apiserver start with basaltctl bootstrap";
    const lines: string[] = [];
    for await (const p of startControlPlaneServices({
      services: deps.services,
      sleep: (ms) => deps.host.sleep(ms),
      healthWaitMs: deps.controlPlaneWaitMs ?? 900_000,
      pollMs: deps.pollMs ?? 1000,
    })) {
      deps.report(p.phase, p.message);
      lines.push(`${p.phase} ${p.message}`);
    }
    return lines.join("; ");
  },
};

/**
 * The control-plane Node's role label, which kubelet may not set on itself (NodeRestriction): set
 * by basaltd with its admin identity once the cluster is bootstrapped and the Node registered.
 */
export const nodeRole: KubePhase = {
  name: "node-role",
  essential: false,
  async run(deps) {
    const cp = cpOf(deps);
    let said = false;
    while (!(await cp.bootstrapped())) {
      if (!said) deps.report("node-role", "waiting for basaltctl bootstrap before labelling the Node");
      said = true;
      await deps.host.sleep(deps.pollMs ?? 5000);
    }
    const until = Date.now() + (deps.controlPlaneWaitMs ?? 900_000);
    for (;;) {
      try {
        await cp.kube().request({
          method: "PATCH",
          path: `/api/v1/nodes/${deps.nodeName}`,
          patch: "merge",
          body: { metadata: { labels: { [controlPlaneRoleLabel]: "" } } },
        });
        return `labelled ${controlPlaneRoleLabel}`;
      } catch (err) {
        // The Node appears once kubelet registered (404 until then); the apiserver may be starting.
        if (Date.now() >= until) throw err;
        await deps.host.sleep(deps.pollMs ?? 5000);
      }
    }
  },
};
