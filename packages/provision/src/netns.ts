import { mkdir, readdir, readFile, rm, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { BasaltError } from "@basalt/machinery";
import { type NetworkPlan, namespacePrefix } from "./address-plan.ts";
import { type Argv, execPrefix, setupCommands, teardownCommands } from "./netns-commands.ts";
import { currentOwner, ownerAlive, type RunOwner } from "./run-owner.ts";
import { runCommand } from "./run-command.ts";

/**
 * A network namespace built from a plan (see netns-commands.ts), owned by this process. A marker
 * file under `stateDir` (written before the namespace exists) names the owner, so that
 * `sweepStaleNamespaces` can remove the namespaces of runs whose process died without tearing down.
 */

/** Where run markers live: on tmpfs, so a host reboot (which drops every namespace) drops them too. */
export const defaultStateDir = "/run/basalt/provision";

export interface RunMarker {
  namespace: string;
  owner: RunOwner;
  /** The run's work directory (disks, logs), removed with a swept namespace unless it was kept. */
  workDir?: string;
  createdAt: string;
}

export class Netns implements AsyncDisposable {
  readonly plan: NetworkPlan;
  readonly #markerPath: string;
  #destroyed: Promise<void> | undefined;

  private constructor(plan: NetworkPlan, markerPath: string) {
    this.plan = plan;
    this.#markerPath = markerPath;
  }

  get name(): string {
    return this.plan.namespace;
  }

  /** `ip netns exec NS`: prefix a command line with it to run the program inside. */
  get exec(): Argv {
    return execPrefix(this.plan.namespace);
  }

  /**
   * Creates the namespace, bridge and taps of `plan`. If any step fails, what was made is removed
   * again and the error says which command failed.
   */
  static async create(
    plan: NetworkPlan,
    options: { stateDir?: string; workDir?: string } = {},
  ): Promise<Netns> {
    const stateDir = options.stateDir ?? defaultStateDir;
    await mkdir(stateDir, { recursive: true, mode: 0o700 });
    const markerPath = join(stateDir, `${plan.namespace}.json`);
    const marker: RunMarker = {
      namespace: plan.namespace,
      owner: await currentOwner(),
      workDir: options.workDir,
      createdAt: new Date().toISOString(),
    };
    // `wx`: a second run with the same id fails here instead of sharing the namespace.
    try {
      await writeFile(markerPath, JSON.stringify(marker), { flag: "wx", mode: 0o600 });
    } catch (err) {
      throw new BasaltError("already_exists", `a run named ${plan.namespace} exists (${markerPath})`, {
        cause: err,
        hint: "use another id, or remove a dead run with sweepStaleNamespaces()",
      });
    }
    const ns = new Netns(plan, markerPath);
    try {
      for (const argv of setupCommands(plan)) await runCommand(argv);
    } catch (err) {
      await ns.destroy();
      throw err;
    }
    return ns;
  }

  /** Pids of the processes running inside the namespace. */
  pids(): Promise<number[]> {
    return namespacePids(this.plan.namespace);
  }

  /**
   * Kills whatever still runs inside (SIGKILL: the owner stops its processes gracefully before this),
   * deletes the namespace (and with it the bridge and taps) and the marker. Idempotent; safe after
   * a failed or partial create.
   */
  destroy(): Promise<void> {
    this.#destroyed ??= (async () => {
      await removeNamespace(this.plan.namespace);
      await rm(this.#markerPath, { force: true });
    })();
    return this.#destroyed;
  }

  async [Symbol.asyncDispose](): Promise<void> {
    await this.destroy();
  }
}

/** Names of the network namespaces on this host (`ip netns list`). */
export async function listNamespaces(): Promise<string[]> {
  const out = await runCommand(["ip", "netns", "list"]);
  return out
    .split("\n")
    .map((l) => l.trim().split(/\s+/)[0] ?? "")
    .filter(Boolean);
}

async function namespacePids(namespace: string): Promise<number[]> {
  try {
    const out = await runCommand(["ip", "netns", "pids", namespace]);
    return out.split(/\s+/).filter(Boolean).map(Number);
  } catch {
    return [];
  }
}

async function removeNamespace(namespace: string): Promise<void> {
  if (!(await listNamespaces()).includes(namespace)) return;
  // A process left inside keeps the namespace (and its taps) alive after the delete: end them first.
  for (let round = 0; round < 50; round++) {
    const pids = await namespacePids(namespace);
    if (pids.length === 0) break;
    for (const pid of pids) {
      try {
        process.kill(pid, "SIGKILL");
      } catch {
        // Already gone.
      }
    }
    await new Promise((r) => setTimeout(r, 100));
  }
  for (const argv of teardownCommands(namespace)) await runCommand(argv);
}

/** What the sweeper did with one namespace. */
export interface SweepResult {
  namespace: string;
  action: "removed" | "kept";
  reason: string;
}

/**
 * Removes the namespaces (and processes, markers and work directories) of runs whose owner process
 * is gone. A `basalt-*` namespace without a marker was not made by this code and is only reported;
 * a live owner's run is never touched.
 */
export async function sweepStaleNamespaces(options: { stateDir?: string } = {}): Promise<SweepResult[]> {
  const stateDir = options.stateDir ?? defaultStateDir;
  const results: SweepResult[] = [];
  let entries: string[] = [];
  try {
    entries = (await readdir(stateDir)).filter((f) => f.endsWith(".json"));
  } catch {
    entries = [];
  }
  const marked = new Set<string>();
  for (const file of entries) {
    const path = join(stateDir, file);
    let marker: RunMarker;
    try {
      marker = JSON.parse(await readFile(path, "utf8")) as RunMarker;
    } catch {
      continue;
    }
    marked.add(marker.namespace);
    if (await ownerAlive(marker.owner)) {
      results.push({
        namespace: marker.namespace,
        action: "kept",
        reason: `owner pid ${marker.owner.pid} runs`,
      });
      continue;
    }
    await removeNamespace(marker.namespace);
    if (marker.workDir) await rm(marker.workDir, { recursive: true, force: true });
    await rm(path, { force: true });
    results.push({
      namespace: marker.namespace,
      action: "removed",
      reason: `owner pid ${marker.owner.pid} is gone`,
    });
  }
  for (const ns of await listNamespaces()) {
    if (ns.startsWith(namespacePrefix) && !marked.has(ns))
      results.push({ namespace: ns, action: "kept", reason: "no run marker: not made by the provisioner" });
  }
  return results;
}
