import assert from "node:assert/strict";
import { test } from "node:test";
import { parse } from "yaml";
import { kubeProxyConfiguration } from "./kube-proxy-config.ts";
import { renderBootstrapKubeconfig, renderKubeProxyKubeconfig } from "./kubeconfigs.ts";
import { kubernetesFiles } from "./kubernetes-files.ts";
import { kubeNodePaths } from "./node-paths.ts";
import { caPem, k8sConfig } from "./test-support/k8s-fixture.ts";

test("the bootstrap kubeconfig carries the token and the cluster CA", () => {
  const kc = parse(renderBootstrapKubeconfig(k8sConfig({ clusterName: "lab" })));
  assert.equal(kc.kind, "Config");
  assert.equal(kc.clusters[0].name, "lab");
  assert.equal(kc.clusters[0].cluster.server, "https://10.0.0.1:6443");
  assert.equal(Buffer.from(kc.clusters[0].cluster["certificate-authority-data"], "base64").toString(), caPem);
  assert.equal(kc.users[0].user.token, "abcdef.0123456789abcdef");
  assert.equal(kc.contexts[0].context.user, kc.users[0].name);
  assert.equal(kc["current-context"], kc.contexts[0].name);
});

test("kube-proxy uses kubelet's rotated client certificate, not a second credential", () => {
  const kc = parse(renderKubeProxyKubeconfig(k8sConfig(), "/var/lib/kubelet/pki/kubelet-client-current.pem"));
  assert.equal(kc.users[0].user["client-certificate"], "/var/lib/kubelet/pki/kubelet-client-current.pem");
  assert.equal(kc.users[0].user["client-key"], "/var/lib/kubelet/pki/kubelet-client-current.pem");
  assert.equal(kc.users[0].user.token, undefined);
});

test("kube-proxy: its kubeconfig, node name, mode, local traffic by NodeCIDR, loopback endpoints", () => {
  const c = kubeProxyConfiguration("w1", kubeNodePaths, "nftables");
  assert.equal(c.kind, "KubeProxyConfiguration");
  assert.equal(c.apiVersion, "kubeproxy.config.k8s.io/v1alpha1");
  assert.equal(c.mode, "nftables");
  assert.equal(c.hostnameOverride, "w1");
  assert.equal(c.detectLocalMode, "NodeCIDR");
  assert.deepEqual(c.clientConnection, { kubeconfig: "/run/basalt/kubernetes/kube-proxy.kubeconfig" });
  assert.equal(c.healthzBindAddress, "127.0.0.1:10256");
  assert.equal(kubeProxyConfiguration("w1", kubeNodePaths).mode, "iptables");
});

test("the files that hold secrets are written 0600, the rest 0644, all under the config dir", () => {
  const files = kubernetesFiles(k8sConfig(), "w1", kubeNodePaths);
  for (const f of files) {
    assert.ok(f.path.startsWith(`${kubeNodePaths.configDir}/`), f.path);
    const secret = f.text.includes("0123456789abcdef") || f.path.endsWith(".kubeconfig");
    assert.equal(f.mode, secret ? 0o600 : 0o644, f.path);
  }
  assert.equal(
    files.filter((f) => f.text.includes("0123456789abcdef")).length,
    1,
    "only the bootstrap kubeconfig",
  );
  assert.deepEqual(kubernetesFiles(k8sConfig(), "w1", kubeNodePaths), files, "pure: same config, same files");
});
