import { mkdir, readFile, rename, writeFile } from "node:fs/promises";
import { dirname } from "node:path";

/** What the update engine remembers across reboots, kept on STATE. */
export interface UpgradeState {
  failedAttempts: { version: string; tries: number; detected: string; reason: string }[];
  /** Versions an operator rolled back from: their exhausted entries are kept as fallbacks, not failures. */
  rolledBackFrom: string[];
}

export interface UpgradeStateStore {
  load(): Promise<UpgradeState>;
  save(state: UpgradeState): Promise<void>;
}

const empty = (): UpgradeState => ({ failedAttempts: [], rolledBackFrom: [] });

/** A JSON file replaced atomically (write to a temp name, then rename). */
export function fileStateStore(path: string): UpgradeStateStore {
  return {
    async load() {
      try {
        return { ...empty(), ...(JSON.parse(await readFile(path, "utf8")) as Partial<UpgradeState>) };
      } catch {
        return empty();
      }
    },
    async save(state) {
      await mkdir(dirname(path), { recursive: true });
      await writeFile(`${path}.tmp`, `${JSON.stringify(state, null, 2)}\n`);
      await rename(`${path}.tmp`, path);
    },
  };
}

export function memoryStateStore(initial: UpgradeState = empty()): UpgradeStateStore {
  let state = structuredClone(initial);
  return {
    load: async () => structuredClone(state),
    save: async (s) => {
      state = structuredClone(s);
    },
  };
}
