import type { KubernetesConfig, ServiceConfig } from "@basalt/machinery";
import { controlPlaneAddress, controlPlaneOf } from "./control-plane-certs.ts";
import { type ControlPlanePaths, pkiFile, controlPlanePorts as ports } from "./control-plane-paths.ts";

/** The control plane's services, in the order they start (each needs the one before it healthy). */
export const controlPlaneServiceNames = [
  "etcd",
  "kube-apiserver",
  "kube-controller-manager",
  "kube-scheduler",
] as const;

export type ControlPlaneService = (typeof controlPlaneServiceNames)[number];

/** Loopback health endpoints: etcd's plain-HTTP /health, the others over TLS (see the https check). */
export const controlPlaneHealth: Record<ControlPlaneService, ServiceConfig["health"]> = {
  etcd: { http: `http://127.0.0.1:${ports.etcdMetrics}/health` },
  "kube-apiserver": { https: `https://127.0.0.1:${ports.apiserver}/readyz` },
  "kube-controller-manager": { https: `https://127.0.0.1:${ports.controllerManager}/healthz` },
  "kube-scheduler": { https: `https://127.0.0.1:${ports.scheduler}/healthz` },
};

/**
 * Command lines of etcd, kube-apiserver, kube-controller-manager and kube-scheduler on a Basalt
 * control-plane node (one of each, well-known ports). Choices that are not defaults, and why:
 * - etcd serves clients over TLS on loopback and the node address, client certificates required
 *   (only the apiserver holds one); peers over TLS on the node address (one member now; the
 *   certificates are there for more); /health on loopback in plain HTTP for the supervisor.
 *   `--initial-cluster-state=new` only matters on the first start (Bootstrap): with data in its
 *   data dir etcd ignores the initial-cluster flags, so a reboot restarts the same member.
 * - apiserver: Node,RBAC authorization, bootstrap-token authentication (workers join with the
 *   token), the aggregation layer's front-proxy client, the `kubernetes` Service's endpoints kept
 *   by the lease reconciler (pods reach the apiserver on the node address through the ClusterIP),
 *   `--kubelet-preferred-address-types=InternalIP,…` (node names resolve nowhere).
 * - controller-manager: every controller plus bootstrapsigner and tokencleaner (as kubeadm), CSR
 *   signing with the cluster CA (kubelets' TLS bootstrap and rotation), node IPAM from podCIDR,
 *   each controller with its own ServiceAccount credentials.
 * - controller-manager and scheduler bind their secure ports on loopback only; `--leader-elect`
 *   stays on (the default), so a second control-plane node would need no flag change. Its timings
 *   are 4× the defaults (lease 60 s, renew deadline 40 s, retry 8 s): with the defaults (15/10/2 s)
 *   a busy single-core node (qemu TCG) missed a renewal, and the controller-manager exited and
 *   restarted every controller again and again, so Nodes waited minutes for their CSRs. A second
 *   control-plane node would take over in ≤ 60 s instead of ≤ 15 s.
 */
const leaderElection = [
  "--leader-elect-lease-duration=60s",
  "--leader-elect-renew-deadline=40s",
  "--leader-elect-retry-period=8s",
];

