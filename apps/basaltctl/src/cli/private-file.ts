import { chmodSync, existsSync, mkdirSync, writeFileSync } from "node:fs";
import { dirname } from "node:path";
import { BasaltError } from "@basalt/machinery";

/** Writes a file that holds a key: mode 0600, never over an existing file unless `force`. */
export function writePrivateFile(path: string, content: string, force: boolean): void {
  if (existsSync(path) && !force) {
    throw new BasaltError("already_exists", `${path} exists`, { hint: "pass --force to overwrite it" });
  }
  mkdirSync(dirname(path), { recursive: true, mode: 0o700 });
  writeFileSync(path, content, { mode: 0o600 });
  chmodSync(path, 0o600);
}
