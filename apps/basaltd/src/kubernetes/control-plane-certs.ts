import { createPublicKey } from "node:crypto";
import { isIP } from "node:net";
import { BasaltError, type ControlPlaneConfig, type KubernetesConfig } from "@basalt/machinery";
import type { KeyPairPem, LeafRequest } from "@basalt/pki";
import { type ControlPlanePaths, controlPlanePorts, pkiFile } from "./control-plane-paths.ts";
import { renderCertKubeconfig, renderKubeProxyKubeconfig } from "./kubeconfigs.ts";
import type { GeneratedFile } from "./kubernetes-files.ts";
import { issueLeaf } from "./lazy-pki.ts";
import { type KubeNodePaths, kubeletClientCert } from "./node-paths.ts";

/** The control-plane section of a control-plane node's config, or a clear error. */
export function controlPlaneOf(k8s: KubernetesConfig): ControlPlaneConfig {
  if (k8s.role !== "controlplane" || !k8s.controlPlane)
    throw new BasaltError("failed_precondition", "this node is not a control-plane node", {
      hint: "set kubernetes.role: controlplane with a controlPlane section (basaltctl gen config --controlplane)",
    });
  return k8s.controlPlane;
}

/**
 * The address the apiserver advertises and etcd's peers would dial: `kubernetes.nodeIP`, else the
 * endpoint's host when it is an IPv4 address (a one-node control plane is its own endpoint).
 */
export function controlPlaneAddress(k8s: KubernetesConfig): string {
  if (k8s.nodeIP) return k8s.nodeIP;
  const host = new URL(k8s.endpoint).hostname;
  if (isIP(host) === 4) return host;
  throw new BasaltError(
    "invalid_argument",
    `a control-plane node needs its address: kubernetes.nodeIP is not set and the endpoint host ${host} is not an IPv4 address`,
    { hint: "set kubernetes.nodeIP to this node's address" },
  );
}

/** The first address of an IPv4 CIDR: the ClusterIP of the `kubernetes` Service. */
export function firstServiceIp(cidr: string): string {
  const [base, bits] = cidr.split("/");
  const n = base!.split(".").reduce((a, o) => a * 256 + Number(o), 0);
  const size = 2 ** (32 - Number(bits));
  const first = (n - (n % size) + 1) >>> 0;
  return [24, 16, 8, 0].map((s) => (first >>> s) & 255).join(".");
}

/** The names and addresses of the apiserver's serving certificate. */
export function apiserverSans(
  k8s: KubernetesConfig,
  nodeName: string,
): { ips: string[]; dnsNames: string[] } {
  const cp = controlPlaneOf(k8s);
  const domain = k8s.kubelet.clusterDomain ?? "cluster.local";
  const endpointHost = new URL(k8s.endpoint).hostname;
  const candidates = [
    controlPlaneAddress(k8s),
    firstServiceIp(cp.serviceCIDR),
    "127.0.0.1",
    endpointHost,
    nodeName,
    "localhost",
    "kubernetes",
    "kubernetes.default",
    "kubernetes.default.svc",
    `kubernetes.default.svc.${domain}`,
    ...cp.certSANs,
  ];
  const unique = [...new Set(candidates)];
  return { ips: unique.filter((c) => isIP(c) !== 0), dnsNames: unique.filter((c) => isIP(c) === 0) };
}

/** Which CA of the config signs a certificate. */
export type SigningCa = "cluster" | "etcd" | "front-proxy";

/** One certificate basaltd issues for the control plane at boot. */
export interface PlannedCert {
  /** Base name in the pki dir (`<name>.crt`, `<name>.key`), or of the kubeconfig that embeds it. */
  name: string;
  ca: SigningCa;
  request: LeafRequest;
  /** Embedded in a kubeconfig of this user name (pointing at the apiserver on loopback) instead of two files. */
  kubeconfigUser?: string;
}

/** basaltd's own admin identity on the control-plane node (Node labels, bootstrap objects). */
export const basaltdAdminUser = "basaltd";

/**
 * Every certificate the control plane's components need, with their subjects and names (pure: the
 * plan is tested; `controlPlaneFiles` signs it). Groups as kubeadm gives them, except the apiserver's
 * kubelet client, which is in system:masters so `kubectl logs/exec` pass kubelet's webhook authorization.
 */
