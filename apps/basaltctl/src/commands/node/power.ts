import type { Command } from "../../cli/command.ts";
import { lazyCommands } from "../../cli/lazy-commands.ts";

export const powerCommands: Command[] = lazyCommands(() => import("./power-run.ts"), {
  reboot: {
    path: ["reboot"],
    summary: "restart the node (operator); refused in agent mode unless the config allows it",
    usage: "basaltctl reboot -n NODES",
  },
  shutdown: {
    path: ["shutdown"],
    summary: "power the node off (admin); refused in agent mode unless the config allows it",
    usage: "basaltctl shutdown -n NODES",
  },
});
