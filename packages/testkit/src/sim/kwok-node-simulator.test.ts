import assert from "node:assert/strict";
import { test } from "node:test";
import type { NodeObject } from "@basalt/rollout";
import { simKeys } from "@basalt/rollout";
import { afterBoot, simStep } from "./kwok-node-simulator.ts";

const node = (annotations: Record<string, string>): NodeObject => ({
  key: "n",
  name: "n",
  uid: "u",
  resourceVersion: "1",
  labels: {},
  annotations: { [simKeys.osVersion]: "1.0.0", ...annotations },
  unschedulable: true,
  ready: false,
  kubeletVersion: "v1.33.0",
  addresses: [],
});

test("every step is a function of the request's time: install, reboot, back", () => {
  const r = { op: "upgrade" as const, os: "1.1.0", at: 1000, id: "x" };
  assert.equal(simStep(r, 1500, 1000, 2000), "installing");
  assert.equal(simStep(r, 2500, 1000, 2000), "rebooting");
  assert.equal(simStep(r, 4000, 1000, 2000), "back");
  assert.equal(
    simStep({ ...r, op: "rollback" }, 1000, 1000, 2000),
    "rebooting",
    "a rollback installs nothing",
  );
});

test("back from an upgrade on the new versions, remembering the old ones", () => {
  const b = afterBoot(node({}), { op: "upgrade", os: "1.1.0", kubernetes: "1.34.4", at: 0, id: "x" });
  assert.equal(b.annotations[simKeys.osVersion], "1.1.0");
  assert.equal(b.annotations[simKeys.previousOs], "1.0.0");
  assert.equal(b.kubelet, "1.34.4");
  assert.equal(b.bootId, "n-x");
  assert.equal(b.annotations[simKeys.request], null);
});

test("a new image that does not boot brings the old one back; rollback restores the previous", () => {
  const failed = afterBoot(node({ [simKeys.fail]: "boot-old" }), {
    op: "upgrade",
    os: "1.1.0",
    at: 0,
    id: "x",
  });
  assert.equal(failed.annotations[simKeys.osVersion], "1.0.0");
  const back = afterBoot(node({ [simKeys.osVersion]: "1.1.0", [simKeys.previousOs]: "1.0.0" }), {
    op: "rollback",
    at: 0,
    id: "y",
  });
  assert.equal(back.annotations[simKeys.osVersion], "1.0.0");
});

/** Applies what afterBoot says to the node, as the simulator's patches do (versions and kubelet). */
function boot(n: NodeObject, request: Parameters<typeof afterBoot>[1]): NodeObject {
  const b = afterBoot(n, request);
  const annotations = { ...n.annotations };
  for (const [k, v] of Object.entries(b.annotations)) {
    if (v === null) delete annotations[k];
    else annotations[k] = v;
  }
  return { ...n, annotations, ...(b.kubelet ? { kubeletVersion: b.kubelet } : {}), bootId: b.bootId };
}

test("an upgrade worked out again and again through its reboot keeps the old version as the other slot's", () => {
  const upgrade = { op: "upgrade" as const, os: "1.1.0", kubernetes: "v1.34.4", at: 0, id: "u1" };
  let n = node({});
  for (let i = 0; i < 3; i++) n = boot(n, upgrade);
  assert.equal(n.annotations[simKeys.osVersion], "1.1.0");
  assert.equal(n.annotations[simKeys.previousOs], "1.0.0");
  assert.equal(n.kubeletVersion, "v1.34.4");
  assert.equal(n.annotations[simKeys.previousKubelet], "v1.33.0");
  // A rollback after the successful boot goes back to the old versions, and keeps the new as the other slot's.
  const rollback = { op: "rollback" as const, at: 1, id: "r1" };
  for (let i = 0; i < 3; i++) n = boot(n, rollback);
  assert.equal(n.annotations[simKeys.osVersion], "1.0.0");
  assert.equal(n.kubeletVersion, "v1.33.0");
  assert.equal(n.annotations[simKeys.previousOs], "1.1.0");
});
