import { type NodeUpgradeState, type UpgradePhase, upgradePhases } from "./cluster-state.ts";

/**
 * The annotations that keep a node's upgrade state on the Node object itself: per-node state scales to
 * thousands of nodes (no ever-growing plan status) and survives controller restarts. The reconciler
 * writes the cordon and these annotations in one patch, so a crash cannot separate them.
 */
export const annotationKeys = {
  cordonedBy: "upgrade.basalt.dev/cordoned-by",
  phase: "upgrade.basalt.dev/phase",
  since: "upgrade.basalt.dev/since",
  attempts: "upgrade.basalt.dev/attempts",
  lastError: "upgrade.basalt.dev/last-error",
  target: "upgrade.basalt.dev/target",
  batch: "upgrade.basalt.dev/batch",
  bootId: "upgrade.basalt.dev/boot-id",
  pdbs: "upgrade.basalt.dev/pdbs",
  rebootFrom: "upgrade.basalt.dev/reboot-from",
} as const;

/** The value of the cordon annotation: who cordoned the node. */
export const cordonOwner = "basalt-controller";

/**
 * Reads a node's upgrade state from its annotations. Anything malformed (a hand edit, a newer
 * controller's phase) yields no state rather than a guess: the node then starts over, which is safe
 * because a node we cordoned already counts against the budget.
 */
export function readUpgradeAnnotations(annotations: Readonly<Record<string, string>>): {
  cordonedByUs: boolean;
  upgrade?: NodeUpgradeState;
} {
  const cordonedByUs = annotations[annotationKeys.cordonedBy] === cordonOwner;
  const phase = annotations[annotationKeys.phase];
  const since = Date.parse(annotations[annotationKeys.since] ?? "");
  const target = annotations[annotationKeys.target];
  if (!upgradePhases.includes(phase as UpgradePhase) || Number.isNaN(since) || target === undefined) {
    return { cordonedByUs };
  }
  const upgrade: NodeUpgradeState = {
    phase: phase as UpgradePhase,
    since,
    attempts: wholeNumber(annotations[annotationKeys.attempts]) ?? 0,
    target,
  };
  const lastError = annotations[annotationKeys.lastError];
  if (lastError !== undefined) upgrade.lastError = lastError;
  const batch = wholeNumber(annotations[annotationKeys.batch]);
  if (batch !== undefined) upgrade.batch = batch;
  const bootId = annotations[annotationKeys.bootId];
  if (bootId) upgrade.bootId = bootId;
  const pdbs = annotations[annotationKeys.pdbs];
  if (pdbs) upgrade.pdbs = pdbs.split(",").filter((p) => p !== "");
  const rebootFrom = annotations[annotationKeys.rebootFrom];
  if (rebootFrom) upgrade.rebootFrom = rebootFrom;
  return { cordonedByUs, upgrade };
}

/**
 * The annotation changes that record `upgrade` (and whether we hold the cordon), as a JSON merge patch:
 * null removes a key, so fields that are absent from the state are cleared on the node.
 */
export function upgradeAnnotationsPatch(
  upgrade: NodeUpgradeState | undefined,
  cordonedByUs: boolean,
): Record<string, string | null> {
  const k = annotationKeys;
  const patch: Record<string, string | null> = { [k.cordonedBy]: cordonedByUs ? cordonOwner : null };
  patch[k.phase] = upgrade ? upgrade.phase : null;
  patch[k.since] = upgrade ? new Date(upgrade.since).toISOString() : null;
  patch[k.attempts] = upgrade ? String(upgrade.attempts) : null;
  patch[k.lastError] = upgrade?.lastError ?? null;
  patch[k.target] = upgrade ? upgrade.target : null;
  patch[k.batch] = upgrade?.batch === undefined ? null : String(upgrade.batch);
  patch[k.bootId] = upgrade?.bootId ?? null;
  patch[k.pdbs] = upgrade?.pdbs && upgrade.pdbs.length > 0 ? upgrade.pdbs.join(",") : null;
  patch[k.rebootFrom] = upgrade?.rebootFrom ?? null;
  return patch;
}

function wholeNumber(text: string | undefined): number | undefined {
  if (text === undefined || !/^\d+$/.test(text)) return undefined;
  return Number(text);
}
