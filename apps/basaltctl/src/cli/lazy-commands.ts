import type { Command, CommandInfo, RunCommand } from "./command.ts";

/** A command's info as written: usage defaults to `basaltctl PATH`. */
export type CommandInfoSpec = Omit<CommandInfo, "usage"> & { usage?: string };

/**
 * Commands whose code is imported only when one of them runs: each key of `infos` names the export
 * of the loaded module that runs that command (the types check that it is there). `help`, finding
 * the command and parsing its flags read the infos alone; the code brings the API's descriptors,
 * the Connect client, zod, yaml, X.509…, and loading all of it made `help` take five times as long
 * as Node's own start-up. esbuild puts each `import()`ed module in a chunk of its own.
 */
export function lazyCommands<K extends string>(
  load: () => Promise<Record<NoInfer<K>, RunCommand>>,
  infos: Record<K, CommandInfoSpec>,
): Command[] {
  return (Object.entries(infos) as [K, CommandInfoSpec][]).map(([name, spec]) => {
    const info: CommandInfo = { ...spec, usage: spec.usage ?? `basaltctl ${spec.path.join(" ")}` };
    return { ...info, run: async (inv) => (await load())[name](inv, info) };
  });
}
