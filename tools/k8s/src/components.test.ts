import assert from "node:assert/strict";
import { test } from "node:test";
import { componentNames, planComponent, selectComponents } from "./components.ts";
import type { Versions } from "./versions.ts";

const v: Versions = {
  kubernetes: "v1.34.4",
  etcd: "v3.6.5",
  kwok: "v0.8.0",
  containerd: "v2.2.9",
  runc: "v1.3.7",
  cniPlugins: "v1.9.1",
  pause: "3.10.1",
};

test("the Kubernetes directory keeps the shell script's key and stamp, so its cache stays valid", () => {
  const p = planComponent("kubernetes", v);
  assert.equal(p.key, "v1.34.4-etcdv3.6.5-kwokv0.8.0");
  assert.equal(p.stamp, "recipe=1\nkubernetes=v1.34.4\netcd=v3.6.5\nkwok=v0.8.0\n");
  assert.deepEqual([...p.outputs].sort(), [
    "etcd",
    "kube-apiserver",
    "kube-controller-manager",
    "kube-scheduler",
    "kubectl",
    "kubelet",
    "kwok",
  ]);
});

test("each component has its own key: bumping one pin moves only that component", () => {
  const before = new Map(componentNames.map((n) => [n, planComponent(n, v).key]));
  assert.equal(new Set(before.values()).size, componentNames.length);
  const bumped = { ...v, containerd: "v2.2.10" };
  for (const n of componentNames) {
    const changed = planComponent(n, bumped).key !== before.get(n);
    assert.equal(changed, n === "containerd", n);
  }
  // kube-proxy and pause follow Kubernetes, not the other way round.
  const k8sBump = { ...v, kubernetes: "v1.34.5" };
  const moved = componentNames.filter((n) => planComponent(n, k8sBump).key !== before.get(n));
  assert.deepEqual(moved, ["kubernetes", "kube-proxy", "kube", "pause"]);
  assert.deepEqual(planComponent("pause", v).outputs, ["pause", "pause-3.10.1.oci.tar"]);
  assert.deepEqual(planComponent("cni-plugins", v).outputs, ["bridge", "host-local", "loopback", "portmap"]);
});

test("component selection: default, all, and a clear error for unknown names", () => {
  assert.deepEqual(selectComponents([]), ["kubernetes"]);
  assert.deepEqual(selectComponents(["runc", "containerd", "runc"]), ["containerd", "runc"]);
  assert.deepEqual(selectComponents(["all"]), [...componentNames]);
  assert.throws(() => selectComponents(["crio"]), /unknown component 'crio'/);
});

test("the kube multi-call component has the binary and one name per program", () => {
  const p = planComponent("kube", v);
  assert.equal(p.key, "kube-v1.34.4-r1");
  assert.deepEqual(p.outputs, [
    "kube",
    "kube-apiserver",
    "kube-controller-manager",
    "kube-scheduler",
    "kubelet",
    "kube-proxy",
  ]);
});
