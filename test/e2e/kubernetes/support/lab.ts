import { mkdirSync, mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { MachineConfigInput } from "@basalt/machinery";
import { k8sBinDir, type NetnsCluster, startNetnsCluster } from "@basalt/testkit";
import { parse } from "yaml";
import { cachedImage } from "../../support/cached-image.ts";
import { type Kubectl, kubectlRunner, nodeReady, run } from "./kubectl.ts";

const basaltctl = join(import.meta.dirname, "../../../../dist/basaltctl.mjs");

/** Runs the built basaltctl (generous per-node timeout: TCG nodes are slow while kubelet starts). */
function runCtl(args: readonly string[], timeoutMs = 180_000): Promise<string> {
  return run([process.execPath, basaltctl, "--timeout", "90s", ...args], timeoutMs);
}

/** A worker VM of the lab, managed only through basaltctl. */
export interface Worker {
  name: string;
  ip: string;
  /** basaltctl against this node only. */
  ctl(args: readonly string[]): Promise<string>;
  /** Waits for the node API (TLS through the forward); returns seconds since `since` (ms epoch, default: its boot). */
  waitForApi(timeoutMs: number, since?: number): Promise<number>;
  /** Seconds from qemu start to the node API answering, at the first boot. */
  apiReadySeconds(): number | undefined;
  /** Seconds from qemu start until the Node was first seen Ready (polled every 2 s from the start). */
  nodeReadySeconds(): number | undefined;
  /** Seconds since the VM's qemu started. */
  secondsSinceBoot(): number;
  secondsSince(ms: number): number;
  /** `basaltctl reboot` through the API; returns when it was asked (ms epoch), once the VM went down. */
  reboot(): Promise<number>;
  /** Stops the VM (frees its CPU). */
  stop(): Promise<void>;
  console(): string;
}

export interface K8sLab {
  workDir: string;
  bootstrapToken: string;
  kubectl: Kubectl;
  cluster: NetnsCluster;
  /** basaltctl with the lab's admin client config. */
  ctl(args: readonly string[]): Promise<string>;
  /** basaltctl expected to fail: its stderr (throws if it succeeded). */
  ctlFails(args: readonly string[]): Promise<string>;
  worker(name: string): Worker;
  /** qemu start of the VMs (ms epoch), measured as the end of the network's preparation. */
  bootedAt: number;
  markFailed(): void;
  stop(): Promise<void>;
}

export interface WorkerSpec {
  name: string;
  /** A bootstrap token to put in this worker's config instead of the cluster's. */
  bootstrapToken?: string;
}

/**
 * The lab: `basaltctl gen secrets` makes both CAs and the token; the netns cluster (testkit) runs
 * the control plane with that Kubernetes CA and token inside the namespace; each worker's machine
 * config is `basaltctl gen config --worker` output for its bridge address. All VMs boot at once.
 */
export async function startK8sLab(options: {
  workers: readonly WorkerSpec[];
  log: (line: string) => void;
  /** Edits each worker's generated machine config (e.g. `update.trustedKeys`). */
  configure?: (config: MachineConfigInput, worker: WorkerSpec) => MachineConfigInput;
}): Promise<K8sLab> {
  const workDir = mkdtempSync(join(tmpdir(), "basalt-e2e-k8s-"));
  const image = (await cachedImage((l) => options.log(`imager ${l}`), { profile: "kubernetes" })).dir;
  const secretsPath = join(workDir, "secrets.yaml");
  await runCtl(["gen", "secrets", "--out", secretsPath]);
  const secrets = parse(readFileSync(secretsPath, "utf8"));
  const token: string = secrets.kubernetes.bootstrapToken;
  const t0 = Date.now();
  const apiReady = new Map<string, number>();
  const log = (line: string) => {
    const m = /^(\S+): API ready at .* in ([\d.]+) s/.exec(line);
    if (m) apiReady.set(m[1]!, Number(m[2]));
    options.log(line);
  };
  const cluster = await startNetnsCluster({
    image,
    osCa: secrets.ca,
    controlPlane: { ca: secrets.kubernetes.ca, bootstrapToken: token },
    bootTimeoutMs: 600_000,
    log,
    vms: options.workers.map((w) => ({
      name: w.name,
      memoryMiB: 1536,
      cpus: 1,
      configure: async (_generated: MachineConfigInput, ctx) => {
        const out = join(workDir, "configs", w.name);
        mkdirSync(out, { recursive: true });
        await runCtl([
          "gen",
          "config",
          "--secrets",
          secretsPath,
          "--kubernetes-endpoint",
          ctx.kubernetes!.server,
          "--worker",
          `${w.name}=${ctx.vm.cidr}`,
          "--gateway",
          ctx.plan.bridge.ip,
          "--api-san",
          "127.0.0.1",
          "--out",
          out,
        ]);
        const config = parse(readFileSync(join(out, `${w.name}.yaml`), "utf8"));
        if (w.bootstrapToken) config.kubernetes.bootstrapToken = w.bootstrapToken;
        return options.configure ? options.configure(config, w) : config;
      },
    })),
  });
  const bootedAt = t0 + (cluster.timings.network ?? 0) * 1000;
  const cp = cluster.controlPlane!;
  const kubectl = kubectlRunner(await k8sBinDir(), cp.kubeconfigPath);
  const client = ["--basaltconfig", cluster.clientConfigPath];
  // Boot-to-Node-Ready is measured here, independent of the order the test cases run in.
  const firstReady = new Map<string, number>();
  let watching = true;
  const watcher = (async () => {
    while (watching) {
      try {
        for (const n of (await kubectl.json(["get", "nodes"])).items)
          if (nodeReady(n) === "True" && !firstReady.has(n.metadata.name))
            firstReady.set(n.metadata.name, Date.now());
      } catch {
        // the apiserver is busy: look again
      }
      await new Promise((r) => setTimeout(r, 2000));
    }
  })();
  const worker = (name: string): Worker => {
    const vm = cluster.network.vm(name);
    const ctl = (args: readonly string[]) => runCtl([...client, "-n", name, ...args]);
    return {
      name,
      ip: vm.ip,
      ctl,
      async waitForApi(timeoutMs, since = bootedAt) {
        await cluster.network.waitForApi(name, timeoutMs);
        return (Date.now() - since) / 1000;
      },
      apiReadySeconds: () => apiReady.get(name),
      nodeReadySeconds: () => {
        const at = firstReady.get(name);
        return at === undefined ? undefined : (at - bootedAt) / 1000;
      },
      secondsSinceBoot: () => (Date.now() - bootedAt) / 1000,
      secondsSince: (ms) => (Date.now() - ms) / 1000,
      async reboot() {
        const from = vm.qemu!.consoleLength();
        const at = Date.now();
        await ctl(["reboot"]);
        await vm.qemu!.waitForConsole(/basalt-initramfs: uptime/, 300_000, from);
        return at;
      },
      stop: async () => vm.qemu?.stop(3000),
      console: () => vm.qemu?.console() ?? "",
    };
  };
  return {
    workDir,
    bootstrapToken: token,
    kubectl,
    cluster,
    bootedAt,
    ctl: (args) => runCtl([...client, ...args]),
    async ctlFails(args) {
      try {
        await runCtl([...client, ...args]);
      } catch (err) {
        const e = err as { stderr?: string; stdout?: string };
        return `${e.stdout ?? ""}${e.stderr ?? ""}`;
      }
      throw new Error(`basaltctl ${args.join(" ")} succeeded; it should have failed`);
    },
    worker,
    markFailed: () => cluster.markFailed(),
    async stop() {
      watching = false;
      await watcher;
      await cluster.destroy();
      if (!process.env.BASALT_E2E_KEEP) rmSync(workDir, { recursive: true, force: true });
    },
  };
}
