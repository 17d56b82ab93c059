import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { setTimeout as sleep } from "node:timers/promises";
import { hasStatus, type KubeClient } from "@basalt/kube";
import { simKeys, upgradePlanCrd, upgradePlanPath } from "@basalt/rollout";
import {
  type ControlPlane,
  createKwokNodes,
  KwokNodeSimulator,
  simulationStagesYaml,
  startControlPlane,
  startKwok,
  waitFor,
  waitForNodesReady,
} from "@basalt/testkit";
import { parse, parseAllDocuments } from "yaml";

/**
 * A real control plane (etcd, kube-apiserver, controller-manager, scheduler) with kwok nodes that
 * play SIMULATED Basalt nodes: the UpgradePlan CRD installed, the controller's namespace and RBAC in
 * place, every node on OS 1.0.0, and the node simulator (the nodes' side of an upgrade) running in
 * this process.
 */
export const repoRoot = join(import.meta.dirname, "..", "..", "..");
export const controllerMain = join(repoRoot, "apps", "basalt-controller", "src", "main.ts");
export const oldOs = "1.0.0";

export interface SimClusterOptions {
  nodes: number;
  zones?: string[];
  installMs: number;
  rebootMs: number;
  namePrefix?: string;
  /** kwok workers per kind (nodes, pods, leases); default 4. */
  kwokParallelism?: number;
}

export interface SimCluster {
  cp: ControlPlane;
  /** Admin client. */
  kube: KubeClient;
  nodes: string[];
  simulator: KwokNodeSimulator;
  /** A kubeconfig for the controller's own least-privilege identity (deploy/rbac.yaml). */
  controllerKubeconfig: string;
  stop(): Promise<void>;
}

export async function installCrd(kube: KubeClient): Promise<void> {
  try {
    await kube.request({
      method: "POST",
      path: "/apis/apiextensions.k8s.io/v1/customresourcedefinitions",
      body: upgradePlanCrd,
    });
  } catch (err) {
    if (!hasStatus(err, 409)) throw err;
  }
  await waitFor(
    async () => {
      await kube.request({ method: "GET", path: upgradePlanPath });
      return true;
    },
    30_000,
    "the UpgradePlan API to be served",
  );
}

/**
 * Applies deploy/namespace.yaml and deploy/rbac.yaml, binding the roles to user `basalt-controller`
 * (what the ServiceAccount would be in a real cluster), and returns that user's kubeconfig.
 */
export async function installRbac(
  cp: ControlPlane,
  kube: KubeClient,
  files: readonly string[] = ["namespace.yaml", "rbac.yaml"],
): Promise<string> {
  const { readFileSync } = await import("node:fs");
  const docs = files
    .flatMap((f) => parseAllDocuments(readFileSync(join(repoRoot, "deploy", f), "utf8")))
    .map(
      (d) =>
        d.toJS() as { kind: string; metadata: { namespace?: string; name: string }; subjects?: unknown[] },
    );
  const paths: Record<string, (ns?: string) => string> = {
    Namespace: () => "/api/v1/namespaces",
    ServiceAccount: (ns) => `/api/v1/namespaces/${ns}/serviceaccounts`,
    ClusterRole: () => "/apis/rbac.authorization.k8s.io/v1/clusterroles",
    ClusterRoleBinding: () => "/apis/rbac.authorization.k8s.io/v1/clusterrolebindings",
    Role: (ns) => `/apis/rbac.authorization.k8s.io/v1/namespaces/${ns}/roles`,
    RoleBinding: (ns) => `/apis/rbac.authorization.k8s.io/v1/namespaces/${ns}/rolebindings`,
  };
  for (const doc of docs) {
    if (doc.subjects)
      doc.subjects = [{ kind: "User", name: "basalt-controller", apiGroup: "rbac.authorization.k8s.io" }];
    const path = paths[doc.kind]?.(doc.metadata.namespace);
    if (!path) throw new Error(`no path for ${doc.kind}`);
    try {
      await kube.request({ method: "POST", path, body: doc });
    } catch (err) {
      if (!hasStatus(err, 409)) throw err;
    }
  }
  return cp.kubeconfigFor("basalt-controller");
}

export async function startSimCluster(o: SimClusterOptions): Promise<SimCluster> {
  const cp = await startControlPlane({ startTimeoutMs: 180_000 });
  const abort = new AbortController();
  try {
    const stagesPath = join(cp.dir, "sim-stages.yaml");
    writeFileSync(stagesPath, simulationStagesYaml());
    await startKwok(cp, { stagesPath, parallelism: o.kwokParallelism ?? 4, startTimeoutMs: 60_000 });
    const kube = cp.kube;
    await installCrd(kube);
    const controllerKubeconfig = await installRbac(cp, kube);
    // Every node starts as a simulated Basalt node on OS 1.0.0.
    const nodes = await createKwokNodes(cp, o.nodes, {
      zones: o.zones,
      namePrefix: o.namePrefix ?? "node-",
      annotations: { [simKeys.osVersion]: oldOs },
      concurrency: 16,
    });
    await waitForNodesReady(cp, nodes, 120_000 + o.nodes * 200, { intervalMs: 500 });
    const simulator = new KwokNodeSimulator({
      kube,
      installMs: o.installMs,
      rebootMs: o.rebootMs,
      labelSelector: "type=kwok",
      onError: () => {},
    });
    void simulator.run(abort.signal);
    await simulator.whenSynced();
    return {
      cp,
      kube,
      nodes,
      simulator,
      controllerKubeconfig,
      async stop() {
        abort.abort();
        await sleep(50);
        await cp.stop();
      },
    };
  } catch (err) {
    abort.abort();
    cp.markFailed();
    await cp.stop();
    throw err;
  }
}

/** Reads YAML text as one object (plans in tests are written as YAML, like an operator would). */
export function yaml<T>(text: string): T {
  return parse(text) as T;
}
