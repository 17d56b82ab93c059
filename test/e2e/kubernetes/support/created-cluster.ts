import { cpSync, existsSync, mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { type ClientContext, parseClientConfig, selectContext } from "@basalt/machinery";
import { type ClusterEvent, type ClusterState, parseClusterState, parseProgress } from "@basalt/provision";
import { run } from "./kubectl.ts";

const basaltctl = join(import.meta.dirname, "../../../../dist/basaltctl.mjs");

/**
 * A cluster of `basaltctl cluster create`, made as a person makes it: the bundled CLI from dist/,
 * with its state dir and client config in a work directory of the test (never ~/.config or the
 * default clusters dir). What create leaves is read back from its files: cluster.json (namespace,
 * nodes, forwards, qemu pids), progress.jsonl (its phases), kubeconfig, basaltconfig, secrets.yaml.
 */
export interface CreatedCluster {
  name: string;
  /** The test's work directory (state dir, client config, files the test writes). */
  workDir: string;
  /** `--state-dir` of every cluster command. */
  stateDir: string;
  /** The cluster's directory: `<stateDir>/<name>`. */
  dir: string;
  /** The client config create merged its context into (`--basaltconfig`). */
  basaltconfig: string;
  kubeconfig: string;
  secretsPath: string;
  /** `basaltctl cluster create --workers N --image DIR`; its stderr (the progress lines). */
  create(workers: number, image: string): Promise<string>;
  /** cluster.json as it is now. */
  state(): ClusterState;
  /** progress.jsonl: every event of the create, in order. */
  progress(): ClusterEvent[];
  /** The cluster's os:admin identity (its basaltconfig context), for node API clients. */
  identity(): ClientContext;
  /** basaltctl with the test's client config (`--state-dir` added to cluster commands). */
  ctl(args: readonly string[], timeoutMs?: number): Promise<string>;
  /** basaltctl through the cluster's context against `nodes` (comma-separated names or `all`). */
  nodeCtl(nodes: string, args: readonly string[], timeoutMs?: number): Promise<string>;
  /** Copies the host log, progress and console logs out of the cluster dir (destroy removes it); returns where. */
  keepLogs(): string;
  /** `cluster destroy` (once); quiet when there is nothing to destroy. */
  destroy(): Promise<string>;
  /** Removes the work directory. */
  remove(): void;
}

const parseState = (dir: string) =>
  parseClusterState(readFileSync(join(dir, "cluster.json"), "utf8"), join(dir, "cluster.json"));

export function createdCluster(name: string): CreatedCluster {
  const workDir = mkdtempSync(join(tmpdir(), "basalt-e2e-cluster-"));
  const stateDir = join(workDir, "clusters");
  const dir = join(stateDir, name);
  const basaltconfig = join(workDir, "basaltconfig");
  const ctl = (args: readonly string[], timeoutMs = 180_000) =>
    run(
      [
        process.execPath,
        basaltctl,
        "--basaltconfig",
        basaltconfig,
        ...args,
        ...(args[0] === "cluster" ? ["--state-dir", stateDir] : []),
      ],
      timeoutMs,
    );
  let created = false;
  let destroyed = false;
  return {
    name,
    workDir,
    stateDir,
    dir,
    basaltconfig,
    kubeconfig: join(dir, "kubeconfig"),
    secretsPath: join(dir, "secrets.yaml"),
    async create(workers, image) {
      created = true;
      // stderr carries the progress lines: run() hands back only stdout, so read it from the error
      // path on failure and from progress.jsonl on success.
      try {
        return await ctl(
          ["cluster", "create", "--name", name, "--workers", String(workers), "--image", image],
          2_400_000,
        );
      } catch (err) {
        const e = err as { stderr?: string };
        throw new Error(`cluster create failed:\n${e.stderr ?? (err as Error).message}`);
      }
    },
    state: () => parseState(dir),
    progress: () => parseProgress(readFileSync(join(dir, "progress.jsonl"), "utf8")).events,
    identity: () =>
      selectContext(parseClientConfig(readFileSync(basaltconfig, "utf8"), basaltconfig), name).context,
    ctl,
    nodeCtl: (nodes, args, timeoutMs) =>
      ctl(["--context", name, "--timeout", "90s", "-n", nodes, ...args], timeoutMs),
    keepLogs() {
      const kept = mkdtempSync(join(tmpdir(), `basalt-e2e-${name}-logs-`));
      for (const f of ["host.log", "progress.jsonl", "cluster.json"])
        if (existsSync(join(dir, f))) cpSync(join(dir, f), join(kept, f));
      // The console logs only: the disks (qcow2 overlays) beside them are large and say nothing.
      const nodes = existsSync(join(dir, "cluster.json")) ? parseState(dir).nodes : [];
      for (const n of nodes)
        if (existsSync(n.consoleLog)) cpSync(n.consoleLog, join(kept, `${n.name}.console.log`));
      return kept;
    },
    async destroy() {
      if (!created || destroyed) return "";
      destroyed = true;
      return ctl(["cluster", "destroy", "--name", name], 180_000);
    },
    remove: () => rmSync(workDir, { recursive: true, force: true }),
  };
}
