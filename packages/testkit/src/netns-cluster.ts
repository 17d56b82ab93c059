import { randomInt } from "node:crypto";
import { type NodeJoinResult, prepareNodeJoin } from "@basalt/kube";
import type { MachineConfigInput } from "@basalt/machinery";
import { createCa, type KeyPairPem } from "@basalt/pki";
import {
  createVmNetwork,
  type NetnsVm,
  type VmConfigContext,
  type VmNetwork,
  type VmSpec,
} from "@basalt/provision";
import { type ControlPlane, type ControlPlaneOptions, startControlPlane } from "./control-plane.ts";

/**
 * Basalt VMs and a real Kubernetes control plane on one network of their own: a namespace with a
 * bridge, one tap per VM, static addresses, no way out; etcd, kube-apiserver, kube-controller-manager
 * and kube-scheduler inside it, the apiserver bound to the bridge address and ready for kubelets to
 * join (bootstrap token, CSR approval, node IPAM). This process reaches the node APIs and the
 * apiserver only through loopback forwards.
 *
 *     await using cluster = await startNetnsCluster({
 *       image: (await cachedImage(log)).dir,
 *       vms: [{ name: "node-a", memoryMiB: 2048, configure: (config, ctx) => ({ ...config, kubernetes: … ctx.kubernetes … }) }],
 *       controlPlane: { ca: secrets.kubernetes.ca, bootstrapToken: secrets.kubernetes.token },
 *     });
 */

/** The joining details a VM's `configure` hook gets when there is a control plane. */
export interface NetnsKubernetes {
  /** `https://<bridge address>:6443`: the apiserver as the VMs reach it. */
  server: string;
  /** The cluster CA certificate (PEM). */
  caCert: string;
  /** The bootstrap token `<id>.<secret>` whose Secret and RBAC `prepareNodeJoin` created. */
  bootstrapToken: string;
}

export interface NetnsClusterVm extends Omit<VmSpec, "configure"> {
  /** Edits the VM's machine config; `kubernetes` is set when the cluster has a control plane. */
  configure?: (
    config: MachineConfigInput,
    context: VmConfigContext & { kubernetes: NetnsKubernetes | undefined },
  ) => MachineConfigInput | Promise<MachineConfigInput>;
}

export interface NetnsClusterOptions {
  /** Directory holding disk.raw (e.g. `cachedImage(...).dir`). */
  image: string;
  vms: readonly NetnsClusterVm[];
  /**
   * The control plane (default: one with its defaults), or `false` for VMs only. `ca` is the
   * Kubernetes cluster CA (default: a new one); `bootstrapToken` the join token (default: a new one).
   */
  controlPlane?:
    | false
    | (Omit<ControlPlaneOptions, "network" | "ca"> & { ca?: KeyPairPem; bootstrapToken?: string });
  /** Bridge subnet inside the namespace; default 10.77.0.0/24. */
  subnet?: string;
  /** CA of the nodes' API (secrets `ca` of basaltctl); default a new one. */
  osCa?: KeyPairPem;
  /** Wait this long for every VM's API; default 300 s. */
  bootTimeoutMs?: number;
  /** Keep disks and console logs: "on-failure" (default), "always", "never". */
  keepFiles?: "always" | "never" | "on-failure";
  log?: (line: string) => void;
}

export interface NetnsCluster extends AsyncDisposable {
  network: VmNetwork;
  vms: NetnsVm[];
  /** basaltctl client config (os:admin) with every VM at its forwarded endpoint. */
  clientConfigPath: string;
  /** The control plane (admin kubeconfig at `kubeconfigPath`, host-side `server`), if any. */
  controlPlane: ControlPlane | undefined;
  kubernetes: NetnsKubernetes | undefined;
  join: NodeJoinResult | undefined;
  /** Seconds: network prepared, control plane ready, VMs' APIs ready (from the start). */
  timings: { network: number; controlPlane: number | undefined; vms: number };
  /** Keep logs at teardown (a test failed). */
  markFailed(): void;
  destroy(): Promise<void>;
}

function newBootstrapToken(): string {
  const chars = "abcdefghijklmnopqrstuvwxyz0123456789";
  const pick = (n: number) => Array.from({ length: n }, () => chars[randomInt(chars.length)]).join("");
  return `${pick(6)}.${pick(16)}`;
}

/**
 * Creates the network, then starts the control plane and boots every VM at the same time (TCG boots
 * and the control plane's start overlap), applies `prepareNodeJoin`, and returns once every VM's API
 * answers. On any failure everything is torn down (logs kept) and the error names the failing part.
 */
export async function startNetnsCluster(options: NetnsClusterOptions): Promise<NetnsCluster> {
  const t0 = performance.now();
  const since = () => (performance.now() - t0) / 1000;
  const log = options.log ?? (() => {});
  const cpOptions = options.controlPlane === false ? undefined : (options.controlPlane ?? {});
  const ca = cpOptions ? (cpOptions.ca ?? (await createCa("basalt-kubernetes-ca"))) : undefined;
  const bootstrapToken = cpOptions ? (cpOptions.bootstrapToken ?? newBootstrapToken()) : undefined;
  let kubernetes: NetnsKubernetes | undefined;
  const network = await createVmNetwork({
    image: options.image,
    subnet: options.subnet,
    osCa: options.osCa,
    keepFiles: options.keepFiles,
    log,
    vms: options.vms.map((vm) => ({
      ...vm,
      configure: async (config, context) => {
        kubernetes =
          ca && bootstrapToken
            ? { server: `https://${context.plan.bridge.ip}:6443`, caCert: ca.cert, bootstrapToken }
            : undefined;
        return vm.configure ? vm.configure(config, { ...context, kubernetes }) : config;
      },
    })),
  });
  const networkReady = since();
  let controlPlane: ControlPlane | undefined;
  let join: NodeJoinResult | undefined;
  let controlPlaneReady: number | undefined;
  const cluster: NetnsCluster = {
    network,
    vms: network.vms,
    clientConfigPath: network.clientConfigPath,
    get controlPlane() {
      return controlPlane;
    },
    get kubernetes() {
      return kubernetes;
    },
    get join() {
      return join;
    },
    timings: { network: networkReady, controlPlane: undefined, vms: 0 },
    markFailed() {
      network.markFailed();
      controlPlane?.markFailed();
    },
    destroy: () => network.destroy(),
    [Symbol.asyncDispose]: () => network.destroy(),
  };
  network.onDestroy(async () => {
    await controlPlane?.stop();
  });
  try {
    await Promise.all([
      (async () => {
        if (!cpOptions || !ca || !bootstrapToken) return;
        const { bootstrapToken: _token, ...rest } = cpOptions;
        controlPlane = await startControlPlane({
          serviceClusterIpRange: "10.96.0.0/12",
          ...rest,
          ca,
          network: network.inside(),
          log,
        });
        join = await prepareNodeJoin(controlPlane.kubeConfig, bootstrapToken);
        controlPlaneReady = since();
        log(
          `control plane ready at ${controlPlane.internalServer} (host: ${controlPlane.server}) in ${controlPlaneReady.toFixed(1)} s`,
        );
      })(),
      network.boot({ timeoutMs: options.bootTimeoutMs }),
    ]);
  } catch (err) {
    cluster.markFailed();
    await network.destroy().catch(() => {});
    throw err;
  }
  cluster.timings = { network: networkReady, controlPlane: controlPlaneReady, vms: since() };
  return cluster;
}
