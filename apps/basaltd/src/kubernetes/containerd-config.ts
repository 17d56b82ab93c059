import { configFile, type KubeNodePaths, sandboxImage } from "./node-paths.ts";

/** A TOML basic string (quotes and backslashes escaped). */
const str = (s: string) => JSON.stringify(s);

/**
 * containerd's config.toml (config version 3, containerd 2.x) for a Basalt worker. Why each choice:
 * - root on STATE, state and socket in /run: images survive reboots, runtime state does not.
 * - runc with `SystemdCgroup = false`: there is no systemd; kubelet uses the cgroupfs driver too.
 * - the pinned sandbox image is the one basaltd imports from the root image, so nothing is pulled.
 * - CNI `conf_template`: kubelet hands the Node's podCIDR to containerd (CRI UpdateRuntimeConfig)
 *   once kube-controller-manager allocates it, and containerd renders the bridge conflist from the
 *   template into `conf_dir`. No process needs to watch the Node object for it.
 * - the CRI streaming server on loopback only: kubelet proxies exec/logs/port-forward to it.
 */
export function renderContainerdConfig(paths: KubeNodePaths): string {
  return `version = 3
root = ${str(paths.containerdRoot)}
state = ${str(paths.containerdState)}

[grpc]
  address = ${str(paths.containerdSocket)}

[plugins.'io.containerd.cri.v1.images']
  snapshotter = "overlayfs"

[plugins.'io.containerd.cri.v1.images'.pinned_images]
  sandbox = ${str(sandboxImage)}

[plugins.'io.containerd.cri.v1.runtime']
  enable_cdi = false

[plugins.'io.containerd.cri.v1.runtime'.containerd]
  default_runtime_name = "runc"

[plugins.'io.containerd.cri.v1.runtime'.containerd.runtimes.runc]
  runtime_type = "io.containerd.runc.v2"

[plugins.'io.containerd.cri.v1.runtime'.containerd.runtimes.runc.options]
  BinaryName = ${str(paths.runcBin)}
  SystemdCgroup = false

[plugins.'io.containerd.cri.v1.runtime'.cni]
  bin_dirs = [${str(paths.cniBinDir)}]
  conf_dir = ${str(paths.cniConfDir)}
  conf_template = ${str(configFile(paths, cniTemplateName))}
  max_conf_num = 1

[plugins.'io.containerd.grpc.v1.cri']
  stream_server_address = "127.0.0.1"
  stream_server_port = "0"
`;
}

/** The CNI conflist template's file name inside the config dir. */
export const cniTemplateName = "cni-bridge.conflist.template";
