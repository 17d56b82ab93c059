import type { Http2SecureServer } from "node:http2";
import { parseArgs } from "node:util";
import { useLightHeaders } from "@basalt/api/light-headers";
import { basaltVersion, toBasaltError } from "@basalt/machinery";
import { bootClock, earlyBootTimes } from "./adapters/linux/boot-clock-linux.ts";
import { fatalReboot } from "./adapters/linux/init-power.ts";
import { BootTimeline, earlyBootSteps } from "./boot-timeline/boot-timeline.ts";
import {
  apiPhase,
  bootGuardPhase,
  configManagerPhase,
  configPhase,
  consolePhase,
  contextPhase,
  eventsPhase,
  hostPhase,
  securityPhase,
  supervisorPhase,
} from "./daemon/daemon-phases.ts";
import { kubernetesPhase } from "./daemon/kubernetes-phase.ts";

// First: when Node had loaded the bundle and began to run it (the boot timeline's "node start-up").
const bootNow = bootClock();
const mainMs = bootNow();
// Connect makes a Headers per call: not undici's, whose first use costs a node's first call ~0.3 s.
useLightHeaders();

const usage = "usage: basaltd --config FILE | basaltd --init (as PID 1 of a Basalt node)";

/** Init mode: basaltd is PID 1 of a Basalt node (started by the initramfs with --init). */
const initMode = process.pid === 1 || process.argv.includes("--init");

/**
 * The composition root, as named phases (daemon/daemon-phases.ts): config → events → host → API
 * security (limits, audit) → supervisor → API → Kubernetes → boot guard, and an orderly stop on
 * SIGTERM/SIGINT.
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
  const timeline = new BootTimeline(bootNow);
  const { config, source } = await configPhase(initMode, values.config, usage, timeline);
  // After configPhase: in init mode it mounted efivarfs, where the loader left its times.
  for (const step of earlyBootSteps(earlyBootTimes(mainMs), initMode))
    timeline.record(step.name, step.startMs, step.startMs + step.durationMs);
  const events = eventsPhase();
  const { host, log } = hostPhase(config, initMode, events);
  const security = await timeline.step("security", () => securityPhase(config, log, initMode));
  const supervisor = supervisorPhase(config, host, events);
  const daemon = contextPhase(config, { host, events, supervisor, log, initMode, security, timeline });
  // Ready before the API listens, so the first caller finds ConfigService working.
  let server: Http2SecureServer | undefined;
  await timeline.step("config manager", () =>
    configManagerPhase(daemon.ctx, { log, initMode, source, security, server: () => server }),
  );
  server = await timeline.step("api", () => apiPhase(daemon.ctx, log, source, security));
  timeline.mark("api ready");
  daemon.setServer(server);
  const gates = kubernetesPhase(daemon.ctx, log);
  bootGuardPhase(daemon.ctx, log, gates);
  if (initMode) consolePhase(daemon.ctx);
  for (const signal of ["SIGTERM", "SIGINT"] as const) {
    process.once(signal, () => void daemon.stop(signal).then(() => process.exit(0)));
  }
}

main(process.argv.slice(2)).catch((err: unknown) => {
  const e = toBasaltError(err);
  if (initMode) return void fatalReboot(e.describe());
  console.error(`basaltd: ${e.describe()}`);
  process.exit(e.code === "invalid_argument" || e.code === "not_found" ? 2 : 1);
});
