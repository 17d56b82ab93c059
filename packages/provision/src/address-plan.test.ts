import assert from "node:assert/strict";
import { test } from "node:test";
import { BasaltError } from "@basalt/machinery";
import { cidrContains, parseCidr, planNetwork } from "./address-plan.ts";

test("a plan: namespace from the id, bridge on .1, VMs from .10 with their own tap and MAC", () => {
  const plan = planNetwork({ vms: ["node-a", "node-b"], id: "abc123" });
  assert.equal(plan.namespace, "basalt-abc123");
  assert.deepEqual(plan.bridge, { name: "br0", ip: "10.77.0.1", cidr: "10.77.0.1/24" });
  assert.deepEqual(
    plan.vms.map((v) => [v.name, v.tap, v.ip, v.cidr, v.mac]),
    [
      ["node-a", "tap0", "10.77.0.10", "10.77.0.10/24", "52:54:00:ba:00:00"],
      ["node-b", "tap1", "10.77.0.11", "10.77.0.11/24", "52:54:00:ba:00:01"],
    ],
  );
});

test("another subnet and a random id give another namespace name each time", () => {
  const a = planNetwork({ vms: ["x"], subnet: "192.168.50.0/28" });
  const b = planNetwork({ vms: ["x"] });
  assert.notEqual(a.namespace, b.namespace);
  assert.match(a.namespace, /^basalt-[0-9a-f]{8}$/);
  assert.equal(a.vms[0]!.ip, "192.168.50.10");
  assert.equal(a.bridge.cidr, "192.168.50.1/28");
});

test("MACs stay unique beyond 256 VMs", () => {
  const names = Array.from({ length: 300 }, (_, i) => `n${i}`);
  const plan = planNetwork({ vms: names, subnet: "10.8.0.0/16" });
  assert.equal(new Set(plan.vms.map((v) => v.mac)).size, 300);
  assert.equal(plan.vms[299]!.mac, "52:54:00:ba:01:2b");
  assert.equal(plan.vms[299]!.ip, "10.8.1.53");
});

test("bad requests are refused with what is wrong", () => {
  const cases: [Parameters<typeof planNetwork>[0], RegExp][] = [
    [{ vms: [] }, /no VMs/],
    [{ vms: ["Node_A"] }, /not a lowercase hostname/],
    [{ vms: ["a", "a"] }, /given twice/],
    [{ vms: ["a"], subnet: "10.77.0.5/24" }, /host bits set/],
    [{ vms: ["a"], subnet: "10.77.0.0" }, /not an IPv4 CIDR/],
    [{ vms: ["a"], subnet: "300.1.0.0/24" }, /not an IPv4 CIDR/],
    [{ vms: ["a"], subnet: "10.0.0.0/8" }, /\/16 to \/29/],
    [{ vms: ["a", "b"], subnet: "10.77.0.0/29" }, /no room for 2 VMs/],
    [{ vms: ["a"], id: "UPPER" }, /run id/],
  ];
  for (const [req, message] of cases) {
    assert.throws(
      () => planNetwork(req),
      (err: unknown) =>
        err instanceof BasaltError && err.code === "invalid_argument" && message.test(err.message),
      JSON.stringify(req),
    );
  }
});

test("CIDR membership", () => {
  assert.deepEqual(parseCidr("10.77.0.0/24"), { network: (10 << 24) + (77 << 16), prefixLength: 24 });
  assert.equal(cidrContains("10.77.0.0/24", "10.77.0.255"), true);
  assert.equal(cidrContains("10.77.0.0/24", "10.77.1.0"), false);
  assert.equal(cidrContains("127.0.0.0/8", "127.1.2.3"), true);
  assert.equal(cidrContains("0.0.0.0/0", "8.8.8.8"), true);
  assert.equal(cidrContains("10.77.0.0/24", "not-an-ip"), false);
});
