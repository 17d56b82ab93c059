import assert from "node:assert/strict";
import { test } from "node:test";
import type { NodeSnapshot } from "./cluster-state.ts";
import { handBack } from "./hand-back.ts";
import { node, ours, spec, t0, upgrade } from "./test-support/fixtures.ts";

/** A deleted plan hands every node back; a running upgrade or rollback is allowed to finish first. */
const rows: { name: string; node: NodeSnapshot; release?: boolean; uncordon?: boolean }[] = [
  { name: "untouched node: nothing to hand back", node: node("n1") },
  { name: "cordoned by us", node: ours("n1", "cordoned"), release: true, uncordon: true },
  { name: "draining", node: ours("n1", "draining"), release: true, uncordon: true },
  {
    name: "upgrading, not rebooted yet: let it finish",
    node: ours("n1", "upgrading"),
    release: false,
    uncordon: true,
  },
  {
    name: "rebooting, still down: let it finish",
    node: ours("n1", "rebooting", { ready: false, bootId: "n1-boot-1" }),
    release: false,
    uncordon: true,
  },
  {
    name: "rebooting, back on a new boot: released",
    node: ours("n1", "rebooting", { bootId: "n1-boot-1", versions: { os: "1.1.0" } }),
    release: true,
    uncordon: true,
  },
  {
    name: "rebooting past the NotReady timeout: released",
    node: ours("n1", "rebooting", { ready: false, bootId: "n1-boot-1", state: { agoSeconds: 601 } }),
    release: true,
    uncordon: true,
  },
  {
    name: "verifying",
    node: ours("n1", "verifying", { bootId: "n1-boot-1" }),
    release: true,
    uncordon: true,
  },
  {
    name: "done, our cordon already lifted: annotations cleared",
    node: node("n1", { upgrade: upgrade("done") }),
    release: true,
    uncordon: false,
  },
  {
    name: "rolled back, its reboot still to come: let it finish",
    node: ours("n1", "rolledBack", { state: { rebootFrom: "n1-boot-0" } }),
    release: false,
    uncordon: true,
  },
  {
    name: "failed, cordoned by someone else: annotations cleared, cordon left alone",
    node: node("n1", { unschedulable: true, upgrade: upgrade("failed") }),
    release: true,
    uncordon: false,
  },
];

for (const r of rows) {
  test(`hand back: ${r.name}`, () => {
    const h = handBack([r.node], spec(), t0);
    if (r.release === undefined) {
      assert.deepEqual(h, { nodes: [], done: true });
      return;
    }
    assert.equal(h.done, false);
    assert.equal(h.nodes[0]?.release, r.release, h.nodes[0]?.reason);
    assert.equal(h.nodes[0]?.uncordon, r.uncordon);
    assert.equal(h.nextDeadline !== undefined, !r.release, "a node left to finish has a deadline");
  });
}

test("hand back: the deadline of a running upgrade is its timeout", () => {
  const h = handBack([ours("n1", "upgrading", { state: { agoSeconds: 100 } })], spec(), t0);
  assert.equal(h.nextDeadline! - t0, (1800 - 100) * 1000 + 1);
});
