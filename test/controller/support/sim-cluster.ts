import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { setTimeout as sleep } from "node:timers/promises";
import {
  type ControlPlane,
  kwokNode,
  type KwokNodesOptions,
  startControlPlane,
  startKwok,
  waitFor,
} from "@basalt/testkit";
import { parse, parseAllDocuments } from "yaml";
import { upgradePlanCrd, upgradePlanPath } from "../../../apps/basalt-controller/src/crd/upgrade-plan-crd.ts";
import { hasStatus } from "../../../apps/basalt-controller/src/k8s/kube-errors.ts";
import { KubeClient } from "../../../apps/basalt-controller/src/k8s/kube-client.ts";
import { loadKubeconfig } from "../../../apps/basalt-controller/src/k8s/kubeconfig.ts";
import { KwokNodeSimulator } from "../../../apps/basalt-controller/src/sim/kwok-node-simulator.ts";
import { simulationStagesYaml } from "../../../apps/basalt-controller/src/sim/kwok-stages.ts";
import { simKeys } from "../../../apps/basalt-controller/src/sim/sim-protocol.ts";

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
export async function installRbac(cp: ControlPlane, kube: KubeClient): Promise<string> {
  const { readFileSync } = await import("node:fs");
  const docs = [
    ...parseAllDocuments(readFileSync(join(repoRoot, "deploy", "namespace.yaml"), "utf8")),
    ...parseAllDocuments(readFileSync(join(repoRoot, "deploy", "rbac.yaml"), "utf8")),
  ].map(
    (d) => d.toJS() as { kind: string; metadata: { namespace?: string; name: string }; subjects?: unknown[] },
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
  await cp.kubeConfigFor("basalt-controller");
  return join(cp.dir, "basalt-controller.kubeconfig");
}

/** Creates kwok nodes that start as simulated Basalt nodes on OS 1.0.0. */
export async function createSimNodes(
  kube: KubeClient,
  count: number,
  options: KwokNodesOptions,
): Promise<string[]> {
  const names: string[] = [];
  let next = 0;
  const worker = async () => {
    while (next < count) {
      const node = kwokNode(next++, options);
      node.metadata!.annotations![simKeys.osVersion] = oldOs;
      await kube.request({ method: "POST", path: "/api/v1/nodes", body: node });
      names.push(node.metadata!.name!);
    }
  };
  await Promise.all(Array.from({ length: Math.min(16, count) }, worker));
  return names.sort((a, b) => a.localeCompare(b, "en", { numeric: true }));
}

export async function waitNodesReady(
  kube: KubeClient,
  names: readonly string[],
  timeoutMs: number,
): Promise<void> {
  const wanted = new Set(names);
  let ready = 0;
  await waitFor(
    async () => {
      const list = await kube.request<{
        items: { metadata: { name: string }; status?: { conditions?: { type: string; status: string }[] } }[];
      }>({
        method: "GET",
        path: "/api/v1/nodes",
      });
      ready = list.items.filter(
        (n) =>
          wanted.has(n.metadata.name) &&
          n.status?.conditions?.some((c) => c.type === "Ready" && c.status === "True"),
      ).length;
      return ready === wanted.size;
    },
    timeoutMs,
    () => `${wanted.size} nodes Ready (${ready} so far)`,
    { intervalMs: 500 },
  );
}

export async function startSimCluster(o: SimClusterOptions): Promise<SimCluster> {
  const cp = await startControlPlane({ startTimeoutMs: 180_000 });
  const abort = new AbortController();
  try {
    const stagesPath = join(cp.dir, "sim-stages.yaml");
    writeFileSync(stagesPath, simulationStagesYaml);
    await startKwok(cp, { stagesPath, parallelism: o.kwokParallelism ?? 4, startTimeoutMs: 60_000 });
    const kube = new KubeClient(loadKubeconfig(cp.kubeconfigPath), { maxSockets: 32 });
    await installCrd(kube);
    const controllerKubeconfig = await installRbac(cp, kube);
    const nodes = await createSimNodes(kube, o.nodes, {
      zones: o.zones,
      namePrefix: o.namePrefix ?? "node-",
    });
    await waitNodesReady(kube, nodes, 120_000 + o.nodes * 200);
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
        kube.close();
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
