import { readFileSync } from "node:fs";
import { parseArgs } from "node:util";
import { basaltVersion, BasaltError, parseMachineConfig, toBasaltError } from "@basalt/machinery";
import { linuxHost } from "./adapters/linux/linux-host.ts";
import { startApiServer } from "./api/server.ts";
import type { DaemonContext } from "./daemon-context.ts";
import { EventBus } from "./events/event-bus.ts";
import { createLogger } from "./logger.ts";
import { Supervisor } from "./supervisor/supervisor.ts";

const usage = "usage: basaltd --config FILE";

/** The composition root: config → host → events → supervisor → API server, and an orderly stop. */
async function main(argv: string[]): Promise<void> {
  const { values } = parseArgs({
    args: argv,
    options: {
      config: { type: "string", short: "c" },
      version: { type: "boolean" },
      help: { type: "boolean", short: "h" },
    },
  });
  if (values.help) return void console.log(usage);
  if (values.version) return void console.log(basaltVersion);
  if (!values.config) throw new BasaltError("invalid_argument", "no machine config given", { hint: usage });

  let text: string;
  try {
    text = readFileSync(values.config, "utf8");
  } catch (err) {
    throw new BasaltError(
      "not_found",
      `cannot read machine config ${values.config}: ${(err as NodeJS.ErrnoException).code}`,
    );
  }
  const config = parseMachineConfig(text);
  const log = createLogger(config.paths.logs, config.logging);
  const host = linuxHost();
  const events = new EventBus();
  const supervisor = new Supervisor(config, { host, events });

  let stopping = false;
  const stop = async (why: string) => {
    if (stopping) return;
    stopping = true;
    log.info({ why }, "stopping");
    events.publish("daemon", "basaltd", `stopping: ${why}`);
    server.close();
    await supervisor.stopAll();
  };
  const ctx: DaemonContext = {
    config,
    host,
    events,
    supervisor,
    async power(action) {
      await stop(action);
      await (action === "reboot" ? host.reboot() : host.powerOff()).catch((err: Error) =>
        log.error({ err }, `${action} failed`),
      );
      process.exit(0);
    },
  };

  const server = await startApiServer(ctx, log);
  log.info(
    { listen: config.api.listen, node: config.node.name, mode: config.node.mode, version: basaltVersion },
    "node API listening",
  );
  events.publish("config", "machine", `machine config loaded from ${values.config}`);
  events.publish("api", config.api.listen, "node API listening");
  supervisor.startAutostart();

  for (const signal of ["SIGTERM", "SIGINT"] as const) {
    process.once(signal, () => void stop(signal).then(() => process.exit(0)));
  }
}

main(process.argv.slice(2)).catch((err: unknown) => {
  const e = toBasaltError(err);
  console.error(`basaltd: ${e.describe()}`);
  process.exit(e.code === "invalid_argument" || e.code === "not_found" ? 2 : 1);
});
