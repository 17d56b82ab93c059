/**
 * Where a control-plane node keeps its programs and state. The programs are in the read-only root
 * (the `kube` multi-call binary under each program's name, and etcd); the certificates basaltd
 * issues at each boot, etcd's data and the bootstrap marker live on STATE (/var), so a rebooted
 * control plane comes back by itself.
 */
export interface ControlPlanePaths {
  etcdBin: string;
  apiserverBin: string;
  controllerManagerBin: string;
  schedulerBin: string;
  /** Certificates, keys (0600) and kubeconfigs of the control plane, rewritten at each boot. */
  pkiDir: string;
  etcdData: string;
  /** Written once Bootstrap has created the cluster: its content is the date. */
  bootstrapMarker: string;
}

export const controlPlanePaths: ControlPlanePaths = {
  etcdBin: "/usr/bin/etcd",
  apiserverBin: "/usr/bin/kube-apiserver",
  controllerManagerBin: "/usr/bin/kube-controller-manager",
  schedulerBin: "/usr/bin/kube-scheduler",
  pkiDir: "/var/lib/basalt/kubernetes/pki",
  etcdData: "/var/lib/etcd",
  bootstrapMarker: "/var/lib/basalt/kubernetes/bootstrapped",
};

/** Files inside the control plane's pki dir. */
export const pkiFile = (paths: ControlPlanePaths, name: string): string => `${paths.pkiDir}/${name}`;

/** The well-known ports of a control plane (the node runs one of each). */
export const controlPlanePorts = {
  etcdClient: 2379,
  etcdPeer: 2380,
  /** etcd's plain-HTTP /health and /metrics on loopback (what kubeadm's liveness probe uses). */
  etcdMetrics: 2381,
  apiserver: 6443,
  controllerManager: 10257,
  scheduler: 10259,
} as const;
