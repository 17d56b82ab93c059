import assert from "node:assert/strict";
import { execFileSync } from "node:child_process";
import { randomBytes } from "node:crypto";
import { join } from "node:path";
import { after, before, describe, test } from "node:test";

/**
 * basaltd's host-gw route keeper against a real kernel: a network namespace with one link on
 * 10.77.0.0/24 and routes that are not basaltd's (a static route into the pod range, a default
 * route); the keeper's decisions, applied through the netlink adapter, add, move and remove only
 * its own routes (protocol 147) and leave the others as they were. Needs root (ip netns).
 */
const ns = `basalt-podnet-${randomBytes(3).toString("hex")}`;
const ip = (...args: string[]) => execFileSync("ip", args, { encoding: "utf8" });
const probe = join(import.meta.dirname, "support/pod-routes-in-netns.ts");

function reconcile(nodes: unknown[]): { kept: { dst: string; via: string }[]; outcomes: string[] } {
  const out = execFileSync(
    "ip",
    ["netns", "exec", ns, process.execPath, probe, JSON.stringify(nodes), "w1"],
    {
      encoding: "utf8",
      timeout: 30_000,
    },
  );
  return JSON.parse(out.trim().split("\n").at(-1)!);
}

const routes = () =>
  (
    JSON.parse(ip("-n", ns, "-j", "-4", "route", "show", "table", "main")) as {
      dst: string;
      gateway?: string;
      protocol?: string;
    }[]
  )
    .map((r) => `${r.dst} ${r.gateway ?? "-"} ${r.protocol ?? "-"}`)
    .sort();

const node = (name: string, podCidr: string, address: string) => ({
  name,
  podCidrs: [podCidr],
  internalIps: [address],
});

describe("pod routes on a real kernel", { timeout: 120_000 }, () => {
  before(() => {
    ip("netns", "add", ns);
    ip("-n", ns, "link", "add", "v0", "type", "veth", "peer", "name", "v1");
    ip("-n", ns, "addr", "add", "10.77.0.11/24", "dev", "v0");
    ip("-n", ns, "link", "set", "v0", "up");
    ip("-n", ns, "link", "set", "v1", "up");
    ip("-n", ns, "route", "add", "default", "via", "10.77.0.1");
    ip("-n", ns, "route", "add", "10.244.7.0/24", "via", "10.77.0.1", "proto", "static");
  });
  after(() => {
    ip("netns", "del", ns);
  });

  test("routes are added, moved and removed with the Nodes; a route that is not basaltd's is never touched", () => {
    const foreign = ["default 10.77.0.1 -", "10.244.7.0/24 10.77.0.1 static"]; // ip -j omits proto boot
    const w1 = node("w1", "10.244.1.0/24", "10.77.0.11");
    let r = reconcile([
      w1,
      node("w2", "10.244.2.0/24", "10.77.0.12"),
      node("w3", "10.244.3.0/24", "10.77.0.13"),
    ]);
    assert.deepEqual(r.kept, [
      { dst: "10.244.2.0/24", via: "10.77.0.12" },
      { dst: "10.244.3.0/24", via: "10.77.0.13" },
    ]);
    assert.ok(routes().includes("10.244.2.0/24 10.77.0.12 147"), routes().join("\n"));
    for (const f of foreign) assert.ok(routes().includes(f), `${f} in ${routes().join("; ")}`);

    // w2 moves, w3 goes away, w7 claims the range someone else routes: refused, and left alone.
    r = reconcile([w1, node("w2", "10.244.2.0/24", "10.77.0.22"), node("w7", "10.244.7.0/24", "10.77.0.17")]);
    assert.deepEqual(r.kept, [{ dst: "10.244.2.0/24", via: "10.77.0.22" }]);
    assert.ok(r.outcomes.includes("replace 10.244.2.0/24 via 10.77.0.22: ok"), r.outcomes.join("\n"));
    assert.ok(r.outcomes.includes("remove 10.244.3.0/24 via 10.77.0.13: ok"), r.outcomes.join("\n"));
    assert.ok(
      r.outcomes.some((o) =>
        /^add 10\.244\.7\.0\/24 via 10\.77\.0\.17: .*already there and it is not basaltd's/.test(o),
      ),
      r.outcomes.join("\n"),
    );
    for (const f of foreign) assert.ok(routes().includes(f), `${f} in ${routes().join("; ")}`);

    // A gateway off every link: the kernel refuses, and the error says so.
    r = reconcile([w1, node("w9", "10.244.9.0/24", "192.168.55.9")]);
    assert.ok(
      r.outcomes.some((o) =>
        /add 10\.244\.9\.0\/24 via 192\.168\.55\.9: .*not reachable on any link/.test(o),
      ),
      r.outcomes.join("\n"),
    );

    // No other Nodes: every route of ours goes, the others stay.
    r = reconcile([w1]);
    assert.deepEqual(r.kept, []);
    assert.deepEqual(
      routes().filter((x) => x.endsWith(" 147")),
      [],
    );
    for (const f of foreign) assert.ok(routes().includes(f), `${f} in ${routes().join("; ")}`);
  });
});
