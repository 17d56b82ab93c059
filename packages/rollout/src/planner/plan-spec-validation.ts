import { type UpgradePlanSpec, weekdays } from "./plan-spec.ts";

/** One thing wrong with a spec, led by where it is (`budget.maxUnavailable`). */
export interface SpecProblem {
  path: string;
  message: string;
}

type Obj = Record<string, unknown>;
type Problems = SpecProblem[];

const hhmm = /^([01]\d|2[0-3]):[0-5]\d$|^24:00$/;
const isoDate = /^(\d{4})-(\d{2})-(\d{2})$/;
const percent = /^(\d+(\.\d+)?)%$/;

function isObject(value: unknown): value is Obj {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}

function join(path: string, key: string | number): string {
  return path === "" ? String(key) : `${path}.${key}`;
}

/** Checks that `value` is an object with only `allowed` keys; returns it, or undefined after a problem. */
function object(value: unknown, path: string, allowed: readonly string[], out: Problems): Obj | undefined {
  if (!isObject(value)) {
    out.push({ path: path || "(root)", message: "expected an object" });
    return undefined;
  }
  for (const key of Object.keys(value)) {
    if (!allowed.includes(key)) out.push({ path: join(path, key), message: "unknown field" });
  }
  return value;
}

function nonEmptyString(value: unknown, path: string, out: Problems): value is string {
  if (typeof value === "string" && value.trim() !== "") return true;
  out.push({ path, message: "expected a non-empty string" });
  return false;
}

function boolean(value: unknown, path: string, out: Problems): void {
  if (value !== undefined && typeof value !== "boolean")
    out.push({ path, message: "expected true or false" });
}

function integer(value: unknown, path: string, min: number, out: Problems): void {
  if (value === undefined) return;
  if (typeof value !== "number" || !Number.isInteger(value) || value < min) {
    out.push({ path, message: `expected a whole number ≥ ${min}` });
  }
}

function oneOf(value: unknown, path: string, allowed: readonly string[], out: Problems): void {
  if (value !== undefined && !allowed.includes(value as string)) {
    out.push({ path, message: `expected one of ${allowed.join(", ")}` });
  }
}

/** A count ≥ min, or a percentage in (0, 100] (or [0, 100] when min is 0). */
function quantity(value: unknown, path: string, min: number, out: Problems): void {
  if (value === undefined) return;
  if (typeof value === "number") {
    integer(value, path, min, out);
    return;
  }
  const match = typeof value === "string" ? percent.exec(value) : null;
  const pct = match ? Number(match[1]) : Number.NaN;
  if (!(pct <= 100 && (pct > 0 || (min === 0 && pct === 0)))) {
    out.push({ path, message: `expected a whole number ≥ ${min} or a percentage such as "10%"` });
  }
}

function timeZone(value: unknown, path: string, out: Problems): void {
  if (!nonEmptyString(value, path, out)) return;
  try {
    new Intl.DateTimeFormat("en-US", { timeZone: value });
  } catch {
    out.push({ path, message: `unknown time zone "${value}"` });
  }
}

function date(value: unknown, path: string, out: Problems): void {
  const m = typeof value === "string" ? isoDate.exec(value) : null;
  const ok = m && new Date(Date.UTC(+m[1], +m[2] - 1, +m[3])).toISOString().startsWith(value as string);
  if (!ok) out.push({ path, message: "expected a date YYYY-MM-DD" });
}

function target(value: unknown, out: Problems): void {
  const t = object(value, "target", ["os", "kubernetes", "rebootPending"], out);
  if (!t) return;
  if (t.os !== undefined) {
    const os = object(t.os, "target.os", ["version", "bundleUrl"], out);
    if (os) {
      nonEmptyString(os.version, "target.os.version", out);
      if (typeof os.bundleUrl !== "string" || !/^https?:\/\/\S+$/.test(os.bundleUrl)) {
        out.push({ path: "target.os.bundleUrl", message: "expected an http(s) URL" });
      }
    }
  }
  if (t.kubernetes !== undefined) {
    const k = object(t.kubernetes, "target.kubernetes", ["version"], out);
    if (k && (typeof k.version !== "string" || !/^v?\d+\.\d+\.\d+(\S*)$/.test(k.version))) {
      out.push({ path: "target.kubernetes.version", message: 'expected a version such as "1.34.2"' });
    }
  }
  boolean(t.rebootPending, "target.rebootPending", out);
  if (t.os === undefined && t.kubernetes === undefined && t.rebootPending !== true) {
    out.push({ path: "target", message: "expected os, kubernetes, or rebootPending: true" });
  }
}

