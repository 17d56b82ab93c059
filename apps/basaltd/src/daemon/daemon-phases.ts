import { existsSync, readFileSync } from "node:fs";
import type { Http2SecureServer } from "node:http2";
import { resolve } from "node:path";
import { KubeClient } from "@basalt/kube";
import {
  BasaltError,
  basaltVersion,
  type MachineConfig,
  parseMachineConfig,
  toBasaltError,
} from "@basalt/machinery";
import type { Logger } from "pino";
import { checkBootstrapToken } from "../adapters/linux/apiserver-probe.ts";
import { configStore } from "../adapters/linux/config-store.ts";
import {
  adminKubeClient,
  readBootstrapMarker,
  writeBootstrapMarker,
} from "../adapters/linux/control-plane-node-linux.ts";
import { linuxInitHost } from "../adapters/linux/init-host-linux.ts";
import { fatalReboot, powerAction, startReaper } from "../adapters/linux/init-power.ts";
import { linuxKubeNodeHost } from "../adapters/linux/kube-node-host-linux.ts";
import { linuxHost } from "../adapters/linux/linux-host.ts";
import { applyNetworkPlan } from "../adapters/linux/live-network-linux.ts";
import { pinnedImageImporter } from "../adapters/linux/pinned-image-importer.ts";
import { linuxPodNetworkHost, nodeKubeEndpoint } from "../adapters/linux/pod-network-host-linux.ts";
import { raiseNoFileLimit } from "../adapters/linux/rlimit.ts";
import { linuxUpdateSystem } from "../adapters/linux/update-system-linux.ts";
import { type ApiSecurity, createApiSecurity } from "../api/api-security.ts";
import { startApiServer } from "../api/server.ts";
import type { BootTimeline } from "../boot-timeline/boot-timeline.ts";
import { ConfigManager } from "../config/config-manager.ts";
import { applyLive } from "../config/live-apply.ts";
import { checkTlsMaterial } from "../config/tls-material.ts";
import type { DaemonContext } from "../daemon-context.ts";
import { EventBus } from "../events/event-bus.ts";
import { powerDecision } from "../handlers/lifecycle-handler.ts";
import type { Host } from "../host.ts";
import { findBootDisk } from "../init/boot-disk.ts";
import { espMountPoint, persistedConfigPath } from "../init/boot-phases.ts";
import { bootStatusLines } from "../init/boot-status.ts";
import { runBoot } from "../init/run-boot.ts";
import { clusterControl } from "../kubernetes/cluster-control.ts";
import { controlPlaneServices } from "../kubernetes/control-plane-args.ts";
import { controlPlaneFiles } from "../kubernetes/control-plane-certs.ts";
import { controlPlanePaths } from "../kubernetes/control-plane-paths.ts";
import { KubeletVersion } from "../kubernetes/kubelet-version.ts";
import { controlPlaneKubePhases, kubePhases, runKubePhases } from "../kubernetes/kubernetes-phases.ts";
import { kubeHealthGates, kubeServices } from "../kubernetes/kubernetes-services.ts";
import { kubeletClientCert, kubeNodePaths } from "../kubernetes/node-paths.ts";
import { runPodNetwork } from "../kubernetes/pod-network.ts";
import { podRouteProtocol } from "../kubernetes/pod-routes.ts";
import { createLogger } from "../logger.ts";
import { publishLogTrouble } from "../supervisor/rotating-log.ts";
import { Supervisor } from "../supervisor/supervisor.ts";
import { guardBoot } from "../update/boot-guard.ts";
import { nodeHealth } from "../update/node-health.ts";

/**
 * The phases of basaltd's start, in order: config → host → events → supervisor → API → Kubernetes →
 * boot guard. main.ts runs them; each takes what the ones before it made.
 */

