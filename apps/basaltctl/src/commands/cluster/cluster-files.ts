import { existsSync, readdirSync, readFileSync, renameSync, rmSync, writeFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { pathToFileURL } from "node:url";
import { BasaltError, type ClientConfig, parseClientConfig } from "@basalt/machinery";
import { type ClusterState, parseClusterState, renderClusterState } from "@basalt/provision";
import { stringify } from "yaml";

/** Files of one cluster directory. */
export const clusterFiles = (dir: string) => ({
  state: join(dir, "cluster.json"),
  request: join(dir, "request.json"),
  progress: join(dir, "progress.jsonl"),
  hostLog: join(dir, "host.log"),
  secrets: join(dir, "secrets.yaml"),
  basaltconfig: join(dir, "basaltconfig"),
  kubeconfig: join(dir, "kubeconfig"),
});

/** What `create` hands the detached host process. */
export interface ClusterRequest {
  name: string;
  workers: number;
  image: string;
  keep: boolean;
  /** ms epoch when `create` started: progress times count from here. */
  startedAt: number;
}

export function readState(dir: string): ClusterState | undefined {
  const path = clusterFiles(dir).state;
  if (!existsSync(path)) return undefined;
  return parseClusterState(readFileSync(path, "utf8"), path);
}

/** Writes the state file atomically (a reader never sees half of it). */
export function writeState(dir: string, state: ClusterState): void {
  const path = clusterFiles(dir).state;
  writeFileSync(`${path}.tmp`, renderClusterState(state), { mode: 0o600 });
  renameSync(`${path}.tmp`, path);
}

/** Cluster directories under `root` (names), sorted. */
export function clusterNames(root: string): string[] {
  try {
    return readdirSync(root, { withFileTypes: true })
      .filter((e) => e.isDirectory())
      .map((e) => e.name)
      .sort();
  } catch {
    return [];
  }
}

/**
 * How the relay and its forwarder thread run: beside the bundle (dist/relay-main.mjs,
 * dist/forwarder-worker.mjs) when basaltctl runs from dist/, else the provision package's sources.
 */
export function relayPrograms(): { relayCommand?: string[]; forwarderWorker?: URL } {
  const dir = dirname(process.argv[1] ?? "");
  const relay = join(dir, "relay-main.mjs");
  const worker = join(dir, "forwarder-worker.mjs");
  if (!existsSync(relay) || !existsSync(worker)) return {};
  return { relayCommand: [process.execPath, relay], forwarderWorker: pathToFileURL(worker) };
}

function readClientConfig(path: string): ClientConfig | undefined {
  if (!existsSync(path)) return undefined;
  return parseClientConfig(readFileSync(path, "utf8"), path);
}

/** Adds (or replaces) the cluster's context in the client config at `path` and makes it current. */
export function mergeContext(path: string, from: ClientConfig, name: string): void {
  const context = from.contexts[from.context];
  if (!context)
    throw new BasaltError("internal", `the cluster's client config has no context ${from.context}`);
  const current = readClientConfig(path) ?? { context: name, contexts: {} };
  const next: ClientConfig = { context: name, contexts: { ...current.contexts, [name]: context } };
  writeFileSync(path, stringify(next), { mode: 0o600 });
}

/** Removes the cluster's context from the client config at `path` (the file goes if it held only that). */
export function dropContext(path: string, name: string): boolean {
  const current = readClientConfig(path);
  if (!current?.contexts[name]) return false;
  const { [name]: _, ...rest } = current.contexts;
  const names = Object.keys(rest);
  if (names.length === 0) {
    rmSync(path, { force: true });
    return true;
  }
  const next: ClientConfig = {
    context: current.context === name ? names[0]! : current.context,
    contexts: rest,
  };
  writeFileSync(path, stringify(next), { mode: 0o600 });
  return true;
}
