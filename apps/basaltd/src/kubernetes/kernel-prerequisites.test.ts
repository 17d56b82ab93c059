import assert from "node:assert/strict";
import { test } from "node:test";
import { planModules } from "@basalt/machinery";
import { kubeModules, loadedModules, parseModulesLoad, sysctlPath } from "./kernel-prerequisites.ts";

const dep = `kernel/net/bridge/bridge.ko: kernel/net/802/stp.ko kernel/net/llc/llc.ko
kernel/net/802/stp.ko: kernel/net/llc/llc.ko
kernel/net/llc/llc.ko:
kernel/net/bridge/br_netfilter.ko.xz: kernel/net/bridge/bridge.ko kernel/net/802/stp.ko kernel/net/llc/llc.ko
kernel/fs/overlayfs/overlay.ko:
`;

test("modules load after their dependencies, once each; built-in, loaded and missing ones are told apart", () => {
  const plan = planModules(
    ["br_netfilter", "bridge", "overlay", "veth", "nf_tables"],
    dep,
    "kernel/drivers/net/veth.ko\n",
    new Set(["overlay"]),
  );
  assert.deepEqual(plan.files, [
    "kernel/net/llc/llc.ko",
    "kernel/net/802/stp.ko",
    "kernel/net/bridge/bridge.ko",
    "kernel/net/bridge/br_netfilter.ko.xz",
  ]);
  assert.deepEqual(plan.builtin, ["veth"]);
  assert.deepEqual(plan.missing, ["nf_tables"]);
});

test("/proc/modules names and sysctl paths", () => {
  assert.deepEqual(
    [...loadedModules("overlay 151552 0 - Live 0x0\nbridge 1 1 br_netfilter, Live 0x0\n")],
    ["overlay", "bridge"],
  );
  assert.equal(
    sysctlPath("net.bridge.bridge-nf-call-iptables"),
    "/proc/sys/net/bridge/bridge-nf-call-iptables",
  );
  for (const m of ["overlay", "br_netfilter", "bridge", "veth", "nf_conntrack"])
    assert.ok(kubeModules.includes(m), m);
});

test("modules-load.d lists: one name a line, comments dropped", () => {
  assert.deepEqual(parseModulesLoad("# containerd\noverlay\n\n  br_netfilter  # bridge\n; old\nveth\n"), [
    "overlay",
    "br_netfilter",
    "veth",
  ]);
});
