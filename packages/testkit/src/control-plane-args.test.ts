import assert from "node:assert/strict";
import { test } from "node:test";
import { controlPlaneArgs } from "./control-plane-args.ts";
import { firstServiceIp } from "./control-plane.ts";

const paths = {
  dir: "/t",
  pki: "/t/pki",
  etcdData: "/t/etcd",
  adminKubeconfig: "/t/admin.kubeconfig",
  controllerManagerKubeconfig: "/t/cm.kubeconfig",
  schedulerKubeconfig: "/t/s.kubeconfig",
};
const ports = { etcdClient: 1001, etcdPeer: 1002, apiserver: 1003, controllerManager: 1004, scheduler: 1005 };

test("each component gets its own loopback ports and the flags the issue asks for", () => {
  const args = controlPlaneArgs(paths, ports, "10.0.0.0/24");
  assert.deepEqual(Object.keys(args), [
    "etcd",
    "kube-apiserver",
    "kube-controller-manager",
    "kube-scheduler",
  ]);
  assert.ok(args.etcd!.includes("--unsafe-no-fsync"));
  assert.ok(args.etcd!.includes("--listen-client-urls=http://127.0.0.1:1001"));
  const api = args["kube-apiserver"]!;
  for (const flag of [
    "--etcd-servers=http://127.0.0.1:1001",
    "--secure-port=1003",
    "--bind-address=127.0.0.1",
    "--authorization-mode=Node,RBAC",
    "--client-ca-file=/t/pki/ca.crt",
    "--service-account-key-file=/t/pki/sa.pub",
    "--service-account-signing-key-file=/t/pki/sa.key",
    "--service-cluster-ip-range=10.0.0.0/24",
  ])
    assert.ok(api.includes(flag), flag);
  const kcm = args["kube-controller-manager"]!;
  for (const flag of [
    "--controllers=*",
    "--leader-elect=false",
    "--service-account-private-key-file=/t/pki/sa.key",
    "--root-ca-file=/t/pki/ca.crt",
    "--secure-port=1004",
  ])
    assert.ok(kcm.includes(flag), flag);
  assert.ok(args["kube-scheduler"]!.includes("--secure-port=1005"));
  assert.ok(args["kube-scheduler"]!.includes("--leader-elect=false"));
});

test("firstServiceIp is the kubernetes Service's ClusterIP", () => {
  assert.equal(firstServiceIp("10.0.0.0/24"), "10.0.0.1");
  assert.equal(firstServiceIp("10.96.0.0/12"), "10.96.0.1");
  assert.throws(() => firstServiceIp("fd00::/108"));
});

test("bound to a bridge address with joining nodes: bootstrap tokens, CSR controllers, node IPAM, kubelet client", () => {
  const args = controlPlaneArgs(paths, ports, "10.96.0.0/12", {
    apiserverAddress: "10.77.0.1",
    nodes: { clusterCidr: "10.244.0.0/16", nodeCidrMaskSize: 24 },
  });
  const api = args["kube-apiserver"]!;
  for (const flag of [
    "--bind-address=10.77.0.1",
    "--advertise-address=10.77.0.1",
    "--endpoint-reconciler-type=lease",
    "--enable-bootstrap-token-auth=true",
    "--kubelet-client-certificate=/t/pki/apiserver-kubelet-client.crt",
    "--kubelet-client-key=/t/pki/apiserver-kubelet-client.key",
    "--kubelet-preferred-address-types=InternalIP,ExternalIP,Hostname",
  ])
    assert.ok(api.includes(flag), flag);
  const kcm = args["kube-controller-manager"]!;
  for (const flag of [
    "--controllers=*,bootstrapsigner,tokencleaner",
    "--cluster-signing-cert-file=/t/pki/ca.crt",
    "--cluster-signing-key-file=/t/pki/ca.key",
    "--allocate-node-cidrs=true",
    "--cluster-cidr=10.244.0.0/16",
    "--node-cidr-mask-size=24",
    "--service-cluster-ip-range=10.96.0.0/12",
  ])
    assert.ok(kcm.includes(flag), flag);
  // etcd stays on loopback: only the apiserver talks to it.
  assert.ok(args.etcd!.includes("--listen-client-urls=http://127.0.0.1:1001"));
});

test("loopback without nodes: none of the joining flags", () => {
  const args = controlPlaneArgs(paths, ports, "10.0.0.0/24");
  const all = Object.values(args).flat().join(" ");
  assert.doesNotMatch(all, /bootstrap-token|allocate-node-cidrs|kubelet-client|bootstrapsigner/);
  assert.ok(args["kube-apiserver"]!.includes("--endpoint-reconciler-type=none"));
});
