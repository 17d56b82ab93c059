import assert from "node:assert/strict";
import { test } from "node:test";
import { setTimeout as sleep } from "node:timers/promises";
import type { NodePatch } from "@basalt/kube";
import { BasaltError } from "@basalt/machinery";
import type { NodeAgent, NodeObject } from "@basalt/rollout";
import { annotationKeys, readUpgradeAnnotations, upgradeAnnotationsPatch } from "@basalt/rollout";
import type { ClusterWrites } from "../k8s/cluster-writes.ts";
import { ActionExecutor } from "./action-executor.ts";
import { silentTelemetry } from "./telemetry.ts";

/** An executor over one in-memory Node, recording every write. */
function harness(
  options: { leader?: () => boolean; agent?: Partial<NodeAgent>; phase?: string; ours?: boolean } = {},
) {
  const upgrade = options.phase
    ? { phase: options.phase as "upgrading", since: 0, attempts: 1, target: "os=2", batch: 1 }
    : undefined;
  const annotations = Object.fromEntries(
    Object.entries(upgradeAnnotationsPatch(upgrade, options.ours ?? false)).filter(
      (e): e is [string, string] => e[1] !== null,
    ),
  );
  const node: NodeObject = {
    key: "n1",
    name: "n1",
    uid: "u1",
    resourceVersion: "41",
    labels: {},
    annotations,
    unschedulable: options.ours ?? false,
    ready: true,
    bootId: "boot-1",
    addresses: [],
  };
  const patches: NodePatch[] = [];
  const evictions: string[] = [];
  const events: string[] = [];
  const evictionResults: string[] = [];
  const writes: ClusterWrites = {
    async patchNode(_name, patch) {
      patches.push(patch);
      for (const [k, v] of Object.entries(patch.annotations ?? {})) {
        if (v === null) delete node.annotations[k];
        else node.annotations[k] = v;
      }
      if (patch.unschedulable !== undefined) node.unschedulable = patch.unschedulable;
      node.resourceVersion = String(Number(node.resourceVersion) + 1);
      return { ...node };
    },
    async evict(namespace, name) {
      evictions.push(`${namespace}/${name}`);
      const pod = `${namespace}/${name}`;
      if (name.startsWith("blocked"))
        return { outcome: "blocked", pod, message: "budget", retryAfterSeconds: undefined };
      if (name.startsWith("throttled"))
        return { outcome: "throttled", pod, message: "slow down", retryAfterSeconds: 1 };
      return { outcome: "evicted", pod };
    },
    async deletePod() {},
  };
  const agent: NodeAgent = {
    kind: "simulated",
    upgrade: async () => ({ message: "ok" }),
    rollback: async () => ({ message: "ok" }),
    status: async () => ({ healthy: true, rebootPending: false }),
    ...options.agent,
  };
  const executor = new ActionExecutor({
    writes,
    agent,
    node: () => node,
    observeNode: () => {},
    now: () => 5000,
    telemetry: {
      ...silentTelemetry,
      events: { emit: (_ref, _type, reason, message) => events.push(`${reason}: ${message}`) },
      metrics: { ...silentTelemetry.metrics, eviction: (result) => evictionResults.push(result) },
    },
    mayWrite: options.leader ?? (() => true),
  });
  return {
    executor,
    node,
    patches,
    evictions,
    events,
    evictionResults,
    phase: () => readUpgradeAnnotations(node.annotations).upgrade?.phase,
  };
}

test("cordon writes the cordon and the state in one patch, only if the Node is unchanged", async () => {
  const h = harness();
  await h.executor.execute(
    [{ kind: "cordon", node: "n1", reason: "go", target: "os=2", batch: 0, attempts: 1 }],
    "p",
  );
  assert.equal(h.patches.length, 1);
  assert.equal(h.patches[0]!.unschedulable, true);
  assert.equal(h.patches[0]!.resourceVersion, "41");
  assert.equal(h.node.annotations[annotationKeys.cordonedBy], "basalt-controller");
  assert.equal(h.node.annotations[annotationKeys.bootId], "boot-1");
  assert.equal(h.phase(), "cordoned");
});

