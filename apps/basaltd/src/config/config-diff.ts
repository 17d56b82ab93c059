/**
 * What changed between two machine configs, field by field and as a readable line diff. Pure: the
 * config manager feeds it validated configs and sends the result to the caller.
 */

export type ChangeKind = "added" | "removed" | "changed";

/** One changed field, by its dotted path (services are keyed by name: `services.web.command`). */
export interface ConfigChange {
  path: string;
  kind: ChangeKind;
  before?: unknown;
  after?: unknown;
}

/**
 * Paths whose values are secrets: a change is listed, its values never shown — nor those of a
 * section holding one (adding a whole `kubernetes:` section shows no token).
 */
export const secretPaths: readonly string[] = [
  "api.key",
  "kubernetes.bootstrapToken",
  "kubernetes.controlPlane.caKey",
  "kubernetes.controlPlane.etcdCA.key",
  "kubernetes.controlPlane.frontProxyCA.key",
  "kubernetes.controlPlane.serviceAccountKey",
];

const isObject = (v: unknown): v is Record<string, unknown> =>
  typeof v === "object" && v !== null && !Array.isArray(v);

/** Arrays of named objects are compared by name, so a reordered or renamed service reads as such. */
function keyed(value: unknown): Record<string, unknown> | undefined {
  if (!Array.isArray(value)) return undefined;
  if (!value.every((x) => isObject(x) && typeof x.name === "string")) return undefined;
  const names = value.map((x) => (x as { name: string }).name);
  if (new Set(names).size !== names.length) return undefined;
  return Object.fromEntries(value.map((x) => [(x as { name: string }).name, x]));
}

function same(a: unknown, b: unknown): boolean {
  return JSON.stringify(a) === JSON.stringify(b);
}

/** The changed leaves between `before` and `after` (plain JSON values), in a stable order. */
export function diffConfigs(before: unknown, after: unknown, path = ""): ConfigChange[] {
  if (same(before, after)) return [];
  const at = (k: string) => (path ? `${path}.${k}` : k);
  if (before === undefined) return [{ path, kind: "added", after }];
  if (after === undefined) return [{ path, kind: "removed", before }];
  const kb = keyed(before);
  const ka = keyed(after);
  const objects =
    isObject(before) && isObject(after)
      ? [before, after]
      : kb && ka && path === "services"
        ? [kb, ka]
        : undefined;
  if (!objects || secretPaths.includes(path)) return [{ path, kind: "changed", before, after }];
  const [b, a] = objects as [Record<string, unknown>, Record<string, unknown>];
  const keys = [...new Set([...Object.keys(b), ...Object.keys(a)])];
  return keys.flatMap((k) => diffConfigs(b[k], a[k], at(k)));
}

/** A change as the caller sees it: secret values replaced, values as compact JSON. */
export function showChange(change: ConfigChange): {
  path: string;
  kind: ChangeKind;
  before: string;
  after: string;
} {
  const secret = secretPaths.some(
    (p) => change.path === p || change.path.startsWith(`${p}.`) || p.startsWith(`${change.path}.`),
  );
  const show = (v: unknown) => (v === undefined ? "" : secret ? '"<redacted>"' : JSON.stringify(v));
  return { path: change.path, kind: change.kind, before: show(change.before), after: show(change.after) };
}

/** Longest texts `lineDiff` compares line by line (its table is lines × lines). */
export const maxDiffLines = 2000;

/**
 * A unified-style diff of two texts (`-` removed, `+` added, `context` unchanged lines around each
 * change, `@@` between hunks). Longer texts than `maxDiffLines` get a one-line summary instead.
 */
export function lineDiff(beforeText: string, afterText: string, context = 3): string {
  const a = beforeText.split("\n");
  const b = afterText.split("\n");
  if (a.length > maxDiffLines || b.length > maxDiffLines)
    return `(configs of ${a.length} and ${b.length} lines: too long for a line diff; see the changes)`;
  // lcs[i][j]: longest common subsequence of a[i..] and b[j..].
  const w = b.length + 1;
  const lcs = new Uint16Array((a.length + 1) * w);
  for (let i = a.length - 1; i >= 0; i--)
    for (let j = b.length - 1; j >= 0; j--)
      lcs[i * w + j] =
        a[i] === b[j] ? lcs[(i + 1) * w + j + 1]! + 1 : Math.max(lcs[(i + 1) * w + j]!, lcs[i * w + j + 1]!);
  const ops: { op: " " | "-" | "+"; line: string }[] = [];
  let i = 0;
  let j = 0;
  while (i < a.length || j < b.length) {
    if (i < a.length && j < b.length && a[i] === b[j]) {
      ops.push({ op: " ", line: a[i]! });
      i++;
      j++;
    } else if (i < a.length && (j >= b.length || lcs[(i + 1) * w + j]! >= lcs[i * w + j + 1]!)) {
      // Removals first, as diff(1) prints them.
      ops.push({ op: "-", line: a[i]! });
      i++;
    } else {
      ops.push({ op: "+", line: b[j]! });
      j++;
    }
  }
  const keep = ops.map((_, k) =>
    ops.slice(Math.max(0, k - context), k + context + 1).some((x) => x.op !== " "),
  );
  const out: string[] = [];
  let gap = false;
  for (const [k, o] of ops.entries()) {
    if (!keep[k]) {
      gap = true;
      continue;
    }
    if (gap && out.length > 0) out.push("@@");
    gap = false;
    out.push(`${o.op} ${o.line}`.trimEnd());
  }
  return out.join("\n");
}
