import assert from "node:assert/strict";
import { type ChildProcess, execFileSync, spawn } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, before, describe, test } from "node:test";
import { generateReleaseKey } from "@basalt/machinery";
import { parse, stringify } from "yaml";
import { serveFiles } from "./support/bundle-server.ts";
import { loadBundle, writeVariant } from "./support/bundle-variants.ts";
import { cachedImage } from "./support/cached-image.ts";
import { makeForeignDisk, sha256File } from "./support/foreign-disk.ts";
import { freePort, startVm, type Vm } from "./support/qemu-vm.ts";
import { e2eReleaseKey } from "./support/release-key.ts";
import { ctl, makeConfigDrive, makeVmConfig } from "./support/vm-config.ts";

/**
 * A/B upgrades end to end under qemu: v1 → v2 from a URL (blessed, v1 kept), rollback, v2 again
 * streamed through the API, a bad version that never becomes healthy (the machine falls back by
 * itself), tampered bundles refused with what boots unchanged, and power cuts during an upgrade.
 */
const basaltctl = join(import.meta.dirname, "../../dist/basaltctl.mjs");
const v1 = "0.1.0";
const v2 = "0.2.0";
const v3 = "0.3.0";
const bad = "0.9.0";

// biome-ignore lint/suspicious/noExplicitAny: protobuf JSON, checked field by field
type Json = any;

function flip(b: Buffer, at: number): Buffer {
  b[at] = b[at]! ^ 1;
  return b;
}

