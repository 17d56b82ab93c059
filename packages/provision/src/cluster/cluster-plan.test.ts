import assert from "node:assert/strict";
import { test } from "node:test";
import {
  clusterPhases,
  controlPlaneMemoryMiB,
  defaultClustersDir,
  planCluster,
  workerNice,
} from "./cluster-plan.ts";
import { formatEvent, parseProgress } from "./cluster-progress.ts";
import { type ClusterState, parseClusterState, renderClusterState } from "./cluster-state.ts";

test("a plan has one control plane with at least 2.5 GiB and the workers asked for", () => {
  const plan = planCluster({ name: "demo", workers: 2 });
  assert.deepEqual(
    plan.nodes.map((n) => [n.name, n.role]),
    [
      ["demo-cp", "controlplane"],
      ["demo-w1", "worker"],
      ["demo-w2", "worker"],
    ],
  );
  assert.ok(plan.nodes[0]!.memoryMiB >= 2560 && controlPlaneMemoryMiB >= 2560);
  assert.match(plan.namespaceId, /^[a-z0-9]{1,12}$/);
  assert.equal(planCluster({ name: "demo", workers: 0 }).namespaceId, plan.namespaceId, "stable per name");
  assert.notEqual(planCluster({ name: "other", workers: 0 }).namespaceId, plan.namespaceId);
  assert.deepEqual(plan.phases, clusterPhases);
  assert.deepEqual(clusterPhases.slice(3, 7), ["boot", "bootstrap", "kubeconfig", "nodes-ready"]);
});

test("the control plane runs at the host's normal priority and every worker yields to it", () => {
  const plan = planCluster({ name: "demo", workers: 3 });
  assert.equal(plan.nodes[0]!.nice, 0);
  assert.ok(workerNice >= 5 && workerNice <= 19);
  assert.deepEqual(
    plan.nodes.slice(1).map((n) => n.nice),
    [workerNice, workerNice, workerNice],
  );
});

test("bad names and worker counts are refused with what to do", () => {
  assert.throws(() => planCluster({ name: "Demo", workers: 1 }), /not a short lowercase name/);
  assert.throws(() => planCluster({ name: "a".repeat(21), workers: 1 }), /not a short lowercase name/);
  assert.throws(() => planCluster({ name: "demo", workers: 9 }), /expected 0 to 8/);
  assert.throws(() => planCluster({ name: "demo", workers: 1.5 }), /expected 0 to 8/);
});

test("the clusters directory follows XDG_STATE_HOME", () => {
  assert.equal(defaultClustersDir({ XDG_STATE_HOME: "/s" }), "/s/basalt/clusters");
  assert.match(defaultClustersDir({}), /\.local\/state\/basalt\/clusters$/);
});

test("a state file round-trips and a damaged one says what is wrong", () => {
  const state: ClusterState = {
    version: 1,
    name: "demo",
    status: "ready",
    createdAt: "2026-11-30T00:00:00Z",
    host: { pid: 42, startTicks: "1000" },
    namespace: "basalt-c1",
    image: "/img",
    nodes: [
      {
        name: "demo-cp",
        role: "controlplane",
        ip: "10.77.0.10",
        apiEndpoint: "127.0.0.1:4000",
        memoryMiB: 2560,
        consoleLog: "/x/console.log",
        qemu: { pid: 43, startTicks: "1001" },
      },
    ],
  };
  assert.deepEqual(parseClusterState(renderClusterState(state), "f"), state);
  assert.throws(() => parseClusterState("{", "f"), /f is not JSON/);
  assert.throws(
    () => parseClusterState(JSON.stringify({ ...state, status: "odd", nodes: [{ name: "x" }] }), "f"),
    /status: expected one of .*nodes\[0\]: name, ip and apiEndpoint expected/,
  );
});

test("progress lines parse up to the last complete line", () => {
  const a = { t: 1500, phase: "boot", node: "demo-w1", message: "API ready" };
  const text = `${JSON.stringify(a)}\nnot json\n{"t":2`;
  const { events, consumed } = parseProgress(text);
  assert.deepEqual(events, [a]);
  assert.equal(text.slice(consumed), '{"t":2');
  assert.equal(formatEvent(events[0]!), "    1.5s  boot        demo-w1: API ready");
});
