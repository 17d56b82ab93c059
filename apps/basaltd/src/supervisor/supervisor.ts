import { join } from "node:path";
import type { MachineConfig, ServiceConfig } from "@basalt/machinery";
import { BasaltError } from "@basalt/machinery";
import type { EventBus } from "../events/event-bus.ts";
import type { Host } from "../host.ts";
import type { BackoffPolicy } from "./backoff.ts";
import { publishLogTrouble, RotatingLog } from "./rotating-log.ts";
import { ServiceRunner, type ServiceSnapshot, unknownService } from "./service-runner.ts";

/** All services of the machine config, started in config order and stopped in reverse order. */
export class Supervisor {
  readonly #runners = new Map<string, ServiceRunner>();
  readonly #logs: RotatingLog[] = [];
  readonly #logByName = new Map<string, RotatingLog>();
  readonly #config: MachineConfig;
  #logging: MachineConfig["logging"];
  readonly #deps: { host: Host; events: EventBus; backoff?: BackoffPolicy };

  constructor(config: MachineConfig, deps: { host: Host; events: EventBus; backoff?: BackoffPolicy }) {
    this.#config = config;
    this.#logging = config.logging;
    this.#deps = deps;
    for (const service of config.services) this.add(service);
  }

  /**
   * Supervises one more service (basaltd's own, such as the Kubernetes services, which are not in
   * `services:`); it is started in `startAutostart` or by whoever added it.
   */
  add(service: ServiceConfig): ServiceRunner {
    if (this.#runners.has(service.name))
      throw new BasaltError("already_exists", `a service named "${service.name}" is already supervised`);
    const env = { PATH: process.env.PATH ?? "/usr/sbin:/usr/bin:/sbin:/bin" };
    const log = new RotatingLog(join(this.#config.paths.logs, `${service.name}.log`), {
      ...this.#logging,
      onTrouble: publishLogTrouble(this.#deps.events),
    });
    this.#logs.push(log);
    this.#logByName.set(service.name, log);
    const runner = new ServiceRunner(service, { ...this.#deps, log, env });
    this.#runners.set(service.name, runner);
    return runner;
  }

  /** Stops a service and forgets it (its log file stays); a machine config no longer names it. */
  async remove(name: string): Promise<void> {
    const runner = this.get(name);
    await runner.stop();
    this.#runners.delete(name);
    const log = this.#logByName.get(name);
    if (log) {
      log.close();
      this.#logByName.delete(name);
      this.#logs.splice(this.#logs.indexOf(log), 1);
    }
  }

  /** New log rotation limits for every service log, and for services added later. */
  setLogging(logging: MachineConfig["logging"]): void {
    this.#logging = logging;
    for (const log of this.#logs) log.setLimits(logging);
  }

  /** The configs of every supervised service, in start order. */
  configs(): ServiceConfig[] {
    return [...this.#runners.values()].map((r) => r.config);
  }

  names(): string[] {
    return [...this.#runners.keys()];
  }

  list(): ServiceSnapshot[] {
    return [...this.#runners.values()].map((r) => r.snapshot());
  }

  get(name: string): ServiceRunner {
    if (!name)
      throw new BasaltError("invalid_argument", "a service name is required", {
        hint: "see `basaltctl services`",
      });
    const runner = this.#runners.get(name);
    if (!runner) throw unknownService(name, this.names());
    return runner;
  }

  startAutostart(): void {
    for (const r of this.#runners.values()) if (r.config.autostart) r.start();
  }

  async stopAll(): Promise<void> {
    for (const r of [...this.#runners.values()].reverse()) await r.stop();
    for (const l of this.#logs) l.close();
  }
}
