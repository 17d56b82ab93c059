/**
 * What the reconciler reports while it works — logs, Events, metrics — as one injected port, so the
 * reconciler is tested with a recorder and main.ts wires pino, the Events API and prom-client.
 */
export interface Logger {
  debug(obj: object, msg?: string): void;
  info(obj: object, msg?: string): void;
  warn(obj: object, msg?: string): void;
  error(obj: object, msg?: string): void;
}

export interface EventRef {
  kind: "Node" | "UpgradePlan";
  name: string;
  uid?: string;
  apiVersion: string;
}

export interface EventSink {
  emit(ref: EventRef, type: "Normal" | "Warning", reason: string, message: string): void;
}

export interface ReconcileMetrics {
  /** A node left `phase` after `seconds`. */
  phaseDone(phase: string, seconds: number): void;
  eviction(result: "evicted" | "blocked" | "throttled" | "gone" | "error" | "forced"): void;
  action(kind: string, result: "ok" | "error"): void;
  failure(plan: string): void;
  rollback(plan: string): void;
}

export interface Telemetry {
  log: Logger;
  events: EventSink;
  metrics: ReconcileMetrics;
}

/** Telemetry that drops everything (for tests that do not look). */
export const silentTelemetry: Telemetry = {
  log: { debug() {}, info() {}, warn() {}, error() {} },
  events: { emit() {} },
  metrics: { phaseDone() {}, eviction() {}, action() {}, failure() {}, rollback() {} },
};

export function nodeEventRef(name: string, uid?: string): EventRef {
  const ref: EventRef = { kind: "Node", name, apiVersion: "v1" };
  if (uid) ref.uid = uid;
  return ref;
}
