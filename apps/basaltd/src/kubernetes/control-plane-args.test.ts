import assert from "node:assert/strict";
import { test } from "node:test";
import { controlPlaneArgs, controlPlaneServiceNames, controlPlaneServices } from "./control-plane-args.ts";
import { controlPlanePaths } from "./control-plane-paths.ts";
import { controlPlaneConfig } from "./test-support/control-plane-fixture.ts";

const flag = (args: readonly string[], name: string) =>
  args.find((a) => a.startsWith(`--${name}=`))?.slice(name.length + 3);

test("etcd: TLS for clients and peers on the node address, a new one-member cluster, plain /health on loopback", async () => {
  const a = controlPlaneArgs(await controlPlaneConfig(), "cp1", controlPlanePaths).etcd;
  assert.equal(flag(a, "listen-client-urls"), "https://127.0.0.1:2379,https://10.0.0.1:2379");
  assert.equal(flag(a, "initial-cluster"), "cp1=https://10.0.0.1:2380");
  assert.equal(flag(a, "initial-cluster-state"), "new");
  assert.equal(flag(a, "client-cert-auth"), "true");
  assert.equal(flag(a, "listen-metrics-urls"), "http://127.0.0.1:2381");
  assert.equal(flag(a, "data-dir"), "/var/lib/etcd");
});

test("apiserver: etcd over TLS, the config's address plan, bootstrap tokens, Node,RBAC, the front-proxy CA", async () => {
  const k8s = await controlPlaneConfig({ controlPlane: { serviceCIDR: "10.32.0.0/16" } });
  const a = controlPlaneArgs(k8s, "cp1", controlPlanePaths)["kube-apiserver"];
  assert.equal(flag(a, "etcd-servers"), "https://127.0.0.1:2379");
  assert.equal(flag(a, "advertise-address"), "10.0.0.1");
  assert.equal(flag(a, "service-cluster-ip-range"), "10.32.0.0/16");
  assert.equal(flag(a, "authorization-mode"), "Node,RBAC");
  assert.equal(flag(a, "enable-bootstrap-token-auth"), "true");
  assert.equal(flag(a, "requestheader-client-ca-file"), "/var/lib/basalt/kubernetes/pki/front-proxy-ca.crt");
  assert.equal(flag(a, "service-account-key-file"), "/var/lib/basalt/kubernetes/pki/sa.pub");
});

test("controller-manager: node IPAM from the pod CIDR, CSR signing with the cluster CA, bootstrap token controllers", async () => {
  const k8s = await controlPlaneConfig({ controlPlane: { podCIDR: "10.200.0.0/16", nodeCIDRMaskSize: 26 } });
  const a = controlPlaneArgs(k8s, "cp1", controlPlanePaths)["kube-controller-manager"];
  assert.equal(flag(a, "cluster-cidr"), "10.200.0.0/16");
  assert.equal(flag(a, "node-cidr-mask-size"), "26");
  assert.equal(flag(a, "allocate-node-cidrs"), "true");
  assert.equal(flag(a, "controllers"), "*,bootstrapsigner,tokencleaner");
  assert.equal(flag(a, "cluster-signing-key-file"), "/var/lib/basalt/kubernetes/pki/ca.key");
  assert.equal(flag(a, "bind-address"), "127.0.0.1");
});

test("the services: the four in dependency order, none autostarts, each with a loopback health check", async () => {
  const services = controlPlaneServices(await controlPlaneConfig(), "cp1", controlPlanePaths);
  assert.deepEqual(
    services.map((s) => s.name),
    [...controlPlaneServiceNames],
  );
  for (const s of services) {
    assert.equal(s.autostart, false, s.name);
    assert.match(JSON.stringify(s.health), /127\.0\.0\.1/, s.name);
  }
  assert.deepEqual(services[1]!.health, { https: "https://127.0.0.1:6443/readyz" });
  assert.deepEqual(services[0]!.health, { http: "http://127.0.0.1:2381/health" });
  assert.equal(services[1]!.command[0], "/usr/bin/kube-apiserver");
});