function selector(value: unknown, out: Problems): void {
  if (value === undefined) return;
  const s = object(value, "nodeSelector", ["matchLabels", "matchExpressions"], out);
  if (!s) return;
  if (s.matchLabels !== undefined && !isObject(s.matchLabels)) {
    out.push({ path: "nodeSelector.matchLabels", message: "expected an object" });
  }
  for (const [k, v] of Object.entries(isObject(s.matchLabels) ? s.matchLabels : {})) {
    if (typeof v !== "string")
      out.push({ path: `nodeSelector.matchLabels.${k}`, message: "expected a string" });
  }
  if (s.matchExpressions === undefined) return;
  if (!Array.isArray(s.matchExpressions)) {
    out.push({ path: "nodeSelector.matchExpressions", message: "expected a list" });
    return;
  }
  s.matchExpressions.forEach((item, i) => {
    const path = `nodeSelector.matchExpressions.${i}`;
    const e = object(item, path, ["key", "operator", "values"], out);
    if (!e) return;
    nonEmptyString(e.key, `${path}.key`, out);
    oneOf(e.operator ?? "", `${path}.operator`, ["In", "NotIn", "Exists", "DoesNotExist"], out);
    const values = e.values;
    const wantsValues = e.operator === "In" || e.operator === "NotIn";
    if (values !== undefined && (!Array.isArray(values) || values.some((v) => typeof v !== "string"))) {
      out.push({ path: `${path}.values`, message: "expected a list of strings" });
    } else if (wantsValues && (!Array.isArray(values) || values.length === 0)) {
      out.push({ path: `${path}.values`, message: `${e.operator} needs at least one value` });
    } else if (!wantsValues && Array.isArray(values) && values.length > 0) {
      out.push({ path: `${path}.values`, message: `${e.operator} takes no values` });
    }
  });
}

function budget(value: unknown, path: string, keys: readonly string[], out: Problems): void {
  const b = object(value, path, keys, out);
  if (!b) return;
  if (b.maxUnavailable === undefined) out.push({ path: `${path}.maxUnavailable`, message: "required" });
  quantity(b.maxUnavailable, `${path}.maxUnavailable`, 1, out);
  quantity(b.perZone, `${path}.perZone`, 1, out);
  if (b.zoneLabel !== undefined) nonEmptyString(b.zoneLabel, `${path}.zoneLabel`, out);
}

function progression(value: unknown, out: Problems): void {
  if (value === undefined) return;
  const p = object(value, "progression", ["canary", "batchSize", "soakSeconds"], out);
  if (!p) return;
  const canary = p.canary;
  if (Array.isArray(canary)) {
    canary.forEach((name, i) => {
      nonEmptyString(name, `progression.canary.${i}`, out);
      if (canary.indexOf(name) !== i) {
        out.push({ path: `progression.canary.${i}`, message: `duplicate node "${name}"` });
      }
    });
  } else {
    integer(canary, "progression.canary", 0, out);
  }
  quantity(p.batchSize, "progression.batchSize", 1, out);
  integer(p.soakSeconds, "progression.soakSeconds", 0, out);
}