/** Config: in init mode, boot the node (mounts, STATE, config, network); else read --config. */
export async function configPhase(
  initMode: boolean,
  configPath: string | undefined,
  usage: string,
  timeline?: BootTimeline,
): Promise<{ config: MachineConfig; source: string }> {
  if (initMode) {
    const onFatal = (err: unknown) => void fatalReboot(toBasaltError(err).stack ?? String(err));
    process.on("uncaughtException", onFatal);
    process.on("unhandledRejection", onFatal);
    // runBoot measures on the performance clock; the timeline counts from the kernel's start.
    const record = (name: string, start: number, end: number) => {
      const toBoot = (timeline?.now() ?? 0) - performance.now();
      timeline?.record(`boot/${name}`, start + toBoot, end + toBoot);
    };
    const boot = await runBoot(linuxInitHost(), undefined, record);
    return { config: { ...boot.config, node: { ...boot.config.node, mode: "init" } }, source: boot.source };
  }
  if (!configPath) throw new BasaltError("invalid_argument", "no machine config given", { hint: usage });
  let text: string;
  try {
    text = readFileSync(configPath, "utf8");
  } catch (err) {
    throw new BasaltError(
      "not_found",
      `cannot read machine config ${configPath}: ${(err as NodeJS.ErrnoException).code}`,
    );
  }
  const config = parseMachineConfig(text);
  if (config.kubernetes)
    throw new BasaltError("failed_precondition", "the kubernetes section needs init mode", {
      hint: "basaltd runs Kubernetes only as PID 1 of a Basalt image; remove kubernetes: to run it as an agent",
    });
  return { config, source: configPath };
}

/**
 * Host: the OS adapter (init mode powers off through PID 1's own path) and the daemon log, whose
 * trouble (a full disk) becomes an event instead of a crash.
 */
export function hostPhase(
  config: MachineConfig,
  initMode: boolean,
  events: EventBus,
): { host: Host; log: Logger } {
  const log = createLogger(config.paths.logs, { ...config.logging, onTrouble: publishLogTrouble(events) });
  const host: Host = initMode
    ? { ...linuxHost(), reboot: () => powerAction("reboot"), powerOff: () => powerAction("poweroff") }
    : linuxHost();
  return { host, log };
}

/**
 * API security: in init mode the descriptor limit raised (the kernel starts PID 1 with 1024: too few
 * for the API's connection limits), then the audit trail and the limits of api.limits.
 */
export async function securityPhase(
  config: MachineConfig,
  log: Logger,
  initMode: boolean,
): Promise<ApiSecurity> {
  if (initMode)
    await raiseNoFileLimit()
      .then((l) => log.info(l, "RLIMIT_NOFILE raised"))
      .catch((err: unknown) => log.warn({ err: toBasaltError(err).message }, "cannot raise RLIMIT_NOFILE"));
  return createApiSecurity(config, log);
}

/** Events: the bounded history every later phase reports into. */
export function eventsPhase(): EventBus {
  return new EventBus();
}

/** Supervisor: the services of the config, plus containerd, kubelet and kube-proxy on a Kubernetes node. */
export function supervisorPhase(config: MachineConfig, host: Host, events: EventBus): Supervisor {
  const supervisor = new Supervisor(config, { host, events });
  if (config.kubernetes)
    for (const s of kubeServices(config.kubernetes, config.node.name, kubeNodePaths)) supervisor.add(s);
  if (config.kubernetes?.role === "controlplane") {
    try {
      for (const s of controlPlaneServices(config.kubernetes, config.node.name, controlPlanePaths))
        supervisor.add(s);
    } catch (err) {
      // A config the schema accepts but the control plane cannot use (no node address): the node
      // stays manageable and says why.
      events.publish(
        "kubernetes",
        "control-plane",
        `cannot run the control plane: ${toBasaltError(err).message}`,
      );
    }
  }
  return supervisor;
}

/** The context RPC handlers see, with an orderly stop shared by signals and power actions. */
export function contextPhase(
  config: MachineConfig,
  parts: {
    host: Host;
    events: EventBus;
    supervisor: Supervisor;
    log: Logger;
    initMode: boolean;
    security: ApiSecurity;
    timeline?: BootTimeline;
  },
): { ctx: DaemonContext; setServer(server: Http2SecureServer): void; stop(why: string): Promise<void> } {
  const { host, events, supervisor, log } = parts;
  let server: Http2SecureServer | undefined;
  let stopping = false;
  const stop = async (why: string) => {
    if (stopping) return;
    stopping = true;
    log.info({ why }, "stopping");
    events.publish("daemon", "basaltd", `stopping: ${why}`);
    server?.close();
    await supervisor.stopAll();
    await parts.security.close();
  };
  const ctx: DaemonContext = {
    config,
    host,
    events,
    supervisor,
    audit: parts.security.audit,
    limits: parts.security.limits,
    ...(parts.timeline ? { timeline: parts.timeline } : {}),
    async power(action) {
      await stop(action);
      await (action === "reboot" ? host.reboot() : host.powerOff()).catch((err: Error) =>
        log.error({ err }, `${action} failed`),
      );
      process.exit(0);
    },
  };
  if (parts.initMode) {
    try {
      const cmdline = readFileSync("/proc/cmdline", "utf8");
      ctx.update = linuxUpdateSystem({
        cmdline,
        partitions: findBootDisk(linuxInitHost().blockDevices(), cmdline).partitions,
        espMount: espMountPoint,
      });
    } catch (err) {
      log.warn({ err: toBasaltError(err).message }, "A/B updates unavailable");
    }
  }
  const setServer = (s: Http2SecureServer) => {
    server = s;
  };
  return { ctx, setServer, stop };
}

