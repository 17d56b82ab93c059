import assert from "node:assert/strict";
import { test } from "node:test";
import type { Kube, KubeRequest } from "@basalt/kube";
import type { ServiceSnapshot } from "../supervisor/service-runner.ts";
import { type BootstrapDeps, bootstrapCluster, bootstrapRefusal } from "./control-plane-bootstrap.ts";
import { k8sConfig } from "./test-support/k8s-fixture.ts";

const cp = () =>
  k8sConfig({
    role: "controlplane",
    controlPlane: {
      caKey: "-----BEGIN PRIVATE KEY-----\nx\n-----END PRIVATE KEY-----\n",
      etcdCA: {
        cert: "-----BEGIN CERTIFICATE-----\nx\n-----END CERTIFICATE-----\n",
        key: "-----BEGIN PRIVATE KEY-----\nx\n-----END PRIVATE KEY-----\n",
      },
      frontProxyCA: {
        cert: "-----BEGIN CERTIFICATE-----\nx\n-----END CERTIFICATE-----\n",
        key: "-----BEGIN PRIVATE KEY-----\nx\n-----END PRIVATE KEY-----\n",
      },
      serviceAccountKey: "-----BEGIN PRIVATE KEY-----\nx\n-----END PRIVATE KEY-----\n",
    },
  });

test("bootstrap refusals: no kubernetes section, a worker, an already bootstrapped node (with its date)", () => {
  assert.match(bootstrapRefusal(undefined, undefined)!, /no kubernetes: section/);
  assert.match(bootstrapRefusal(k8sConfig(), undefined)!, /Kubernetes worker, not a control-plane node/);
  assert.match(
    bootstrapRefusal(cp(), "2026-11-30T22:56:36.094Z\n")!,
    /already bootstrapped on 2026-11-30T22:56:36\.094Z: bootstrap runs once/,
  );
  assert.equal(bootstrapRefusal(cp(), undefined), undefined);
});

/** A supervisor whose services turn healthy `healthyAfter` polls after they start; records the order. */
function fakeDeps(
  options: { healthyAfter?: Record<string, number>; failRequests?: boolean; pkiAfter?: number } = {},
) {
  const log: string[] = [];
  let pkiPolls = 0;
  const polls = new Map<string, number>();
  const started = new Set<string>();
  let marker: string | undefined;
  const kube: Kube = {
    async request<T>(req: KubeRequest): Promise<T> {
      log.push(`${req.method} ${req.path}`);
      if (options.failRequests) throw new Error("apiserver said no");
      return {} as T;
    },
    watch: async () => {},
  };
  const deps: BootstrapDeps = {
    k8s: cp(),
    services: {
      start(name) {
        log.push(`start ${name}`);
        started.add(name);
      },
      snapshot(name): ServiceSnapshot {
        const n = (polls.get(name) ?? 0) + 1;
        polls.set(name, n);
        const healthy = started.has(name) && n > (options.healthyAfter?.[name] ?? 0);
        return {
          name,
          state: started.has(name) ? "running" : "stopped",
          pid: 1,
          restarts: 0,
          health: healthy ? "healthy" : "unhealthy",
          healthMessage: healthy ? "ok" : "connection refused",
          since: new Date(),
          events: [],
        } as ServiceSnapshot;
      },
    },
    sleep: async () => {},
    healthWaitMs: 50,
    pollMs: 0,
    readMarker: async () => marker,
    writeMarker: async (t) => {
      log.push("marker");
      marker = t;
    },
    pkiWritten: () => ++pkiPolls > (options.pkiAfter ?? 0),
    kube: () => kube,
    now: () => new Date("2026-11-30T23:00:00Z"),
  };
  return { deps, log, marker: () => marker };
}

test("bootstrap: etcd, then the apiserver, then the join objects, the marker, then the controllers; once", async () => {
  const { deps, log, marker } = fakeDeps();
  const phases: string[] = [];
  for await (const p of bootstrapCluster(deps)) phases.push(p.phase);
  assert.deepEqual(phases, [
    "etcd",
    "kube-apiserver",
    "bootstrap-token",
    "rbac",
    "marker",
    "kube-controller-manager",
    "kube-scheduler",
    "done",
  ]);
  const order = log.map((l) =>
    l.replace(/ \/.*/, (m) =>
      m.includes("secrets") ? " secret" : m.includes("clusterrolebindings") ? " crb" : m,
    ),
  );
  assert.deepEqual(order.slice(0, 3), ["start etcd", "start kube-apiserver", "POST secret"]);
  assert.ok(order.indexOf("marker") > order.lastIndexOf("POST crb"), "the marker after the join objects");
  assert.ok(order.indexOf("start kube-controller-manager") > order.indexOf("marker"));
  assert.equal(marker(), "2026-11-30T23:00:00.000Z\n");
  await assert.rejects(async () => {
    for await (const _ of bootstrapCluster(deps)) break;
  }, /already bootstrapped on 2026-11-30T23:00:00\.000Z/);
});

test("bootstrap: an apiserver that never becomes ready fails with what the supervisor saw, and writes no marker", async () => {
  const { deps, log, marker } = fakeDeps({ healthyAfter: { "kube-apiserver": 1e9 } });
  const phases: string[] = [];
  await assert.rejects(async () => {
    for await (const p of bootstrapCluster(deps)) phases.push(p.phase);
  }, /kube-apiserver is running \(0 restarts\), not healthy after 0 s: connection refused/);
  assert.deepEqual(phases, ["etcd"]);
  assert.equal(marker(), undefined, "a failed bootstrap may run again");
  assert.ok(!log.some((l) => l.startsWith("POST")));
});

test("bootstrap right after boot waits for this boot's certificates before it starts etcd", async () => {
  const { deps, log } = fakeDeps({ pkiAfter: 3 });
  let clock = 0;
  deps.sleep = async (ms) => {
    clock += ms;
  };
  deps.pollMs = 1000;
  deps.healthWaitMs = 60_000;
  const realNow = Date.now;
  Date.now = () => clock;
  try {
    const phases: string[] = [];
    for await (const p of bootstrapCluster(deps)) phases.push(p.phase);
    assert.deepEqual(phases.slice(0, 2), ["pki", "etcd"]);
    assert.equal(log[0], "start etcd");
  } finally {
    Date.now = realNow;
  }
});

test("bootstrap: certificates never written fail clearly, and nothing starts", async () => {
  const { deps, log, marker } = fakeDeps({ pkiAfter: 1e9 });
  await assert.rejects(async () => {
    for await (const _ of bootstrapCluster(deps));
  }, /certificates are not written after 0 s/);
  assert.deepEqual(log, []);
  assert.equal(marker(), undefined);
});

test("bootstrap: the apiserver refusing the join objects fails before the marker", async () => {
  const { deps, marker } = fakeDeps({ failRequests: true });
  await assert.rejects(async () => {
    for await (const _ of bootstrapCluster(deps));
  }, /apiserver said no/);
  assert.equal(marker(), undefined);
});
