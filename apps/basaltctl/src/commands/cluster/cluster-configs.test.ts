import assert from "node:assert/strict";
import { test } from "node:test";
import { parseMachineConfig } from "@basalt/machinery";
import { createCa, newClusterPki } from "@basalt/pki";
import { planNetwork, vmMachineConfig } from "@basalt/provision";
import { stringify } from "yaml";
import { clusterNodeConfig } from "./cluster-configs.ts";

test("cluster VMs get a control-plane or worker section on top of the provisioner's network and API", async () => {
  const osCa = await createCa("basalt-os-ca");
  const k = await newClusterPki();
  const plan = planNetwork({ vms: ["demo-cp", "demo-w1"], id: "t1" });
  const [cpVm, wVm] = plan.vms;
  const make = async (vm: typeof cpVm, role: "controlplane" | "worker") =>
    parseMachineConfig(
      stringify(
        clusterNodeConfig({
          generated: await vmMachineConfig(plan, vm!, osCa),
          role,
          name: vm!.name,
          ip: vm!.ip,
          prefix: plan.prefixLength,
          controlPlaneIp: cpVm!.ip,
          clusterName: "demo",
          kubernetes: k,
        }),
      ),
    );
  const cp = await make(cpVm, "controlplane");
  const w = await make(wVm, "worker");
  assert.equal(cp.kubernetes?.role, "controlplane");
  assert.deepEqual(cp.kubernetes?.controlPlane?.certSANs, ["127.0.0.1"]);
  assert.equal(cp.kubernetes?.endpoint, `https://${cpVm!.ip}:6443`);
  assert.equal(w.kubernetes?.role, "worker");
  assert.equal(w.kubernetes?.endpoint, `https://${cpVm!.ip}:6443`);
  assert.equal(w.kubernetes?.controlPlane, undefined, "no cluster keys on a worker");
  assert.equal(w.kubernetes?.nodeIP, wVm!.ip);
  for (const c of [cp, w]) {
    assert.equal(c.api.listen, "0.0.0.0:50000", "the provisioner's API section is kept");
    assert.deepEqual(c.network?.interfaces[0]?.routes, [{ to: "default", via: plan.bridge.ip }]);
    assert.equal(c.node.labels.role, c.kubernetes?.role);
  }
});
