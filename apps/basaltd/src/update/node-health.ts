import type { ServiceConfig } from "@basalt/machinery";
import type { ServiceSnapshot } from "../supervisor/service-runner.ts";
import type { HealthVerdict } from "./boot-guard.ts";

/**
 * Whether the node is healthy enough to bless the version it booted: every service that starts on
 * its own is running, and healthy where it has a health check, and so is every service named in
 * `gates` (on a Kubernetes node: containerd and kubelet, whose /healthz answers only once it has
 * joined). `basalt.health=fail` on the kernel command line forces "unhealthy" — a fault switch for
 * testing the automatic fallback.
 */
export function nodeHealth(
  services: readonly ServiceSnapshot[],
  configs: readonly ServiceConfig[],
  cmdline: string,
  gates: readonly string[] = [],
): HealthVerdict {
  if (/(?:^|\s)basalt\.health=fail(?:\s|$)/.test(cmdline)) {
    return { healthy: false, reason: "forced unhealthy by basalt.health=fail on the kernel command line" };
  }
  for (const c of configs.filter((x) => x.autostart)) {
    const s = services.find((x) => x.name === c.name);
    if (s?.state !== "running")
      return { healthy: false, reason: `service ${c.name} is ${s?.state ?? "missing"}` };
    if (c.health && s.health !== "healthy")
      return { healthy: false, reason: `service ${c.name} is ${s.health}` };
  }
  for (const name of gates) {
    const s = services.find((x) => x.name === name);
    if (s?.state !== "running") return { healthy: false, reason: `${name} is ${s?.state ?? "missing"}` };
    if (s.health !== "healthy")
      return {
        healthy: false,
        reason: `${name} is ${s.health}${s.healthMessage ? ` (${s.healthMessage})` : ""}`,
      };
  }
  return {
    healthy: true,
    reason: gates.length ? `API up, ${gates.join(" and ")} healthy` : "API up and every service healthy",
  };
}
