import { join } from "node:path";

/** Loopback ports of one control plane, chosen free at start so several can run side by side. */
export interface ControlPlanePorts {
  etcdClient: number;
  etcdPeer: number;
  apiserver: number;
  controllerManager: number;
  scheduler: number;
}

/**
 * What real kubelets need to join (TLS bootstrap, CSR approval, pod CIDRs, `kubectl logs/exec`):
 * see `controlPlaneArgs`.
 */
export interface NodeJoinArgs {
  /** `--cluster-cidr` (pod network) from which node IPAM gives each Node a `spec.podCIDR`. */
  clusterCidr: string;
  /** `--node-cidr-mask-size`: the size of each Node's pod range. */
  nodeCidrMaskSize: number;
}

/** Where the control plane listens; the default is every component on 127.0.0.1. */
export interface ControlPlaneAddressing {
  /** Address the apiserver binds and advertises (e.g. a bridge address inside a namespace). */
  apiserverAddress: string;
  /** Flags for real kubelets joining; none by default (kwok nodes need none). */
  nodes?: NodeJoinArgs;
}

/** Files of one control plane inside its temporary directory. */
export interface ControlPlanePaths {
  dir: string;
  /** ca.crt, ca.key, apiserver.crt, apiserver.key, sa.pub, sa.key (+ apiserver-kubelet-client.crt/.key with `nodes`) */
  pki: string;
  etcdData: string;
  adminKubeconfig: string;
  controllerManagerKubeconfig: string;
  schedulerKubeconfig: string;
}

/**
 * Command lines of etcd, kube-apiserver, kube-controller-manager and kube-scheduler, keyed by
 * binary name. Kept apart from the process handling so the flags can be read (and reviewed) in one
 * place. The choices that are not defaults, and why:
 * - etcd `--unsafe-no-fsync`: a test cluster's data is thrown away, and fsync dominates its latency.
 * - apiserver `--authorization-mode Node,RBAC` and client certificates: the authorization a real
 *   cluster has, so RBAC mistakes in controllers show up in tests. (`AlwaysAllow` would also turn
 *   anonymous requests into 401s.)
 * - apiserver `--endpoint-reconciler-type none`: it would try to publish 127.0.0.1 as the
 *   `kubernetes` Service endpoint, which Endpoints validation rejects (loopback), every 10 s.
 * - apiserver `--requestheader-*` and a front-proxy client certificate (same CA, but only the name
 *   `front-proxy-client` may assert identity headers): what aggregated APIs need, and without it
 *   the controller-manager and scheduler log "missing content for CA bundle" errors.
 * - controller-manager `--controllers *` with its service-account key and root CA: the disruption
 *   controller fills PodDisruptionBudget status (without it every eviction is refused with 429);
 *   the service-account controller creates `default` ServiceAccounts, without which no Pod is
 *   admitted; node lifecycle, ReplicaSet, Deployment and garbage collection do their real work.
 *   `--use-service-account-credentials` as kubeadm does: each controller acts as its own
 *   ServiceAccount (the bootstrap RBAC roles are written for that; the controller-manager's own
 *   identity alone is refused most of what the controllers do).
 * - controller-manager `--kube-api-qps 200 --kube-api-burst 400`: with the default 20/30 it starts
 *   its ~40 controllers (a token request and discovery each) over 5 s; this way in about 2 s.
 * - `--leader-elect=false` everywhere: one instance of each, no Lease traffic at start-up.
 * - controller-manager and scheduler serve /healthz on their own free loopback ports (the defaults
 *   10257/10259 would collide between two control planes).
 *
 * With `addressing.apiserverAddress` other than 127.0.0.1 (a bridge inside a network namespace) the
 * apiserver binds and advertises that address and keeps the `kubernetes` Service's endpoints (lease
 * reconciler), so pods reach it through the ClusterIP. With `addressing.nodes` it also takes what
 * real kubelets joining need:
 * - apiserver `--enable-bootstrap-token-auth` (kubelet's first credential is a bootstrap token),
 *   `--kubelet-client-certificate/-key` (an identity in system:masters, so `kubectl logs/exec` work
 *   through the kubelet) and `--kubelet-preferred-address-types=InternalIP,…` (a VM's hostname
 *   resolves nowhere; kubelet serving certificates are self-signed, so no kubelet CA is set);
 * - controller-manager `--controllers=*,bootstrapsigner,tokencleaner` (csrapproving, csrsigning and
 *   nodeipam are in `*`; those two are not), signing with the cluster CA (already there), and
 *   `--allocate-node-cidrs --cluster-cidr --node-cidr-mask-size` so each Node gets a podCIDR for the
 *   bridge CNI.
 */
