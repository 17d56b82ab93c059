import { Counter, Gauge, Registry } from "prom-client";

/**
 * Prometheus metrics of the node API, on its own registry (served at GET /metrics on the API
 * port, to any authenticated Basalt role). Refusals are counted by reason, pre-authentication ones
 * included (tls_no_certificate, tls_untrusted, tls_expired, ...), so a flood is visible here even
 * though the logs only sample it.
 */
export class ApiMetrics {
  readonly registry = new Registry();
  readonly refusals = new Counter({
    name: "basalt_api_refusals_total",
    help: "Calls and connections the node API refused, by reason",
    labelNames: ["reason"] as const,
    registers: [this.registry],
  });
  readonly calls = new Counter({
    name: "basalt_api_calls_total",
    help: "Calls that reached authorization, by result code",
    labelNames: ["result"] as const,
    registers: [this.registry],
  });
  readonly auditDropped = new Counter({
    name: "basalt_audit_records_dropped_total",
    help: "Audit records lost because the disk did not keep up",
    registers: [this.registry],
  });
  /** What the in-use gauge reports at scrape time (set by whoever owns the limits). */
  inUseOf: () => { kind: string; used: number }[] = () => [];
  readonly inUse: Gauge<"kind">;

  constructor() {
    const metrics = this;
    this.inUse = new Gauge({
      name: "basalt_api_in_use",
      help: "Connections, calls, follow streams and file reads held right now",
      labelNames: ["kind"] as const,
      registers: [this.registry],
      collect() {
        for (const { kind, used } of metrics.inUseOf()) this.set({ kind }, used);
      },
    });
  }

  refused(reason: string): void {
    this.refusals.inc({ reason });
  }
}
