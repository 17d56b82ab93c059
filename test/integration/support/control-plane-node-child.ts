/**
 * Runs inside a network namespace (see control-plane-node.test.ts): basaltd's control-plane PKI,
 * command lines and Bootstrap against the real etcd, kube-apiserver, kube-controller-manager and
 * kube-scheduler, supervised by a small runner with basaltd's own health checks. Prints one JSON
 * line per event; the last is the verdict.
 */
import { type ChildProcess, spawn } from "node:child_process";
import { mkdirSync, openSync, readFileSync, writeFileSync } from "node:fs";
import { mkdir, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { KubeClient, loadKubeconfig } from "@basalt/kube";
import { adminKubeconfig } from "../../../apps/basaltd/src/kubernetes/admin-kubeconfig.ts";
import { controlPlaneServices } from "../../../apps/basaltd/src/kubernetes/control-plane-args.ts";
import { bootstrapCluster } from "../../../apps/basaltd/src/kubernetes/control-plane-bootstrap.ts";
import { controlPlaneFiles } from "../../../apps/basaltd/src/kubernetes/control-plane-certs.ts";
import type { ControlPlanePaths } from "../../../apps/basaltd/src/kubernetes/control-plane-paths.ts";
import { kubeNodePaths } from "../../../apps/basaltd/src/kubernetes/node-paths.ts";
import { controlPlaneConfig } from "../../../apps/basaltd/src/kubernetes/test-support/control-plane-fixture.ts";
import { checkHealth } from "../../../apps/basaltd/src/supervisor/health-check.ts";
import type { ServiceSnapshot } from "../../../apps/basaltd/src/supervisor/service-runner.ts";

const dir = process.env.CP_DIR!;
const bin = process.env.CP_BIN!;
const address = process.env.CP_ADDRESS!;
const say = (o: unknown) => console.log(JSON.stringify(o));

const paths: ControlPlanePaths = {
  etcdBin: join(bin, "etcd"),
  apiserverBin: join(bin, "kube-apiserver"),
  controllerManagerBin: join(bin, "kube-controller-manager"),
  schedulerBin: join(bin, "kube-scheduler"),
  pkiDir: join(dir, "pki"),
  etcdData: join(dir, "etcd"),
  bootstrapMarker: join(dir, "bootstrapped"),
};
const kubePaths = {
  ...kubeNodePaths,
  kubeletCertDir: join(dir, "kubelet/pki"),
  kubeletKubeconfig: join(dir, "kubelet/kubeconfig"),
};

const k8s = await controlPlaneConfig({ endpoint: `https://${address}:6443`, nodeIP: address });
const files = await controlPlaneFiles(k8s, "cp1", paths, kubePaths);
for (const f of files) {
  await mkdir(join(f.path, ".."), { recursive: true });
  await writeFile(f.path, f.text, { mode: f.mode });
}
say({ pki: files.length });

const specs = new Map(controlPlaneServices(k8s, "cp1", paths).map((s) => [s.name, s]));
const procs = new Map<string, ChildProcess>();
const health = new Map<string, { healthy: boolean; message: string }>();
mkdirSync(join(dir, "logs"), { recursive: true });
const services = {
  start(name: string) {
    const s = specs.get(name)!;
    const out = openSync(join(dir, "logs", `${name}.log`), "a");
    procs.set(name, spawn(s.command[0]!, s.command.slice(1), { stdio: ["ignore", out, out] }));
    const probe = async () => {
      if (!procs.has(name)) return;
      health.set(name, await checkHealth(s.health!));
      setTimeout(probe, 500);
    };
    void probe();
  },
  snapshot(name: string): ServiceSnapshot {
    const p = procs.get(name);
    const h = health.get(name);
    return {
      name,
      state: p && p.exitCode === null ? "running" : "exited",
      pid: p?.pid ?? 0,
      restarts: 0,
      health: h?.healthy ? "healthy" : "unhealthy",
      healthMessage: h?.message ?? "",
      since: new Date(),
      events: [],
    } as ServiceSnapshot;
  },
};
let marker: string | undefined;
let kube: KubeClient | undefined;
const deps = {
  k8s,
  services,
  sleep: (ms: number) => new Promise<void>((r) => setTimeout(r, ms)),
  healthWaitMs: 240_000,
  pollMs: 300,
  readMarker: async () => marker,
  writeMarker: async (t: string) => {
    marker = t;
    writeFileSync(paths.bootstrapMarker, t);
  },
  // The files were written above, before the services were defined.
  pkiWritten: () => true,
  kube: () => {
    kube ??= new KubeClient(loadKubeconfig(join(paths.pkiDir, "admin.kubeconfig")));
    return kube;
  },
  now: () => new Date(),
};
const verdict: Record<string, unknown> = {};
try {
  const started = Date.now();
  for await (const p of bootstrapCluster(deps)) say({ progress: p, s: (Date.now() - started) / 1000 });
  verdict.bootstrapSeconds = (Date.now() - started) / 1000;
  try {
    for await (const _ of bootstrapCluster(deps)) break;
    verdict.second = "accepted";
  } catch (err) {
    verdict.second = (err as Error).message;
  }
  const admin = await adminKubeconfig(k8s, 3600);
  const adminFile = join(dir, "admin-rpc.kubeconfig");
  writeFileSync(adminFile, admin.kubeconfig, { mode: 0o600 });
  const client = new KubeClient(loadKubeconfig(adminFile));
  const secret = await client.request<{ type: string }>({
    method: "GET",
    path: "/api/v1/namespaces/kube-system/secrets/bootstrap-token-abcdef",
  });
  verdict.secretType = secret.type;
  const crbs = await client.request<{ items: { metadata: { name: string } }[] }>({
    method: "GET",
    path: "/apis/rbac.authorization.k8s.io/v1/clusterrolebindings",
  });
  verdict.bindings = crbs.items.map((c) => c.metadata.name).filter((n) => n.startsWith("basalt:"));
  // The bootstrap token authenticates (what a joining worker's kubelet does first).
  const asToken = new KubeClient({ server: k8s.endpoint, ca: k8s.ca, token: k8s.bootstrapToken });
  const csrs = await asToken.request<{ kind: string }>({
    method: "GET",
    path: "/apis/certificates.k8s.io/v1/certificatesigningrequests",
  });
  verdict.tokenListsCsrs = csrs.kind;
  client.close();
  asToken.close();
  verdict.kcm = services.snapshot("kube-controller-manager").health;
  verdict.scheduler = services.snapshot("kube-scheduler").health;
  verdict.adminExpires = admin.expires.toISOString();
  verdict.ok = true;
} catch (err) {
  verdict.ok = false;
  verdict.error = (err as Error).stack;
  for (const n of procs.keys())
    verdict[`log:${n}`] = readFileSync(join(dir, "logs", `${n}.log`), "utf8")
      .split("\n")
      .slice(-15)
      .join("\n");
} finally {
  kube?.close();
  for (const p of [...procs.values()].reverse()) p.kill("SIGTERM");
  procs.clear();
  say({ verdict });
  setTimeout(() => process.exit(0), 3000).unref();
}