export function controlPlaneArgs(
  paths: ControlPlanePaths,
  ports: ControlPlanePorts,
  serviceClusterIpRange: string,
  addressing: ControlPlaneAddressing = { apiserverAddress: "127.0.0.1" },
): Record<string, readonly string[]> {
  const address = addressing.apiserverAddress;
  const loopback = address.startsWith("127.");
  const nodes = addressing.nodes;
  const pki = (f: string) => join(paths.pki, f);
  const etcdUrl = `http://127.0.0.1:${ports.etcdClient}`;
  const peerUrl = `http://127.0.0.1:${ports.etcdPeer}`;
  const clientOf = (kubeconfig: string, port: number) => [
    `--kubeconfig=${kubeconfig}`,
    `--authentication-kubeconfig=${kubeconfig}`,
    `--authorization-kubeconfig=${kubeconfig}`,
    "--bind-address=127.0.0.1",
    `--secure-port=${port}`,
    "--leader-elect=false",
  ];
  return {
    etcd: [
      "--name=default",
      `--data-dir=${paths.etcdData}`,
      `--listen-client-urls=${etcdUrl}`,
      `--advertise-client-urls=${etcdUrl}`,
      `--listen-peer-urls=${peerUrl}`,
      `--initial-advertise-peer-urls=${peerUrl}`,
      `--initial-cluster=default=${peerUrl}`,
      "--unsafe-no-fsync",
      "--log-level=warn",
    ],
    "kube-apiserver": [
      `--etcd-servers=${etcdUrl}`,
      `--bind-address=${address}`,
      `--advertise-address=${address}`,
      `--secure-port=${ports.apiserver}`,
      `--cert-dir=${paths.pki}`,
      `--tls-cert-file=${pki("apiserver.crt")}`,
      `--tls-private-key-file=${pki("apiserver.key")}`,
      `--client-ca-file=${pki("ca.crt")}`,
      "--authorization-mode=Node,RBAC",
      `--service-cluster-ip-range=${serviceClusterIpRange}`,
      "--service-account-issuer=https://kubernetes.default.svc.cluster.local",
      `--service-account-key-file=${pki("sa.pub")}`,
      `--service-account-signing-key-file=${pki("sa.key")}`,
      "--allow-privileged=true",
      `--endpoint-reconciler-type=${loopback ? "none" : "lease"}`,
      `--requestheader-client-ca-file=${pki("ca.crt")}`,
      "--requestheader-allowed-names=front-proxy-client",
      "--requestheader-username-headers=X-Remote-User",
      "--requestheader-group-headers=X-Remote-Group",
      "--requestheader-extra-headers-prefix=X-Remote-Extra-",
      `--proxy-client-cert-file=${pki("front-proxy-client.crt")}`,
      `--proxy-client-key-file=${pki("front-proxy-client.key")}`,
      "--profiling=false",
      ...(nodes
        ? [
            "--enable-bootstrap-token-auth=true",
            `--kubelet-client-certificate=${pki("apiserver-kubelet-client.crt")}`,
            `--kubelet-client-key=${pki("apiserver-kubelet-client.key")}`,
            "--kubelet-preferred-address-types=InternalIP,ExternalIP,Hostname",
          ]
        : []),
    ],
    "kube-controller-manager": [
      ...clientOf(paths.controllerManagerKubeconfig, ports.controllerManager),
      nodes ? "--controllers=*,bootstrapsigner,tokencleaner" : "--controllers=*",
      "--use-service-account-credentials=true",
      "--kube-api-qps=200",
      "--kube-api-burst=400",
      `--service-account-private-key-file=${pki("sa.key")}`,
      `--root-ca-file=${pki("ca.crt")}`,
      `--cluster-signing-cert-file=${pki("ca.crt")}`,
      `--cluster-signing-key-file=${pki("ca.key")}`,
      `--service-cluster-ip-range=${serviceClusterIpRange}`,
      "--profiling=false",
      ...(nodes
        ? [
            "--allocate-node-cidrs=true",
            `--cluster-cidr=${nodes.clusterCidr}`,
            `--node-cidr-mask-size=${nodes.nodeCidrMaskSize}`,
          ]
        : []),
    ],
    "kube-scheduler": [...clientOf(paths.schedulerKubeconfig, ports.scheduler), "--profiling=false"],
  };
}
