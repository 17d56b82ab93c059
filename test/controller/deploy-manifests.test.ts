import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { after, before, test } from "node:test";
import { KubeClient, loadKubeconfig } from "@basalt/kube";
import { type ControlPlane, startControlPlane, waitFor } from "@basalt/testkit";
import { parseAllDocuments } from "yaml";
import { installCrd, installRbac, repoRoot } from "./support/sim-cluster.ts";

/**
 * deploy/ against a real apiserver: the CRD is served (and its CEL rules reject a bad quantity), the
 * RBAC applies, the Secret and the Deployment pass server-side validation (dry run), and the RBAC is
 * least privilege — the controller's identity can do what it needs and nothing it should not.
 */
let cp: ControlPlane;
let kube: KubeClient;
let controllerKubeconfig: string;

before(async () => {
  cp = await startControlPlane({ startTimeoutMs: 180_000 });
  kube = new KubeClient(loadKubeconfig(cp.kubeconfigPath));
  await installCrd(kube);
  controllerKubeconfig = await installRbac(cp, kube);
});

after(async () => {
  kube?.close();
  await cp?.stop();
});

const docs = (file: string) =>
  parseAllDocuments(readFileSync(join(repoRoot, "deploy", file), "utf8")).map(
    (d) => d.toJS() as { kind: string; metadata: { name: string; namespace?: string } },
  );

test("the Secret, Deployment and PDB pass server-side validation", async () => {
  const paths: Record<string, string> = {
    Secret: "/api/v1/namespaces/basalt-system/secrets",
    Deployment: "/apis/apps/v1/namespaces/basalt-system/deployments",
    PodDisruptionBudget: "/apis/policy/v1/namespaces/basalt-system/poddisruptionbudgets",
  };
  for (const doc of [...docs("node-api-secret.yaml"), ...docs("deployment.yaml")]) {
    await kube.request({ method: "POST", path: paths[doc.kind]!, query: { dryRun: "All" }, body: doc });
  }
  const deployment = docs("deployment.yaml").find((d) => d.kind === "Deployment") as unknown as {
    spec: { replicas: number };
  };
  assert.equal(deployment.spec.replicas, 2);
});

test("the CRD rejects what its schema and CEL rules forbid", async () => {
  const plan = (budget: unknown) => ({
    apiVersion: "basalt.dev/v1alpha1",
    kind: "UpgradePlan",
    metadata: { name: "x" },
    spec: { target: { os: { version: "1", bundleUrl: "https://x.test/b" } }, budget },
  });
  const path = "/apis/basalt.dev/v1alpha1/upgradeplans";
  await kube.request({
    method: "POST",
    path,
    query: { dryRun: "All" },
    body: plan({ maxUnavailable: "10%" }),
  });
  await kube.request({ method: "POST", path, query: { dryRun: "All" }, body: plan({ maxUnavailable: 3 }) });
  for (const bad of [{ maxUnavailable: "lots" }, { maxUnavailable: 0 }, {}]) {
    await assert.rejects(kube.request({ method: "POST", path, query: { dryRun: "All" }, body: plan(bad) }), {
      status: 422,
    });
  }
});

async function controllerCan(attributes: Record<string, string | undefined>): Promise<boolean> {
  const asController = new KubeClient(loadKubeconfig(controllerKubeconfig));
  try {
    const review = await asController.request<{ status: { allowed: boolean } }>({
      method: "POST",
      path: "/apis/authorization.k8s.io/v1/selfsubjectaccessreviews",
      body: {
        apiVersion: "authorization.k8s.io/v1",
        kind: "SelfSubjectAccessReview",
        spec: { resourceAttributes: attributes },
      },
    });
    return review.status.allowed;
  } finally {
    asController.close();
  }
}

test("RBAC: the controller may do its job and nothing more", async () => {
  const asController = new KubeClient(loadKubeconfig(controllerKubeconfig));
  const can = async (attributes: Record<string, string | undefined>) => {
    const review = await asController.request<{ status: { allowed: boolean } }>({
      method: "POST",
      path: "/apis/authorization.k8s.io/v1/selfsubjectaccessreviews",
      body: {
        apiVersion: "authorization.k8s.io/v1",
        kind: "SelfSubjectAccessReview",
        spec: { resourceAttributes: attributes },
      },
    });
    return review.status.allowed;
  };
  try {
    const allowed = [
      { verb: "patch", resource: "nodes" },
      { verb: "watch", resource: "pods" },
      { verb: "create", resource: "pods", subresource: "eviction", namespace: "shop" },
      { verb: "list", resource: "poddisruptionbudgets", group: "policy" },
      { verb: "patch", resource: "upgradeplans", subresource: "status", group: "basalt.dev" },
      // The finalizer that holds a deleted plan until its nodes are handed back.
      { verb: "patch", resource: "upgradeplans", group: "basalt.dev" },
      {
        verb: "update",
        resource: "leases",
        group: "coordination.k8s.io",
        namespace: "basalt-system",
        name: "basalt-controller",
      },
      { verb: "create", resource: "events", namespace: "default" },
    ];
    const denied = [
      { verb: "delete", resource: "nodes" },
      { verb: "update", resource: "nodes", subresource: "status" },
      { verb: "get", resource: "secrets", namespace: "basalt-system" },
      { verb: "update", resource: "upgradeplans", group: "basalt.dev" },
      { verb: "delete", resource: "upgradeplans", group: "basalt.dev" },
      {
        verb: "update",
        resource: "leases",
        group: "coordination.k8s.io",
        namespace: "kube-system",
        name: "kube-scheduler",
      },
      { verb: "create", resource: "pods", namespace: "default" },
      // Forced drains are opt-in (deploy/rbac-force-drain.yaml).
      { verb: "delete", resource: "pods", namespace: "shop" },
    ];
    for (const a of allowed) assert.equal(await can(a), true, `allowed: ${JSON.stringify(a)}`);
    for (const a of denied) assert.equal(await can(a), false, `denied: ${JSON.stringify(a)}`);
  } finally {
    asController.close();
  }
});

test("RBAC: deleting pods (forced drains) is granted only by the opt-in rbac-force-drain.yaml", async () => {
  const del = { verb: "delete", resource: "pods", namespace: "shop" };
  assert.equal(await controllerCan(del), false, "not granted by the default manifests");
  const kustomization = readFileSync(join(repoRoot, "deploy", "kustomization.yaml"), "utf8");
  assert.doesNotMatch(kustomization, /rbac-force-drain/, "the opt-in is not in the default kustomization");
  await installRbac(cp, kube, ["rbac-force-drain.yaml"]);
  await waitFor(() => controllerCan(del), 10_000, "the opt-in binding to take effect");
  assert.equal(
    await controllerCan({ verb: "delete", resource: "nodes" }),
    false,
    "and still no node deletion",
  );
});
