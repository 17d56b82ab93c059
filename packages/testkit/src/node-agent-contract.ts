import assert from "node:assert/strict";
import { BasaltError } from "@basalt/machinery";
import type { NodeAgent, NodeRef, UpgradeTarget } from "@basalt/rollout";

/**
 * The contract every NodeAgent keeps, as one suite run against each implementation (the simulated
 * agent in memory, the Basalt agent against a real basaltd): status is well-formed, upgrade either
 * accepts or refuses with a BasaltError, and asking twice for the same target is harmless.
 */
export interface ContractSubject {
  agent: NodeAgent;
  /** A node the agent can reach, as the Node object shows it now. */
  node(): NodeRef | Promise<NodeRef>;
  target: UpgradeTarget;
}

export interface ContractCase {
  name: string;
  run(subject: ContractSubject): Promise<void>;
}

async function attempt(f: () => Promise<unknown>): Promise<{ ok: true } | { ok: false; code: string }> {
  try {
    await f();
    return { ok: true };
  } catch (err) {
    assert.ok(err instanceof BasaltError, `expected a BasaltError, got ${String(err)}`);
    return { ok: false, code: err.code };
  }
}

export const nodeAgentContract: ContractCase[] = [
  {
    name: "status reports health and a pending reboot as booleans",
    async run({ agent, node }) {
      const s = await agent.status(await node());
      assert.equal(typeof s.healthy, "boolean");
      assert.equal(typeof s.rebootPending, "boolean");
      if (!s.healthy) assert.equal(typeof s.detail, "string");
    },
  },
  {
    name: "upgrade accepts or refuses with a BasaltError, the same way twice",
    async run({ agent, node, target }) {
      const first = await attempt(async () => agent.upgrade(await node(), target));
      const second = await attempt(async () => agent.upgrade(await node(), target));
      assert.deepEqual(second, first);
    },
  },
  {
    name: "names its kind",
    async run({ agent }) {
      assert.ok(["basalt-node-api", "simulated"].includes(agent.kind));
    },
  },
];
