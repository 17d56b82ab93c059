import assert from "node:assert/strict";
import { test } from "node:test";
import type { NodeRef } from "@basalt/rollout";
import { parseRequest, simKeys } from "@basalt/rollout";
import { nodeAgentContract } from "@basalt/testkit";
import { SimulatedNodeAgent } from "./simulated-node-agent.ts";

/** A Node's annotations in memory, written by the agent's annotate port. */
function memoryNode(annotations: Record<string, string> = {}) {
  const node: NodeRef & { annotations: Record<string, string> } = {
    name: "n1",
    addresses: [],
    annotations: { [simKeys.osVersion]: "1.0.0", ...annotations },
    kubeletVersion: "v1.34.4",
    bootId: "boot-0",
  };
  let writes = 0;
  const agent = new SimulatedNodeAgent(
    async (_name, patch) => {
      writes++;
      for (const [k, v] of Object.entries(patch)) {
        if (v === null) delete node.annotations[k];
        else node.annotations[k] = v;
      }
    },
    () => 1000,
  );
  return { node, agent, writes: () => writes };
}

const target = { os: { version: "1.1.0", bundleUrl: "https://example.test/b" } };

for (const c of nodeAgentContract) {
  test(`contract (simulated): ${c.name}`, async () => {
    const { node, agent } = memoryNode();
    await c.run({ agent, node: () => node, target });
  });
}

test("upgrade records one request; asking again writes nothing", async () => {
  const m = memoryNode();
  await m.agent.upgrade(m.node, target);
  await m.agent.upgrade(m.node, target);
  assert.equal(m.writes(), 1);
  const r = parseRequest(m.node.annotations[simKeys.request]);
  assert.equal(r?.op, "upgrade");
  assert.equal(r?.os, "1.1.0");
  assert.equal(r?.at, 1000);
});

test("a reboot-only target asks for a reboot; rollback for a rollback", async () => {
  const m = memoryNode();
  await m.agent.upgrade(m.node, { rebootPending: true });
  assert.equal(parseRequest(m.node.annotations[simKeys.request])?.op, "reboot");
  await m.agent.rollback(m.node);
  assert.equal(parseRequest(m.node.annotations[simKeys.request])?.op, "rollback");
});

test("status comes from the Node: versions, boot ID, health, pending reboot", async () => {
  const m = memoryNode({ [simKeys.rebootRequired]: "true", [simKeys.healthy]: "false" });
  const s = await m.agent.status(m.node);
  assert.deepEqual(s, {
    osVersion: "1.0.0",
    kubeletVersion: "v1.34.4",
    bootId: "boot-0",
    healthy: false,
    rebootPending: true,
    detail: "simulated: unhealthy",
  });
});

test("the refuse knob makes upgrade fail for good", async () => {
  const m = memoryNode({ [simKeys.fail]: "refuse" });
  await assert.rejects(m.agent.upgrade(m.node, target), { code: "failed_precondition" });
});
