import type { KubernetesConfig } from "@basalt/machinery";
import type { BootTimeline } from "../boot-timeline/boot-timeline.ts";
import {
  type ControlPlaneNodeDeps,
  controlPlane,
  controlPlanePki,
  nodeRole,
} from "./control-plane-phases.ts";
import { kubeCgroupControllers, kubeModules, kubeSysctls } from "./kernel-prerequisites.ts";
import type { JoinCheck, KubeNodeHost, KubeServiceControl, PinnedImageImporter } from "./kube-node-ports.ts";
import { type GeneratedFile, kubernetesFiles } from "./kubernetes-files.ts";
import { type KubeNodePaths, kubeletClientCert } from "./node-paths.ts";

/** Everything the Kubernetes phases use, injected. */
export interface KubeNodeDeps {
  k8s: KubernetesConfig;
  nodeName: string;
  paths: KubeNodePaths;
  host: KubeNodeHost;
  services: KubeServiceControl;
  images: PinnedImageImporter;
  joinCheck: JoinCheck;
  /** An event for `basaltctl events` (and the console): what happened, or what is wrong. */
  report(subject: string, message: string): void;
  /** How long the join check looks again before reporting the token, CA or endpoint wrong (ms). */
  joinCheckWindowMs?: number;
  /** How long to wait for a service's health before moving on (ms). */
  healthWaitMs?: number;
  pollMs?: number;
  /** On a control-plane node: its PKI, bootstrap state and admin client. */
  controlPlane?: ControlPlaneNodeDeps;
  /** How long each control-plane service may take to be healthy, and the Node to appear (ms). */
  controlPlaneWaitMs?: number;
  /** Where each phase that ended well goes as a step (from its first try to its success). */
  timeline?: Pick<BootTimeline, "now" | "record">;
}

/**
 * One named step of starting Kubernetes on the node; returns a short summary. An `essential` phase
 * that fails is retried (nothing after it can work without it); any other failure is reported and
 * the next phase runs, so a missing module or a failed import shows up as a clear event instead
 * of stopping the node.
 */
export interface KubePhase {
  name: string;
  essential: boolean;
  run(deps: KubeNodeDeps): Promise<string>;
}

async function waitHealthy(deps: KubeNodeDeps, name: string, timeoutMs: number): Promise<boolean> {
  const until = Date.now() + timeoutMs;
  for (;;) {
    const s = deps.services.snapshot(name);
    if (s.state === "running" && s.health === "healthy") return true;
    if (Date.now() >= until) return false;
    await deps.host.sleep(deps.pollMs ?? 500);
  }
}

const modules: KubePhase = {
  name: "modules",
  essential: false,
  async run({ host }) {
    const r = await host.loadModules([...new Set([...kubeModules, ...(await host.listedModules())])]);
    const problems = [
      ...(r.missing.length ? [`missing from the kernel: ${r.missing.join(", ")}`] : []),
      ...(r.failed.length ? [`failed: ${r.failed.join("; ")}`] : []),
    ];
    if (problems.length) throw new Error(`loaded ${r.loaded.length}, ${problems.join("; ")}`);
    return `loaded ${r.loaded.length}, ${r.present.length} already present`;
  },
};

const sysctls: KubePhase = {
  name: "sysctls",
  essential: false,
  async run({ host }) {
    const failed: string[] = [];
    for (const [name, value] of Object.entries(kubeSysctls)) {
      try {
        await host.setSysctl(name, value);
      } catch (err) {
        failed.push(`${name}=${value}: ${(err as Error).message}`);
      }
    }
    if (failed.length) throw new Error(`could not set ${failed.join("; ")}`);
    return Object.entries(kubeSysctls)
      .map(([n, v]) => `${n}=${v}`)
      .join(" ");
  },
};

const cgroups: KubePhase = {
  name: "cgroups",
  essential: true,
  async run({ host }) {
    const available = await host.cgroupControllers();
    const wanted = kubeCgroupControllers.filter((c) => available.includes(c));
    await host.enableCgroupControllers(wanted);
    const absent = kubeCgroupControllers.filter((c) => !available.includes(c));
    return `cgroup v2, delegated ${wanted.join(" ")}${absent.length ? ` (kernel lacks ${absent.join(" ")})` : ""}`;
  },
};

const files: KubePhase = {
  name: "files",
  essential: true,
  async run(deps) {
    const { host, paths } = deps;
    const generated: GeneratedFile[] = kubernetesFiles(deps.k8s, deps.nodeName, paths);
    for (const dir of [
      paths.configDir,
      paths.cniConfDir,
      paths.kubeletRoot,
      paths.kubeletCertDir,
      paths.containerdRoot,
    ])
      await host.mkdirp(dir);
    for (const f of generated) await host.writeFile(f.path, f.text, f.mode);
    // containerd keeps pod network namespaces under /var/run/netns: on a fresh STATE, /var/run
    // must be the tmpfs /run, as on any Linux, not a directory on disk.
    await host.ensureSymlink("../run", "/var/run");
    return `${generated.length} files in ${paths.configDir}`;
  },
};

