import assert from "node:assert/strict";
import { test } from "node:test";
import type { Kube, KubeRequest } from "@basalt/kube";
import type { ServiceSnapshot } from "../supervisor/service-runner.ts";
import { controlPlanePaths } from "./control-plane-paths.ts";
import { controlPlane, nodeRole } from "./control-plane-phases.ts";
import type { KubeNodeHost } from "./kube-node-ports.ts";
import type { KubeNodeDeps } from "./kubernetes-phases.ts";
import { kubeNodePaths } from "./node-paths.ts";
import { k8sConfig } from "./test-support/k8s-fixture.ts";

function deps(bootstrapped: () => boolean, onRequest: (r: KubeRequest) => void = () => {}) {
  const started: string[] = [];
  const reports: string[] = [];
  const kube: Kube = {
    async request<T>(r: KubeRequest) {
      onRequest(r);
      return {} as T;
    },
    watch: async () => {},
  };
  const d: KubeNodeDeps = {
    k8s: k8sConfig(),
    nodeName: "cp1",
    paths: kubeNodePaths,
    host: { sleep: async () => {} } as unknown as KubeNodeHost,
    services: {
      start: (n) => {
        started.push(n);
      },
      snapshot: (n) => ({ name: n, state: "running", health: "healthy" }) as ServiceSnapshot,
    },
    images: { importPinned: async () => [] },
    joinCheck: async () => ({ ok: true, message: "" }),
    report: (s, m) => reports.push(`${s}: ${m}`),
    pollMs: 0,
    controlPlane: {
      paths: controlPlanePaths,
      files: async () => [],
      bootstrapped: async () => bootstrapped(),
      kube: () => kube,
    },
  };
  return { d, started, reports };
}

test("at boot, a control plane not bootstrapped yet starts nothing: etcd has no data before Bootstrap", async () => {
  const { d, started } = deps(() => false);
  assert.match(await controlPlane.run(d), /not bootstrapped yet/);
  assert.deepEqual(started, []);
});

test("at boot, a bootstrapped control plane starts etcd → apiserver → controller-manager → scheduler", async () => {
  const { d, started } = deps(() => true);
  await controlPlane.run(d);
  assert.deepEqual(started, ["etcd", "kube-apiserver", "kube-controller-manager", "kube-scheduler"]);
});

test("node-role waits for Bootstrap, then labels the Node through the apiserver (kubelet may not)", async () => {
  let polls = 0;
  const requests: KubeRequest[] = [];
  const { d, reports } = deps(
    () => ++polls > 3,
    (r) => requests.push(r),
  );
  assert.equal(await nodeRole.run(d), "labelled node-role.kubernetes.io/control-plane");
  assert.match(reports.join("\n"), /waiting for basaltctl bootstrap/);
  assert.equal(requests.length, 1);
  assert.equal(requests[0]!.path, "/api/v1/nodes/cp1");
  assert.deepEqual(requests[0]!.body, {
    metadata: { labels: { "node-role.kubernetes.io/control-plane": "" } },
  });
});
