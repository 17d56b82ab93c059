import assert from "node:assert/strict";
import { test } from "node:test";
import { stringify } from "yaml";
import { BasaltError } from "../errors.ts";
import { parseMachineConfig, redactMachineConfig } from "./machine-config.ts";

const pem = "-----BEGIN CERTIFICATE-----\nAA==\n-----END CERTIFICATE-----\n";
const base = {
  apiVersion: "basalt.dev/v1alpha1",
  kind: "MachineConfig",
  node: { name: "w1", mode: "init" },
  api: {
    listen: "10.0.0.11:50000",
    ca: pem,
    cert: pem,
    key: "-----BEGIN PRIVATE KEY-----\nAA==\n-----END PRIVATE KEY-----\n",
  },
};
const kube = {
  endpoint: "https://10.0.0.1:6443",
  ca: pem,
  bootstrapToken: "abcdef.0123456789abcdef",
};
const parse = (k: unknown, extra: Record<string, unknown> = {}) =>
  parseMachineConfig(stringify({ ...base, ...extra, kubernetes: k }));

/** The message of the BasaltError that `fn` throws. */
function problems(fn: () => unknown): string {
  try {
    fn();
  } catch (err) {
    assert.ok(err instanceof BasaltError);
    assert.equal(err.code, "invalid_argument");
    return err.message;
  }
  assert.fail("expected the config to be refused");
}

test("a minimal kubernetes section gets its defaults", () => {
  const k = parse(kube).kubernetes!;
  assert.equal(k.role, "worker");
  assert.equal(k.clusterName, "kubernetes");
  assert.deepEqual(k.labels, {});
  assert.deepEqual(k.taints, []);
  assert.deepEqual(k.kubelet, {});
});

test("the allow-listed kubelet settings, labels and taints are accepted", () => {
  const k = parse({
    ...kube,
    nodeIP: "10.0.0.11",
    labels: { zone: "a", "example.com/rack": "r1", "node.kubernetes.io/pool": "blue" },
    taints: [{ key: "dedicated", value: "gpu", effect: "NoSchedule" }],
    kubelet: {
      maxPods: 50,
      evictionHard: { "memory.available": "100Mi", "nodefs.available": "5%" },
      systemReserved: { cpu: "100m", memory: "128Mi" },
      kubeReserved: { memory: "64Mi", pid: "100" },
      imageGCHighThresholdPercent: 90,
      imageGCLowThresholdPercent: 80,
      clusterDNS: ["10.0.0.10"],
    },
  }).kubernetes!;
  assert.equal(k.kubelet.maxPods, 50);
  assert.equal(k.taints[0]?.effect, "NoSchedule");
});

test("every problem of the kubernetes section is listed by its path", () => {
  const message = problems(() =>
    parse({
      role: "worker",
      endpoint: "http://10.0.0.1:6443",
      ca: "not a pem",
      bootstrapToken: "ABCDEF.short",
      nodeIP: "10.0.0",
      labels: { "kubernetes.io/role": "x", ok: "a b" },
      taints: [{ key: "k", effect: "Sometimes" }],
      kubelet: { maxPods: 0, evictionHard: { "memory.free": "1Mi" }, cgroupDriver: "systemd" },
      extra: true,
    }),
  );
  for (const line of [
    /kubernetes\.endpoint: expected an https URL/,
    /kubernetes\.ca: expected the cluster CA certificate in PEM/,
    /kubernetes\.bootstrapToken: expected a bootstrap token like abcdef\.0123456789abcdef/,
    /kubernetes\.nodeIP:/,
    /kubernetes\.labels\.kubernetes\.io\/role: kubelet may not set labels under kubernetes\.io/,
    /kubernetes\.labels\.ok: expected a label value/,
    /kubernetes\.taints\.0\.effect:/,
    /kubernetes\.kubelet\.maxPods:/,
    /kubernetes\.kubelet\.evictionHard/,
    /kubernetes\.kubelet: Unrecognized key: "cgroupDriver"/,
    /kubernetes: Unrecognized key: "extra"/,
  ])
    assert.match(message, line);
});

const key = "-----BEGIN PRIVATE KEY-----\nAA==\n-----END PRIVATE KEY-----\n";
const controlPlane = {
  caKey: key,
  etcdCA: { cert: pem, key },
  frontProxyCA: { cert: pem, key },
  serviceAccountKey: key,
};

test("a controlplane carries its controlPlane section, with defaults for the address plan", () => {
  const k = parse({ ...kube, role: "controlplane", controlPlane }).kubernetes!;
  assert.equal(k.role, "controlplane");
  assert.equal(k.controlPlane?.serviceCIDR, "10.96.0.0/12");
  assert.equal(k.controlPlane?.podCIDR, "10.244.0.0/16");
  assert.equal(k.controlPlane?.schedulable, false);
});

test("role and controlPlane section go together, and bad CIDRs are named", () => {
  assert.match(
    problems(() => parse({ ...kube, role: "controlplane" })),
    /role controlplane needs a controlPlane section/,
  );
  assert.match(
    problems(() => parse({ ...kube, controlPlane })),
    /a worker carries no control-plane secrets/,
  );
  assert.match(
    problems(() =>
      parse({ ...kube, role: "controlplane", controlPlane: { ...controlPlane, podCIDR: "10.244.0.0/40" } }),
    ),
    /podCIDR: expected an IPv4 CIDR/,
  );
});

test("the control plane's private keys are redacted, its certificates are not", () => {
  const shown = redactMachineConfig(parse({ ...kube, role: "controlplane", controlPlane }));
  const cp = shown.kubernetes!.controlPlane!;
  assert.deepEqual(
    [cp.caKey, cp.etcdCA.key, cp.frontProxyCA.key, cp.serviceAccountKey],
    Array(4).fill("<redacted>"),
  );
  assert.equal(cp.etcdCA.cert, pem);
  assert.doesNotMatch(JSON.stringify(shown), /PRIVATE KEY/);
});

test("GC thresholds must be ordered", () => {
  assert.match(
    problems(() =>
      parse({ ...kube, kubelet: { imageGCHighThresholdPercent: 50, imageGCLowThresholdPercent: 60 } }),
    ),
    /imageGCLowThresholdPercent must be below/,
  );
});

test("a kubernetes node runs no other services", () => {
  assert.match(
    problems(() => parse(kube, { services: [{ name: "x", command: ["/bin/x"] }] })),
    /services: a node with a kubernetes section runs only Kubernetes/,
  );
});

test("redaction hides the private key and the token's secret but keeps its id", () => {
  const shown = redactMachineConfig(parse(kube));
  assert.equal(shown.kubernetes?.bootstrapToken, "abcdef.<redacted>");
  assert.equal(shown.api.key, "<redacted>");
  assert.doesNotMatch(JSON.stringify(shown), /0123456789abcdef|PRIVATE KEY/);
});