function windows(value: unknown, out: Problems): void {
  if (value === undefined) return;
  if (!Array.isArray(value)) {
    out.push({ path: "windows", message: "expected a list" });
    return;
  }
  value.forEach((item, i) => {
    const path = `windows.${i}`;
    const w = object(item, path, ["days", "start", "end", "timeZone"], out);
    if (!w) return;
    const days = w.days;
    if (!Array.isArray(days) || days.length === 0) {
      out.push({ path: `${path}.days`, message: `expected a list of days (${weekdays.join(", ")})` });
    } else {
      for (const [j, d] of days.entries()) oneOf(d, `${path}.days.${j}`, weekdays, out);
    }
    for (const key of ["start", "end"] as const) {
      if (typeof w[key] !== "string" || !hhmm.test(w[key])) {
        out.push({ path: `${path}.${key}`, message: 'expected a time "HH:MM"' });
      }
    }
    if (w.start === w.end) out.push({ path: `${path}.end`, message: "must differ from start" });
    timeZone(w.timeZone, `${path}.timeZone`, out);
  });
}

const drainKeys = ["timeoutSeconds", "gracePeriodSeconds", "onBlocked"];
const failureKeys = ["maxFailed", "onFailure", "leaveCordoned"];
const healthKeys = [
  "readySeconds",
  "notReadyTimeoutSeconds",
  "upgradeTimeoutSeconds",
  "verifyTimeoutSeconds",
  "requireNodeHealthy",
  "requireWorkloadsReady",
] as const;

const topKeys = [
  "target",
  "nodeSelector",
  "budget",
  "progression",
  "windows",
  "exclusions",
  "exclusionTimeZone",
  "priority",
  "criticalBudget",
  "drain",
  "health",
  "failure",
  "paused",
] as const;

/**
 * Every problem in a would-be UpgradePlan spec, each with its path, so an operator fixes them all in one
 * go. An empty list means `value` is a valid {@link UpgradePlanSpec}. Pure: no I/O, no throwing.
 */
export function validatePlanSpec(value: unknown): SpecProblem[] {
  const out: Problems = [];
  const spec = object(value, "", topKeys, out);
  if (!spec) return out;
  target(spec.target, out);
  selector(spec.nodeSelector, out);
  budget(spec.budget, "budget", ["maxUnavailable", "perZone", "zoneLabel"], out);
  progression(spec.progression, out);
  windows(spec.windows, out);
  if (spec.exclusions !== undefined) {
    if (Array.isArray(spec.exclusions)) {
      for (const [i, d] of spec.exclusions.entries()) date(d, `exclusions.${i}`, out);
    } else out.push({ path: "exclusions", message: "expected a list of dates" });
  }
  if (spec.exclusionTimeZone !== undefined) timeZone(spec.exclusionTimeZone, "exclusionTimeZone", out);
  oneOf(spec.priority, "priority", ["normal", "critical"], out);
  if (spec.criticalBudget !== undefined) {
    budget(spec.criticalBudget, "criticalBudget", ["maxUnavailable", "perZone"], out);
  }
  const drain = spec.drain === undefined ? undefined : object(spec.drain, "drain", drainKeys, out);
  integer(drain?.timeoutSeconds, "drain.timeoutSeconds", 1, out);
  integer(drain?.gracePeriodSeconds, "drain.gracePeriodSeconds", 0, out);
  oneOf(drain?.onBlocked, "drain.onBlocked", ["wait", "skip", "force"], out);
  const health = spec.health === undefined ? undefined : object(spec.health, "health", healthKeys, out);
  for (const key of healthKeys) {
    if (key.startsWith("require")) boolean(health?.[key], `health.${key}`, out);
    else integer(health?.[key], `health.${key}`, key === "readySeconds" ? 0 : 1, out);
  }
  const failure = spec.failure === undefined ? undefined : object(spec.failure, "failure", failureKeys, out);
  quantity(failure?.maxFailed, "failure.maxFailed", 0, out);
  oneOf(failure?.onFailure, "failure.onFailure", ["rollback"], out);
  boolean(failure?.leaveCordoned, "failure.leaveCordoned", out);
  boolean(spec.paused, "paused", out);
  return out;
}

/** Narrows `value` to a spec when it has no problems; the problems otherwise. */
export function checkPlanSpec(value: unknown): { spec: UpgradePlanSpec } | { problems: SpecProblem[] } {
  const problems = validatePlanSpec(value);
  return problems.length === 0 ? { spec: value as UpgradePlanSpec } : { problems };
}
