import { existsSync } from "node:fs";
import { mkdir, mkdtemp, rm, stat, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { connect as tlsConnect } from "node:tls";
import { BasaltError, type MachineConfigInput } from "@basalt/machinery";
import { createCa, type KeyPairPem } from "@basalt/pki";
import { stringify } from "yaml";
import { type NetworkPlan, planNetwork, type VmAddress } from "./address-plan.ts";
import { Netns, sweepStaleNamespaces } from "./netns.ts";
import type { Argv } from "./netns-commands.ts";
import { adminClientConfig, nodeApiPort, vmMachineConfig } from "./node-configs.ts";
import { startQemu, type Vm } from "./qemu-vm.ts";
import { type Forward, Relay } from "./relay.ts";
import { createConfigDrive, createOverlay } from "./vm-disks.ts";

/**
 * A network namespace with one Basalt VM per spec on its bridge, reachable from the host only through
 * loopback forwards. `createVmNetwork` prepares everything (namespace, bridge, taps, relay, PKI,
 * machine configs, config drives, qcow2 overlays); `boot()` starts the VMs concurrently and waits
 * for their APIs; `destroy()` (or `await using`) stops them and removes the namespace and files.
 */

export interface VmSpec {
  /** Hostname and node name (lowercase). */
  name: string;
  /** Guest memory, MiB; default 1536 (a kubelet node wants 1536–2048). */
  memoryMiB?: number;
  /** vCPUs; default 1. */
  cpus?: number;
  /** Host niceness of its qemu (0–19; default 0): higher yields the host's cores to the others. */
  nice?: number;
  labels?: Record<string, string>;
  /**
   * Edits the generated machine config before it goes on the config drive (add services, a
   * `kubernetes:` section, …). Keep `network` and `api` as generated unless you mean to change how
   * the VM is reached.
   */
  configure?: (
    config: MachineConfigInput,
    context: VmConfigContext,
  ) => MachineConfigInput | Promise<MachineConfigInput>;
}

/** What a `configure` hook knows about the network. */
export interface VmConfigContext {
  plan: NetworkPlan;
  vm: VmAddress;
}

export interface VmNetworkOptions {
  /** Directory holding the image's disk.raw (or the path of a disk.raw). */
  image: string;
  vms: readonly VmSpec[];
  /** Bridge subnet inside the namespace; default 10.77.0.0/24. */
  subnet?: string;
  /** Short run id (namespace `basalt-<id>`); random by default. */
  id?: string;
  /** CA of the nodes' API (the `ca` of `basaltctl gen secrets`); a new one by default. */
  osCa?: KeyPairPem;
  /** Where disks, configs and console logs go; a new temp dir by default (removed at destroy). */
  workDir?: string;
  /** Keep the work dir (console logs) at destroy: always, never, or only after a failure (default). */
  keepFiles?: "always" | "never" | "on-failure";
  /** Program that runs the relay inside the namespace (default: this Node on relay-main.ts). */
  relayCommand?: Argv;
  /** Module of the relay's forwarder thread (default forwarder-worker.ts; a bundle passes its own). */
  forwarderWorker?: URL;
  /** Remove namespaces of dead runs before starting (default true). */
  sweepStale?: boolean;
  /** Progress lines. */
  log?: (line: string) => void;
}

/** One VM of the network and how to reach it. */
export interface NetnsVm extends VmAddress {
  memoryMiB: number;
  /** Host-side endpoint of its API (`127.0.0.1:<port>`), forwarded to `<ip>:50000`. */
  apiEndpoint: string;
  consoleLog: string;
  /** The machine config on its config drive. */
  machineConfig: MachineConfigInput;
  /** The running qemu, once booted. */
  qemu: Vm | undefined;
}

export class VmNetwork implements AsyncDisposable {
  readonly plan: NetworkPlan;
  readonly netns: Netns;
  readonly relay: Relay;
  readonly workDir: string;
  readonly osCa: KeyPairPem;
  readonly vms: NetnsVm[];
  /** basaltctl client config (os:admin) listing every VM at its forwarded endpoint. */
  readonly clientConfigPath: string;
  readonly #image: string;
  readonly #specs: readonly VmSpec[];
  readonly #keepFiles: "always" | "never" | "on-failure";
  readonly #log: (line: string) => void;
  readonly #cleanup: (() => Promise<void>)[] = [];
  #failed = false;
  #destroyed: Promise<void> | undefined;

  constructor(init: {
    plan: NetworkPlan;
    netns: Netns;
    relay: Relay;
    workDir: string;
    osCa: KeyPairPem;
    vms: NetnsVm[];
    clientConfigPath: string;
    image: string;
    specs: readonly VmSpec[];
    keepFiles: "always" | "never" | "on-failure";
    log: (line: string) => void;
  }) {
    this.plan = init.plan;
    this.netns = init.netns;
    this.relay = init.relay;
    this.workDir = init.workDir;
    this.osCa = init.osCa;
    this.vms = init.vms;
    this.clientConfigPath = init.clientConfigPath;
    this.#image = init.image;
    this.#specs = init.specs;
    this.#keepFiles = init.keepFiles;
    this.#log = init.log;
  }

  /** The VM named `name`, or a not_found error listing the names there are. */
  vm(name: string): NetnsVm {
    const vm = this.vms.find((v) => v.name === name);
    if (!vm)
      throw new BasaltError("not_found", `no VM named ${name}`, {
        hint: `VMs: ${this.vms.map((v) => v.name).join(", ")}`,
      });
    return vm;
  }

  /** Forwards 127.0.0.1:<free port> on the host to `host:port` inside the namespace. */
  forward(host: string, port: number): Promise<Forward> {
    return this.relay.forward({ host, port });
  }

  /**
   * How a program running inside reaches things and is reached: the exec prefix, the bridge address
   * (what a control plane inside binds) and a forward maker. It has the shape of testkit's
   * `ControlPlaneNetwork`, so `startControlPlane({ network: vmNetwork.inside() })` runs there.
   */
  inside(): {
    exec: Argv;
    address: string;
    forward: (host: string, port: number) => Promise<{ host: string; port: number }>;
  } {
    return { exec: this.netns.exec, address: this.plan.bridge.ip, forward: (h, p) => this.forward(h, p) };
  }

  /** Something to undo at destroy, before the namespace goes (e.g. a control plane inside it). */
  onDestroy(fn: () => Promise<void>): void {
    this.#cleanup.push(fn);
  }

  /** Marks the run failed: the work dir (console logs) is kept at destroy unless keepFiles is "never". */
  markFailed(): void {
    this.#failed = true;
  }

  /**
   * Starts every VM that is not running (all at once: boots overlap on the host's cores) and waits
   * until each one's API accepts a TLS connection through its forward. A VM that exits or does not
   * come up in time fails the boot with its name, phase and console log.
   */
  async boot(options: { timeoutMs?: number; names?: readonly string[] } = {}): Promise<void> {
    const timeoutMs = options.timeoutMs ?? 300_000;
    const chosen = this.vms.filter((v) => !options.names || options.names.includes(v.name));
    try {
      await Promise.all(
        chosen.map(async (vm) => {
          if (vm.qemu && vm.qemu.process.exitCode === null) return;
          const t0 = performance.now();
          vm.qemu = startQemu({
            exec: this.netns.exec,
            disk: { path: join(this.workDir, vm.name, "disk.qcow2"), format: "qcow2" },
            vars: join(this.workDir, vm.name, "vars.fd"),
            configDrive: join(this.workDir, vm.name, "config.img"),
            nic: { kind: "tap", ifname: vm.tap, mac: vm.mac },
            memoryMiB: vm.memoryMiB,
            cpus: this.#specs.find((s) => s.name === vm.name)?.cpus,
            nice: this.#specs.find((s) => s.name === vm.name)?.nice,
            consoleLog: vm.consoleLog,
          });
          await this.waitForApi(vm.name, timeoutMs);
          this.#log(
            `${vm.name}: API ready at ${vm.apiEndpoint} (${vm.ip}) in ${((performance.now() - t0) / 1000).toFixed(1)} s`,
          );
        }),
      );
    } catch (err) {
      this.markFailed();
      throw err;
    }
  }

  /** Waits until the VM's API completes a TLS handshake (server certificate checked against the CA). */
  async waitForApi(name: string, timeoutMs: number): Promise<void> {
    const vm = this.vm(name);
    const deadline = Date.now() + timeoutMs;
    const [host, port] = vm.apiEndpoint.split(":");
    for (;;) {
      const exited = vm.qemu && vm.qemu.process.exitCode !== null;
      if (exited || !vm.qemu)
        throw new BasaltError("unavailable", `${name}: qemu is not running (phase: boot)`, {
          hint: `console log: ${vm.consoleLog}`,
        });
      if (await tlsHandshake(host!, Number(port), vm.name, this.osCa.cert)) return;
      if (Date.now() > deadline)
        throw new BasaltError(
          "deadline_exceeded",
          `${name}: the API did not answer within ${timeoutMs} ms (phase: boot)`,
          {
            hint: `console log: ${vm.consoleLog}; last lines:\n${vm.qemu.console().slice(-1500)}`,
          },
        );
      await new Promise((r) => setTimeout(r, 1000));
    }
  }

  /**
   * Stops the VMs (SIGTERM, then SIGKILL), runs the `onDestroy` steps, closes the forwards and the
   * relay, deletes the namespace (bridge and taps with it) and the work dir (kept after a failure
   * unless keepFiles is "never"). Idempotent; every step runs even if an earlier one failed.
   */
  destroy(): Promise<void> {
    this.#destroyed ??= (async () => {
      const errors: unknown[] = [];
      const step = async (fn: () => Promise<unknown>) => {
        try {
          await fn();
        } catch (err) {
          errors.push(err);
        }
      };
      await Promise.all(this.vms.map((vm) => step(async () => vm.qemu?.stop(3000))));
      for (const fn of [...this.#cleanup].reverse()) await step(fn);
      await step(() => this.relay.close());
      await step(() => this.netns.destroy());
      const keep = this.#keepFiles === "always" || (this.#keepFiles === "on-failure" && this.#failed);
      if (keep)
        this.#log(`kept ${this.workDir} (console logs: ${this.vms.map((v) => v.consoleLog).join(", ")})`);
      else await step(() => rm(this.workDir, { recursive: true, force: true }));
      if (errors.length > 0)
        throw new BasaltError(
          "internal",
          `teardown of ${this.plan.namespace}: ${errors.map(String).join("; ")}`,
        );
    })();
    return this.#destroyed;
  }

  async [Symbol.asyncDispose](): Promise<void> {
    await this.destroy();
  }
}