export function controlPlaneArgs(
  k8s: KubernetesConfig,
  nodeName: string,
  paths: ControlPlanePaths,
): Record<ControlPlaneService, string[]> {
  const cp = controlPlaneOf(k8s);
  const address = controlPlaneAddress(k8s);
  const pki = (f: string) => pkiFile(paths, f);
  const peerUrl = `https://${address}:${ports.etcdPeer}`;
  const component = (name: string, port: number) => [
    `--kubeconfig=${pki(`${name}.kubeconfig`)}`,
    `--authentication-kubeconfig=${pki(`${name}.kubeconfig`)}`,
    `--authorization-kubeconfig=${pki(`${name}.kubeconfig`)}`,
    "--bind-address=127.0.0.1",
    `--secure-port=${port}`,
    "--profiling=false",
    ...leaderElection,
  ];
  return {
    etcd: [
      `--name=${nodeName}`,
      `--data-dir=${paths.etcdData}`,
      `--listen-client-urls=https://127.0.0.1:${ports.etcdClient},https://${address}:${ports.etcdClient}`,
      `--advertise-client-urls=https://${address}:${ports.etcdClient}`,
      `--listen-peer-urls=${peerUrl}`,
      `--initial-advertise-peer-urls=${peerUrl}`,
      `--initial-cluster=${nodeName}=${peerUrl}`,
      "--initial-cluster-state=new",
      `--listen-metrics-urls=http://127.0.0.1:${ports.etcdMetrics}`,
      "--client-cert-auth=true",
      `--trusted-ca-file=${pki("etcd-ca.crt")}`,
      `--cert-file=${pki("etcd-server.crt")}`,
      `--key-file=${pki("etcd-server.key")}`,
      "--peer-client-cert-auth=true",
      `--peer-trusted-ca-file=${pki("etcd-ca.crt")}`,
      `--peer-cert-file=${pki("etcd-peer.crt")}`,
      `--peer-key-file=${pki("etcd-peer.key")}`,
      "--snapshot-count=10000",
      "--log-level=warn",
    ],
    "kube-apiserver": [
      `--etcd-servers=https://127.0.0.1:${ports.etcdClient}`,
      `--etcd-cafile=${pki("etcd-ca.crt")}`,
      `--etcd-certfile=${pki("apiserver-etcd-client.crt")}`,
      `--etcd-keyfile=${pki("apiserver-etcd-client.key")}`,
      "--bind-address=0.0.0.0",
      `--advertise-address=${address}`,
      `--secure-port=${ports.apiserver}`,
      `--cert-dir=${paths.pkiDir}`,
      `--tls-cert-file=${pki("apiserver.crt")}`,
      `--tls-private-key-file=${pki("apiserver.key")}`,
      `--client-ca-file=${pki("ca.crt")}`,
      "--authorization-mode=Node,RBAC",
      "--enable-bootstrap-token-auth=true",
      `--service-cluster-ip-range=${cp.serviceCIDR}`,
      `--service-account-issuer=https://kubernetes.default.svc.${k8s.kubelet.clusterDomain ?? "cluster.local"}`,
      `--service-account-key-file=${pki("sa.pub")}`,
      `--service-account-signing-key-file=${pki("sa.key")}`,
      "--allow-privileged=true",
      "--endpoint-reconciler-type=lease",
      `--kubelet-client-certificate=${pki("apiserver-kubelet-client.crt")}`,
      `--kubelet-client-key=${pki("apiserver-kubelet-client.key")}`,
      "--kubelet-preferred-address-types=InternalIP,ExternalIP,Hostname",
      `--requestheader-client-ca-file=${pki("front-proxy-ca.crt")}`,
      "--requestheader-allowed-names=front-proxy-client",
      "--requestheader-username-headers=X-Remote-User",
      "--requestheader-group-headers=X-Remote-Group",
      "--requestheader-extra-headers-prefix=X-Remote-Extra-",
      `--proxy-client-cert-file=${pki("front-proxy-client.crt")}`,
      `--proxy-client-key-file=${pki("front-proxy-client.key")}`,
      "--profiling=false",
    ],
    "kube-controller-manager": [
      ...component("controller-manager", ports.controllerManager),
      "--controllers=*,bootstrapsigner,tokencleaner",
      "--use-service-account-credentials=true",
      `--service-account-private-key-file=${pki("sa.key")}`,
      `--root-ca-file=${pki("ca.crt")}`,
      `--cluster-signing-cert-file=${pki("ca.crt")}`,
      `--cluster-signing-key-file=${pki("ca.key")}`,
      `--requestheader-client-ca-file=${pki("front-proxy-ca.crt")}`,
      `--service-cluster-ip-range=${cp.serviceCIDR}`,
      "--allocate-node-cidrs=true",
      `--cluster-cidr=${cp.podCIDR}`,
      `--node-cidr-mask-size=${cp.nodeCIDRMaskSize}`,
    ],
    "kube-scheduler": component("scheduler", ports.scheduler),
  };
}

/** kube-apiserver et al. run iptables nowhere, but keep the same PATH as the node services. */
const env = { PATH: "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin" };

/**
 * The control plane as supervised services: no autostart (before Bootstrap etcd has no data and
 * must not start; after it, the Kubernetes phases start each once the one before it is healthy),
 * restart always with backoff.
 */
export function controlPlaneServices(
  k8s: KubernetesConfig,
  nodeName: string,
  paths: ControlPlanePaths,
): ServiceConfig[] {
  const args = controlPlaneArgs(k8s, nodeName, paths);
  const bins: Record<ControlPlaneService, string> = {
    etcd: paths.etcdBin,
    "kube-apiserver": paths.apiserverBin,
    "kube-controller-manager": paths.controllerManagerBin,
    "kube-scheduler": paths.schedulerBin,
  };
  return controlPlaneServiceNames.map((name) => ({
    name,
    command: [bins[name], ...args[name]],
    env,
    restart: "always" as const,
    autostart: false,
    health: controlPlaneHealth[name],
    stopTimeoutSeconds: name === "etcd" ? 20 : 15,
  }));
}
