import { mkdirSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { BasaltError } from "@basalt/machinery";
import type { KubeConfig } from "@kubernetes/client-node";
import { k8sBinDir } from "./bin-dir.ts";
import { Component } from "./component.ts";
import {
  controlPlaneArgs,
  type ControlPlanePaths,
  type ControlPlanePorts,
  type NodeJoinArgs,
} from "./control-plane-args.ts";
import { kubeconfigDocument, writeKubeconfig } from "./kubeconfig.ts";
import { freePorts } from "./net.ts";
import { createServiceAccountKeys, createTestCa, issueCert, type TestCa } from "./pki.ts";
import { crashSignal, waitForApiserver, waitForControllers } from "./readiness.ts";

/**
 * A network the control plane runs inside instead of this host's loopback, e.g. a network namespace
 * from @basalt/provision (`VmNetwork.controlPlaneNetwork()`): its components are started through
 * `exec`, the apiserver binds `address`, and this process reaches what it must probe through
 * `forward`.
 */
export interface ControlPlaneNetwork {
  /** Prefix that runs a program inside the network, e.g. `["ip", "netns", "exec", "basalt-1a2b"]`. */
  exec: readonly string[];
  /** Address inside the network that the apiserver binds and advertises (the bridge address). */
  address: string;
  /** Makes `host:port` inside the network reachable from this process; returns where to connect. */
  forward(host: string, port: number): Promise<{ host: string; port: number }>;
}

/** Ports inside a network of its own: nothing else listens there, so the well-known ones are free. */
const networkPorts: ControlPlanePorts = {
  etcdClient: 2379,
  etcdPeer: 2380,
  apiserver: 6443,
  controllerManager: 10257,
  scheduler: 10259,
};

/** Options of `startControlPlane`; every field has a default that suits a test. */
export interface ControlPlaneOptions {
  /**
   * Run inside this network (bound to its address, reached through forwards) instead of on
   * 127.0.0.1 with free ports. Default: loopback.
   */
  network?: ControlPlaneNetwork;
  /**
   * The cluster CA (certificate and key PEM) that signs every certificate here and, through the
   * controller-manager, kubelets' CSRs: pass the Kubernetes CA of `basaltctl gen secrets` so that
   * nodes configured from the same secrets trust this apiserver. Default: a new CA.
   */
  ca?: { cert: string; key: string };
  /**
   * Accept real kubelets (bootstrap-token auth, CSR signing and approval controllers, node IPAM,
   * apiserver → kubelet client certificate): `true` for the defaults (pod network 10.244.0.0/16,
   * a /24 per Node), an object to choose, `false` for none. Default: true with `network`, else false.
   * Joining also needs the bootstrap token and RBAC of `prepareNodeJoin` (@basalt/kube).
   */
  nodes?: boolean | Partial<NodeJoinArgs>;
  /** `--service-cluster-ip-range` of the apiserver and controller-manager; default 10.0.0.0/24. */
  serviceClusterIpRange?: string;
  /** Keep the component logs after `stop()` even if nothing failed; default: BASALT_KEEP_K8S_LOGS=1. */
  keepLogs?: boolean;
  /** Give up starting after this long; default 120 s (a loaded 2-core machine needs ~10 s). */
  startTimeoutMs?: number;
  /** Where the binaries are; default `k8sBinDir()`. */
  binDir?: string;
  /** Extra flags per component, appended last so they override the defaults. */
  extraArgs?: Partial<Record<string, readonly string[]>>;
  /** Where notices go (kept log locations); default stderr. */
  log?: (message: string) => void;
}

/** How long each part of start-up took (ms since `startControlPlane` was called). */
export interface StartupTimings {
  /** Temp dir, CA, certificates, keys, kubeconfigs written. */
  pki: number;
  /** kube-apiserver answers 200 on /readyz (etcd reachable, post-start hooks done, RBAC bootstrapped). */
  apiserverReady: number;
  /** kube-controller-manager and kube-scheduler answer /healthz, and the `default` ServiceAccount exists. */
  total: number;
}

/**
 * etcd, kube-apiserver, kube-controller-manager and kube-scheduler on loopback ports chosen at
 * start, in a temporary directory, with an admin identity (O=system:masters) for the test.
 * Created by `startControlPlane`; `stop()` (or `await using`) ends every process and removes the
 * directory, keeping only the component logs when a test failed or `keepLogs` is set.
 */
export class ControlPlane implements AsyncDisposable {
  /** The temporary directory holding PKI, etcd data, kubeconfigs and `logs/`. */
  readonly dir: string;
  readonly binDir: string;
  /** Where this process reaches the apiserver: `https://127.0.0.1:<port>` (a forward with `network`). */
  readonly server: string;
  /**
   * Where programs inside the control plane's network reach it: `https://<address>:6443` with
   * `network` (what a node's kubelet is given), else the same as `server`.
   */
  readonly internalServer: string;
  /** Admin kubeconfig file (certificate with O=system:masters), for kubectl or child processes. */
  readonly kubeconfigPath: string;
  /** The same admin identity, loaded: `cp.kubeConfig.makeApiClient(CoreV1Api)`. */
  readonly kubeConfig: KubeConfig;
  timings: StartupTimings = { pki: 0, apiserverReady: 0, total: 0 };
  readonly #ca: TestCa;
  readonly #wrap: readonly string[];
  readonly #components: Component[] = [];
  readonly #keepLogs: boolean;
  readonly #log: (message: string) => void;
  #failed = false;
  #stopped: Promise<void> | undefined;

  constructor(init: {
    dir: string;
    binDir: string;
    server: string;
    internalServer: string;
    wrap: readonly string[];
    ca: TestCa;
    kubeconfigPath: string;
    kubeConfig: KubeConfig;
    keepLogs: boolean;
    log: (message: string) => void;
  }) {
    this.dir = init.dir;
    this.binDir = init.binDir;
    this.server = init.server;
    this.internalServer = init.internalServer;
    this.#wrap = init.wrap;
    this.#ca = init.ca;
    this.kubeconfigPath = init.kubeconfigPath;
    this.kubeConfig = init.kubeConfig;
    this.#keepLogs = init.keepLogs;
    this.#log = init.log;
  }

  /** The cluster CA certificate (PEM): what kubelets and clients of this apiserver trust. */
  get caCert(): string {
    return this.#ca.cert;
  }

  /** Where component logs are written: `<dir>/logs/<name>.log`. */
  get logsDir(): string {
    return join(this.dir, "logs");
  }

  /** The running process of a component (kube-apiserver, etcd, kwok, …), e.g. to read its RSS. */
  component(name: string): Component | undefined {
    return this.#components.find((c) => c.name === name);
  }

  /**
   * Starts another process that belongs to this control plane (kwok, a kubelet): it logs into
   * `logs/<name>.log` and is stopped, before the control plane itself, by `stop()`. With a
   * `network` it runs inside that network (give it `internalServer`).
   */
  startComponent(name: string, command: string, args: readonly string[]): Component {
    if (this.#stopped)
      throw new BasaltError("failed_precondition", `control plane in ${this.dir} is stopped`);
    const component = new Component({
      name,
      command,
      args,
      wrap: this.#wrap,
      logPath: join(this.logsDir, `${name}.log`),
    });
    this.#components.push(component);
    return component;
  }

  /**
   * A kubeconfig for another identity signed by the cluster CA, e.g. a controller's user with only
   * the RBAC it is meant to have. Written to `<dir>/<user>.kubeconfig`; with `internal` it points at
   * `internalServer` (for a program inside the network) and is written to `<user>.internal.kubeconfig`.
   */
  async kubeConfigFor(
    user: string,
    groups: readonly string[] = [],
    options: { internal?: boolean } = {},
  ): Promise<KubeConfig> {
    const identity = await issueCert(this.#ca, { commonName: user, organizations: groups, usage: "client" });
    const stem = user.replace(/[^A-Za-z0-9_.-]/g, "_");
    const file = join(this.dir, options.internal ? `${stem}.internal.kubeconfig` : `${stem}.kubeconfig`);
    const server = options.internal ? this.internalServer : this.server;
    return writeKubeconfig(file, server, this.#ca.cert, user, identity);
  }

  /** Keep the logs at `stop()`: a test using this control plane failed. */
  markFailed(): void {
    this.#failed = true;
  }

  /**
   * Ends every process (SIGTERM, SIGKILL after `graceMs`; what was started last stops first) and
   * removes the directory. If a test failed, `keepLogs` was set or a component died on its own,
   * the `logs/` directory is kept and its path printed. Idempotent.
   */
  stop(options: { keepLogs?: boolean; graceMs?: number } = {}): Promise<void> {
    this.#stopped ??= this.#stop(options.keepLogs ?? false, options.graceMs ?? 3000);
    return this.#stopped;
  }

  async [Symbol.asyncDispose](): Promise<void> {
    await this.stop();
  }

  async #stop(keepLogs: boolean, graceMs: number): Promise<void> {
    const crashed = this.#components.filter((c) => !c.running).map((c) => c.name);
    // Clients first (kwok, scheduler, controller-manager), then the apiserver, then etcd.
    const byName = (n: string) => this.#components.filter((c) => c.name === n);
    const core = ["kube-apiserver", "etcd"];
    const clients = this.#components.filter((c) => !core.includes(c.name)).reverse();
    await Promise.all(clients.map((c) => c.stop(graceMs)));
    for (const name of core) await Promise.all(byName(name).map((c) => c.stop(graceMs)));
    if (keepLogs || this.#keepLogs || this.#failed || crashed.length > 0) {
      for (const entry of readdirSync(this.dir)) {
        if (entry !== "logs") rmSync(join(this.dir, entry), { recursive: true, force: true });
      }
      const why = this.#failed
        ? "a test or the start-up failed"
        : crashed.length
          ? `exited early: ${crashed.join(", ")}`
          : "keepLogs";
      const files = readdirSync(this.logsDir).sort().join(", ");
      this.#log(`control plane logs kept (${why}) in ${this.logsDir}: ${files}`);
    } else {
      rmSync(this.dir, { recursive: true, force: true });
    }
  }
}

/** The defaults of `ControlPlaneOptions.nodes` filled in; undefined for no joining nodes. */
export function nodeJoinArgs(nodes: boolean | Partial<NodeJoinArgs>): NodeJoinArgs | undefined {
  if (nodes === false) return undefined;
  const chosen = nodes === true ? {} : nodes;
  return {
    clusterCidr: chosen.clusterCidr ?? "10.244.0.0/16",
    nodeCidrMaskSize: chosen.nodeCidrMaskSize ?? 24,
  };
}

/** The first address of an IPv4 CIDR (the `kubernetes` Service's ClusterIP), e.g. 10.0.0.1. */
export function firstServiceIp(cidr: string): string {
  const [base] = cidr.split("/");
  const octets = (base ?? "").split(".").map(Number);
  if (octets.length !== 4 || octets.some((o) => !Number.isInteger(o) || o < 0 || o > 255))
    throw new BasaltError("invalid_argument", `not an IPv4 CIDR: ${cidr}`);
  octets[3] = octets[3]! + 1;
  return octets.join(".");
}

/**
 * Starts a control plane and waits until it can run workloads: the apiserver ready, the
 * controller-manager and scheduler healthy, the `default` ServiceAccount created. On failure
 * everything started so far is stopped, the logs are kept, and the error carries the failing
 * component's last log lines.
 */
export async function startControlPlane(options: ControlPlaneOptions = {}): Promise<ControlPlane> {
  const t0 = performance.now();
  const binDir = options.binDir ?? (await k8sBinDir());
  const dir = mkdtempSync(join(tmpdir(), "basalt-k8s-"));
  const paths: ControlPlanePaths = {
    dir,
    pki: join(dir, "pki"),
    etcdData: join(dir, "etcd"),
    adminKubeconfig: join(dir, "admin.kubeconfig"),
    controllerManagerKubeconfig: join(dir, "controller-manager.kubeconfig"),
    schedulerKubeconfig: join(dir, "scheduler.kubeconfig"),
  };
  mkdirSync(paths.pki, { mode: 0o700 });
  mkdirSync(join(dir, "logs"));
  const range = options.serviceClusterIpRange ?? "10.0.0.0/24";
  const network = options.network;
  const address = network?.address ?? "127.0.0.1";
  const nodes = nodeJoinArgs(options.nodes ?? network !== undefined);

  let ports: ControlPlanePorts;
  if (network) ports = networkPorts;
  else {
    const [etcdClient, etcdPeer, apiserver, controllerManager, scheduler] = await freePorts(5);
    ports = { etcdClient, etcdPeer, apiserver, controllerManager, scheduler } as ControlPlanePorts;
  }
  const internalServer = `https://${address}:${ports.apiserver}`;
  let server = internalServer;
  // Health endpoints this process probes: the controller-manager's and scheduler's /healthz.
  let probePorts = { controllerManager: ports.controllerManager, scheduler: ports.scheduler };
  if (network) {
    const [api, cm, sch] = await Promise.all([
      network.forward(address, ports.apiserver),
      network.forward("127.0.0.1", ports.controllerManager),
      network.forward("127.0.0.1", ports.scheduler),
    ]);
    server = `https://${api.host}:${api.port}`;
    probePorts = { controllerManager: cm.port, scheduler: sch.port };
  }

  const ca = options.ca ?? (await createTestCa("basalt-test-kubernetes-ca"));
  const [serving, admin, kcm, sched, frontProxy, kubeletClient] = await Promise.all([
    issueCert(ca, {
      commonName: "kube-apiserver",
      usage: "server",
      ips: [...new Set(["127.0.0.1", address, firstServiceIp(range)])],
      dnsNames: [
        "localhost",
        "kubernetes",
        "kubernetes.default",
        "kubernetes.default.svc",
        "kubernetes.default.svc.cluster.local",
      ],
    }),
    issueCert(ca, { commonName: "basalt-test-admin", organizations: ["system:masters"], usage: "client" }),
    issueCert(ca, { commonName: "system:kube-controller-manager", usage: "client" }),
    issueCert(ca, { commonName: "system:kube-scheduler", usage: "client" }),
    issueCert(ca, { commonName: "front-proxy-client", usage: "client" }),
    // The apiserver's identity towards kubelets (logs, exec, port-forward): allowed everything there.
    nodes
      ? issueCert(ca, {
          commonName: "kube-apiserver-kubelet-client",
          organizations: ["system:masters"],
          usage: "client",
        })
      : undefined,
  ]);
  const sa = createServiceAccountKeys();
  const files: Record<string, string> = {
    "ca.crt": ca.cert,
    "ca.key": ca.key,
    "apiserver.crt": serving.cert,
    "apiserver.key": serving.key,
    "sa.pub": sa.publicKey,
    "sa.key": sa.privateKey,
    "front-proxy-client.crt": frontProxy.cert,
    "front-proxy-client.key": frontProxy.key,
    ...(kubeletClient
      ? {
          "apiserver-kubelet-client.crt": kubeletClient.cert,
          "apiserver-kubelet-client.key": kubeletClient.key,
        }
      : {}),
  };
  for (const [name, pem] of Object.entries(files)) writeFileSync(join(paths.pki, name), pem, { mode: 0o600 });
  const kubeConfig = writeKubeconfig(paths.adminKubeconfig, server, ca.cert, "basalt-test-admin", admin);
  writeFileSync(
    paths.controllerManagerKubeconfig,
    kubeconfigDocument(internalServer, ca.cert, "system:kube-controller-manager", kcm),
    { mode: 0o600 },
  );
  writeFileSync(
    paths.schedulerKubeconfig,
    kubeconfigDocument(internalServer, ca.cert, "system:kube-scheduler", sched),
    { mode: 0o600 },
  );

  const cp = new ControlPlane({
    dir,
    binDir,
    server,
    internalServer,
    wrap: network?.exec ?? [],
    ca,
    kubeconfigPath: paths.adminKubeconfig,
    kubeConfig,
    keepLogs: options.keepLogs ?? process.env.BASALT_KEEP_K8S_LOGS === "1",
    log: options.log ?? ((m) => process.stderr.write(`${m}\n`)),
  });
  const pki = performance.now() - t0;
  try {
    // etcd and the apiserver together (the apiserver retries etcd); the controller-manager and the
    // scheduler once the apiserver is ready: started earlier, they race the RBAC bootstrap and
    // exit on a 403 reading their authentication config.
    const args = controlPlaneArgs(paths, ports, range, { apiserverAddress: address, nodes });
    const start = (name: string) =>
      cp.startComponent(name, join(binDir, name), [
        ...(args[name] ?? []),
        ...(options.extraArgs?.[name] ?? []),
      ]);
    const deadline = t0 + (options.startTimeoutMs ?? 120_000);
    const remaining = () => Math.max(1, deadline - performance.now());
    const first = [start("etcd"), start("kube-apiserver")];
    await waitForApiserver(cp, { ca: ca.cert, admin }, remaining(), crashSignal(first));
    const apiserverReady = performance.now() - t0;
    const second = [start("kube-controller-manager"), start("kube-scheduler")];
    await waitForControllers(cp, probePorts, remaining(), crashSignal([...first, ...second]));
    cp.timings = { pki, apiserverReady, total: performance.now() - t0 };
    return cp;
  } catch (err) {
    cp.markFailed();
    await cp.stop({ graceMs: 0 });
    throw err;
  }
}
