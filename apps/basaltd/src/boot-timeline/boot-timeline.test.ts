import assert from "node:assert/strict";
import { test } from "node:test";
import { parseInitramfsUptimes } from "../adapters/linux/boot-clock-linux.ts";
import { BootTimeline, earlyBootSteps } from "./boot-timeline.ts";

test("early steps: firmware and loader before the kernel's zero, then kernel, initramfs, Node start-up", () => {
  const steps = earlyBootSteps({
    loaderInitUs: 3_700_000,
    loaderExecUs: 4_100_000,
    initramfsStartS: 4.72,
    initramfsSwitchS: 5.61,
    // PID 1 was created by the kernel (before the initramfs), not when it exec'd Node.
    execMs: 4_700,
    mainMs: 14_600,
  });
  assert.deepEqual(steps, [
    { name: "firmware", startMs: -4100, durationMs: 3700 },
    { name: "loader", startMs: -400, durationMs: 400 },
    { name: "kernel", startMs: 0, durationMs: 4720 },
    { name: "initramfs", startMs: 4720, durationMs: 890 },
    { name: "node start-up", startMs: 5610, durationMs: 8990 },
  ]);
});

test("early steps: what is missing or inconsistent is left out, never made up", () => {
  // No loader variables (another loader), no initramfs uptimes (an older image).
  assert.deepEqual(
    earlyBootSteps({ execMs: 900, mainMs: 1500 }).map((s) => s.name),
    ["kernel", "node start-up"],
  );
  // A loader exec before its init makes no sense: no firmware or loader step.
  assert.deepEqual(
    earlyBootSteps({ loaderInitUs: 5, loaderExecUs: 2, execMs: 900, mainMs: 1500 }).map((s) => s.name),
    ["kernel", "node start-up"],
  );
  // A clock that went back (main before exec): no Node start-up step.
  assert.deepEqual(
    earlyBootSteps({ execMs: 900, mainMs: 800 }).map((s) => s.name),
    ["kernel"],
  );
});

test("an agent shows only its own start-up: the kernel booted long before it was started", () => {
  assert.deepEqual(
    earlyBootSteps({ loaderInitUs: 1, loaderExecUs: 2, execMs: 9e6, mainMs: 9e6 + 300 }, false),
    [{ name: "node start-up", startMs: 9e6, durationMs: 300 }],
  );
});

test("the timeline: steps timed on its clock, failures named, marks of no duration, in start order", async () => {
  let clock = 20_000;
  const t = new BootTimeline(() => clock);
  t.record("kernel", 0, 4000);
  await t.step("api", async () => {
    clock += 250;
  });
  t.mark("api ready");
  await assert.rejects(
    t.step("security", () => {
      clock += 5;
      throw new Error("no");
    }),
    /no/,
  );
  t.record("boot/mounts", 15_000, 15_040);
  assert.deepEqual(t.steps(), [
    { name: "kernel", startMs: 0, durationMs: 4000 },
    { name: "boot/mounts", startMs: 15_000, durationMs: 40 },
    { name: "api", startMs: 20_000, durationMs: 250 },
    { name: "api ready", startMs: 20_250, durationMs: 0 },
    { name: "security (failed)", startMs: 20_250, durationMs: 5 },
  ]);
  assert.equal(t.steps(2).length, 2, "bounded");
});

test("the initramfs's uptimes from its environment variable; garbage gives nothing", () => {
  assert.deepEqual(parseInitramfsUptimes("4.72,5.61"), { start: 4.72, end: 5.61 });
  assert.deepEqual(parseInitramfsUptimes("4.72"), { start: 4.72 });
  assert.deepEqual(parseInitramfsUptimes(undefined), {});
  assert.deepEqual(parseInitramfsUptimes("x,y"), {});
});
