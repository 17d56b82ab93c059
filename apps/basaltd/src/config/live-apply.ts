import type { Http2SecureServer } from "node:http2";
import type { MachineConfig } from "@basalt/machinery";
import type { Revocation } from "../api/revocation.ts";
import type { Supervisor } from "../supervisor/supervisor.ts";
import { emptyPlan, type NetworkPlan, planNetworkChange } from "./network-plan.ts";

export interface LiveTargets {
  supervisor: Supervisor;
  server: () => Http2SecureServer | undefined;
  revocation: Revocation;
  /** Makes `config` the one handlers read (labels, files allow-list, trusted keys, power, containers). */
  setConfig(config: MachineConfig): void;
  /** Init mode: carries out a network plan (addresses, routes, hostname, nameservers). */
  network?: (plan: NetworkPlan) => Promise<string[]>;
}

const same = (a: unknown, b: unknown) => JSON.stringify(a) === JSON.stringify(b);

/**
 * Puts a config in force without a reboot: handlers read the new one from the next call; services
 * are stopped, added or replaced to match `services:` (only those whose entry changed); service logs
 * take the new rotation limits; new TLS handshakes use the new serving certificate and client CAs;
 * the serial denylist cuts the live connections it names. Returns what it did, for the caller.
 */
export async function applyLive(
  next: MachineConfig,
  previous: MachineConfig,
  t: LiveTargets,
): Promise<string[]> {
  const notes: string[] = [];
  t.setConfig(next);
  const api = (c: MachineConfig) => [c.api.ca, c.api.cert, c.api.key];
  if (!same(api(next), api(previous))) {
    t.server()?.setSecureContext({
      ca: next.api.ca,
      cert: next.api.cert,
      key: next.api.key,
      minVersion: "TLSv1.3",
    });
    notes.push("new TLS handshakes use the new API certificate and client CAs");
  }
  if (!same(next.api.revokedSerials, previous.api.revokedSerials)) {
    const cut = t.revocation.update(next.api.revokedSerials);
    notes.push(`${next.api.revokedSerials.length} serial(s) revoked, ${cut} live connection(s) cut`);
  }
  if (!same(next.logging, previous.logging)) t.supervisor.setLogging(next.logging);
  const plan = planNetworkChange(previous, next);
  if (t.network && !emptyPlan(plan)) notes.push(...(await t.network(plan)));
  const before = new Map(previous.services.map((s) => [s.name, s]));
  const after = new Map(next.services.map((s) => [s.name, s]));
  // One service that cannot be changed does not stop the others; the caller hears of it.
  const attempt = async (name: string, work: () => Promise<string>) => {
    try {
      notes.push(await work());
    } catch (err) {
      notes.push(`service ${name}: ${(err as Error).message}`);
    }
  };
  for (const name of before.keys()) {
    if (after.has(name)) continue;
    await attempt(name, async () => {
      await t.supervisor.remove(name);
      return `service ${name} stopped and removed`;
    });
  }
  for (const [name, service] of after) {
    const old = before.get(name);
    if (old && same(old, service)) continue;
    await attempt(name, async () => {
      if (old) await t.supervisor.remove(name);
      const runner = t.supervisor.add(service);
      if (service.autostart) runner.start();
      return `service ${name} ${old ? "replaced" : "added"}${service.autostart ? " and started" : ""}`;
    });
  }
  return notes;
}