test("a cordon that is not ours is never lifted", async () => {
  const h = harness({ phase: "done" });
  h.node.unschedulable = true;
  await h.executor.execute([{ kind: "uncordon", node: "n1", reason: "done" }], "p");
  assert.equal(h.patches.length, 0);
});

test("a replica that no longer leads writes nothing and calls no agent", async () => {
  let calls = 0;
  const h = harness({
    leader: () => false,
    phase: "draining",
    ours: true,
    agent: { upgrade: async () => ({ message: `${++calls}` }) },
  });
  await h.executor.execute(
    [
      {
        kind: "upgrade",
        node: "n1",
        reason: "go",
        target: { os: { version: "2", bundleUrl: "https://x.test/b" } },
      },
    ],
    "p",
  );
  await sleep(10);
  assert.equal(h.patches.length, 0);
  assert.equal(calls, 0);
});

test("drain records draining and evicts; a PDB refusal is counted, APF throttling is not one", async () => {
  const h = harness({ phase: "cordoned", ours: true });
  await h.executor.execute(
    [
      {
        kind: "drain",
        node: "n1",
        reason: "drain",
        pods: ["shop/web-1", "shop/blocked-1", "shop/throttled-1"],
        pdbs: ["shop/web"],
        force: false,
      },
    ],
    "p",
  );
  await h.executor.idle();
  assert.deepEqual(h.evictions, ["shop/web-1", "shop/blocked-1", "shop/throttled-1"]);
  assert.deepEqual(h.evictionResults, ["evicted", "blocked", "throttled"]);
  assert.deepEqual(h.events, ["DrainWaiting: p: 1 eviction(s) refused by a PodDisruptionBudget; waiting"]);
  assert.equal(h.phase(), "draining");
  assert.equal(h.node.annotations[annotationKeys.pdbs], "shop/web");
});

test("upgrade: upgrading, then the agent, then rebooting", async () => {
  const h = harness({ phase: "draining", ours: true });
  await h.executor.execute(
    [
      {
        kind: "upgrade",
        node: "n1",
        reason: "go",
        target: { os: { version: "2", bundleUrl: "https://x.test/b" } },
      },
    ],
    "p",
  );
  await sleep(10);
  assert.deepEqual(
    h.patches.map((p) => p.annotations?.[annotationKeys.phase]),
    ["upgrading", "rebooting"],
  );
});

test("an upgrade re-aimed at a changed target records the new target and the boot it is asked from", async () => {
  // State for target os=2 from before the node's first reboot (no boot ID recorded then: boot-0).
  const h = harness({ phase: "rebooting", ours: true });
  h.node.annotations[annotationKeys.bootId] = "boot-0";
  await h.executor.execute(
    [
      {
        kind: "upgrade",
        node: "n1",
        reason: "the target changed",
        target: { os: { version: "3", bundleUrl: "https://x.test/3" } },
      },
    ],
    "p",
  );
  await h.executor.idle();
  const state = readUpgradeAnnotations(h.node.annotations).upgrade;
  assert.equal(state?.target, "os=3");
  assert.equal(state?.bootId, "boot-1", "rebooted means: since this upgrade call");
  assert.equal(state?.phase, "rebooting");
  assert.deepEqual(
    h.patches.map((p) => p.annotations?.[annotationKeys.phase]),
    ["upgrading", "rebooting"],
  );
});

test("a retried upgrade of the same target keeps the boot it was first asked from", async () => {
  // A new leader repeats the upgrade while the node is already rebooting into it (a new boot ID).
  const h = harness({ phase: "upgrading", ours: true });
  h.node.annotations[annotationKeys.bootId] = "boot-0";
  await h.executor.execute(
    [
      {
        kind: "upgrade",
        node: "n1",
        reason: "go",
        target: { os: { version: "2", bundleUrl: "https://x.test/b" } },
      },
    ],
    "p",
  );
  await h.executor.idle();
  const state = readUpgradeAnnotations(h.node.annotations).upgrade;
  assert.equal(state?.bootId, "boot-0", "still judged against the boot before the reboot");
  assert.equal(state?.phase, "rebooting");
});

