import assert from "node:assert/strict";
import { test } from "node:test";
import { type MachineConfig, validateMachineConfig } from "@basalt/machinery";
import { emptyPlan, planNetworkChange } from "./network-plan.ts";

const pem = (what: string) => `-----BEGIN ${what}-----\nx\n-----END ${what}-----`;
const config = (network: unknown): MachineConfig =>
  validateMachineConfig({
    apiVersion: "basalt.dev/v1alpha1",
    kind: "MachineConfig",
    node: { name: "a", mode: "init" },
    api: {
      listen: "0.0.0.0:50000",
      ca: pem("CERTIFICATE"),
      cert: pem("CERTIFICATE"),
      key: pem("PRIVATE KEY"),
    },
    ...(network ? { network } : {}),
  });

const eth0 = { name: "eth0", addresses: ["10.0.2.15/24"], routes: [{ to: "default", via: "10.0.2.2" }] };

test("moving an interface to another address: the old route and address go, the new ones come", () => {
  const before = config({ hostname: "vm", interfaces: [eth0], nameservers: ["10.0.2.3"] });
  const after = config({
    hostname: "vm",
    interfaces: [{ name: "eth0", addresses: ["10.0.3.15/24"] }],
    nameservers: ["10.0.2.3"],
  });
  const plan = planNetworkChange(before, after);
  assert.deepEqual(plan.removeRoutes, [{ iface: "eth0", to: "default", via: "10.0.2.2" }]);
  assert.deepEqual(plan.removeAddresses, [{ iface: "eth0", cidr: "10.0.2.15/24" }]);
  assert.deepEqual(
    plan.configure.map((i) => i.addresses),
    [["10.0.3.15/24"]],
  );
  assert.equal(plan.hostname, undefined);
  assert.equal(plan.nameservers, undefined);
  // And back: the revert restores address and route.
  const back = planNetworkChange(after, before);
  assert.deepEqual(back.removeAddresses, [{ iface: "eth0", cidr: "10.0.3.15/24" }]);
  assert.deepEqual(back.configure, [eth0]);
});

test("hostname and nameservers alone; no change is an empty plan", () => {
  const a = config({ hostname: "vm", interfaces: [eth0] });
  const b = config({ hostname: "vm2", interfaces: [eth0], nameservers: ["1.1.1.1"] });
  const plan = planNetworkChange(a, b);
  assert.equal(plan.hostname, "vm2");
  assert.deepEqual(plan.nameservers, ["1.1.1.1"]);
  assert.deepEqual(plan.configure, []);
  assert.equal(emptyPlan(planNetworkChange(a, a)), true);
  // No network section: the hostname is the node's name.
  assert.equal(planNetworkChange(config(undefined), a).hostname, "vm");
  assert.equal(planNetworkChange(a, config(undefined)).hostname, "a");
});
