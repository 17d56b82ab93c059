import type { ConfigChange } from "./config-diff.ts";

/**
 * Which fields of the machine config a running node can change without a reboot, and why the others
 * cannot. Pure: a table of path prefixes; the first that matches decides.
 */
const liveRules: readonly { prefix: string; how: string }[] = [
  { prefix: "node.labels", how: "labels are read on every call" },
  { prefix: "services", how: "services are started, stopped or restarted to match" },
  { prefix: "logging", how: "service logs take the new rotation limits" },
  { prefix: "files.allow", how: "file reads check the allow-list on every call" },
  { prefix: "update.trustedKeys", how: "the next upgrade checks against the new keys" },
  { prefix: "api.ca", how: "new TLS handshakes use the new client CA(s)" },
  { prefix: "api.cert", how: "new TLS handshakes present the new serving certificate" },
  { prefix: "api.key", how: "new TLS handshakes present the new serving certificate" },
  { prefix: "api.revokedSerials", how: "revoked certificates are cut, live sessions included" },
  { prefix: "power", how: "power requests read it on every call" },
  { prefix: "containers", how: "container calls read it on every call" },
];

const rebootReasons: readonly { prefix: string; why: string }[] = [
  { prefix: "node.name", why: "the node's name is fixed at boot (events, logs, Kubernetes)" },
  { prefix: "node.mode", why: "the mode is how basaltd started" },
  { prefix: "api.listen", why: "the API listens once, at start" },
  { prefix: "api.limits", why: "connection and call limits are sized at start" },
  {
    prefix: "network",
    why: "in agent mode basaltd does not manage the host's network (init mode does, live)",
  },
  { prefix: "paths", why: "log, run and audit directories are opened at start" },
  { prefix: "audit", why: "the audit trail is opened at start" },
  { prefix: "update.healthDeadlineSeconds", why: "the boot guard reads it at boot" },
  { prefix: "kubernetes", why: "Kubernetes (kubelet settings included) is configured at boot" },
];

const matches = (path: string, prefix: string) => path === prefix || path.startsWith(`${prefix}.`);

/** Options of the node that decide more paths: init mode changes its network live. */
export interface LiveOptions {
  /** basaltd is PID 1 (init mode): it owns the network and can change it live. */
  initMode?: boolean;
}

/** Whether one path can change live, with the reason either way. */
export function classifyPath(path: string, options: LiveOptions = {}): { live: boolean; reason: string } {
  if (options.initMode && matches(path, "network"))
    return { live: true, reason: "addresses, routes, hostname and nameservers are changed over rtnetlink" };
  const live = liveRules.find((r) => matches(path, r.prefix));
  if (live) return { live: true, reason: live.how };
  const reboot = rebootReasons.find((r) => matches(path, r.prefix));
  return { live: false, reason: reboot?.why ?? "read only at start" };
}

/** The changes that need a reboot, each with its reason; empty when all can change live. */
export function rebootNeeded(
  changes: readonly ConfigChange[],
  options: LiveOptions = {},
): { path: string; reason: string }[] {
  return changes
    .map((c) => ({ path: c.path, ...classifyPath(c.path, options) }))
    .filter((c) => !c.live)
    .map(({ path, reason }) => ({ path, reason }));
}
