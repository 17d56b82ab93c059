import { existsSync } from "node:fs";
import { KubeClient } from "@basalt/kube";
import { toBasaltError } from "@basalt/machinery";
import type { Logger } from "pino";
import { checkBootstrapToken } from "../adapters/linux/apiserver-probe.ts";
import {
  adminKubeClient,
  readBootstrapMarker,
  writeBootstrapMarker,
} from "../adapters/linux/control-plane-node-linux.ts";
import { linuxKubeNodeHost } from "../adapters/linux/kube-node-host-linux.ts";
import { pinnedImageImporter } from "../adapters/linux/pinned-image-importer.ts";
import { linuxPodNetworkHost, nodeKubeEndpoint } from "../adapters/linux/pod-network-host-linux.ts";
import type { DaemonContext } from "../daemon-context.ts";
import { clusterControl } from "../kubernetes/cluster-control.ts";
import { controlPlaneFiles } from "../kubernetes/control-plane-certs.ts";
import { controlPlanePaths } from "../kubernetes/control-plane-paths.ts";
import { KubeletVersion } from "../kubernetes/kubelet-version.ts";
import { controlPlaneKubePhases, kubePhases, runKubePhases } from "../kubernetes/kubernetes-phases.ts";
import { kubeHealthGates } from "../kubernetes/kubernetes-services.ts";
import { kubeletClientCert, kubeNodePaths } from "../kubernetes/node-paths.ts";
import { runPodNetwork } from "../kubernetes/pod-network.ts";
import { podRouteProtocol } from "../kubernetes/pod-routes.ts";

/**
 * Kubernetes: on a node with a `kubernetes:` section, modules and sysctls → cgroups → configs →
 * containerd → pinned pause image → join check → kubelet → kube-proxy, in the background (the API
 * stays up whatever happens). Returns the services whose health the boot guard waits for.
 */
export function kubernetesPhase(ctx: DaemonContext, log: Logger): string[] {
  const k8s = ctx.config.kubernetes;
  if (!k8s) return [];
  const report = (subject: string, message: string) => {
    ctx.events.publish("kubernetes", subject, message);
    log.info({ kubernetes: subject }, message);
    console.log(`basaltd: [k8s ${subject}] ${message}`);
  };
  const controlPlaneNode =
    k8s.role === "controlplane" && ctx.supervisor.list().some((s) => s.name === "etcd");
  const services = {
    start: (n: string) => ctx.supervisor.get(n).start(),
    snapshot: (n: string) => ctx.supervisor.get(n).snapshot(),
  };
  const sleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms));
  ctx.kubelet = new KubeletVersion(ctx.host, kubeNodePaths.kubeletBin, (m) => report("kubelet", m));
  const kube = adminKubeClient(controlPlanePaths);
  let pkiWritten = false;
  if (controlPlaneNode)
    ctx.cluster = clusterControl({
      k8s,
      services,
      sleep,
      healthWaitMs: 900_000,
      readMarker: () => readBootstrapMarker(controlPlanePaths),
      writeMarker: (text) => writeBootstrapMarker(controlPlanePaths, text),
      pkiWritten: () => pkiWritten,
      kube,
      now: () => new Date(),
    });
  void runKubePhases(
    {
      k8s,
      nodeName: ctx.config.node.name,
      paths: kubeNodePaths,
      host: linuxKubeNodeHost(kubeNodePaths.moduleLists),
      services,
      images: pinnedImageImporter(kubeNodePaths.containerdSocket, ctx.config.containers.snapshotter),
      joinCheck: checkBootstrapToken,
      report,
      ...(ctx.timeline ? { timeline: ctx.timeline } : {}),
      ...(controlPlaneNode
        ? {
            controlPlane: {
              paths: controlPlanePaths,
              files: () => controlPlaneFiles(k8s, ctx.config.node.name, controlPlanePaths, kubeNodePaths),
              bootstrapped: async () => (await readBootstrapMarker(controlPlanePaths)) !== undefined,
              kube,
              pkiWritten: () => {
                pkiWritten = true;
              },
            },
          }
        : {}),
    },
    controlPlaneNode ? controlPlaneKubePhases : kubePhases,
  ).catch((err: unknown) => report("basaltd", `Kubernetes start-up stopped: ${toBasaltError(err).message}`));
  // Host-gw pod routes to the other Nodes, as system:node:<name> with kubelet's rotated certificate.
  void runPodNetwork(
    {
      nodeName: ctx.config.node.name,
      host: linuxPodNetworkHost(podRouteProtocol),
      endpoint: () => nodeKubeEndpoint(k8s, kubeletClientCert(kubeNodePaths)),
      client: (endpoint) => new KubeClient(endpoint, { maxSockets: 2 }),
      report: (message) => report("pod-routes", message),
    },
    new AbortController().signal,
  ).catch((err: unknown) => report("pod-routes", `stopped: ${toBasaltError(err).message}`));
  // A bootstrapped control plane must come back healthy for a new OS version to be blessed; before
  // Bootstrap, etcd and the apiserver do not run at all.
  const bootstrapped = controlPlaneNode && existsSync(controlPlanePaths.bootstrapMarker);
  return [...kubeHealthGates, ...(bootstrapped ? ["etcd", "kube-apiserver"] : [])];
}
