import assert from "node:assert/strict";
import { test } from "node:test";
import { kubeletArgs, kubeletConfiguration } from "./kubelet-config.ts";
import { kubeNodePaths } from "./node-paths.ts";
import { controlPlaneConfig } from "./test-support/control-plane-fixture.ts";
import { k8sConfig } from "./test-support/k8s-fixture.ts";

test("kubelet: cgroupfs, containerd, rotation, webhook auth with anonymous off, healthz on loopback", () => {
  const c = kubeletConfiguration(k8sConfig(), kubeNodePaths);
  assert.equal(c.kind, "KubeletConfiguration");
  assert.equal(c.apiVersion, "kubelet.config.k8s.io/v1beta1");
  assert.equal(c.cgroupDriver, "cgroupfs");
  assert.equal(c.containerRuntimeEndpoint, "unix:///run/containerd/containerd.sock");
  assert.equal(c.rotateCertificates, true);
  assert.equal(c.serverTLSBootstrap, false);
  assert.deepEqual(c.authentication, {
    anonymous: { enabled: false },
    webhook: { enabled: true, cacheTTL: "2m0s" },
    x509: { clientCAFile: "/run/basalt/kubernetes/cluster-ca.crt" },
  });
  assert.deepEqual(c.authorization, { mode: "Webhook" });
  assert.equal(c.healthzBindAddress, "127.0.0.1");
  assert.equal(c.healthzPort, 10248);
  assert.equal(c.readOnlyPort, 0);
  assert.equal(c.resolvConf, "/run/resolv.conf");
  assert.deepEqual(c.registerWithTaints, []);
  assert.equal("maxPods" in c, false, "unset settings are left to kubelet's defaults");
});

test("the allow-listed settings and taints reach the KubeletConfiguration", () => {
  const c = kubeletConfiguration(
    k8sConfig({
      taints: [
        { key: "dedicated", value: "db", effect: "NoSchedule" },
        { key: "x", effect: "NoExecute" },
      ],
      kubelet: {
        maxPods: 30,
        evictionHard: { "memory.available": "50Mi" },
        systemReserved: { memory: "100Mi" },
        kubeReserved: { cpu: "50m" },
        imageGCHighThresholdPercent: 90,
        imageGCLowThresholdPercent: 70,
        clusterDNS: ["10.0.0.10"],
        clusterDomain: "example.local",
        serverTLSBootstrap: true,
      },
    }),
    kubeNodePaths,
  );
  assert.equal(c.maxPods, 30);
  assert.deepEqual(c.evictionHard, { "memory.available": "50Mi" });
  assert.deepEqual(c.systemReserved, { memory: "100Mi" });
  assert.deepEqual(c.kubeReserved, { cpu: "50m" });
  assert.equal(c.imageGCHighThresholdPercent, 90);
  assert.equal(c.imageGCLowThresholdPercent, 70);
  assert.deepEqual(c.clusterDNS, ["10.0.0.10"]);
  assert.equal(c.clusterDomain, "example.local");
  assert.equal(c.serverTLSBootstrap, true);
  assert.deepEqual(c.registerWithTaints, [
    { key: "dedicated", value: "db", effect: "NoSchedule" },
    { key: "x", effect: "NoExecute" },
  ]);
});

test("kubelet's flags: bootstrap and target kubeconfigs, identity, node IP and labels, never the token", () => {
  const k8s = k8sConfig({ nodeIP: "10.0.0.11", labels: { zone: "a", "example.com/rack": "r1" } });
  const args = kubeletArgs(k8s, "w1", kubeNodePaths);
  assert.deepEqual(args, [
    "--config=/run/basalt/kubernetes/kubelet-config.json",
    "--bootstrap-kubeconfig=/run/basalt/kubernetes/bootstrap.kubeconfig",
    "--kubeconfig=/var/lib/kubelet/kubeconfig",
    "--cert-dir=/var/lib/kubelet/pki",
    "--root-dir=/var/lib/kubelet",
    "--hostname-override=w1",
    "--node-ip=10.0.0.11",
    "--node-labels=zone=a,example.com/rack=r1",
  ]);
  assert.doesNotMatch(args.join(" "), /0123456789abcdef/);
  assert.equal(
    kubeletArgs(k8sConfig(), "w1", kubeNodePaths).some((a) => a.startsWith("--node-")),
    false,
  );
});

test("a control-plane kubelet registers with the control-plane NoSchedule taint, unless schedulable", async () => {
  const taint = { key: "node-role.kubernetes.io/control-plane", effect: "NoSchedule" };
  const tainted = kubeletConfiguration(await controlPlaneConfig(), kubeNodePaths);
  assert.deepEqual(tainted.registerWithTaints, [taint]);
  const open = kubeletConfiguration(
    await controlPlaneConfig({ controlPlane: { schedulable: true } }),
    kubeNodePaths,
  );
  assert.deepEqual(open.registerWithTaints, []);
});
