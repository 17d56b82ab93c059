import assert from "node:assert/strict";
import { X509Certificate } from "node:crypto";
import { test } from "node:test";
import {
  apiserverSans,
  controlPlaneAddress,
  controlPlaneCertPlan,
  controlPlaneFiles,
  firstServiceIp,
} from "./control-plane-certs.ts";
import { controlPlanePaths } from "./control-plane-paths.ts";
import { kubeletClientCert, kubeNodePaths } from "./node-paths.ts";
import { controlPlaneConfig } from "./test-support/control-plane-fixture.ts";
import { k8sConfig } from "./test-support/k8s-fixture.ts";

test("the first service IP is the network address plus one, whatever the CIDR's host bits", () => {
  assert.equal(firstServiceIp("10.96.0.0/12"), "10.96.0.1");
  assert.equal(firstServiceIp("10.96.5.7/12"), "10.96.0.1");
  assert.equal(firstServiceIp("172.16.0.0/24"), "172.16.0.1");
  assert.equal(firstServiceIp("192.168.255.0/23"), "192.168.254.1");
});

test("the control plane's address: nodeIP, else the endpoint's IP; a DNS endpoint without nodeIP is an error", async () => {
  const k8s = await controlPlaneConfig({ nodeIP: "10.0.0.9" });
  assert.equal(controlPlaneAddress(k8s), "10.0.0.9");
  const { nodeIP: _, ...noIp } = k8s;
  assert.equal(controlPlaneAddress({ ...noIp }), "10.0.0.1");
  assert.throws(
    () => controlPlaneAddress({ ...noIp, endpoint: "https://cp.example:6443" }),
    /kubernetes\.nodeIP is not set and the endpoint host cp\.example/,
  );
});

test("apiserver SANs: node IP, first service IP, loopback, kubernetes.default.svc names and certSANs", async () => {
  const k8s = await controlPlaneConfig({
    controlPlane: { serviceCIDR: "10.32.0.0/16", certSANs: ["api.example", "192.0.2.7", "10.0.0.1"] },
  });
  const sans = apiserverSans(k8s, "cp1");
  assert.deepEqual(sans.ips, ["10.0.0.1", "10.32.0.1", "127.0.0.1", "192.0.2.7"]);
  for (const name of [
    "kubernetes",
    "kubernetes.default",
    "kubernetes.default.svc",
    "kubernetes.default.svc.cluster.local",
    "cp1",
    "localhost",
    "api.example",
  ])
    assert.ok(sans.dnsNames.includes(name), name);
  assert.throws(() => apiserverSans(k8sConfig(), "w1"), /not a control-plane node/);
});

test("the certificate plan: the identities the components need, each signed by the right CA", async () => {
  const plan = new Map(controlPlaneCertPlan(await controlPlaneConfig(), "cp1").map((p) => [p.name, p]));
  assert.equal(plan.get("apiserver-etcd-client")?.ca, "etcd");
  assert.equal(plan.get("etcd-server")?.ca, "etcd");
  assert.equal(plan.get("etcd-peer")?.request.usage, "peer");
  assert.equal(plan.get("front-proxy-client")?.ca, "front-proxy");
  assert.equal(plan.get("front-proxy-client")?.request.commonName, "front-proxy-client");
  assert.equal(plan.get("controller-manager")?.request.commonName, "system:kube-controller-manager");
  assert.equal(plan.get("scheduler")?.request.commonName, "system:kube-scheduler");
  assert.deepEqual(plan.get("admin")?.request.organizations, ["system:masters"]);
  assert.deepEqual(plan.get("apiserver-kubelet-client")?.request.organizations, ["system:masters"]);
});

test("the files: signed by the config's CAs, SANs in the serving certificate, every key and kubeconfig 0600", async () => {
  const k8s = await controlPlaneConfig();
  const files = await controlPlaneFiles(k8s, "cp1", controlPlanePaths, kubeNodePaths);
  const byName = new Map(files.map((f) => [f.path, f]));
  const at = (n: string) => byName.get(`${controlPlanePaths.pkiDir}/${n}`);
  const apiserver = new X509Certificate(at("apiserver.crt")!.text);
  assert.ok(apiserver.verify(new X509Certificate(k8s.ca).publicKey), "signed by the cluster CA");
  assert.match(apiserver.subjectAltName ?? "", /IP Address:10\.96\.0\.1/);
  assert.match(apiserver.subjectAltName ?? "", /DNS:kubernetes\.default\.svc\.cluster\.local/);
  const etcd = new X509Certificate(at("etcd-server.crt")!.text);
  assert.ok(
    etcd.verify(new X509Certificate(k8s.controlPlane!.etcdCA.cert).publicKey),
    "signed by the etcd CA",
  );
  assert.ok(at("sa.pub")!.text.includes("BEGIN PUBLIC KEY"));
  for (const f of files) {
    const secret = /(\.key|kubeconfig|\.pem)$/.test(f.path);
    assert.equal(f.mode, secret ? 0o600 : 0o644, f.path);
  }
  const kubelet = byName.get(kubeletClientCert(kubeNodePaths))!;
  const cert = new X509Certificate(kubelet.text);
  assert.match(cert.subject, /CN=system:node:cp1/);
  assert.match(cert.subject, /O=system:nodes/);
  assert.match(
    byName.get(kubeNodePaths.kubeletKubeconfig)!.text,
    /client-certificate: \/var\/lib\/kubelet\/pki/,
  );
  assert.match(at("admin.kubeconfig")!.text, /server: https:\/\/127\.0\.0\.1:6443/);
});
