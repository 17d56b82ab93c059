import { randomBytes } from "node:crypto";
import { mkdir, open, readdir, readFile, rename, rm } from "node:fs/promises";
import { basename, dirname, join } from "node:path";

/** One version of the machine config as the history keeps it (the whole YAML, secrets included). */
export interface ConfigVersion {
  version: number;
  /** ISO time it was written. */
  time: string;
  /** Who: the client certificate's common name ("basaltd" for versions the daemon wrote itself). */
  by: string;
  serial: string;
  /** no-reboot, reboot, staged, try, rollback, revert, confirm, boot */
  mode: string;
  /** Changed paths, compact. */
  paths: string[];
  note: string;
  yaml: string;
}

/** The machine config on disk: the file the node boots with, and the last versions beside it. */
export interface ConfigStore {
  /** The file the node reads at start (STATE's machine-config.yaml in init mode, --config in agent mode). */
  readonly path: string;
  /** Replaces the config file atomically (temp file, fsync, rename, fsync of the directory). */
  writeConfig(yaml: string): Promise<void>;
  /** The versions kept, oldest first. */
  history(): Promise<ConfigVersion[]>;
  /** Records a new version (numbered after the last one), dropping versions beyond `keep`. */
  record(entry: Omit<ConfigVersion, "version">): Promise<ConfigVersion>;
  /** Removes temp files a crash left mid-write (at start, before anything writes); returns how many. */
  sweep(): Promise<number>;
}

/** Versions of the config kept in the history. */
export const keptVersions = 20;

/**
 * Writes `data` to `path` so that a crash or power cut leaves either the old file or the new one,
 * never a torn one: a temp file in the same directory, written and fsynced, renamed over the old one,
 * then the directory fsynced so the rename itself is durable. Mode 0600: a config holds a private key.
 */
export async function writeFileAtomic(path: string, data: string): Promise<void> {
  const dir = dirname(path);
  const tmp = join(dir, `.${basename(path)}.${process.pid}.${randomBytes(4).toString("hex")}.tmp`);
  const fh = await open(tmp, "wx", 0o600);
  try {
    await fh.writeFile(data);
    await fh.sync();
  } finally {
    await fh.close();
  }
  try {
    await rename(tmp, path);
  } catch (err) {
    await rm(tmp, { force: true });
    throw err;
  }
  const dh = await open(dir, "r");
  try {
    await dh.sync();
  } finally {
    await dh.close();
  }
}

const versionFile = (v: number) => `${String(v).padStart(8, "0")}.json`;

/** The store for a config file at `path`; versions go to `<path>.history/` (mode 0700). */
export function configStore(path: string, keep = keptVersions): ConfigStore {
  const dir = `${path}.history`;
  const list = async (): Promise<string[]> => {
    try {
      return (await readdir(dir)).filter((n) => /^\d{8}\.json$/.test(n)).sort();
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === "ENOENT") return [];
      throw err;
    }
  };
  return {
    path,
    writeConfig: (yaml) => writeFileAtomic(path, yaml),
    async history() {
      const out: ConfigVersion[] = [];
      for (const name of await list()) {
        try {
          out.push(JSON.parse(await readFile(join(dir, name), "utf8")) as ConfigVersion);
        } catch {
          // A version file that cannot be read is skipped: the history is a record, not the config.
        }
      }
      return out;
    },
    async sweep() {
      let removed = 0;
      for (const [where, name] of [
        [dirname(path), basename(path)],
        [dir, ""],
      ] as const) {
        let names: string[] = [];
        try {
          names = await readdir(where);
        } catch {
          continue;
        }
        for (const n of names.filter((x) => x.startsWith(`.${name}`) && x.endsWith(".tmp"))) {
          await rm(join(where, n), { force: true });
          removed++;
        }
      }
      return removed;
    },
    async record(entry) {
      await mkdir(dir, { recursive: true, mode: 0o700 });
      const names = await list();
      const last = names.length ? Number(names[names.length - 1]!.slice(0, 8)) : 0;
      const version: ConfigVersion = { version: last + 1, ...entry };
      await writeFileAtomic(join(dir, versionFile(version.version)), JSON.stringify(version));
      const old = [...names, versionFile(version.version)].slice(0, -keep);
      for (const name of old) await rm(join(dir, name), { force: true });
      return version;
    },
  };
}