describe("A/B upgrades under qemu", { timeout: 3_600_000 }, () => {
  let work: string;
  let disk: string;
  let env: Record<string, string>;
  let endpoint: string;
  let port: number;
  let vm: Vm | undefined;
  let bundles: Record<string, string>;
  let server: Awaited<ReturnType<typeof serveFiles>>;
  let boots = 0;
  let foreignDisk: string;
  let foreignDiskHash: string;
  const key = e2eReleaseKey();

  const startNode = () => {
    vm?.kill();
    vm = startVm({
      disk,
      vars: join(work, "vars.fd"),
      configDrive: join(work, "config.img"),
      // Attached first: partitions NAMED STATE and ROOT-B, with a stranger's machine config.
      foreignDisks: [foreignDisk],
      hostPort: port,
      consoleLog: join(work, `console-${++boots}.log`),
    });
  };

  /** Waits until the node answers with `version`, through any number of reboots in between. */
  async function waitForVersion(version: string, timeoutMs: number): Promise<Json> {
    const deadline = Date.now() + timeoutMs;
    let last = "";
    for (;;) {
      try {
        const v = JSON.parse(
          ctl(["version", "-o", "json", "-e", endpoint], env).trim().split("\n")[0]!,
        ).value;
        last = `${v.osVersion} slot ${v.bootedSlot}`;
        // What booted, as the update engine reads it from the UKI's pinned command line (the file
        // API no longer serves /proc/cmdline to anyone).
        if (status().bootedVersion === version) return v;
      } catch (err) {
        last = (err as Error).message.split("\n")[0] ?? "";
      }
      if (Date.now() > deadline) throw new Error(`node did not come up on ${version} (last: ${last})`);
      await new Promise((r) => setTimeout(r, 2000));
    }
  }

  const status = (): Json =>
    JSON.parse(ctl(["upgrade", "status", "-o", "json", "-e", endpoint], env).trim()).value;

  async function waitForBlessed(version: string): Promise<Json> {
    for (let i = 0; i < 60; i++) {
      const s = status();
      if (s.bootedVersion === version && s.blessed) return s;
      await new Promise((r) => setTimeout(r, 2000));
    }
    throw new Error(`${version} was never blessed: ${JSON.stringify(status())}`);
  }

  /** Runs `basaltctl upgrade`, returning its exit code and output; `onLine` may kill the VM mid-way. */
  function upgrade(
    args: string[],
    onLine?: (line: string, child: ChildProcess) => void,
  ): Promise<{ code: number; out: string }> {
    return new Promise((resolve) => {
      const child = spawn(process.execPath, [basaltctl, "upgrade", "-o", "json", "-e", endpoint, ...args], {
        env: { ...process.env, ...env },
      });
      let out = "";
      let pending = "";
      const onData = (d: Buffer) => {
        out += d;
        pending += d;
        const lines = pending.split("\n");
        pending = lines.pop() ?? "";
        for (const l of lines) onLine?.(l, child);
      };
      child.stdout.on("data", onData);
      child.stderr.on("data", onData);
      child.on("exit", (code) => resolve({ code: code ?? -1, out }));
    });
  }

  before(async () => {
    work = mkdtempSync(join(tmpdir(), "basalt-upgrade-"));
    const log = (l: string) => console.log(`  imager ${l}`);
    const base = await cachedImage(log, { releaseKey: key.privateKey });
    const images = {
      [v2]: await cachedImage(log, { version: v2, releaseKey: key.privateKey, bundleOnly: true }),
      [v3]: await cachedImage(log, { version: v3, releaseKey: key.privateKey, bundleOnly: true }),
      [bad]: await cachedImage(log, {
        version: bad,
        kernelCmdline: ["basalt.health=fail"],
        releaseKey: key.privateKey,
        bundleOnly: true,
      }),
    };
    bundles = {
      [v1]: join(base.dir, `basalt-${v1}.bundle`),
      ...Object.fromEntries(Object.entries(images).map(([v, i]) => [v, join(i.dir, `basalt-${v}.bundle`)])),
    };
    server = await serveFiles(Object.values(bundles));
    port = await freePort();
    endpoint = `127.0.0.1:${port}`;
    const cfg = makeVmConfig(join(work, "pki"), port);
    const machine = parse(readFileSync(cfg.machineConfig, "utf8"));
    machine.update = { trustedKeys: [key.publicKey], healthDeadlineSeconds: 20 };
    writeFileSync(cfg.machineConfig, stringify(machine), { mode: 0o600 });
    env = { BASALTCONFIG: cfg.clientConfig };
    makeConfigDrive(cfg.machineConfig, join(work, "config.img"));
    // Another CA and node name: if the node took this config, our client could not talk to it.
    const intruder = makeVmConfig(join(work, "pki-intruder"), port);
    foreignDisk = join(work, "foreign.raw");
    makeForeignDisk(foreignDisk, intruder.machineConfig);
    foreignDiskHash = sha256File(foreignDisk);
    disk = join(work, "disk.raw");
    execFileSync("cp", ["--sparse=always", join(base.dir, "disk.raw"), disk]);
    startNode();
    await waitForVersion(v1, 300_000);
  });

  after(() => {
    vm?.kill();
    server?.close();
    if (work && !process.env.BASALT_E2E_KEEP) rmSync(work, { recursive: true, force: true });
  });

  test("a fresh node runs v1 from slot A with slot B empty", () => {
    const s = status();
    assert.equal(s.bootedSlot, "A");
    assert.equal(s.bootedVersion, v1);
    assert.deepEqual(
      s.slots.map((x: Json) => `${x.slot}:${x.state}`),
      ["A:booted", "B:empty"],
    );
  });

  test("a foreign disk enumerated first (partitions named STATE and ROOT-B) is ignored: /var is the boot disk's STATE", () => {
    const mounts = ctl(["mounts", "-o", "json", "-e", endpoint], env)
      .trim()
      .split("\n")
      .flatMap((l) => JSON.parse(l).value?.mounts ?? []);
    const state = mounts.find((m: Json) => m.target === "/var");
    assert.ok(state, `a /var mount in ${JSON.stringify(mounts)}`);
    assert.equal(state.source, "/dev/vdb4", "STATE from the boot disk (vdb), not the foreign vda1");
  });

  test("v1 → v2 from a URL: back on v2 from slot B, blessed, v1 kept as fallback", async () => {
    // The parts of an upgrade's wall time, printed for the closing note (request → healthy on v2).
    const started = performance.now();
    const firstSeen: Record<string, number> = {};
    const r = await upgrade(["--image", server.url(bundles[v2]!)], (line) => {
      const phase = (() => {
        try {
          return JSON.parse(line).value?.progress?.phase as string | undefined;
        } catch {
          return undefined;
        }
      })();
      if (phase && !(phase in firstSeen)) firstSeen[phase] = performance.now() - started;
    });
    assert.equal(r.code, 0, r.out);
    const installed = performance.now() - started;
    const phases = r.out
      .trim()
      .split("\n")
      .map((l) => JSON.parse(l).value?.progress?.phase);
    for (const p of ["verifying", "writing", "installing", "rebooting"])
      assert.ok(phases.includes(p), `${p} in ${phases}`);
    const v = await waitForVersion(v2, 300_000);
    const answering = performance.now() - started;
    assert.equal(v.bootedSlot, "B");
    const s = await waitForBlessed(v2);
    const blessed = performance.now() - started;
    const at = (ms: number | undefined) => (ms === undefined ? "-" : `${(ms / 1000).toFixed(1)} s`);
    console.log(
      `  upgrade timing: verifying ${at(firstSeen.verifying)}, writing from ${at(firstSeen.writing)}, installing ${at(firstSeen.installing)}, ` +
        `rebooting ${at(firstSeen.rebooting)}, stream done ${at(installed)}, API on v2 ${at(answering)}, blessed ${at(blessed)}`,
    );
    assert.deepEqual(
      s.slots.map((x: Json) => `${x.slot}:${x.version}:${x.state}`),
      [`A:${v1}:fallback`, `B:${v2}:booted`],
    );
  });

  test("rollback returns to v1", async () => {
    const out = ctl(["rollback", "-o", "json", "-e", endpoint], env);
    assert.equal(JSON.parse(out).value.version, v1);
    const v = await waitForVersion(v1, 300_000);
    assert.equal(v.bootedSlot, "A");
  });

  test("v2 again, streamed through the API (no server needed)", async () => {
    const r = await upgrade(["--image", bundles[v2]!]);
    assert.equal(r.code, 0, r.out);
    await waitForVersion(v2, 300_000);
    await waitForBlessed(v2);
  });

  test("a bad version that never becomes healthy: the node falls back to v2 by itself and reports it", async () => {
    const r = await upgrade(["--image", server.url(bundles[bad]!)]);
    assert.equal(r.code, 0, r.out);
    await waitForVersion(bad, 300_000);
    // Three tries of (boot + 20 s health deadline), then systemd-boot falls back.
    await waitForVersion(v2, 900_000);
    const s = await waitForBlessed(v2);
    const failed = s.failedAttempts.find((f: Json) => f.version === bad);
    assert.ok(failed, JSON.stringify(s));
    assert.equal(failed.tries, 3);
    assert.match(failed.reason, /did not become healthy/);
    assert.ok(!s.slots.some((x: Json) => x.version === bad), "the exhausted entry is cleaned up");
  });

  test("tampered bundles are refused with a clear message; what boots next is unchanged", async () => {
    const b = await loadBundle(bundles[v3]!);
    const stranger = generateReleaseKey();
    const variants: [string, Parameters<typeof writeVariant>[2], RegExp][] = [
      [
        "bad-signature",
        { signature: Uint8Array.from(b.signature, (x, i) => (i === 3 ? x ^ 1 : x)) },
        /not signed by any release key this node trusts/,
      ],
      [
        "untrusted-key",
        { manifest: {}, key: stranger.privateKey },
        /not signed by any release key this node trusts/,
      ],
      [
        "root-mismatch",
        { part: ["root.img", (p) => flip(p, p.length - 10)] },
        /does not match the signed manifest/,
      ],
      [
        "uki-mismatch",
        { part: ["uki-a.efi", (p) => flip(p, 5000)] },
        /uki-a\.efi does not match the signed manifest/,
      ],
      [
        "wrong-arch",
        { manifest: { arch: "aarch64" }, key: key.privateKey },
        /for aarch64, this node is x86_64/,
      ],
    ];
    for (const [name, change, message] of variants) {
      const path = join(work, `${name}.bundle`);
      await writeVariant(path, b, change);
      const r = await upgrade(["--image", path]);
      assert.equal(r.code, 1, `${name}: ${r.out}`);
      assert.match(r.out, message, name);
    }
    const truncated = join(work, "truncated.bundle");
    writeFileSync(
      truncated,
      readFileSync(bundles[v3]!).subarray(0, Math.floor(statSync(bundles[v3]!).size / 2)),
    );
    const t = await upgrade(["--image", truncated]);
    assert.equal(t.code, 1);
    assert.match(t.out, /truncated/);
    const downgrade = await upgrade(["--image", bundles[v1]!]);
    assert.equal(downgrade.code, 1);
    assert.match(downgrade.out, /a downgrade/);
    const s = status();
    assert.equal(s.bootedVersion, v2);
    assert.ok(
      !s.slots.some((x: Json) => x.state === "pending"),
      `nothing new boots next: ${JSON.stringify(s.slots)}`,
    );
  });

  for (const [cut, when] of [
    ["mid-write", (p: Json) => p.phase === "writing" && p.percent >= 40],
    ["after the temporary UKI", (p: Json) => p.phase === "installing" && p.percent === 0],
    ["right after the rename", (p: Json) => p.phase === "installing" && p.percent === 100],
  ] as const) {
    test(`power cut ${cut}: the node comes back healthy on v2 or v3`, async () => {
      let killed = false;
      // Whichever of v2 and v3 is not running is the new version (--force allows the downgrade).
      const target = status().bootedVersion === v3 ? v2 : v3;
      await upgrade(["--image", server.url(bundles[target]!), "--stage", "--force"], (line, child) => {
        const p = (() => {
          try {
            return JSON.parse(line).value?.progress;
          } catch {
            return undefined;
          }
        })();
        if (!killed && p && when(p)) {
          killed = true;
          vm?.process.kill("SIGKILL");
          child.kill();
        }
      });
      assert.ok(killed, `the upgrade reached the ${cut} point`);
      await vm?.exited;
      startNode();
      const deadline = Date.now() + 600_000;
      let s: Json;
      for (;;) {
        try {
          s = status();
          if (s.blessed) break;
        } catch {
          // still booting
        }
        if (Date.now() > deadline) throw new Error(`no healthy node after the ${cut} power cut`);
        await new Promise((r) => setTimeout(r, 3000));
      }
      assert.ok([v2, v3].includes(s.bootedVersion), `${cut}: booted ${s.bootedVersion}`);
    });
  }

  test("after every upgrade, rollback and power cut the foreign disk was never written", () => {
    assert.equal(sha256File(foreignDisk), foreignDiskHash);
  });
});
