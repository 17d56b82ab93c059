import assert from "node:assert/strict";
import { test } from "node:test";
import type { PodNetworkHost } from "./pod-network-ports.ts";
import type { KeptRoute, PodNetworkNode } from "./pod-routes.ts";
import { RouteKeeper } from "./route-keeper.ts";

/** The kernel's main table in memory: our routes, and one that is not ours. */
class FakeHost implements PodNetworkHost {
  ours = new Map<string, string>();
  foreign = new Map<string, string>([["10.244.7.0/24", "10.77.0.1"]]);
  masquerade = "";
  failAdds = 0;
  calls: string[] = [];
  sleeps: number[] = [];
  async keptRoutes(): Promise<KeptRoute[]> {
    return [...this.ours].map(([dst, via]) => ({ dst, via }));
  }
  async addRoute(r: { dst: string; via: string }) {
    this.calls.push(`add ${r.dst}`);
    if (this.failAdds-- > 0) throw new Error("network unreachable");
    if (this.ours.has(r.dst) || this.foreign.has(r.dst)) throw new Error("already there and not basaltd's");
    this.ours.set(r.dst, r.via);
  }
  async replaceRoute(r: { dst: string; via: string }) {
    this.calls.push(`replace ${r.dst}`);
    this.ours.set(r.dst, r.via);
  }
  async removeRoute(r: KeptRoute) {
    this.calls.push(`remove ${r.dst}`);
    this.ours.delete(r.dst);
  }
  async setMasquerade(script: string) {
    this.masquerade = script;
  }
  async sleep(ms: number, signal?: AbortSignal) {
    this.sleeps.push(ms);
    await new Promise<void>((resolve, reject) => {
      const t = setTimeout(resolve, Math.min(ms, 5));
      signal?.addEventListener("abort", () => {
        clearTimeout(t);
        reject(new Error("aborted"));
      });
    });
  }
}

const n = (name: string, cidr: string | undefined, ip: string): PodNetworkNode => ({
  name,
  podCidrs: cidr ? [cidr] : [],
  internalIps: [ip],
});

