import assert from "node:assert/strict";
import { execFileSync } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { connect } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, before, describe, test } from "node:test";
import {
  listNamespaces,
  Netns,
  planNetwork,
  Relay,
  type RunMarker,
  spawnOwned,
  stopProcess,
  sweepStaleNamespaces,
} from "@basalt/provision";

/**
 * The provisioner's network without VMs: a real namespace with its bridge and taps, a TCP server
 * inside it on the bridge address, reached from the host only through the relay's loopback forward;
 * teardown and the stale-namespace sweeper leave nothing behind. Needs root (ip netns).
 */

const ip = (...args: string[]) => execFileSync("ip", args, { encoding: "utf8" });

/** Sends `text` through host:port and returns what comes back before the peer closes. */
function exchange(port: number, text: string): Promise<string> {
  return new Promise((resolve, reject) => {
    const s = connect({ host: "127.0.0.1", port });
    let out = "";
    s.on("data", (b) => {
      out += b.toString();
    });
    s.on("connect", () => s.end(text));
    s.on("close", () => resolve(out));
    s.on("error", reject);
  });
}

describe("provision: namespace, bridge, taps, relay", { timeout: 120_000 }, () => {
  const stateDir = mkdtempSync(join(tmpdir(), "basalt-provision-state-"));
  const plan = planNetwork({ vms: ["a", "b"] });
  let ns: Netns;
  let relay: Relay;
  let echo: ReturnType<typeof spawnOwned>;

  before(async () => {
    ns = await Netns.create(plan, { stateDir });
    relay = await Relay.start(ns.exec, [plan.subnet, "127.0.0.0/8"]);
    // An echo server that answers "echo:<what it read>" and closes, bound to the bridge address.
    const script = `require("net").createServer(s=>{let d="";s.on("data",b=>d+=b);s.on("end",()=>s.end("echo:"+d))}).listen(7000,"${plan.bridge.ip}",()=>console.log("up"))`;
    echo = spawnOwned([...ns.exec, process.execPath, "-e", script], { stdio: ["ignore", "pipe", "inherit"] });
    await new Promise<void>((resolve) => echo.stdout!.once("data", () => resolve()));
  });

  after(async () => {
    await relay?.close();
    await ns?.destroy();
    rmSync(stateDir, { recursive: true, force: true });
  });

  test("the namespace holds lo, the bridge with its address and one tap per VM, and no route out", () => {
    const links = ip("-n", plan.namespace, "-o", "link", "show");
    assert.match(links, /: lo: <[^>]*UP/);
    assert.match(links, /: br0: /);
    assert.match(links, /: tap0: .* master br0/);
    assert.match(links, /: tap1: .* master br0/);
    assert.doesNotMatch(links, /veth|eth0/);
    assert.match(ip("-n", plan.namespace, "-4", "addr", "show", "br0"), /inet 10\.77\.0\.1\/24/);
    const routes = ip("-n", plan.namespace, "-4", "route", "show").trim().split("\n");
    assert.deepEqual(
      routes.map((r) => r.split(" ")[0]),
      ["10.77.0.0/24"],
    );
    assert.equal(readFileSync(`/proc/${echo.pid}/net/dev`, "utf8").includes("br0"), true);
    assert.equal(readFileSync("/proc/self/net/dev", "utf8").includes("tap0"), false);
  });

  test("a forward on 127.0.0.1 reaches the server on the bridge address inside", async () => {
    const fwd = await relay.forward({ host: plan.bridge.ip, port: 7000 });
    assert.equal(fwd.host, "127.0.0.1");
    const answers = await Promise.all([1, 2, 3].map((i) => exchange(fwd.port, `hello ${i}`)));
    assert.deepEqual(answers, ["echo:hello 1", "echo:hello 2", "echo:hello 3"]);
    const big = "x".repeat(1 << 20);
    assert.equal((await exchange(fwd.port, big)).length, big.length + 5);
    // This thread blocked in a synchronous child that uses the forward: the forward still flows.
    const client = `const s=require("net").connect(${fwd.port},"127.0.0.1",()=>s.end("sync"));let d="";s.on("data",b=>d+=b);s.on("close",()=>console.log(d))`;
    assert.equal(
      execFileSync(process.execPath, ["-e", client], { encoding: "utf8", timeout: 10_000 }).trim(),
      "echo:sync",
    );
    await fwd.close();
    await assert.rejects(exchange(fwd.port, "after close"), /ECONNREFUSED/);
  });

  test("a closed port inside, or a target outside the run's networks, resets the host connection", async () => {
    const closed = await relay.forward({ host: plan.bridge.ip, port: 7001 });
    await assert.rejects(exchange(closed.port, "x"), /ECONNRESET/);
    await assert.rejects(relay.dial({ host: plan.bridge.ip, port: 7001 }), /ECONNREFUSED/);
    await assert.rejects(relay.dial({ host: "192.0.2.1", port: 80 }), /outside the allowed networks/);
  });

  test("destroy ends the processes inside and removes the namespace with its taps", async () => {
    await relay.close();
    assert.ok((await ns.pids()).includes(echo.pid!));
    await ns.destroy();
    assert.ok(!(await listNamespaces()).includes(plan.namespace));
    await new Promise((r) => setTimeout(r, 100));
    assert.notEqual(echo.exitCode ?? echo.signalCode, null, "the echo server still runs");
  });

  test("the sweeper removes the namespace of a dead run, keeps a live one, reports an unmarked one", async () => {
    const dead = planNetwork({ vms: ["x"] });
    const live = planNetwork({ vms: ["x"] });
    const unmarked = planNetwork({ vms: ["x"] });
    const deadNs = await Netns.create(dead, { stateDir });
    const liveNs = await Netns.create(live, { stateDir });
    ip("netns", "add", unmarked.namespace);
    try {
      // A process inside the dead run's namespace (as a crashed run's qemu would be).
      const leftover = spawnOwned([...deadNs.exec, "sleep", "600"], { stdio: "ignore" });
      const exited = spawnOwned(["true"], { stdio: "ignore" });
      await new Promise((r) => exited.once("exit", r));
      const markerPath = join(stateDir, `${dead.namespace}.json`);
      const marker = JSON.parse(readFileSync(markerPath, "utf8")) as RunMarker;
      writeFileSync(markerPath, JSON.stringify({ ...marker, owner: { pid: exited.pid, startTicks: "1" } }));

      const results = await sweepStaleNamespaces({ stateDir });
      const by = (n: string) => results.find((r) => r.namespace === n);
      assert.equal(by(dead.namespace)?.action, "removed");
      assert.equal(by(live.namespace)?.action, "kept");
      assert.match(by(unmarked.namespace)?.reason ?? "", /no run marker/);
      const names = await listNamespaces();
      assert.ok(!names.includes(dead.namespace));
      assert.ok(names.includes(live.namespace));
      await new Promise((r) => setTimeout(r, 100));
      assert.notEqual(leftover.exitCode ?? leftover.signalCode, null, "the leftover process still runs");
      await stopProcess(leftover, 0);
    } finally {
      await liveNs.destroy();
      await deadNs.destroy();
      ip("netns", "delete", unmarked.namespace);
    }
  });
});
