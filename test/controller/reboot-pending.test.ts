import assert from "node:assert/strict";
import { execFileSync } from "node:child_process";
import { X509Certificate } from "node:crypto";
import { chmodSync, existsSync, mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, before, test } from "node:test";
import type { UpgradePlanSpec } from "@basalt/rollout";
import { kwokNode, waitFor, waitForNodesReady } from "@basalt/testkit";
import { stringify } from "yaml";
import {
  BasaltNodeAgent,
  endpointAnnotation,
} from "../../apps/basalt-controller/src/agent/basalt-node-agent.ts";
import { basaltctlBundle, LocalFleet } from "../support/local-fleet.ts";
import { ControllerProcess } from "./support/controller-process.ts";
import { createPlan } from "./support/plans.ts";
import { type SimCluster, startSimCluster } from "./support/sim-cluster.ts";

/**
 * Issue 12 item 15: "reboot the agent-mode nodes that report a pending reboot" with the DEFAULT
 * machine config (power.allowInAgentMode false). Three real agent-mode basaltd processes, each in a
 * private mount namespace whose /run is its own tmpfs, so the real default path /run/reboot-required
 * is used without touching the host's: rr-0 has the file, rr-1 has none, rr-2 has a directory in its
 * place (a read that fails for another reason than "absent"). The real controller (--agent=basalt)
 * runs a rebootPending plan over them on a real control plane, with the os:upgrader credential that
 * `basaltctl gen client --tls-dir` issues; the Node objects are kwok-managed, the
 * node API behind them is real. `systemctl` is a recording stand-in on basaltd's PATH — the host's
 * would reboot this shared machine. Needs root (unshare, mount) and `npm run build`.
 */
const names = ["rr-0", "rr-1", "rr-2"];
const addresses = ["127.42.15.1", "127.42.15.2", "127.42.15.3"];
const runSetup: Record<string, string> = {
  "rr-0": "printf '*** System restart required ***\\n' > /run/reboot-required",
  "rr-1": ":",
  "rr-2": "mkdir /run/reboot-required",
};

let cluster: SimCluster;
let fleet: LocalFleet;
let controller: ControllerProcess;
const logDir = join(tmpdir(), `basalt-controller-reboot-pending-${Date.now()}`);

const systemctlLog = (name: string) => join(fleet.node(name).dir, "systemctl.log");

before(async () => {
  fleet = await LocalFleet.start({
    addresses,
    names,
    // The default machine config's power section (LocalFleet turns rebootWhenPending off otherwise).
    configure: () => ({ power: {} }),
    launch: ({ name, dir }) => {
      const bin = join(dir, "bin");
      mkdirSync(bin, { recursive: true });
      writeFileSync(join(bin, "systemctl"), `#!/bin/sh\necho "$@" >> ${join(dir, "systemctl.log")}\n`);
      chmodSync(join(bin, "systemctl"), 0o755);
      return {
        prefix: [
          "unshare",
          "--mount",
          "--propagation",
          "private",
          "--",
          "sh",
          "-c",
          `mount -t tmpfs tmpfs /run && ${runSetup[name]} && exec "$@"`,
          "sh",
        ],
        env: { PATH: `${bin}:${process.env.PATH}` },
      };
    },
  });
  cluster = await startSimCluster({ nodes: 0, installMs: 1000, rebootMs: 1000 });
  for (const [i, n] of fleet.nodes.entries()) {
    const node = kwokNode(i, {
      namePrefix: "rr-",
      labels: { pool: "reboot-pending" },
      annotations: { [endpointAnnotation]: n.endpoint },
    });
    await cluster.kube.request({ method: "POST", path: "/api/v1/nodes", body: node });
  }
  await waitForNodesReady(cluster.cp, names, 120_000, { intervalMs: 500 });
  // The controller's node-API credential as deploy/node-api-secret.yaml says to make it: an
  // os:upgrader certificate from `basaltctl gen client --tls-dir`.
  const tls = join(logDir, "node-api");
  const secrets = join(fleet.dir, "secrets.yaml");
  writeFileSync(secrets, stringify({ ca: fleet.ids.ca }), { mode: 0o600 });
  execFileSync(process.execPath, [
    basaltctlBundle,
    "gen",
    "client",
    "--role",
    "os:upgrader",
    "--name",
    "basalt-controller",
    "--secrets",
    secrets,
    "--tls-dir",
    tls,
  ]);
  assert.match(new X509Certificate(readFileSync(join(tls, "tls.crt"))).subject, /O=os:upgrader/);
  controller = new ControllerProcess({
    kubeconfig: cluster.controllerKubeconfig,
    identity: "controller-reboot-pending",
    logDir,
    extraArgs: ["--agent=basalt", `--node-api-tls=${tls}`],
  });
  controller.start();
});

after(async () => {
  await controller?.kill("SIGTERM");
  await cluster?.stop();
  await fleet?.stop();
});

test("the node API reports each node's pending reboot; a read that fails is an error with its reason", async () => {
  const agent = new BasaltNodeAgent({
    tls: { ca: fleet.ids.ca.cert, cert: fleet.ids.admin.cert, key: fleet.ids.admin.key },
  });
  const ref = (name: string) => {
    const n = fleet.node(name);
    return { name, addresses: [], annotations: { [endpointAnnotation]: n.endpoint } };
  };
  assert.equal((await agent.status(ref("rr-0"))).rebootPending, true);
  assert.equal((await agent.status(ref("rr-1"))).rebootPending, false);
  await assert.rejects(agent.status(ref("rr-2")), (err: Error) => {
    assert.match(
      err.message,
      /cannot tell whether a reboot is pending: reading \/run\/reboot-required failed \(EISDIR\)/,
    );
    return true;
  });
});

test("a rebootPending plan reboots the node that asks for it, and only that one", {
  timeout: 240_000,
}, async () => {
  const spec: UpgradePlanSpec = {
    target: { rebootPending: true },
    nodeSelector: { matchLabels: { pool: "reboot-pending" } },
    budget: { maxUnavailable: 3 },
    drain: { timeoutSeconds: 60 },
    health: {
      readySeconds: 1,
      notReadyTimeoutSeconds: 60,
      upgradeTimeoutSeconds: 60,
      verifyTimeoutSeconds: 60,
    },
    failure: { maxFailed: 3 },
  };
  await createPlan(cluster.kube, "reboot-pending", spec);
  // basaltd answered Reboot, stopped its services and ran `systemctl reboot`: the reboot happened.
  await waitFor(
    () => existsSync(systemctlLog("rr-0")) && readFileSync(systemctlLog("rr-0"), "utf8").includes("reboot"),
    180_000,
    () =>
      `rr-0 rebooted (controller log: ${readFileSync(join(logDir, "controller-reboot-pending.log"), "utf8").slice(-2000)})`,
    { intervalMs: 500 },
  );
  // rr-0's basaltd exits after the reboot command; give the controller a few passes over the others.
  await new Promise((r) => setTimeout(r, 5000));
  assert.equal(existsSync(systemctlLog("rr-1")), false, "rr-1 asks for no reboot and must not be rebooted");
  assert.equal(existsSync(systemctlLog("rr-2")), false, "rr-2's state is unknown and must not be rebooted");
  const log = readFileSync(join(logDir, "controller-reboot-pending.log"), "utf8");
  assert.match(log, /cannot tell whether a reboot is pending/, "the controller reports why rr-2 is unknown");
});