export function controlPlaneCertPlan(k8s: KubernetesConfig, nodeName: string): PlannedCert[] {
  const address = controlPlaneAddress(k8s);
  const local = { ips: [...new Set([address, "127.0.0.1"])], dnsNames: [nodeName, "localhost"] };
  return [
    {
      name: "apiserver",
      ca: "cluster",
      request: { commonName: "kube-apiserver", usage: "server", ...apiserverSans(k8s, nodeName) },
    },
    {
      name: "apiserver-kubelet-client",
      ca: "cluster",
      request: {
        commonName: "kube-apiserver-kubelet-client",
        organizations: ["system:masters"],
        usage: "client",
      },
    },
    {
      name: "apiserver-etcd-client",
      ca: "etcd",
      request: { commonName: "kube-apiserver-etcd-client", usage: "client" },
    },
    { name: "etcd-server", ca: "etcd", request: { commonName: nodeName, usage: "peer", ...local } },
    { name: "etcd-peer", ca: "etcd", request: { commonName: nodeName, usage: "peer", ...local } },
    {
      name: "front-proxy-client",
      ca: "front-proxy",
      request: { commonName: "front-proxy-client", usage: "client" },
    },
    {
      name: "controller-manager",
      ca: "cluster",
      request: { commonName: "system:kube-controller-manager", usage: "client" },
      kubeconfigUser: "system:kube-controller-manager",
    },
    {
      name: "scheduler",
      ca: "cluster",
      request: { commonName: "system:kube-scheduler", usage: "client" },
      kubeconfigUser: "system:kube-scheduler",
    },
    {
      name: "admin",
      ca: "cluster",
      request: { commonName: basaltdAdminUser, organizations: ["system:masters"], usage: "client" },
      kubeconfigUser: basaltdAdminUser,
    },
  ];
}

/** The loopback apiserver URL the node's own components use (in the serving certificate's SANs). */
export const loopbackApiserver = `https://127.0.0.1:${controlPlanePorts.apiserver}`;

/**
 * Signs the plan with the config's CAs and returns every file: the CA certificates, the cluster CA
 * key (kube-controller-manager signs kubelet certificates with it), the service-account key pair,
 * the issued certificates and keys, the component kubeconfigs, and the control-plane kubelet's own
 * client certificate (system:node:<name>, issued here instead of by TLS bootstrap) with its
 * kubeconfig. Keys and kubeconfigs are 0600.
 */
export async function controlPlaneFiles(
  k8s: KubernetesConfig,
  nodeName: string,
  paths: ControlPlanePaths,
  kubePaths: KubeNodePaths,
): Promise<GeneratedFile[]> {
  const cp = controlPlaneOf(k8s);
  const cas: Record<SigningCa, KeyPairPem> = {
    cluster: { cert: k8s.ca, key: cp.caKey },
    etcd: cp.etcdCA,
    "front-proxy": cp.frontProxyCA,
  };
  const f = (name: string, text: string, mode = 0o644): GeneratedFile => ({
    path: pkiFile(paths, name),
    text,
    mode,
  });
  const saPublic = createPublicKey(cp.serviceAccountKey).export({ type: "spki", format: "pem" }).toString();
  const files: GeneratedFile[] = [
    f("ca.crt", k8s.ca),
    f("ca.key", cp.caKey, 0o600),
    f("etcd-ca.crt", cp.etcdCA.cert),
    f("front-proxy-ca.crt", cp.frontProxyCA.cert),
    f("sa.key", cp.serviceAccountKey, 0o600),
    f("sa.pub", saPublic),
  ];
  for (const planned of controlPlaneCertPlan(k8s, nodeName)) {
    const pair = await issueLeaf(cas[planned.ca], planned.request);
    if (planned.kubeconfigUser)
      files.push(
        f(
          `${planned.name}.kubeconfig`,
          renderCertKubeconfig(k8s, planned.kubeconfigUser, pair, loopbackApiserver),
          0o600,
        ),
      );
    else files.push(f(`${planned.name}.crt`, pair.cert), f(`${planned.name}.key`, pair.key, 0o600));
  }
  const kubelet = await issueLeaf(cas.cluster, {
    commonName: `system:node:${nodeName}`,
    organizations: ["system:nodes"],
    usage: "client",
  });
  const current = kubeletClientCert(kubePaths);
  files.push(
    { path: current, text: `${kubelet.cert.trimEnd()}\n${kubelet.key.trimEnd()}\n`, mode: 0o600 },
    // What kubelet itself writes after a TLS bootstrap: the rotated certificate, by path.
    { path: kubePaths.kubeletKubeconfig, text: renderKubeProxyKubeconfig(k8s, current), mode: 0o600 },
  );
  return files;
}