test("an agent that refuses for good fails the node with the reason", async () => {
  const h = harness({
    phase: "draining",
    ours: true,
    agent: { upgrade: async () => Promise.reject(new BasaltError("unimplemented", "no Upgrade RPC")) },
  });
  await h.executor.execute(
    [
      {
        kind: "upgrade",
        node: "n1",
        reason: "go",
        target: { os: { version: "2", bundleUrl: "https://x.test/b" } },
      },
    ],
    "p",
  );
  await sleep(10);
  assert.equal(h.phase(), "failed");
  assert.match(h.node.annotations[annotationKeys.lastError] ?? "", /no Upgrade RPC/);
});

test("a transient agent error keeps the phase, records why, and holds the node back a moment", async () => {
  let calls = 0;
  const h = harness({
    phase: "upgrading",
    ours: true,
    agent: { upgrade: async () => Promise.reject(new BasaltError("unavailable", `down ${++calls}`)) },
  });
  const up = {
    kind: "upgrade" as const,
    node: "n1",
    reason: "go",
    target: { os: { version: "2", bundleUrl: "https://x.test/b" } },
  };
  await h.executor.execute([up], "p");
  await sleep(10);
  await h.executor.execute([up], "p");
  await sleep(10);
  assert.equal(calls, 1, "held back after the failure");
  assert.equal(h.phase(), "upgrading");
  assert.match(h.node.annotations[annotationKeys.lastError] ?? "", /down 1/);
});

test("rollback records rolledBack with the boot ID the reboot will leave", async () => {
  const h = harness({ phase: "failed", ours: true });
  await h.executor.execute([{ kind: "rollback", node: "n1", reason: "boom" }], "p");
  await sleep(10);
  assert.equal(h.phase(), "rolledBack");
  assert.equal(h.node.annotations[annotationKeys.rebootFrom], "boot-1");
});

test("an upgrade planned before the node's answer was recorded is not sent again (the node is rebooting)", async () => {
  let calls = 0;
  const h = harness({
    phase: "rebooting",
    ours: true,
    agent: {
      upgrade: async () => {
        calls++;
        return { message: "ok" };
      },
    },
  });
  const target = { os: { version: "2", bundleUrl: "https://x.test/b" } };
  await h.executor.execute([{ kind: "upgrade", node: "n1", reason: "go", target }], "p");
  await h.executor.idle();
  assert.equal(calls, 0);
  assert.equal(h.phase(), "rebooting");
});

test("a node already back on its old image is recorded rolled back without a call or a reboot to wait for", async () => {
  let calls = 0;
  const h = harness({
    phase: "failed",
    ours: true,
    agent: {
      rollback: async () => {
        calls++;
        return { message: "ok" };
      },
    },
  });
  await h.executor.execute([{ kind: "rollback", node: "n1", reason: "fell back", alreadyBack: true }], "p");
  await h.executor.idle();
  assert.equal(calls, 0, "the node is not asked to boot its other slot");
  assert.equal(h.phase(), "rolledBack");
  assert.equal(h.node.annotations[annotationKeys.rebootFrom], undefined);
});

test("nothing is done for a plan edited or deleted since the pass read it (checked before each write)", async () => {
  let agentCalls = 0;
  const h = harness({
    phase: "draining",
    ours: true,
    agent: {
      upgrade: async () => {
        agentCalls++;
        return { message: "ok" };
      },
    },
  });
  const upgrade = {
    kind: "upgrade" as const,
    node: "n1",
    reason: "go",
    target: { os: { version: "2", bundleUrl: "https://x.test/b" } },
  };
  // Changed before the action starts: nothing at all.
  await h.executor.execute([upgrade], "p", () => false);
  await h.executor.idle();
  assert.equal(h.patches.length, 0);
  assert.equal(agentCalls, 0);
  // Changed while it runs (the plan is deleted as "upgrading" is written): the agent is not asked.
  let current = true;
  const writes = h.patches.length;
  const onPatch = h.patches.push.bind(h.patches);
  h.patches.push = (...p) => {
    current = false;
    return onPatch(...p);
  };
  await h.executor.execute([upgrade], "p", () => current);
  await h.executor.idle();
  assert.equal(h.patches.length, writes + 1, "only the write that was already going out");
  assert.equal(agentCalls, 0);
});
