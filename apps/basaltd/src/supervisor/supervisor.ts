import { join } from "node:path";
import type { MachineConfig } from "@basalt/machinery";
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

  constructor(config: MachineConfig, deps: { host: Host; events: EventBus; backoff?: BackoffPolicy }) {
    const env = { PATH: process.env.PATH ?? "/usr/sbin:/usr/bin:/sbin:/bin" };
    for (const service of config.services) {
      const log = new RotatingLog(join(config.paths.logs, `${service.name}.log`), {
        ...config.logging,
        onTrouble: publishLogTrouble(deps.events),
      });
      this.#logs.push(log);
      this.#runners.set(service.name, new ServiceRunner(service, { ...deps, log, env }));
    }
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