test("routes follow the Nodes: added, moved, removed; each reported with its reason; a steady state is silent", async () => {
  const host = new FakeHost();
  const events: string[] = [];
  const keeper = new RouteKeeper({ self: "w1", host, report: (m) => events.push(m) });
  keeper.update([
    n("w1", "10.244.1.0/24", "10.77.0.11"),
    n("w2", "10.244.2.0/24", "10.77.0.12"),
    n("w3", undefined, "10.77.0.13"),
  ]);
  assert.equal(await keeper.pass(), true);
  assert.deepEqual([...host.ours], [["10.244.2.0/24", "10.77.0.12"]]);
  assert.match(host.masquerade, /ip saddr 10\.244\.1\.0\/24 ip daddr != @pod_cidrs/);
  assert.match(host.masquerade, /elements = \{ 10\.244\.1\.0\/24, 10\.244\.2\.0\/24 \}/);
  assert.ok(
    events.some((e) => /^add 10\.244\.2\.0\/24 via 10\.77\.0\.12: Node w2's podCIDR/.test(e)),
    events.join("\n"),
  );
  assert.ok(events.some((e) => /no route to Node w3's pods: no IPv4 podCIDR yet/.test(e)));
  const said = events.length;
  assert.equal(await keeper.pass(), true);
  assert.equal(events.length, said, "nothing new to say");

  keeper.update([
    n("w1", "10.244.1.0/24", "10.77.0.11"),
    n("w2", "10.244.2.0/24", "10.77.0.22"),
    n("w3", "10.244.3.0/24", "10.77.0.13"),
  ]);
  await keeper.pass();
  assert.deepEqual(Object.fromEntries(host.ours), {
    "10.244.2.0/24": "10.77.0.22",
    "10.244.3.0/24": "10.77.0.13",
  });
  assert.ok(
    events.some((e) => /^replace 10\.244\.2\.0\/24 via 10\.77\.0\.22: .*\(was via 10\.77\.0\.12\)/.test(e)),
  );

  keeper.update([n("w1", "10.244.1.0/24", "10.77.0.11"), n("w3", "10.244.3.0/24", "10.77.0.13")]);
  await keeper.pass();
  assert.deepEqual([...host.ours.keys()], ["10.244.3.0/24"]);
  assert.ok(events.some((e) => /^remove 10\.244\.2\.0\/24 via 10\.77\.0\.22: no Node has podCIDR/.test(e)));
  assert.deepEqual(
    [...host.foreign],
    [["10.244.7.0/24", "10.77.0.1"]],
    "a route that is not ours is never touched",
  );
});

test("a route that would go over someone else's is refused, reported once, and never forced", async () => {
  const host = new FakeHost();
  const events: string[] = [];
  const keeper = new RouteKeeper({ self: "w1", host, report: (m) => events.push(m) });
  keeper.update([n("w1", "10.244.1.0/24", "10.77.0.11"), n("w7", "10.244.7.0/24", "10.77.0.17")]);
  assert.equal(await keeper.pass(), false);
  assert.equal(await keeper.pass(), false);
  assert.equal(host.foreign.get("10.244.7.0/24"), "10.77.0.1");
  assert.equal(
    events.filter((e) => /problem: add 10\.244\.7\.0\/24.*not basaltd's; retrying/.test(e)).length,
    1,
  );
});

test("run: a failing pass is retried with a doubling backoff until it works; a later change is applied", async () => {
  const host = new FakeHost();
  host.failAdds = 3;
  const events: string[] = [];
  const keeper = new RouteKeeper({
    self: "w1",
    host,
    report: (m) => events.push(m),
    backoffMs: 100,
    maxBackoffMs: 300,
    resyncMs: 10_000,
  });
  const stop = new AbortController();
  keeper.update([n("w1", "10.244.1.0/24", "10.77.0.11"), n("w2", "10.244.2.0/24", "10.77.0.12")]);
  const running = keeper.run(stop.signal);
  const until = async (what: string, ok: () => boolean) => {
    for (let i = 0; i < 400 && !ok(); i++) await new Promise((r) => setTimeout(r, 5));
    assert.ok(ok(), what);
  };
  await until("the route after the failures", () => host.ours.has("10.244.2.0/24"));
  assert.deepEqual(host.sleeps.slice(0, 3), [100, 200, 300]);
  assert.equal(keeper.failures, 3);
  assert.equal(events.filter((e) => /problem: add 10\.244\.2\.0\/24.*network unreachable/.test(e)).length, 1);
  keeper.update([n("w1", "10.244.1.0/24", "10.77.0.11"), n("w3", "10.244.3.0/24", "10.77.0.13")]);
  await until("the change applied", () => host.ours.has("10.244.3.0/24") && !host.ours.has("10.244.2.0/24"));
  stop.abort();
  await running;
});

test("the periodic check puts back a route someone removed", async () => {
  const host = new FakeHost();
  const keeper = new RouteKeeper({ self: "w1", host, report: () => {}, resyncMs: 10 });
  const stop = new AbortController();
  keeper.update([n("w1", "10.244.1.0/24", "10.77.0.11"), n("w2", "10.244.2.0/24", "10.77.0.12")]);
  const running = keeper.run(stop.signal);
  for (let i = 0; i < 200 && !host.ours.size; i++) await new Promise((r) => setTimeout(r, 5));
  host.ours.clear();
  for (let i = 0; i < 200 && !host.ours.size; i++) await new Promise((r) => setTimeout(r, 5));
  assert.equal(host.ours.get("10.244.2.0/24"), "10.77.0.12");
  stop.abort();
  await running;
});

test("without its own podCIDR the node masquerades nothing and says why", async () => {
  const host = new FakeHost();
  host.masquerade = "stale";
  const events: string[] = [];
  const keeper = new RouteKeeper({ self: "w1", host, report: (m) => events.push(m) });
  keeper.update([n("w1", undefined, "10.77.0.11"), n("w2", "10.244.2.0/24", "10.77.0.12")]);
  await keeper.pass();
  assert.equal(host.masquerade, "table ip basalt_pods\ndelete table ip basalt_pods\n");
  assert.ok(events.some((e) => /has no IPv4 podCIDR yet/.test(e)));
  assert.ok(host.ours.has("10.244.2.0/24"), "routes to other Nodes do not wait for it");
});
