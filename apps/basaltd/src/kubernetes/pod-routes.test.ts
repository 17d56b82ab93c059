import assert from "node:assert/strict";
import { test } from "node:test";
import fc from "fast-check";
import {
  canonicalCidr,
  type KeptRoute,
  type PodNetworkNode,
  planPodNetwork,
  planRouteActions,
  type RouteAction,
} from "./pod-routes.ts";

const node = (name: string, podCidr: string | undefined, ip: string | undefined): PodNetworkNode => ({
  name,
  podCidrs: podCidr ? [podCidr] : [],
  internalIps: ip ? [ip] : [],
});

test("one route per other Node: its podCIDR via its InternalIP; never to itself", () => {
  const plan = planPodNetwork("w1", [
    node("w2", "10.244.2.0/24", "10.77.0.12"),
    node("w1", "10.244.1.0/24", "10.77.0.11"),
    node("cp", "10.244.0.0/24", "10.77.0.10"),
  ]);
  assert.deepEqual(plan.routes, [
    { dst: "10.244.0.0/24", via: "10.77.0.10", node: "cp" },
    { dst: "10.244.2.0/24", via: "10.77.0.12", node: "w2" },
  ]);
  assert.equal(plan.ownPodCidr, "10.244.1.0/24");
  assert.deepEqual(plan.podCidrs, ["10.244.0.0/24", "10.244.1.0/24", "10.244.2.0/24"]);
  assert.deepEqual(plan.skipped, []);
});

