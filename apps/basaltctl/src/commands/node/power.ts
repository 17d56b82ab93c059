import { LifecycleService, RebootResponseSchema, ShutdownResponseSchema } from "@basalt/api";
import type { Command } from "../../cli/command.ts";
import { nodeCommand } from "./node-command.ts";

export const powerCommands: Command[] = [
  nodeCommand({
    path: ["reboot"],
    summary: "restart the node (operator); refused in agent mode unless the config allows it",
    usage: "basaltctl reboot -n NODES",
    service: LifecycleService,
    method: "reboot",
    output: RebootResponseSchema,
    mutating: true,
    rows: (v) => [{ RESULT: v.message }],
  }),
  nodeCommand({
    path: ["shutdown"],
    summary: "power the node off (admin); refused in agent mode unless the config allows it",
    usage: "basaltctl shutdown -n NODES",
    service: LifecycleService,
    method: "shutdown",
    output: ShutdownResponseSchema,
    mutating: true,
    rows: (v) => [{ RESULT: v.message }],
  }),
];
