import { posix } from "node:path";

/**
 * Files the API never serves, even inside an allowed root: reads that consume or block (the kernel
 * log through /proc/kmsg), that leak secrets (a process's command line and environment: a node
 * booted with `basalt.config=` carries its key on /proc/cmdline), kernel or process memory and
 * layout (kallsyms, kpage*, mem, maps), debug and tracing interfaces, and PCI device memory.
 * A process's root and cwd links are refused too: through them, /proc would reach any host file.
 */
const deniedPatterns: readonly RegExp[] = [
  /^\/proc\/(kmsg|kallsyms|kcore|kmem|mem|cmdline|sysrq-trigger|kpage[a-z]*)$/,
  /^\/proc\/[^/]+(\/task\/[^/]+)?\/(cmdline|environ|mem|maps|smaps|smaps_rollup|numa_maps|pagemap|auxv|stack|syscall|mapped_files|map_files|root|cwd)(\/|$)/,
  /^\/sys\/kernel\/(debug|tracing)(\/|$)/,
  /^\/sys\/devices\/(.+\/)?[0-9a-f]{4}:[0-9a-f]{2}:[0-9a-f]{2}\.[0-7]\/(resource\d*(_wc)?|rom|config)$/,
  /^\/sys\/bus\/pci\/devices\/[^/]+\/(resource\d*(_wc)?|rom|config)$/,
];

/** Linux's PATH_MAX. */
export const maxPathBytes = 4096;

/** `malformed`: the request itself is wrong (empty, relative, NUL), as opposed to not allowed. */
export type PathDecision =
  | { allowed: true; path: string }
  | { allowed: false; reason: string; malformed?: boolean };

/** Whether `path` is one of the files the API never serves. */
export function isDenied(path: string): boolean {
  return deniedPatterns.some((p) => p.test(path));
}

function inside(path: string, roots: readonly string[]): boolean {
  return roots.some((root) => path === root || path.startsWith(root.endsWith("/") ? root : `${root}/`));
}

/**
 * First look at a requested path, before touching the disk: absolute, no NUL byte, and (after `..`
 * is folded lexically) inside an allowed root and not a denied file. What is refused here is refused
 * by the machine config alone, so saying why reveals nothing about the host.
 */
export function checkRequestedPath(path: string, roots: readonly string[]): PathDecision {
  if (!path) return { allowed: false, reason: "a path is required", malformed: true };
  // Linux's PATH_MAX: longer is never a file; say so without echoing it.
  if (Buffer.byteLength(path) > maxPathBytes)
    return { allowed: false, reason: `the path is longer than ${maxPathBytes} bytes`, malformed: true };
  if (path.includes("\0")) return { allowed: false, reason: "the path contains a NUL byte", malformed: true };
  if (!path.startsWith("/"))
    return { allowed: false, reason: `"${path}" is not an absolute path`, malformed: true };
  const normal = posix.normalize(path);
  if (!inside(normal, roots))
    return { allowed: false, reason: `"${path}" is outside the readable paths: ${roots.join(", ")}` };
  if (isDenied(normal)) return { allowed: false, reason: `"${path}" is never readable through the API` };
  return { allowed: true, path: normal };
}

/**
 * Judges the file that was actually opened, by the path the kernel reports for the open
 * descriptor (symlinks followed, `..` gone): it must lie inside an allowed root, or be the target
 * of a path the allow-list names exactly (/etc/os-release is a symlink on Debian), and must not be a
 * denied file. The reason is for the daemon's log only: callers answer as for a missing file.
 */
export function checkOpenedPath(actual: string, requested: string, roots: readonly string[]): PathDecision {
  const named = roots.includes(requested);
  if (!named && !inside(actual, roots))
    return { allowed: false, reason: `${requested} resolves to ${actual}, outside the readable paths` };
  if (isDenied(actual))
    return { allowed: false, reason: `${requested} resolves to ${actual}, a denied file` };
  return { allowed: true, path: actual };
}