test("Nodes that cannot be routed to are skipped, each with its reason", () => {
  const plan = planPodNetwork("w1", [
    node("w1", "10.244.1.0/24", "10.77.0.11"),
    node("a-nocidr", undefined, "10.77.0.20"),
    node("b-noip", "10.244.3.0/24", undefined),
    node("c-hostbits", "10.244.4.1/24", "10.77.0.21"),
    node("d-clash", "10.244.1.0/25", "10.77.0.22"),
    node("e-sameip", "10.244.5.0/24", "10.77.0.11"),
    node("f-v6only", "fd00::/64", "10.77.0.23"),
    { name: "g-dual", podCidrs: ["fd00:1::/64", "10.244.6.0/24"], internalIps: ["fd00::6", "10.77.0.24"] },
    node("h-inside", "10.77.0.0/24", "10.77.0.25"),
  ]);
  assert.deepEqual(plan.routes, [{ dst: "10.244.6.0/24", via: "10.77.0.24", node: "g-dual" }]);
  const why = Object.fromEntries(plan.skipped.map((s) => [s.node, s.reason]));
  assert.match(why["a-nocidr"]!, /no IPv4 podCIDR yet/);
  assert.match(why["b-noip"]!, /no IPv4 InternalIP/);
  assert.match(why["c-hostbits"]!, /10\.244\.4\.1\/24 is not an IPv4 network address/);
  assert.match(why["d-clash"]!, /overlaps 10\.244\.1\.0\/24 of Node w1/);
  assert.match(why["e-sameip"]!, /this node's own address/);
  assert.match(why["f-v6only"]!, /no IPv4 podCIDR/);
  assert.match(why["h-inside"]!, /inside its own podCIDR/);
});

test("two Nodes claiming one range: the first by name wins, on every node alike", () => {
  const nodes = [node("b", "10.244.9.0/24", "10.77.0.2"), node("a", "10.244.9.0/24", "10.77.0.1")];
  for (const self of ["x", "y"]) {
    const plan = planPodNetwork(self, nodes);
    assert.deepEqual(plan.routes, [{ dst: "10.244.9.0/24", via: "10.77.0.1", node: "a" }]);
    assert.match(plan.skipped[0]!.reason, /overlaps 10\.244\.9\.0\/24 of Node a/);
  }
});

test("actions: add the missing, replace a moved gateway, remove the unwanted, keep the rest", () => {
  const desired = [
    { dst: "10.244.2.0/24", via: "10.77.0.12", node: "w2" },
    { dst: "10.244.3.0/24", via: "10.77.0.33", node: "w3" },
    { dst: "10.244.4.0/24", via: "10.77.0.14", node: "w4" },
  ];
  const current = [
    { dst: "10.244.2.0/24", via: "10.77.0.12" },
    { dst: "10.244.3.0/24", via: "10.77.0.13" },
    { dst: "10.244.9.0/24", via: "10.77.0.19" },
  ];
  const actions = planRouteActions(desired, current);
  assert.deepEqual(
    actions.map((a) => [a.kind, a.route.dst, a.route.via]),
    [
      ["remove", "10.244.9.0/24", "10.77.0.19"],
      ["replace", "10.244.3.0/24", "10.77.0.33"],
      ["add", "10.244.4.0/24", "10.77.0.14"],
    ],
  );
  assert.match(actions[0]!.reason, /no Node has podCIDR 10\.244\.9\.0\/24 any more/);
  assert.match(
    actions[1]!.reason,
    /Node w3's podCIDR 10\.244\.3\.0\/24 via its InternalIP 10\.77\.0\.33 \(was via 10\.77\.0\.13\)/,
  );
  assert.deepEqual(
    planRouteActions(desired.slice(0, 1), current.slice(0, 1)),
    [],
    "nothing to do is nothing",
  );
});

test("a destination held twice is removed and added back once", () => {
  const actions = planRouteActions(
    [{ dst: "10.244.2.0/24", via: "10.77.0.12", node: "w2" }],
    [
      { dst: "10.244.2.0/24", via: "10.77.0.12" },
      { dst: "10.244.2.0/24", via: "10.77.0.99" },
    ],
  );
  assert.deepEqual(
    actions.map((a) => a.kind),
    ["remove", "remove", "add"],
  );
});

/** The main table as the kernel keeps it: one route per destination, ours marked. */
function apply(table: Map<string, KeptRoute & { ours: boolean }>, actions: RouteAction[]): void {
  for (const a of actions) {
    const have = table.get(a.route.dst);
    if (a.kind === "add") {
      assert.ok(!have, `add over an existing route ${a.route.dst}`);
      table.set(a.route.dst, { dst: a.route.dst, via: a.route.via, ours: true });
    } else if (a.kind === "replace") {
      assert.ok(have?.ours, `replace of a route that is not ours: ${a.route.dst}`);
      table.set(a.route.dst, { dst: a.route.dst, via: a.route.via, ours: true });
    } else {
      assert.ok(have?.ours && have.via === a.route.via, `remove of a route that is not ours: ${a.route.dst}`);
      table.delete(a.route.dst);
    }
  }
}

const octet = fc.integer({ min: 0, max: 15 });
const arbNode = fc.record({
  name: fc.constantFrom("cp", "w1", "w2", "w3", "w4", "w5", "w6"),
  podCidrs: fc.option(
    octet.map((o) => [`10.244.${o}.0/24`]),
    { nil: [] as string[] },
  ),
  internalIps: fc.option(
    octet.map((o) => [`10.77.0.${o + 10}`]),
    { nil: [] as string[] },
  ),
});

test("property: after the actions, our routes are exactly the plan's and nothing else was touched", () => {
  fc.assert(
    fc.property(
      fc.uniqueArray(arbNode, { selector: (n) => n.name, maxLength: 7 }),
      fc.uniqueArray(octet, { maxLength: 6 }),
      fc.uniqueArray(octet, { maxLength: 4 }),
      fc.constantFrom("w1", "w2", "cp"),
      (nodes, oursOctets, foreignOctets, self) => {
        const plan = planPodNetwork(self, nodes);
        // Foreign routes live elsewhere (10.99/16): a route keeper never sees them, never touches them.
        const table = new Map<string, KeptRoute & { ours: boolean }>();
        for (const o of foreignOctets)
          table.set(`10.99.${o}.0/24`, { dst: `10.99.${o}.0/24`, via: "10.77.0.1", ours: false });
        for (const o of oursOctets)
          table.set(`10.244.${o}.0/24`, { dst: `10.244.${o}.0/24`, via: `10.77.0.${o + 40}`, ours: true });
        const foreignBefore = [...table.values()].filter((r) => !r.ours);
        const kept = [...table.values()].filter((r) => r.ours).map(({ dst, via }) => ({ dst, via }));
        apply(table, planRouteActions(plan.routes, kept));
        const ours = [...table.values()].filter((r) => r.ours).map(({ dst, via }) => ({ dst, via }));
        const byDst = (a: KeptRoute, b: KeptRoute) => (a.dst < b.dst ? -1 : 1);
        assert.deepEqual(ours.sort(byDst), plan.routes.map(({ dst, via }) => ({ dst, via })).sort(byDst));
        assert.deepEqual(
          [...table.values()].filter((r) => !r.ours),
          foreignBefore,
        );
        // Converged: a second pass has nothing to do.
        assert.deepEqual(planRouteActions(plan.routes, ours), []);
        // No route to this node's own pods, none through its own address, no two overlapping.
        const me = nodes.find((n) => n.name === self);
        for (const r of plan.routes) {
          assert.notEqual(r.node, self);
          assert.ok(!me?.internalIps.includes(r.via));
          assert.ok(!me?.podCidrs.includes(r.dst));
        }
        assert.equal(new Set(plan.podCidrs).size, plan.podCidrs.length);
      },
    ),
    { numRuns: 2000 },
  );
});

test("canonicalCidr accepts network addresses only", () => {
  assert.equal(canonicalCidr("10.244.1.0/24"), "10.244.1.0/24");
  assert.equal(canonicalCidr("0.0.0.0/0"), "0.0.0.0/0");
  for (const bad of ["10.244.1.1/24", "10.244.1.0", "10.244.1.0/33", "300.1.1.0/24", "fd00::/64", "a/b/c"])
    assert.equal(canonicalCidr(bad), undefined, bad);
});
