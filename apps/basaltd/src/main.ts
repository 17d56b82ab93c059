import { readFileSync } from "node:fs";
import { parseArgs } from "node:util";
import {
  basaltVersion,
  BasaltError,
  type MachineConfig,
  parseMachineConfig,
  toBasaltError,
} from "@basalt/machinery";
import { linuxInitHost } from "./adapters/linux/init-host-linux.ts";
import { fatalReboot, powerAction, startReaper } from "./adapters/linux/init-power.ts";
import { linuxHost } from "./adapters/linux/linux-host.ts";
import { createApiSecurity } from "./api/api-security.ts";
import { startApiServer } from "./api/server.ts";
import { raiseNoFileLimit } from "./adapters/linux/rlimit.ts";
import type { DaemonContext } from "./daemon-context.ts";
import { EventBus } from "./events/event-bus.ts";
import type { Host } from "./host.ts";
import { bootStatusLines } from "./init/boot-status.ts";
import { runBoot } from "./init/run-boot.ts";
import { createLogger } from "./logger.ts";
import { Supervisor } from "./supervisor/supervisor.ts";
import { guardBoot } from "./update/boot-guard.ts";
import { nodeHealth } from "./update/node-health.ts";
import { linuxUpdateSystem } from "./adapters/linux/update-system-linux.ts";
import { espMountPoint } from "./init/boot-phases.ts";

const usage = "usage: basaltd --config FILE | basaltd --init (as PID 1 of a Basalt node)";

/** Init mode: basaltd is PID 1 of a Basalt node (started by the initramfs with --init). */
const initMode = process.pid === 1 || process.argv.includes("--init");

/** Agent mode: the machine config file named on the command line. */
function readConfigFile(path: string): MachineConfig {
  let text: string;
  try {
    text = readFileSync(path, "utf8");
  } catch (err) {
    throw new BasaltError(
      "not_found",
      `cannot read machine config ${path}: ${(err as NodeJS.ErrnoException).code}`,
    );
  }
  return parseMachineConfig(text);
}

/**
 * The composition root: (init mode: boot the node first) config → host → events → supervisor → API
 * server, and an orderly stop.
 */
async function main(argv: string[]): Promise<void> {
  const { values } = parseArgs({
    args: argv,
    options: {
      config: { type: "string", short: "c" },
      init: { type: "boolean" },
      version: { type: "boolean" },
      help: { type: "boolean", short: "h" },
    },
  });
  if (values.help) return void console.log(usage);
  if (values.version) return void console.log(basaltVersion);
  let config: MachineConfig;
  let configSource: string;
  if (initMode) {
    const onFatal = (err: unknown) => void fatalReboot(toBasaltError(err).stack ?? String(err));
    process.on("uncaughtException", onFatal);
    process.on("unhandledRejection", onFatal);
    const boot = await runBoot(linuxInitHost());
    config = { ...boot.config, node: { ...boot.config.node, mode: "init" } };
    configSource = boot.source;
  } else {
    if (!values.config) throw new BasaltError("invalid_argument", "no machine config given", { hint: usage });
    config = readConfigFile(values.config);
    configSource = values.config;
  }
  const log = createLogger(config.paths.logs, config.logging);
  const host: Host = initMode
    ? { ...linuxHost(), reboot: () => powerAction("reboot"), powerOff: () => powerAction("poweroff") }
    : linuxHost();
  const events = new EventBus();
  const supervisor = new Supervisor(config, { host, events });

  if (initMode) {
    // The kernel starts PID 1 with 1024 descriptors: too few for the API's connection limits.
    await raiseNoFileLimit()
      .then((l) => log.info(l, "RLIMIT_NOFILE raised"))
      .catch((err: unknown) => log.warn({ err: toBasaltError(err).message }, "cannot raise RLIMIT_NOFILE"));
  }
  const security = await createApiSecurity(config, log);
  let stopping = false;
  const stop = async (why: string) => {
    if (stopping) return;
    stopping = true;
    log.info({ why }, "stopping");
    events.publish("daemon", "basaltd", `stopping: ${why}`);
    server.close();
    await supervisor.stopAll();
    await security.close();
  };
  const ctx: DaemonContext = {
    config,
    host,
    events,
    supervisor,
    audit: security.audit,
    limits: security.limits,
    async power(action) {
      await stop(action);
      await (action === "reboot" ? host.reboot() : host.powerOff()).catch((err: Error) =>
        log.error({ err }, `${action} failed`),
      );
      process.exit(0);
    },
  };

  if (initMode) {
    try {
      ctx.update = linuxUpdateSystem({
        cmdline: readFileSync("/proc/cmdline", "utf8"),
        blockDevices: linuxInitHost().blockDevices(),
        espMount: espMountPoint,
      });
    } catch (err) {
      log.warn({ err: toBasaltError(err).message }, "A/B updates unavailable");
    }
  }

  const server = await startApiServer(ctx, log, security);
  log.info(
    { listen: config.api.listen, node: config.node.name, mode: config.node.mode, version: basaltVersion },
    "node API listening",
  );
  events.publish("config", "machine", `machine config loaded from ${configSource}`);
  events.publish("api", config.api.listen, "node API listening");
  supervisor.startAutostart();
  if (ctx.update) {
    const cmdline = readFileSync("/proc/cmdline", "utf8");
    void guardBoot({
      update: ctx.update,
      health: () => nodeHealth(supervisor.list(), config.services, cmdline),
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
  if (initMode) {
    startReaper();
    const cmdline = readFileSync("/proc/cmdline", "utf8");
    for (const line of bootStatusLines(config, cmdline, host.networkInterfaces(), process.uptime()))
      console.log(line);
  }

  for (const signal of ["SIGTERM", "SIGINT"] as const) {
    process.once(signal, () => void stop(signal).then(() => process.exit(0)));
  }
}

main(process.argv.slice(2)).catch((err: unknown) => {
  const e = toBasaltError(err);
  if (initMode) return void fatalReboot(e.describe());
  console.error(`basaltd: ${e.describe()}`);
  process.exit(e.code === "invalid_argument" || e.code === "not_found" ? 2 : 1);
});
