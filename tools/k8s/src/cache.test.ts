import assert from "node:assert/strict";
import {
  chmodSync,
  existsSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  rmSync,
  writeFileSync,
} from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { test } from "node:test";
import { componentDirs, ensureComponent, isFresh } from "./cache.ts";
import type { ComponentPlan } from "./components.ts";
import { lockFile } from "./lock.ts";

const plan: ComponentPlan = {
  name: "runc",
  key: "runc-v9.9.9-r1",
  stamp: "recipe=1\nrunc=v9.9.9\n",
  outputs: ["runc"],
};
const quiet = () => {};

function writeExe(dir: string, name: string, text = "x"): void {
  writeFileSync(join(dir, name), text);
  chmodSync(join(dir, name), 0o755);
}

test("a build is swapped in with its stamp; the next call only checks", async () => {
  const root = mkdtempSync(join(tmpdir(), "k8s-cache-"));
  try {
    let builds = 0;
    const build = async (stage: string) => {
      builds++;
      writeExe(stage, "runc", `build ${builds}`);
      return [{ label: "runc", seconds: 1 }];
    };
    const first = await ensureComponent(root, plan, build, quiet);
    assert.equal(first.built, true);
    assert.equal(readFileSync(join(first.bin, "runc"), "utf8"), "build 1");
    assert.equal(readFileSync(componentDirs(root, plan).stamp, "utf8"), plan.stamp);
    assert.equal(JSON.parse(readFileSync(componentDirs(root, plan).report, "utf8")).component, "runc");
    const second = await ensureComponent(root, plan, build, quiet);
    assert.equal(second.built, false);
    assert.equal(builds, 1);
    // Another recipe revision's stamp is not fresh: rebuilt in place, work dirs cleaned up.
    const next = { ...plan, stamp: "recipe=2\nrunc=v9.9.9\n" };
    assert.equal(isFresh(componentDirs(root, next), next), false);
    assert.equal((await ensureComponent(root, next, build, quiet)).built, true);
    assert.equal(readFileSync(join(first.bin, "runc"), "utf8"), "build 2");
    assert.deepEqual(readdirSync(componentDirs(root, plan).top).sort(), [
      ".lock",
      "bin",
      "report.json",
      "stamp",
    ]);
  } finally {
    rmSync(root, { recursive: true, force: true });
  }
});

test("a failed or incomplete build leaves no stamp and keeps the previous binaries", async () => {
  const root = mkdtempSync(join(tmpdir(), "k8s-cache-"));
  try {
    await ensureComponent(
      root,
      plan,
      async (stage) => {
        writeExe(stage, "runc", "good");
        return [];
      },
      quiet,
    );
    const next = { ...plan, stamp: "recipe=2\n" };
    await assert.rejects(
      ensureComponent(
        root,
        next,
        async (stage) => {
          writeFileSync(join(stage, "other"), "");
          return [];
        },
        quiet,
      ),
      /did not produce runc/,
    );
    await assert.rejects(
      ensureComponent(
        root,
        next,
        async () => {
          throw new Error("go build failed");
        },
        quiet,
      ),
      /go build failed/,
    );
    const dirs = componentDirs(root, plan);
    assert.equal(existsSync(dirs.stamp), false);
    assert.equal(readFileSync(join(dirs.bin, "runc"), "utf8"), "good");
  } finally {
    rmSync(root, { recursive: true, force: true });
  }
});

test("builds of one key are serialized by the lock; the waiter finds the result fresh", async () => {
  const root = mkdtempSync(join(tmpdir(), "k8s-cache-"));
  try {
    const order: string[] = [];
    let waited = false;
    const slow = async (stage: string) => {
      order.push("build start");
      await new Promise((r) => setTimeout(r, 300));
      writeExe(stage, "runc");
      order.push("build end");
      return [];
    };
    const [a, b] = await Promise.all([
      ensureComponent(root, plan, slow, quiet),
      new Promise((r) => setTimeout(r, 100)).then(() =>
        ensureComponent(root, plan, slow, () => {
          waited = true;
        }),
      ),
    ]);
    assert.equal(a.built, true);
    assert.equal(b.built, false);
    assert.equal(waited, true);
    assert.deepEqual(order, ["build start", "build end"]);
  } finally {
    rmSync(root, { recursive: true, force: true });
  }
});

test("lockFile excludes a second holder until released", async () => {
  const dir = mkdtempSync(join(tmpdir(), "k8s-lock-"));
  try {
    const path = join(dir, ".lock");
    const first = await lockFile(path);
    let second = undefined as { release(): void } | undefined;
    let waits = 0;
    const pending = lockFile(path, () => waits++).then((l) => {
      second = l;
    });
    await new Promise((r) => setTimeout(r, 200));
    assert.equal(second, undefined);
    assert.equal(waits, 1);
    first.release();
    await pending;
    assert.ok(second as { release(): void } | undefined);
    (second as unknown as { release(): void }).release();
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
