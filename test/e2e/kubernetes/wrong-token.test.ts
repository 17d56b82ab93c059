import assert from "node:assert/strict";
import { after, before, describe, test } from "node:test";
import { until } from "./support/kubectl.ts";
import { type K8sLab, startK8sLab, type Worker } from "./support/lab.ts";

/**
 * A Basalt worker whose bootstrap token the cluster does not know: a network namespace with a bridge
 * and a tap (no uplink), the testkit control plane inside it (bootstrap tokens, CSR approval), and
 * one Basalt VM of the `kubernetes` image (TCG, 1 vCPU) whose config comes from `basaltctl gen
 * secrets` / `gen config --worker` with the token replaced. What workers do when they join — the
 * node services, pod networking, routes, Services, reboots — is checked on the real cluster of
 * basalt-cluster.test.ts; this is the one case that needs a node the cluster must refuse.
 */
describe("a Basalt worker with a wrong bootstrap token", { timeout: 1_800_000 }, () => {
  let lab: K8sLab;
  let worker: Worker;
  let passed = false;

  before(async () => {
    lab = await startK8sLab({
      workers: [{ name: "w3", bootstrapToken: "abcdef.0000000000000000" }],
      log: (l) => console.log(`  lab ${l}`),
    });
    worker = lab.worker("w3");
  });

  after(async () => {
    if (!passed) lab?.markFailed(); // keeps console and control plane logs
    await lab?.stop();
  });

  test("a clear event, no Node, the node still manageable", async () => {
    await worker.waitForApi(600_000);
    const events = await until("w3's join-check verdict", 600_000, async () => {
      const e = await worker.ctl(["events", "--tail", "200"]);
      return /join-check\s+problem/.test(e) ? e : undefined;
    });
    assert.match(events, /rejected the bootstrap token abcdef\.<redacted> \(401 Unauthorized\)/);
    assert.doesNotMatch(events, /0000000000000000/);
    assert.match(await worker.ctl(["services"]), /kubelet/);
    assert.match(await worker.ctl(["version"]), /w3/, "the node stays manageable");
    assert.equal((await lab.kubectl.run(["get", "node", "w3", "--ignore-not-found"])).trim(), "");
    passed = true;
  });
});