function tlsHandshake(host: string, port: number, servername: string, ca: string): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = tlsConnect({ host, port, ca, servername, ALPNProtocols: ["h2"], timeout: 3000 });
    const done = (ok: boolean) => {
      socket.destroy();
      resolve(ok);
    };
    // The node asks for a client certificate but the handshake completes without one being checked
    // here: reaching `secureConnect` with the server verified is what "the API is up" means.
    socket.once("secureConnect", () => done(socket.authorized));
    socket.once("error", () => done(false));
    socket.once("timeout", () => done(false));
  });
}

/**
 * Prepares a VM network (nothing boots yet): sweeps dead runs, plans names and addresses, creates
 * the namespace, bridge and taps, starts the relay, forwards each VM's API port, writes machine
 * configs, config drives and qcow2 overlays, and a basaltctl client config. On failure everything
 * made so far is removed again.
 */
export async function createVmNetwork(options: VmNetworkOptions): Promise<VmNetwork> {
  const log = options.log ?? (() => {});
  const image = (await isDirectory(options.image)) ? join(options.image, "disk.raw") : options.image;
  if (!existsSync(image))
    throw new BasaltError("not_found", `no disk image at ${image}`, {
      hint: "build one with `npm run image` (or the e2e image cache)",
    });
  if (options.sweepStale !== false) {
    for (const r of await sweepStaleNamespaces())
      if (r.action === "removed") log(`swept ${r.namespace}: ${r.reason}`);
  }
  const plan = planNetwork({ vms: options.vms.map((v) => v.name), subnet: options.subnet, id: options.id });
  const workDir = options.workDir ?? (await mkdtemp(join(tmpdir(), `basalt-${plan.id}-`)));
  await mkdir(workDir, { recursive: true, mode: 0o700 });
  const netns = await Netns.create(plan, { workDir });
  let relay: Relay | undefined;
  try {
    relay = await Relay.start(netns.exec, [plan.subnet, "127.0.0.0/8"], {
      command: options.relayCommand,
      workerUrl: options.forwarderWorker,
    });
    const osCa = options.osCa ?? (await createCa("basalt-os-ca"));
    const vms: NetnsVm[] = [];
    for (const vm of plan.vms) {
      const spec = options.vms[vm.index]!;
      const fwd = await relay.forward({ host: vm.ip, port: nodeApiPort });
      let config = await vmMachineConfig(plan, vm, osCa, { labels: spec.labels });
      if (spec.configure) config = await spec.configure(config, { plan, vm });
      const dir = join(workDir, vm.name);
      await mkdir(dir, { recursive: true, mode: 0o700 });
      await writeFile(join(dir, "config.yaml"), stringify(config), { mode: 0o600 });
      await createConfigDrive(stringify(config), join(dir, "config.img"));
      await createOverlay(image, join(dir, "disk.qcow2"));
      vms.push({
        ...vm,
        memoryMiB: spec.memoryMiB ?? 1536,
        apiEndpoint: fwd.endpoint,
        consoleLog: join(dir, "console.log"),
        machineConfig: config,
        qemu: undefined,
      });
    }
    const clientConfigPath = join(workDir, "basaltconfig");
    const client = await adminClientConfig(
      osCa,
      vms.map((v) => ({ name: v.name, endpoint: v.apiEndpoint, labels: options.vms[v.index]!.labels })),
    );
    await writeFile(clientConfigPath, stringify(client), { mode: 0o600 });
    log(
      `${plan.namespace}: bridge ${plan.bridge.cidr}, ${vms.map((v) => `${v.name}=${v.ip}→${v.apiEndpoint}`).join(", ")}`,
    );
    return new VmNetwork({
      plan,
      netns,
      relay,
      workDir,
      osCa,
      vms,
      clientConfigPath,
      image,
      specs: options.vms,
      keepFiles: options.keepFiles ?? "on-failure",
      log,
    });
  } catch (err) {
    await relay?.close().catch(() => {});
    await netns.destroy().catch(() => {});
    if (!options.workDir) await rm(workDir, { recursive: true, force: true });
    throw err;
  }
}

async function isDirectory(path: string): Promise<boolean> {
  try {
    return (await stat(path)).isDirectory();
  } catch {
    return false;
  }
}
