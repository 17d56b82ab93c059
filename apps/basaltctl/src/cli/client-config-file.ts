import { readFileSync } from "node:fs";
import { homedir } from "node:os";
import { join } from "node:path";
import { BasaltError, type ClientContext, parseClientConfig, selectContext } from "@basalt/machinery";
import type { GlobalFlags } from "./global-flags.ts";

/** --basaltconfig, then $BASALTCONFIG, then ~/.basalt/config. */
export function clientConfigPath(flags: Pick<GlobalFlags, "basaltconfig">): string {
  return flags.basaltconfig ?? process.env.BASALTCONFIG ?? join(homedir(), ".basalt", "config");
}

export function loadContext(flags: GlobalFlags): { name: string; context: ClientContext } {
  const path = clientConfigPath(flags);
  let text: string;
  try {
    text = readFileSync(path, "utf8");
  } catch {
    throw new BasaltError("not_found", `no client config at ${path}`, {
      hint: "create one with `basaltctl gen config` and pass it with --basaltconfig or $BASALTCONFIG",
    });
  }
  return selectContext(parseClientConfig(text, path), flags.context);
}