/** API: the node API listening; then the services of the config start. */
export async function apiPhase(
  ctx: DaemonContext,
  log: Logger,
  source: string,
  security: ApiSecurity,
): Promise<Http2SecureServer> {
  const { config, events } = ctx;
  const server = await startApiServer(ctx, log, security);
  log.info(
    { listen: config.api.listen, node: config.node.name, mode: config.node.mode, version: basaltVersion },
    "node API listening",
  );
  events.publish("config", "machine", `machine config loaded from ${source}`);
  events.publish("api", config.api.listen, "node API listening");
  ctx.supervisor.startAutostart();
  return server;
}

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
      services: {
        start: (n) => ctx.supervisor.get(n).start(),
        snapshot: (n) => ctx.supervisor.get(n).snapshot(),
      },
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

/** Boot guard: bless this version once healthy (Kubernetes gates included), or reboot to fall back. */
export function bootGuardPhase(ctx: DaemonContext, log: Logger, gates: readonly string[]): void {
  const { update, supervisor, events, config } = ctx;
  if (!update) return;
  const cmdline = readFileSync("/proc/cmdline", "utf8");
  void guardBoot({
    update,
    health: () => nodeHealth(supervisor.list(), config.services, cmdline, gates),
    deadlineMs: config.update.healthDeadlineSeconds * 1000,
    reboot: (why) => {
      events.publish("upgrade", "boot", `rebooting: ${why}`);
      void ctx.power("reboot");
    },
    report: (message) => {
      log.info({ upgrade: message }, "boot guard");
      events.publish("upgrade", "boot", message);
      console.log(`basaltd: ${message}`);
    },
  }).catch((err: unknown) => log.error({ err: toBasaltError(err).message }, "boot guard failed"));
}

/** Init mode's last words on the console: reaping orphans, and the status block in place of a login. */
export function consolePhase(ctx: DaemonContext): void {
  startReaper();
  const cmdline = readFileSync("/proc/cmdline", "utf8");
  for (const line of bootStatusLines(ctx.config, cmdline, ctx.host.networkInterfaces(), process.uptime()))
    console.log(line);
}

/**
 * Config: the machine config can change through the API from now on (ConfigService). It is kept in
 * the file the node starts from (STATE's machine-config.yaml in init mode, --config in agent mode),
 * with its last versions beside it.
 */
export async function configManagerPhase(
  ctx: DaemonContext,
  parts: {
    log: Logger;
    initMode: boolean;
    source: string;
    security: ApiSecurity;
    /** The API server, once it listens (TLS material changes go to it). */
    server: () => Http2SecureServer | undefined;
  },
): Promise<ConfigManager> {
  const { log, initMode, security, server } = parts;
  const store = configStore(initMode ? persistedConfigPath : resolve(parts.source));
  const manager = new ConfigManager({
    store,
    running: () => ctx.config,
    check(config) {
      checkTlsMaterial(config);
      if (initMode) return { ...config, node: { ...config.node, mode: "init" } };
      if (config.kubernetes)
        throw new BasaltError("failed_precondition", "the kubernetes section needs init mode", {
          hint: "basaltd runs Kubernetes only as PID 1 of a Basalt image",
        });
      return config;
    },
    applyLive: (next, previous) =>
      applyLive(next, previous, {
        supervisor: ctx.supervisor,
        server,
        revocation: security.revocation,
        setConfig: (c) => {
          ctx.config = c;
        },
        ...(initMode ? { network: applyNetworkPlan } : {}),
      }),
    initMode,
    publish: (message) => {
      ctx.events.publish("config", "machine", message);
      log.info({ config: message }, "machine config");
    },
    rebootDecision: () => powerDecision(ctx.config, "reboot"),
    reboot: (why) => {
      // The answer goes out first.
      setTimeout(() => void ctx.power("reboot"), 500).unref();
      log.info({ why }, "rebooting for a new machine config");
    },
    onError: (message) => {
      ctx.events.publish("config", "machine", message);
      log.error(message);
    },
  });
  await manager
    .start(parts.source)
    .catch((err: unknown) => log.warn({ err: toBasaltError(err).message }, "config history unavailable"));
  ctx.configs = manager;
  return manager;
}
