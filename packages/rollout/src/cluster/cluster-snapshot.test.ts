import assert from "node:assert/strict";
import { test } from "node:test";
import { annotationKeys } from "../planner/annotations.ts";
import { buildClusterState, nodeSnapshot, pdbSnapshot, statusFromNode } from "./cluster-snapshot.ts";
import type { NodeObject, PdbObject, PodObject } from "./resources.ts";

const node = (name: string, extra: Partial<NodeObject> = {}): NodeObject => ({
  key: name,
  name,
  uid: `uid-${name}`,
  resourceVersion: "1",
  labels: {},
  annotations: {},
  unschedulable: false,
  ready: true,
  readyChanged: 1000,
  bootId: "boot-1",
  kubeletVersion: "v1.34.4",
  addresses: [],
  ...extra,
});

const pod = (name: string, labels: Record<string, string>, extra: Partial<PodObject> = {}): PodObject => ({
  key: `shop/${name}`,
  resourceVersion: "1",
  namespace: "shop",
  name,
  node: "n1",
  labels,
  daemonSet: false,
  mirror: false,
  terminating: false,
  ready: true,
  ...extra,
});

const pdb = (name: string, selector: PdbObject["selector"], extra: Partial<PdbObject> = {}): PdbObject => ({
  key: `shop/${name}`,
  resourceVersion: "1",
  namespace: "shop",
  name,
  disruptionsAllowed: 1,
  observed: true,
  ...(selector ? { selector } : {}),
  ...extra,
});

test("pods get the PDBs whose selectors match them, in their own namespace only", () => {
  const state = buildClusterState({
    now: 0,
    nodes: [node("n1")],
    pods: [
      pod("web-1", { app: "web" }),
      pod("db-1", { app: "db" }),
      { ...pod("x", { app: "web" }), namespace: "other", key: "other/x" },
    ],
    pdbs: [pdb("web", { matchLabels: { app: "web" } }), pdb("all", {}), pdb("none", undefined)],
    agentStatus: () => undefined,
  });
  const pdbsOf = (name: string) => state.pods.find((p) => p.name === name)?.pdbs;
  assert.deepEqual(pdbsOf("web-1"), ["shop/web", "shop/all"]);
  assert.deepEqual(pdbsOf("db-1"), ["shop/all"]);
  assert.deepEqual(pdbsOf("x"), []);
});

test("a PDB whose status is stale allows no disruption", () => {
  assert.equal(pdbSnapshot(pdb("web", {}, { observed: false, disruptionsAllowed: 4 })).disruptionsAllowed, 0);
});

test("versions and health come from the agent's report; the kubelet version from the Node without one", () => {
  const s = nodeSnapshot(node("n1"), {
    osVersion: "1.2.0",
    healthy: true,
    rebootPending: false,
    bootId: "boot-1",
  });
  assert.deepEqual(s.versions, { os: "1.2.0", kubernetes: "v1.34.4" });
  assert.equal(s.healthy, true);
  assert.equal(nodeSnapshot(node("n1"), undefined).versions.kubernetes, "v1.34.4");
});

test("a node mid-upgrade is not Ready for the planner until its agent has reported since this boot", () => {
  const mid = node("n1", {
    bootId: "boot-2",
    annotations: {
      [annotationKeys.phase]: "rebooting",
      [annotationKeys.since]: new Date(0).toISOString(),
      [annotationKeys.target]: "os=1.2.0",
      [annotationKeys.cordonedBy]: "basalt-controller",
    },
  });
  const stale = { osVersion: "1.1.0", healthy: true, rebootPending: false, bootId: "boot-1" };
  assert.equal(nodeSnapshot(mid, stale).ready, false, "a report from before the reboot");
  assert.equal(nodeSnapshot(mid, undefined).ready, false, "no report at all");
  assert.equal(nodeSnapshot(mid, { ...stale, bootId: "boot-2", osVersion: "1.2.0" }).ready, true);
  assert.equal(
    nodeSnapshot(node("n2"), undefined).ready,
    true,
    "a node not in an upgrade is what the kubelet says",
  );
});

test("statusFromNode reads the simulation's annotations, the OS label or a Basalt osImage", () => {
  assert.equal(
    statusFromNode(node("n1", { annotations: { "sim.basalt.dev/os-version": "1.0.0" } })).osVersion,
    "1.0.0",
  );
  assert.equal(
    statusFromNode(node("n1", { labels: { "basalt.dev/os-version": "1.3.0" } })).osVersion,
    "1.3.0",
  );
  assert.equal(statusFromNode(node("n1", { osImage: "Basalt v1.4.0" })).osVersion, "1.4.0");
  assert.equal(statusFromNode(node("n1", { osImage: "Debian GNU/Linux 12" })).osVersion, undefined);
});
