import { type ChildProcess, spawn } from "node:child_process";
import { createWriteStream, mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { connect, createServer } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { setTimeout as sleep } from "node:timers/promises";
import type { MachineConfigInput } from "@basalt/machinery";
import { stringify } from "yaml";
import { createIdentities, type Identities, serverCertificate } from "./pki-fixtures.ts";

export const repoRoot = join(import.meta.dirname, "..", "..");
export const basaltdBundle = join(repoRoot, "dist", "basaltd.mjs");
export const basaltctlBundle = join(repoRoot, "dist", "basaltctl.mjs");

export interface FleetNode {
  name: string;
  address: string;
  endpoint: string;
  dir: string;
  configPath: string;
  logsDir: string;
  /** The node's audit trail directory (paths.audit). */
  auditDir: string;
  process: ChildProcess | undefined;
}

export interface FleetOptions {
  /** Loopback addresses, one node each (127.0.0.2, 127.0.0.3, ...). */
  addresses: string[];
  /** Extra machine config per node (services, power, ...). */
  configure?: (node: { name: string; dir: string }) => Partial<MachineConfigInput>;
  /** Keep the temporary directory (logs) after stop. */
  keep?: boolean;
  /** Node names, one per address (default node-1, node-2, ...); the serving certificate names it. */
  names?: string[];
  /**
   * How to start a node's basaltd: a command to run it under (e.g. `unshare` with a private /run)
   * and environment to add. Default: the daemon directly.
   */
  launch?: (node: { name: string; dir: string }) => { prefix?: string[]; env?: NodeJS.ProcessEnv };
  /** Flags for node before the bundle, for every start that names none (e.g. basaltdNodeFlags). */
  nodeFlags?: readonly string[];
}

/** A free TCP port on `address`, found by binding port 0. */
export function freePort(address: string): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once("error", reject);
    server.listen(0, address, () => {
      const port = (server.address() as { port: number }).port;
      server.close(() => resolve(port));
    });
  });
}

async function waitForPort(
  host: string,
  port: number,
  timeoutMs: number,
  child: ChildProcess,
): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (child.exitCode !== null)
      throw new Error(`basaltd on ${host}:${port} exited with code ${child.exitCode}`);
    const ok = await new Promise<boolean>((resolve) => {
      const s = connect({ host, port });
      s.once("connect", () => {
        s.destroy();
        resolve(true);
      });
      s.once("error", () => resolve(false));
    });
    if (ok) return;
    await sleep(50);
  }
  throw new Error(`basaltd on ${host}:${port} did not listen within ${timeoutMs} ms`);
}

/**
 * Real basaltd processes (the bundled daemon, agent mode) on loopback addresses with fresh PKI, and
 * client configs for every identity. `stop()` ends them all and removes the directory.
 */
export class LocalFleet {
  readonly dir: string;
  readonly nodes: FleetNode[] = [];
  ids!: Identities;
  readonly #options: FleetOptions;

  constructor(options: FleetOptions) {
    this.#options = options;
    this.dir = mkdtempSync(join(tmpdir(), "basalt-fleet-"));
  }

  static async start(options: FleetOptions): Promise<LocalFleet> {
    const fleet = new LocalFleet(options);
    try {
      await fleet.#start();
    } catch (err) {
      await fleet.stop();
      throw err;
    }
    return fleet;
  }

