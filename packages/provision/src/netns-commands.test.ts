import assert from "node:assert/strict";
import { test } from "node:test";
import { planNetwork } from "./address-plan.ts";
import { execPrefix, setupCommands, teardownCommands } from "./netns-commands.ts";

test("setup: namespace, lo, a bridge with its address, one tap per VM on the bridge — and no way out", () => {
  const plan = planNetwork({ vms: ["a", "b"], id: "t1" });
  const lines = setupCommands(plan).map((a) => a.join(" "));
  assert.deepEqual(lines, [
    "ip netns add basalt-t1",
    "ip -n basalt-t1 link set lo up",
    "ip -n basalt-t1 link add br0 type bridge stp_state 0 forward_delay 0",
    "ip -n basalt-t1 addr add 10.77.0.1/24 dev br0",
    "ip -n basalt-t1 link set br0 up",
    "ip -n basalt-t1 tuntap add dev tap0 mode tap",
    "ip -n basalt-t1 link set tap0 master br0",
    "ip -n basalt-t1 link set tap0 up",
    "ip -n basalt-t1 tuntap add dev tap1 mode tap",
    "ip -n basalt-t1 link set tap1 master br0",
    "ip -n basalt-t1 link set tap1 up",
  ]);
  // Every command after the first acts inside the namespace: nothing is made on the host.
  for (const l of lines.slice(1)) assert.match(l, /^ip -n basalt-t1 /);
  assert.ok(!lines.some((l) => / veth | route | nat |masquerade|ip_forward/.test(l)));
});

test("teardown deletes the namespace; exec runs inside it", () => {
  assert.deepEqual(teardownCommands("basalt-t1"), [["ip", "netns", "delete", "basalt-t1"]]);
  assert.deepEqual(execPrefix("basalt-t1"), ["ip", "netns", "exec", "basalt-t1"]);
});
