import assert from "node:assert/strict";
import { after, before, test } from "node:test";
import { BasaltError } from "@basalt/machinery";
import type { NodeRef } from "@basalt/rollout";
import { nodeAgentContract } from "@basalt/testkit";
import {
  BasaltNodeAgent,
  endpointAnnotation,
} from "../../apps/basalt-controller/src/agent/basalt-node-agent.ts";
import { LocalFleet } from "../support/local-fleet.ts";

/**
 * The Basalt node agent against a real basaltd (the bundled daemon, agent mode, on loopback): the
 * shared NodeAgent contract, what status reports, and the refusals an agent-mode node gives — no A/B
 * slots to upgrade or roll back, and no reboot unless its config allows one. Needs `npm run build`.
 */
let fleet: LocalFleet;
let agent: BasaltNodeAgent;
let node: NodeRef;

before(async () => {
  fleet = await LocalFleet.start({ addresses: ["127.0.0.2"] });
  const n = fleet.nodes[0]!;
  node = {
    name: n.name,
    addresses: [{ type: "InternalIP", address: n.address }],
    annotations: { [endpointAnnotation]: n.endpoint },
  };
  agent = new BasaltNodeAgent({
    tls: { ca: fleet.ids.ca.cert, cert: fleet.ids.admin.cert, key: fleet.ids.admin.key },
  });
});

after(async () => {
  await fleet?.stop();
});

const target = { os: { version: "9.9.9", bundleUrl: "https://updates.example.test/basalt-9.9.9.bundle" } };

for (const c of nodeAgentContract) {
  test(`contract (basalt node API): ${c.name}`, async () => {
    await c.run({ agent, node: () => node, target });
  });
}

test("status: versions, health and boot ID from a real basaltd", async () => {
  const s = await agent.status(node);
  assert.equal(s.healthy, true);
  assert.equal(s.rebootPending, false);
  assert.match(s.bootId ?? "", /^[0-9a-f-]{36}$/);
  assert.ok(s.osVersion !== undefined);
});

test("agent mode: no A/B slots to upgrade or roll back, and no reboot unless allowed", async () => {
  for (const call of [
    () => agent.upgrade(node, target),
    () => agent.rollback(node),
    () => agent.upgrade(node, { rebootPending: true }),
  ]) {
    await assert.rejects(
      call(),
      (err: unknown) => err instanceof BasaltError && err.code === "failed_precondition",
    );
  }
});

test("a Kubernetes-only target is refused before calling the node", async () => {
  await assert.rejects(agent.upgrade(node, { kubernetes: { version: "1.34.4" } }), {
    code: "failed_precondition",
  });
});

test("an unreachable node is unavailable (retried), not refused", async () => {
  const gone = { ...node, annotations: { [endpointAnnotation]: "127.0.0.2:1" } };
  await assert.rejects(agent.status(gone), { code: "unavailable" });
});

test("a node whose serving certificate names another node is refused, with the reason", async () => {
  // node-1's real basaltd, reached as if it were node-2 (a kubelet that rewrote node-2's endpoint).
  const impostor = { ...node, name: "node-2" };
  await assert.rejects(agent.status(impostor), (err: unknown) => {
    assert.ok(err instanceof BasaltError);
    assert.equal(err.code, "unauthenticated");
    assert.match(
      err.message,
      /does not name Kubernetes node "node-2" \(it names IP Address:127\.0\.0\.2, DNS:node-1\)/,
    );
    return true;
  });
  await assert.rejects(agent.upgrade(impostor, { rebootPending: true }), { code: "unauthenticated" });
});

test("an endpoint annotation that is not host:port is refused before dialling", async () => {
  for (const bad of ["https://127.0.0.2:1/x", "127.0.0.2", "127.0.0.2:99999", "a b:1"]) {
    await assert.rejects(agent.status({ ...node, annotations: { [endpointAnnotation]: bad } }), {
      code: "failed_precondition",
    });
  }
});
