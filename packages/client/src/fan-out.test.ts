import assert from "node:assert/strict";
import { test } from "node:test";
import { setTimeout as sleep } from "node:timers/promises";
import { BasaltError } from "@basalt/machinery";
import { fanOut, type NodeResult, type Target } from "./fan-out.ts";

const targets: Target[] = ["a", "b", "c", "d"].map((n) => ({ node: n, endpoint: `${n}:1` }));

async function collect<T>(it: AsyncIterable<NodeResult<T>>) {
  const out: NodeResult<T>[] = [];
  for await (const r of it) out.push(r);
  return out;
}

test("answers arrive as they come, each tagged; a failure hides nothing", async () => {
  const delays: Record<string, number> = { a: 30, b: 5, c: 15, d: 0 };
  const results = await collect(
    fanOut(
      targets,
      async (t) => {
        await sleep(delays[t.node]);
        if (t.node === "c") throw new BasaltError("unavailable", "down");
        return t.node.toUpperCase();
      },
      { concurrency: 4 },
    ),
  );
  assert.deepEqual(
    results.map((r) => `${r.node}:${r.value ?? r.error?.code}`),
    ["d:D", "b:B", "c:unavailable", "a:A"],
  );
});

test("concurrency is bounded", async () => {
  let inFlight = 0;
  let peak = 0;
  await collect(
    fanOut(
      targets,
      async () => {
        peak = Math.max(peak, ++inFlight);
        await sleep(5);
        inFlight--;
        return 1;
      },
      { concurrency: 2 },
    ),
  );
  assert.equal(peak, 2);
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
