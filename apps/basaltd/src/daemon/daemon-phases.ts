import { readFileSync } from "node:fs";
import type { Http2SecureServer } from "node:http2";
import { resolve } from "node:path";
import {
  BasaltError,
  basaltVersion,
  type MachineConfig,
  parseMachineConfig,
  toBasaltError,
} from "@basalt/machinery";
import type { Logger } from "pino";
import { configStore } from "../adapters/linux/config-store.ts";
import { linuxInitHost } from "../adapters/linux/init-host-linux.ts";
import { fatalReboot, powerAction, startReaper } from "../adapters/linux/init-power.ts";
import { linuxHost } from "../adapters/linux/linux-host.ts";
import { applyNetworkPlan } from "../adapters/linux/live-network-linux.ts";
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
import { controlPlaneServices } from "../kubernetes/control-plane-args.ts";
import { controlPlanePaths } from "../kubernetes/control-plane-paths.ts";
import { kubeServices } from "../kubernetes/kubernetes-services.ts";
import { kubeNodePaths } from "../kubernetes/node-paths.ts";
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
