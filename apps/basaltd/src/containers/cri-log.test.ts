import assert from "node:assert/strict";
import { test } from "node:test";
import { joinCriLog, maxJoinedBytes, parseCriLogLine } from "./cri-log.ts";

test("a CRI log line: time, stream, full or partial, message (spaces kept)", () => {
  const l = parseCriLogLine("2016-10-06T00:17:09.669794202Z stdout F hello  world ");
  assert.deepEqual(
    { ...l, timeMs: undefined },
    {
      time: "2016-10-06T00:17:09.669794202Z",
      timeMs: undefined,
      stream: "stdout",
      partial: false,
      message: "hello  world ",
    },
  );
  assert.equal(l!.timeMs, Date.parse("2016-10-06T00:17:09.669Z"));
  assert.equal(parseCriLogLine("2016-10-06T00:17:09.669794202Z stderr P part")!.partial, true);
  assert.equal(parseCriLogLine("2016-10-06T00:17:09Z stdout F")!.message, "");
  assert.equal(parseCriLogLine("not a cri line"), undefined);
  assert.equal(parseCriLogLine("yesterday stdout F x"), undefined);
});

async function collect(lines: string[]) {
  const out = [];
  for await (const l of joinCriLog(
    (async function* () {
      yield* lines;
    })(),
  ))
    out.push(`${l.stream}:${l.message}`);
  return out;
}

test("partial lines are joined per stream; strange lines pass through", async () => {
  assert.deepEqual(
    await collect([
      "2024-01-01T00:00:00Z stdout P hel",
      "2024-01-01T00:00:00Z stderr F oops",
      "2024-01-01T00:00:00Z stdout P lo ",
      "2024-01-01T00:00:01Z stdout F world",
      "garbage",
      "2024-01-01T00:00:02Z stdout P unfinished",
    ]),
    ["stderr:oops", "stdout:hello world", "stdout:garbage", "stdout:unfinished"],
  );
});

test("an endless partial line is cut at the bound", async () => {
  const chunk = "x".repeat(100_000);
  const lines = Array.from({ length: 5 }, () => `2024-01-01T00:00:00Z stdout P ${chunk}`);
  const [joined] = await collect([...lines, "2024-01-01T00:00:00Z stdout F end"]);
  assert.equal(joined!.length, "stdout:".length + maxJoinedBytes);
});
