import assert from "node:assert/strict";
import { spawn } from "node:child_process";
import { mkdtempSync, readdirSync, readFileSync, rmSync, statSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { test } from "node:test";
import { setTimeout as sleep } from "node:timers/promises";
import { configStore, writeFileAtomic } from "./config-store.ts";

const tmp = () => mkdtempSync(join(tmpdir(), "basalt-config-store-"));

test("the config file is replaced whole, 0600, with no temp file left", async () => {
  const dir = tmp();
  try {
    const path = join(dir, "machine.yaml");
    await writeFileAtomic(path, "a: 1\n");
    await writeFileAtomic(path, "a: 2\n");
    assert.equal(readFileSync(path, "utf8"), "a: 2\n");
    assert.equal(statSync(path).mode & 0o777, 0o600);
    assert.deepEqual(readdirSync(dir), ["machine.yaml"]);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test("the history numbers versions and keeps the last N", async () => {
  const dir = tmp();
  try {
    const store = configStore(join(dir, "machine.yaml"), 3);
    for (let i = 1; i <= 5; i++) {
      const v = await store.record({
        time: "t",
        by: "admin",
        serial: "01",
        mode: "no-reboot",
        paths: [],
        note: "",
        yaml: `v: ${i}\n`,
      });
      assert.equal(v.version, i);
    }
    const h = await store.history();
    assert.deepEqual(
      h.map((e) => e.version),
      [3, 4, 5],
    );
    assert.equal(h[2]!.yaml, "v: 5\n");
    assert.equal(statSync(join(dir, "machine.yaml.history")).mode & 0o777, 0o700);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test("a writer killed (SIGKILL) at any moment leaves the old file or the new one, never a torn one", async () => {
  const dir = tmp();
  try {
    const path = join(dir, "machine.yaml");
    const a = `${"a".repeat(200_000)}\n`;
    const b = `${"b".repeat(300_000)}\n`;
    await writeFileAtomic(path, a);
    const script = `
      import { writeFileAtomic } from ${JSON.stringify(new URL("./config-store.ts", import.meta.url).href)};
      const a = "a".repeat(200000) + "\\n", b = "b".repeat(300000) + "\\n";
      for (let i = 0; ; i++) await writeFileAtomic(${JSON.stringify(path)}, i % 2 ? a : b);
    `;
    for (let round = 0; round < 8; round++) {
      const before = statSync(path).mtimeMs;
      const child = spawn(process.execPath, ["--input-type=module", "-e", script], { stdio: "ignore" });
      // Kill it mid-stream: once it has replaced the file at least once (a loaded machine starts
      // Node slowly), then at a varying moment.
      const deadline = Date.now() + 20_000;
      while (statSync(path).mtimeMs === before && Date.now() < deadline) await sleep(10);
      await sleep(round * 7);
      child.kill("SIGKILL");
      await new Promise((r) => child.once("exit", r));
      const text = readFileSync(path, "utf8");
      assert.ok(text === a || text === b, `round ${round}: ${text.length} bytes, neither version`);
      assert.ok(statSync(path).mtimeMs > before, "the writer did replace the file");
    }
    // Temp files the kills left behind go at the next start.
    await configStore(path).sweep();
    assert.deepEqual(readdirSync(dir), ["machine.yaml"]);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
