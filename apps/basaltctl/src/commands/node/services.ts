import type { Command } from "../../cli/command.ts";
import type { CommandInfoSpec } from "../../cli/lazy-commands.ts";
import { lazyCommands } from "../../cli/lazy-commands.ts";

const control = (verb: "start" | "stop" | "restart"): CommandInfoSpec => ({
  path: ["service", verb],
  summary: `${verb} a supervised service (operator)`,
  usage: `basaltctl service ${verb} NAME -n NODES`,
});

export const serviceCommands: Command[] = lazyCommands(() => import("./services-run.ts"), {
  services: {
    path: ["services"],
    summary: "supervised services with state, pid, restarts and health",
  },
  serviceStart: control("start"),
  serviceStop: control("stop"),
  serviceRestart: control("restart"),
});
