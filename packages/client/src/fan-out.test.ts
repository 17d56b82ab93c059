import assert from "node:assert/strict";
import { test } from "node:test";
import { BasaltError } from "@basalt/machinery";
import { fanOut, type NodeResult, type Target } from "./fan-out.ts";

const targets: Target[] = ["a", "b", "c", "d"].map((n) => ({ node: n, endpoint: `${n}:1` }));

async function collect<T>(it: AsyncIterable<NodeResult<T>>) {
  const out: NodeResult<T>[] = [];
  for await (const r of it) out.push(r);
  return out;
}

/** A call per target that answers only when the test says so, in the order the test chooses. */
function gated() {
  const gates = new Map<string, PromiseWithResolvers<string>>();
  const started: string[] = [];
  const call = (t: Target) => {
    started.push(t.node);
    const gate = Promise.withResolvers<string>();
    gates.set(t.node, gate);
    return gate.promise;
  };
  const open = (node: string, answer?: Error) => {
    const gate = gates.get(node);
    assert.ok(gate, `${node} was not called yet (started: ${started.join(", ")})`);
    if (answer) gate.reject(answer);
    else gate.resolve(node.toUpperCase());
  };
  return { call, open, started };
}

const show = (r: IteratorResult<NodeResult<string>>) =>
  r.done ? "done" : `${r.value.node}:${r.value.value ?? r.value.error?.code}`;

test("answers arrive in the order the nodes answer, each tagged; a failure hides nothing", async () => {
  const g = gated();
  const it = fanOut(targets, g.call, { concurrency: 4 })[Symbol.asyncIterator]();
  const first = it.next();
  // All four were asked at once; none has answered.
  await Promise.resolve();
  assert.deepEqual(g.started, ["a", "b", "c", "d"]);
  g.open("d");
  assert.equal(show(await first), "d:D");
  g.open("b");
  assert.equal(show(await it.next()), "b:B");
  g.open("c", new BasaltError("unavailable", "down"));
  assert.equal(show(await it.next()), "c:unavailable");
  g.open("a");
  assert.equal(show(await it.next()), "a:A");
  assert.equal(show(await it.next()), "done");
});

test("concurrency is bounded: the next node is asked only when one answers", async () => {
  const g = gated();
  const it = fanOut(targets, g.call, { concurrency: 2 })[Symbol.asyncIterator]();
  const first = it.next();
  await Promise.resolve();
  assert.deepEqual(g.started, ["a", "b"]);
  g.open("b");
  assert.equal(show(await first), "b:B");
  assert.deepEqual(g.started, ["a", "b", "c"]);
  g.open("a");
  assert.equal(show(await it.next()), "a:A");
  assert.deepEqual(g.started, ["a", "b", "c", "d"]);
  g.open("c");
  g.open("d");
  assert.deepEqual([show(await it.next()), show(await it.next())], ["c:C", "d:D"]);
  assert.equal(show(await it.next()), "done");
});

test("streams yield one result per message, then the error", async () => {
  async function* stream(t: Target) {
    yield `${t.node}1`;
    if (t.node === "b") throw new BasaltError("internal", "broke");
    yield `${t.node}2`;
  }
  const results = await collect(fanOut(targets.slice(0, 2), stream, { concurrency: 1 }));
  assert.deepEqual(
    results.map((r) => r.value ?? r.error?.message),
    ["a1", "a2", "b1", "broke"],
  );
});

test("an unreachable node is explained with its address", async () => {
  const err = Object.assign(new Error("connect ECONNREFUSED"), { code: "ECONNREFUSED" });
  const [r] = await collect(fanOut([targets[0]!], () => Promise.reject(err), { concurrency: 1 }));
  assert.equal(r!.error?.code, "unavailable");
  assert.match(r!.error!.message, /node a:1 unreachable: connection refused/);
});
