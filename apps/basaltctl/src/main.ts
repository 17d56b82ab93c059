import { parseArgs } from "node:util";
import { useLightHeaders } from "@basalt/api/light-headers";
// The two modules, not the package's index: that would load its config schemas (zod) and YAML
// parser, which `help` does not need.
import { BasaltError, toBasaltError } from "@basalt/machinery/errors";
import { basaltVersion } from "@basalt/machinery/version";
import type { Command } from "./cli/command.ts";
import { globalOptions, readGlobalFlags } from "./cli/global-flags.ts";
import { commands } from "./commands/index.ts";

/** The words before flags' values: "-o json version" → ["version"]. */
function commandWords(args: string[]): string[] {
  const words: string[] = [];
  for (let i = 0; i < args.length; i++) {
    const a = args[i]!;
    if (!a.startsWith("-")) {
      words.push(a);
      continue;
    }
    const name = a.replace(/^--?/, "");
    const option = Object.entries(globalOptions).find(([long, o]) => long === name || o.short === name)?.[1];
    if (option?.type === "string" && !a.includes("=")) i++;
  }
  return words;
}

function findCommand(args: string[]): { command: Command; rest: string[] } | undefined {
  const words = commandWords(args);
  let best: Command | undefined;
  for (const c of commands) {
    if (c.path.every((w, i) => words[i] === w) && (!best || c.path.length > best.path.length)) best = c;
  }
  if (!best) return undefined;
  const rest = [...args];
  for (const w of best.path) rest.splice(rest.indexOf(w), 1);
  return { command: best, rest };
}

export function help(): string {
  const width = Math.max(...commands.map((c) => c.path.join(" ").length));
  const lines = commands.map((c) => `  ${c.path.join(" ").padEnd(width)}  ${c.summary}`);
  return [
    `basaltctl ${basaltVersion} — talk to Basalt nodes through their API`,
    "",
    "usage: basaltctl COMMAND [flags]",
    "",
    "commands:",
    ...lines,
    "",
    "flags for every command:",
    "  --basaltconfig FILE   client config (default $BASALTCONFIG, then ~/.basalt/config)",
    "  --context NAME        context of the client config",
    "  -n, --nodes a,b       nodes by name or address from the context (or 'all')",
    "  -e, --endpoints ADDR  API endpoints to reach directly (address[:port])",
    "  -l, --selector K=V    nodes of the context whose labels match",
    "  -o, --output FORMAT   table (default), json (one object per line per answer) or yaml",
    "  --concurrency N       calls in flight at once (default 32)",
    "  --timeout DURATION    per-node deadline for non-follow calls (default 15s)",
    "",
    "Commands that change nodes must name them (-n, -e or -l). Exit code 0 only if every node answered.",
  ].join("\n");
}

/** Runs one invocation and returns the exit code: 0 all good, 1 a node failed, 2 usage or local error. */
export async function main(args: string[]): Promise<number> {
  if (args.length === 0 || args[0] === "help" || args[0] === "--help" || args[0] === "-h") {
    console.log(help());
    return 0;
  }
  if (args[0] === "--version") {
    console.log(basaltVersion);
    return 0;
  }
  const found = findCommand(args);
  if (!found) {
    throw new BasaltError("invalid_argument", `unknown command "${commandWords(args).join(" ")}"`, {
      hint: "run `basaltctl help` for the list",
    });
  }
  const { command, rest } = found;
  let parsed: ReturnType<typeof parseArgs>;
  try {
    parsed = parseArgs({
      args: rest,
      options: { ...globalOptions, ...command.options },
      allowPositionals: true,
      strict: true,
    });
  } catch (err) {
    throw new BasaltError("invalid_argument", (err as Error).message, { hint: `usage: ${command.usage}` });
  }
  if (parsed.values.help) {
    console.log(`${command.summary}\nusage: ${command.usage}`);
    return 0;
  }
  const global = readGlobalFlags(parsed.values);
  const output = await command.run({
    global,
    values: parsed.values as Record<string, string | boolean | string[] | undefined>,
    positionals: parsed.positionals,
  });
  // Imported here, not at the top: the renderers bring YAML, which `help` has no use for.
  const { render } = await import("./output/render.ts");
  const failed = await render(output, global.output);
  return failed > 0 ? 1 : 0;
}

// Connect makes a Headers per call; undici's (Node's global) costs ~10 ms to load on each run.
useLightHeaders();
// Ending on Ctrl-C while following a stream is normal, not an error.
process.once("SIGINT", () => process.exit(130));
process.stdout.on("error", (err: NodeJS.ErrnoException) => {
  if (err.code === "EPIPE") process.exit(0);
});

main(process.argv.slice(2)).then(
  (code) => {
    process.exitCode = code;
  },
  (err: unknown) => {
    const e = toBasaltError(err);
    console.error(`basaltctl: ${e.describe()}`);
    process.exitCode = 2;
  },
);
