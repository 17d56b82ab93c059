import { lstatSync, readdirSync } from "node:fs";
import { join } from "node:path";

/** One entry of a root tree, as recorded in the image's file list. */
export interface TreeEntry {
  path: string;
  type: "file" | "dir" | "symlink" | "other";
  size: number;
}

/** Every entry under `root`, sorted by path (relative, no leading slash), depth-first. */
export function walkTree(root: string): TreeEntry[] {
  const out: TreeEntry[] = [];
  const visit = (rel: string) => {
    for (const name of readdirSync(join(root, rel)).sort()) {
      const path = rel ? `${rel}/${name}` : name;
      const s = lstatSync(join(root, path));
      const type = s.isSymbolicLink() ? "symlink" : s.isDirectory() ? "dir" : s.isFile() ? "file" : "other";
      out.push({ path, type, size: type === "file" ? s.size : 0 });
      if (type === "dir") visit(path);
    }
  };
  visit("");
  return out;
}

/** Names that must never be in a Basalt root: shells, package managers, remote login. */
export const forbiddenNames: ReadonlySet<string> = new Set([
  "sh",
  "bash",
  "dash",
  "ash",
  "zsh",
  "busybox",
  "apt",
  "apt-get",
  "dpkg",
  "sshd",
  "ssh",
  "login",
  "su",
  "sudo",
]);

/** The entries that break the root policy (a forbidden program name anywhere in the tree). */
export function policyViolations(entries: readonly TreeEntry[]): string[] {
  return entries
    .filter((e) => e.type !== "dir" && forbiddenNames.has(e.path.slice(e.path.lastIndexOf("/") + 1)))
    .map((e) => `/${e.path}`);
}
