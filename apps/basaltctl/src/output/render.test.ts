import assert from "node:assert/strict";
import { test } from "node:test";
import type { NodeResult } from "@basalt/client";
import { BasaltError } from "@basalt/machinery";
import type { CommandOutput } from "../cli/command.ts";
import { render, type Sink } from "./render.ts";

async function* results(): AsyncGenerator<NodeResult<unknown>> {
  yield { node: "a", value: { v: 1 } };
  yield { node: "b", error: new BasaltError("unavailable", "node b unreachable", { hint: "check it" }) };
  yield { node: "c", value: { v: 22 } };
}

function capture(): Sink & { stdout: string; stderr: string } {
  const s = {
    stdout: "",
    stderr: "",
    out(t: string | Uint8Array) {
      s.stdout += String(t);
    },
    err(t: string) {
      s.stderr += t;
    },
  };
  return s;
}

const output = (): CommandOutput => ({
  kind: "nodes",
  results: results(),
  streaming: false,
  rows: (v) => [{ VALUE: (v as { v: number }).v }],
  json: (v) => v,
});

test("json: one line per answer, errors with code and message", async () => {
  const sink = capture();
  const failed = await render(output(), "json", sink);
  assert.equal(failed, 1);
  assert.deepEqual(
    sink.stdout
      .trim()
      .split("\n")
      .map((l) => JSON.parse(l)),
    [
      { node: "a", value: { v: 1 } },
      { node: "b", error: { code: "unavailable", message: "node b unreachable", hint: "check it" } },
      { node: "c", value: { v: 22 } },
    ],
  );
});

test("table: aligned with a NODE column; errors on stderr", async () => {
  const sink = capture();
  await render(output(), "table", sink);
  assert.equal(sink.stdout, "NODE   VALUE\na      1\nc      22\n");
  assert.equal(sink.stderr, "b: error: node b unreachable (check it)\n");
});

test("yaml: one document per answer", async () => {
  const sink = capture();
  await render(output(), "yaml", sink);
  assert.equal(sink.stdout.split("---\n").length - 1, 3);
  assert.match(sink.stdout, /node: b\nerror:\n {2}code: unavailable/);
});
