import { mkdir, open, readFile, rename } from "node:fs/promises";
import { dirname } from "node:path";
import { BasaltError, compareVersions } from "@basalt/machinery";

/** What the update engine remembers across reboots, kept on STATE. */
export interface UpgradeState {
  failedAttempts: { version: string; tries: number; detected: string; reason: string }[];
  /** Versions an operator rolled back from: their exhausted entries are kept as fallbacks, not failures. */
  rolledBackFrom: string[];
  /** The highest security floor of the bundles installed: nothing below it is installed again. */
  securityFloor: string;
}

export interface UpgradeStateStore {
  /** The state; throws failed_precondition when the file exists but cannot be read or understood. */
  load(): Promise<UpgradeState>;
  save(state: UpgradeState): Promise<void>;
}

export const emptyUpgradeState = (): UpgradeState => ({
  failedAttempts: [],
  rolledBackFrom: [],
  securityFloor: "0.0.0",
});

/** Remembers that `versions` were rolled back from (by Rollback, or demoted by a forced install). */
export function withRolledBackFrom(state: UpgradeState, versions: readonly string[]): UpgradeState {
  return { ...state, rolledBackFrom: [...new Set([...state.rolledBackFrom, ...versions])] };
}

/** Raises the floor to `floor` if it is higher; a floor never goes down. */
export function withSecurityFloor(state: UpgradeState, floor: string): UpgradeState {
  return compareVersions(floor, state.securityFloor) > 0 ? { ...state, securityFloor: floor } : state;
}

/** Loads, changes and saves the state in one step. */
export async function updateUpgradeState(
  store: UpgradeStateStore,
  change: (s: UpgradeState) => UpgradeState,
): Promise<UpgradeState> {
  const next = change(await store.load());
  await store.save(next);
  return next;
}

function unreadable(path: string, why: string): BasaltError {
  return new BasaltError("failed_precondition", `the upgrade state ${path} is unreadable: ${why}`, {
    hint: "it is kept as it is for inspection; an admin may move it aside to start over",
  });
}

/** Checks the parsed file's shape; a missing floor (older files) reads as none. */
function decode(doc: unknown, path: string): UpgradeState {
  const d = doc as Partial<UpgradeState> | null;
  if (!d || typeof d !== "object" || Array.isArray(d)) throw unreadable(path, "not a JSON object");
  if (d.failedAttempts !== undefined && !Array.isArray(d.failedAttempts))
    throw unreadable(path, "failedAttempts is not a list");
  if (d.rolledBackFrom !== undefined && !Array.isArray(d.rolledBackFrom))
    throw unreadable(path, "rolledBackFrom is not a list");
  if (d.securityFloor !== undefined && typeof d.securityFloor !== "string")
    throw unreadable(path, "securityFloor is not a version");
  return { ...emptyUpgradeState(), ...d } as UpgradeState;
}

/**
 * A JSON file replaced atomically: written to a temporary name and fsynced, renamed over the old
 * one, and the directory fsynced, so a power cut leaves either the old or the new state, whole.
 * A missing file is the empty state; a file that exists but cannot be read is an error, never empty.
 */
export function fileStateStore(path: string): UpgradeStateStore {
  return {
    async load() {
      let text: string;
      try {
        text = await readFile(path, "utf8");
      } catch (err) {
        const code = (err as NodeJS.ErrnoException).code;
        if (code === "ENOENT") return emptyUpgradeState();
        throw unreadable(path, code ?? (err as Error).message);
      }
      let doc: unknown;
      try {
        doc = JSON.parse(text);
      } catch {
        throw unreadable(path, "not valid JSON (a torn or corrupted write)");
      }
      return decode(doc, path);
    },
    async save(state) {
      const dir = dirname(path);
      await mkdir(dir, { recursive: true });
      const tmp = `${path}.tmp`;
      const file = await open(tmp, "w", 0o600);
      try {
        await file.writeFile(`${JSON.stringify(state, null, 2)}\n`);
        await file.sync();
      } finally {
        await file.close();
      }
      await rename(tmp, path);
      const d = await open(dir, "r");
      try {
        await d.sync();
      } finally {
        await d.close();
      }
    },
  };
}

export function memoryStateStore(initial: UpgradeState = emptyUpgradeState()): UpgradeStateStore {
  let state = structuredClone(initial);
  return {
    load: async () => structuredClone(state),
    save: async (s) => {
      state = structuredClone(s);
    },
  };
}