const containerd: KubePhase = {
  name: "containerd",
  essential: true,
  async run(deps) {
    deps.services.start("containerd");
    if (!(await waitHealthy(deps, "containerd", deps.healthWaitMs ?? 60_000))) {
      const s = deps.services.snapshot("containerd");
      throw new Error(
        `containerd is ${s.state}, not healthy: ${s.healthMessage || s.events.at(-1)?.message || "no answer"}`,
      );
    }
    return `healthy (${deps.paths.containerdSocket})`;
  },
};

const pauseImage: KubePhase = {
  name: "pause-image",
  essential: false,
  async run({ images, paths }) {
    const names = await images.importPinned(paths.pauseArchive);
    return `imported pinned ${names.join(", ")}`;
  },
};

const joinCheck: KubePhase = {
  name: "join-check",
  essential: false,
  async run(deps) {
    if (await deps.host.exists(deps.paths.kubeletKubeconfig))
      return "joined on an earlier boot: kubelet uses its own certificate";
    // The control plane may come up after the node (or the token's Secret a little after it):
    // look again for a while before calling the token, CA or endpoint wrong.
    const until = Date.now() + (deps.joinCheckWindowMs ?? 180_000);
    for (let attempt = 1; ; attempt++) {
      const r = await deps.joinCheck(deps.k8s);
      if (r.ok) return r.message;
      if (Date.now() >= until) throw new Error(r.message);
      if (attempt === 1) deps.report("join-check", `waiting: ${r.message}`);
      await deps.host.sleep(deps.pollMs ?? 5000);
    }
  },
};

const kubelet: KubePhase = {
  name: "kubelet",
  essential: false,
  async run(deps) {
    deps.services.start("kubelet");
    if (await waitHealthy(deps, "kubelet", deps.healthWaitMs ?? 120_000)) return "healthy";
    const s = deps.services.snapshot("kubelet");
    throw new Error(
      `started, not healthy yet (${s.state}, ${s.restarts} restarts): ${s.healthMessage || s.events.at(-1)?.message || ""}; see basaltctl logs kubelet`,
    );
  },
};

const kubeProxy: KubePhase = {
  name: "kube-proxy",
  essential: true,
  async run(deps) {
    const cert = kubeletClientCert(deps.paths);
    let waited = false;
    while (!(await deps.host.exists(cert))) {
      if (!waited)
        deps.report("kube-proxy", `waiting for kubelet's client certificate ${cert} (TLS bootstrap)`);
      waited = true;
      await deps.host.sleep(deps.pollMs ?? 2000);
    }
    deps.services.start("kube-proxy");
    return "started with the node's client certificate";
  },
};

/** The order Kubernetes comes up on a worker: each phase needs what the ones before it did. */
export const kubePhases: readonly KubePhase[] = [
  modules,
  sysctls,
  cgroups,
  files,
  containerd,
  pauseImage,
  joinCheck,
  kubelet,
  kubeProxy,
];

/**
 * The order on a control-plane node: its PKI issued before anything reads it, the control plane
 * (if bootstrapped) before kubelet, kubelet with the client certificate basaltd issued (no join
 * check, no TLS bootstrap), and the Node's role label last (it waits for Bootstrap).
 */
export const controlPlaneKubePhases: readonly KubePhase[] = [
  modules,
  sysctls,
  cgroups,
  files,
  controlPlanePki,
  containerd,
  pauseImage,
  controlPlane,
  kubelet,
  kubeProxy,
  nodeRole,
];

/**
 * Runs the phases in order, reporting each (`[name] summary (ms)`). An essential phase is retried
 * every `retryMs` until it passes; the rest are reported and passed over. Returns when the last
 * phase is done; the services keep running under the supervisor.
 */
export async function runKubePhases(
  deps: KubeNodeDeps,
  phases: readonly KubePhase[] = kubePhases,
  retryMs = 10_000,
): Promise<{ phase: string; ok: boolean; summary: string }[]> {
  const results: { phase: string; ok: boolean; summary: string }[] = [];
  for (const phase of phases) {
    const firstTry = deps.timeline?.now();
    for (let attempt = 1; ; attempt++) {
      const started = performance.now();
      try {
        const summary = await phase.run(deps);
        deps.report(phase.name, `${summary} (${Math.round(performance.now() - started)} ms)`);
        if (deps.timeline && firstTry !== undefined)
          deps.timeline.record(`kubernetes/${phase.name}`, firstTry, deps.timeline.now());
        results.push({ phase: phase.name, ok: true, summary });
        break;
      } catch (err) {
        const message = (err as Error).message;
        if (!phase.essential) {
          deps.report(phase.name, `problem: ${message}`);
          results.push({ phase: phase.name, ok: false, summary: message });
          break;
        }
        deps.report(phase.name, `failed (attempt ${attempt}): ${message}; retrying in ${retryMs / 1000} s`);
        await deps.host.sleep(retryMs);
      }
    }
  }
  return results;
}
