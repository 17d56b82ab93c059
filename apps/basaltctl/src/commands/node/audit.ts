import type { Command } from "../../cli/command.ts";
import { lazyCommands } from "../../cli/lazy-commands.ts";

export const auditCommands: Command[] = lazyCommands(() => import("./audit-run.ts"), {
  audit: {
    path: ["audit"],
    summary: "the node's audit trail: who called what, and what was refused (admin); -f follows",
    usage: "basaltctl audit [-f] [--since 1h] [--role ROLE] [--refused] [--tail N]",
    options: {
      follow: { type: "boolean", short: "f" },
      since: { type: "string" },
      role: { type: "string" },
      refused: { type: "boolean" },
      tail: { type: "string" },
    },
  },
});
