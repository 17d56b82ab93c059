import { posix } from "node:path";

/**
 * Files the API may read even inside an allowed root would leak secrets or kernel memory: another
 * process's environment (credentials), its memory, and the kernel's.
 */
const deniedPatterns: readonly RegExp[] = [
  /^\/proc\/(\d+|self|thread-self)(\/task\/\d+)?\/(environ|mem|pagemap|mapped_files|map_files)(\/|$)/,
  /^\/proc\/(kcore|kmem|mem)$/,
];

export type PathDecision = { allowed: true; path: string } | { allowed: false; reason: string };

/** First look at a requested path, before touching the disk: absolute, no NUL byte. */
export function checkRequestedPath(path: string): PathDecision {
  if (!path) return { allowed: false, reason: "a path is required" };
  if (path.includes("\0")) return { allowed: false, reason: "the path contains a NUL byte" };
  if (!path.startsWith("/")) return { allowed: false, reason: `"${path}" is not an absolute path` };
  return { allowed: true, path: posix.normalize(path) };
}

/**
 * Whether a fully resolved path (symlinks followed, `..` gone) lies inside an allowed root and
 * outside the denied files. Resolving first is what stops symlinks and `..` from leaving the list.
 */
export function checkResolvedPath(
  resolved: string,
  roots: readonly string[],
  requested: string,
): PathDecision {
  const inside = roots.some(
    (root) => resolved === root || resolved.startsWith(root.endsWith("/") ? root : `${root}/`),
  );
  const shown = resolved === requested ? `"${requested}"` : `"${requested}" (resolves to "${resolved}")`;
  if (!inside)
    return { allowed: false, reason: `${shown} is outside the readable paths: ${roots.join(", ")}` };
  if (deniedPatterns.some((p) => p.test(resolved)))
    return { allowed: false, reason: `${shown} may hold secrets and is never readable` };
  return { allowed: true, path: resolved };
}