  async #start(): Promise<void> {
    this.ids = await createIdentities();
    for (const [i, address] of this.#options.addresses.entries()) {
      const name = this.#options.names?.[i] ?? `node-${i + 1}`;
      const dir = join(this.dir, name);
      const logsDir = join(dir, "log");
      mkdirSync(logsDir, { recursive: true });
      const port = await freePort(address);
      const serving = await serverCertificate(this.ids.ca, name, address);
      const extra = this.#options.configure?.({ name, dir }) ?? {};
      const config: MachineConfigInput = {
        apiVersion: "basalt.dev/v1alpha1",
        kind: "MachineConfig",
        node: { name, mode: "agent" },
        api: { listen: `${address}:${port}`, ca: this.ids.ca.cert, cert: serving.cert, key: serving.key },
        paths: { logs: logsDir, run: join(dir, "run"), audit: join(dir, "audit") },
        files: { allow: ["/proc", "/sys", "/etc/os-release", logsDir] },
        // Never honour the host's own /run/reboot-required: Reboot would run the real `systemctl
        // reboot` on this machine. A test that wants the default gives `power` itself.
        power: { rebootWhenPending: false },
        ...extra,
      };
      // api.limits and the like merge into the generated api section (listen, PKI) instead of replacing it.
      if (extra.api) {
        config.api = {
          ...extra.api,
          listen: `${address}:${port}`,
          ca: this.ids.ca.cert,
          cert: serving.cert,
          key: serving.key,
        };
      }
      const configPath = join(dir, "machine.yaml");
      writeFileSync(configPath, stringify(config), { mode: 0o600 });
      this.nodes.push({
        name,
        address,
        endpoint: `${address}:${port}`,
        dir,
        configPath,
        logsDir,
        auditDir: join(dir, "audit"),
        process: undefined,
      });
    }
    // Start a few at a time: fifty Node processes compiling at once on two cores starve each other.
    for (let i = 0; i < this.nodes.length; i += 8) {
      await Promise.all(this.nodes.slice(i, i + 8).map((n) => this.startNode(n.name)));
    }
    for (const role of ["admin", "operator", "reader"] as const) this.writeClientConfig(role);
  }

  node(name: string): FleetNode {
    const n = this.nodes.find((x) => x.name === name);
    if (!n) throw new Error(`no node ${name}`);
    return n;
  }

  /** Starts a node's basaltd; `nodeFlags` go to node before the bundle (V8 flags NODE_OPTIONS refuses). */
  async startNode(name: string, nodeFlags: readonly string[] = this.#options.nodeFlags ?? []): Promise<void> {
    const node = this.node(name);
    const out = createWriteStream(join(node.dir, "basaltd.out"), { flags: "a" });
    const launch = this.#options.launch?.({ name: node.name, dir: node.dir }) ?? {};
    const [program, ...args] = [
      ...(launch.prefix ?? []),
      process.execPath,
      ...nodeFlags,
      basaltdBundle,
      "--config",
      node.configPath,
    ];
    const child = spawn(program!, args, {
      stdio: ["ignore", "pipe", "pipe"],
      ...(launch.env ? { env: { ...process.env, ...launch.env } } : {}),
    });
    child.stdout.pipe(out);
    child.stderr.pipe(out);
    node.process = child;
    const port = Number(node.endpoint.split(":").at(-1));
    await waitForPort(node.address, port, 60_000, child);
  }

  async stopNode(name: string, signal: NodeJS.Signals = "SIGTERM"): Promise<void> {
    const node = this.node(name);
    const child = node.process;
    node.process = undefined;
    if (!child || child.exitCode !== null) return;
    const exited = new Promise((r) => child.once("exit", r));
    child.kill(signal);
    const timer = setTimeout(() => child.kill("SIGKILL"), 15_000);
    await exited;
    clearTimeout(timer);
  }

  /** Writes a client config for one identity and returns its path. */
  writeClientConfig(
    identity: keyof Omit<Identities, "ca">,
    options: { nodes?: FleetNode[]; ca?: string; file?: string } = {},
  ): string {
    const id = this.ids[identity];
    const ca = options.ca ?? this.ids.ca.cert;
    const nodes = options.nodes ?? this.nodes;
    const context = {
      nodes: nodes.map((n) => ({
        name: n.name,
        endpoint: n.endpoint,
        labels: { index: n.name.split("-")[1] },
      })),
      ca,
      cert: id.cert,
      key: id.key,
    };
    const path = join(this.dir, options.file ?? `${identity}.basaltconfig`);
    writeFileSync(path, stringify({ context: "test", contexts: { test: context } }), { mode: 0o600 });
    return path;
  }

  async stop(): Promise<void> {
    await Promise.all(this.nodes.map((n) => this.stopNode(n.name)));
    if (!this.#options.keep) rmSync(this.dir, { recursive: true, force: true });
  }
}

/** Runs the bundled basaltctl and returns its exit code and output. */
export function basaltctl(
  args: string[],
  env: Record<string, string> = {},
): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, [basaltctlBundle, ...args], {
      env: { ...process.env, ...env },
      stdio: ["ignore", "pipe", "pipe"],
    });
    let stdout = "";
    let stderr = "";
    child.stdout.on("data", (d: Buffer) => {
      stdout += d;
    });
    child.stderr.on("data", (d: Buffer) => {
      stderr += d;
    });
    child.on("exit", (code) => resolve({ code: code ?? -1, stdout, stderr }));
  });
}
