import type { Command } from "../../cli/command.ts";
import { lazyCommands } from "../../cli/lazy-commands.ts";

export const upgradeCommands: Command[] = lazyCommands(() => import("./upgrade-run.ts"), {
  upgrade: {
    path: ["upgrade"],
    summary: "install a signed bundle into the inactive slot and reboot (--stage: at next reboot) (admin)",
    usage: "basaltctl upgrade --image URL|FILE [--stage] [--force] -n NODES",
    options: {
      image: { type: "string" },
      stage: { type: "boolean" },
      force: { type: "boolean" },
    },
  },
  upgradeStatus: {
    path: ["upgrade", "status"],
    summary: "booted slot and version, what each slot holds, pending and failed attempts",
  },
  rollback: {
    path: ["rollback"],
    summary: "boot the other slot's version next and reboot (--stage: at next reboot) (admin)",
    usage: "basaltctl rollback [--stage] -n NODES",
    options: { stage: { type: "boolean" } },
  },
});
