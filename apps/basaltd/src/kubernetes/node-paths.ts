/**
 * Where a Basalt Kubernetes node keeps its programs, generated configs and state, in one place.
 * Programs come from the read-only root (the `kubernetes` image profile); configs are rendered
 * by basaltd at every boot into /run (they hold the bootstrap token, so they never outlive the
 * boot); state lives on STATE (/var), so a rebooted node keeps its identity and images.
 */
export interface KubeNodePaths {
  containerdBin: string;
  runcBin: string;
  kubeletBin: string;
  kubeProxyBin: string;
  /** The CNI plugins (bridge, host-local, loopback, portmap). */
  cniBinDir: string;
  /** The pinned sandbox image, an OCI archive in the root image. */
  pauseArchive: string;
  /** modules-load.d lists in the root image: the modules the image was built to load. */
  moduleLists: string;
  /** Generated configs (tmpfs). */
  configDir: string;
  /** Where containerd writes the conflist it renders from the template once kubelet knows the podCIDR. */
  cniConfDir: string;
  containerdRoot: string;
  containerdState: string;
  containerdSocket: string;
  kubeletRoot: string;
  /** kubelet's client and serving certificates; the rotated client cert kube-proxy uses too. */
  kubeletCertDir: string;
  /** Written by kubelet once its TLS bootstrap succeeded; on STATE so a reboot needs no token. */
  kubeletKubeconfig: string;
  /** The file in `/run` holding the node's resolvers (the root's /etc/resolv.conf links to it). */
  resolvConf: string;
}

/** The layout of the `kubernetes` image profile. */
export const kubeNodePaths: KubeNodePaths = {
  containerdBin: "/usr/bin/containerd",
  runcBin: "/usr/bin/runc",
  kubeletBin: "/usr/bin/kubelet",
  kubeProxyBin: "/usr/bin/kube-proxy",
  cniBinDir: "/opt/cni/bin",
  pauseArchive: "/usr/share/basalt/images/pause-3.10.1.tar",
  moduleLists: "/usr/lib/modules-load.d",
  configDir: "/run/basalt/kubernetes",
  cniConfDir: "/run/basalt/kubernetes/cni/net.d",
  containerdRoot: "/var/lib/containerd",
  containerdState: "/run/containerd",
  containerdSocket: "/run/containerd/containerd.sock",
  kubeletRoot: "/var/lib/kubelet",
  kubeletCertDir: "/var/lib/kubelet/pki",
  kubeletKubeconfig: "/var/lib/kubelet/kubeconfig",
  resolvConf: "/run/resolv.conf",
};

/** Files inside `configDir`. */
export const configFile = (paths: KubeNodePaths, name: string): string => `${paths.configDir}/${name}`;

/** The certificate kubelet rotates (client cert and key in one PEM). */
export const kubeletClientCert = (paths: KubeNodePaths): string =>
  `${paths.kubeletCertDir}/kubelet-client-current.pem`;

/** containerd's default sandbox image name: kubelet never pulls it because it is imported pinned first. */
export const sandboxImage = "registry.k8s.io/pause:3.10.1";
