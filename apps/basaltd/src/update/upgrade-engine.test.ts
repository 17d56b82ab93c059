import assert from "node:assert/strict";
import { mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, beforeEach, test } from "node:test";
import { compareVersions, generateReleaseKey, writeBundle } from "@basalt/machinery";
import { espDirectory } from "../adapters/linux/esp-dir.ts";
import { slotBlockDevices } from "../adapters/linux/slot-block-devices.ts";
import { parseEntry } from "./boot-entries.ts";
import { slotOfCommandLine, ukiCommandLine } from "./pe-cmdline.ts";
import { bundleOf, rootImage, sha, stream, testReleaseKey, uki } from "./test-support/fake-bundle.ts";
import type { Esp, SlotDevices, UpgradeProgress } from "./update-ports.ts";
import { installBundle, type UpgradeEnv } from "./upgrade-engine.ts";

const key = testReleaseKey;
const stranger = generateReleaseKey();
const slotSize = 2 * 1024 * 1024;

let dir: string;
let espPath: string;
let slotPaths: { A: string; B: string };

/** Installs version 1.0.0 on slot A, blessed, as a freshly imaged node has it. */
function imageNode() {
  const root = rootImage("1.0.0");
  const a = Buffer.alloc(slotSize);
  Buffer.from(root).copy(a);
  writeFileSync(slotPaths.A, a);
  writeFileSync(slotPaths.B, Buffer.alloc(slotSize));
  writeFileSync(join(espPath, "basalt-1.0.0.efi"), uki("1.0.0", "A", root));
}

/**
 * What systemd-boot boots, and whether it would come up: the newest entry with tries left (then
 * exhausted ones), whose pinned root hash must match what its slot holds.
 */
function nextBoot(): { entry: string; version: string; slot: string; healthy: boolean } {
  const entries = readdirSync(espPath)
    .map((f) => parseEntry(f))
    .filter((e) => e !== undefined)
    .sort((x, y) => Number(x.left === 0) - Number(y.left === 0) || compareVersions(y.version, x.version));
  const e = entries[0];
  if (!e) return { entry: "", version: "", slot: "", healthy: false };
  const cmdline = ukiCommandLine(readFileSync(join(espPath, e.file)))!;
  const slot = slotOfCommandLine(cmdline)!;
  const want = /roothash=(\w+)/.exec(cmdline)![1];
  const size = rootImage(e.version).length;
  const have = sha(readFileSync(slotPaths[slot]).subarray(0, size));
  return { entry: e.file, version: e.version, slot, healthy: want === have };
}

function env(overrides: Partial<UpgradeEnv> = {}): UpgradeEnv {
  return {
    esp: espDirectory(espPath),
    slots: slotBlockDevices(slotPaths),
    bootedSlot: "A",
    installed: { version: "1.0.0", arch: "x86_64" },
    trustedKeys: [key.publicKey],
    ...overrides,
  };
}

beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), "basalt-engine-"));
  espPath = join(dir, "esp");
  mkdirSync(espPath);
  slotPaths = { A: join(dir, "slot-a.img"), B: join(dir, "slot-b.img") };
  imageNode();
});
afterEach(() => rmSync(dir, { recursive: true, force: true }));

test("v1 → v2: root streamed into the other slot, new entry with three tries, v1 kept", async () => {
  const phases: UpgradeProgress[] = [];
  const r = await installBundle(env(), stream(await bundleOf("2.0.0")), { force: false }, (p) =>
    phases.push(p),
  );
  assert.deepEqual(r, {
    version: "2.0.0",
    slot: "B",
    entry: "basalt-2.0.0+3.efi",
    demoted: [],
    securityFloor: "0.0.0",
  });
  assert.deepEqual(readdirSync(espPath).sort(), ["basalt-1.0.0.efi", "basalt-2.0.0+3.efi"]);
  assert.deepEqual(nextBoot(), { entry: "basalt-2.0.0+3.efi", version: "2.0.0", slot: "B", healthy: true });
  const order = [...new Set(phases.map((p) => p.phase))];
  assert.deepEqual(order, ["verifying", "preparing", "writing", "installing"]);
  assert.equal(phases.filter((p) => p.phase === "writing").at(-1)?.percent, 100);
});

test("installing into a slot first removes what pointed at it", async () => {
  await installBundle(env(), stream(await bundleOf("2.0.0")), { force: false }, () => {});
  // Now running 2.0.0 from B; 3.0.0 goes to A, replacing 1.0.0's entry.
  await installBundle(
    env({ bootedSlot: "B", installed: { version: "2.0.0", arch: "x86_64" } }),
    stream(await bundleOf("3.0.0")),
    { force: false },
    () => {},
  );
  assert.deepEqual(readdirSync(espPath).sort(), ["basalt-2.0.0+3.efi", "basalt-3.0.0+3.efi"]);
  assert.equal(nextBoot().slot, "A");
  assert.ok(nextBoot().healthy);
});

const refusals: [string, Parameters<typeof bundleOf>[1], RegExp, Partial<UpgradeEnv>?][] = [
  ["bad signature", { tamper: "signature" }, /not signed by any release key this node trusts/],
  ["untrusted key", { signer: stranger.privateKey }, /not signed by any release key this node trusts/],
  [
    "root image hash mismatch",
    { tamper: "root" },
    /root image written to slot B does not match the signed manifest/,
  ],
  ["UKI hash mismatch", { tamper: "uki" }, /uki-b\.efi does not match the signed manifest/],
  ["truncated download", { truncate: 300_000 }, /truncated/],
  ["wrong architecture", { arch: "aarch64" }, /for aarch64, this node is x86_64/],
  ["source too old", { minUpgradeFrom: "1.5.0" }, /only from 1\.5\.0 or newer/],
];

for (const [name, opts, message] of refusals) {
  test(`refused: ${name}; what boots next is unchanged`, async () => {
    const before = nextBoot();
    await assert.rejects(
      installBundle(env(), stream(await bundleOf("2.0.0", opts)), { force: false }, () => {}),
      message,
    );
    assert.deepEqual(nextBoot(), before);
    assert.ok(nextBoot().healthy);
    assert.ok(!readdirSync(espPath).some((f) => f.includes("2.0.0")), "no entry for the refused version");
  });
}

test("a downgrade needs force", async () => {
  await assert.rejects(
    installBundle(env(), stream(await bundleOf("0.9.0")), { force: false }, () => {}),
    /a downgrade/,
  );
  const r = await installBundle(env(), stream(await bundleOf("0.9.0")), { force: true }, () => {});
  assert.equal(r.entry, "basalt-0.9.0+3.efi");
  // The newer running version steps aside so the forced downgrade really boots next.
  assert.deepEqual(r.demoted, ["1.0.0"]);
  assert.equal(nextBoot().version, "0.9.0");
  assert.ok(nextBoot().healthy);
});

test("nothing is written before the signature checks out", async () => {
  const touched: string[] = [];
  const esp = espDirectory(espPath);
  const spyEsp: Esp = {
    ...esp,
    remove: (f) => {
      touched.push(`remove ${f}`);
      return esp.remove(f);
    },
    write: (f, d) => {
      touched.push(`write ${f}`);
      return esp.write(f, d);
    },
  };
  const slots = slotBlockDevices(slotPaths);
  const spySlots: SlotDevices = {
    ...slots,
    write: (s, src, p) => {
      touched.push(`slot ${s}`);
      return slots.write(s, src, p);
    },
  };
  await assert.rejects(
    installBundle(
      env({ esp: spyEsp, slots: spySlots }),
      stream(await bundleOf("2.0.0", { signer: stranger.privateKey })),
      { force: false },
      () => {},
    ),
  );
  assert.deepEqual(touched, []);
});

test("power cut at every step leaves a node that boots a healthy version", async () => {
  const steps = ["remove", "slot", "write", "rename", "none"];
  for (const cutAt of steps) {
    rmSync(espPath, { recursive: true });
    mkdirSync(espPath);
    // Start from 2.0.0 on B (blessed) with 1.0.0 on A, so a cut also hits the old fallback's removal.
    imageNode();
    await installBundle(env(), stream(await bundleOf("2.0.0")), { force: false }, () => {});
    const blessed = readdirSync(espPath).find((f) => f.startsWith("basalt-2.0.0"))!;
    const { renameSync } = await import("node:fs");
    renameSync(join(espPath, blessed), join(espPath, "basalt-2.0.0.efi"));
    const esp = espDirectory(espPath);
    const slots = slotBlockDevices(slotPaths);
    const cut = (step: string) => {
      if (step === cutAt) throw new Error(`power cut at ${step}`);
    };
    const cuttingEsp: Esp = {
      ...esp,
      remove: async (f) => {
        cut("remove");
        return esp.remove(f);
      },
      write: async (f, d) => {
        // A cut during the write leaves a partial file under the staging name.
        if (cutAt === "write") writeFileSync(join(espPath, f), d.subarray(0, 100));
        cut("write");
        return esp.write(f, d);
      },
      rename: async (a, b) => {
        cut("rename");
        return esp.rename(a, b);
      },
    };
    const cuttingSlots: SlotDevices = {
      ...slots,
      write: async (s, src, p) => {
        if (cutAt !== "slot") return slots.write(s, src, p);
        // Half the image reaches the disk, then the power goes.
        let n = 0;
        const half = async function* () {
          for await (const c of src) {
            n += c.length;
            if (n > 700_000) throw new Error("power cut at slot");
            yield c;
          }
        };
        return slots.write(s, half(), p);
      },
    };
    const result = await installBundle(
      env({
        esp: cuttingEsp,
        slots: cuttingSlots,
        bootedSlot: "B",
        installed: { version: "2.0.0", arch: "x86_64" },
      }),
      stream(await bundleOf("3.0.0")),
      { force: false },
      () => {},
    ).catch((e: Error) => e);
    const boot = nextBoot();
    assert.ok(boot.healthy, `cut at ${cutAt}: next boot ${JSON.stringify(boot)}`);
    if (cutAt === "none") {
      assert.ok(!(result instanceof Error));
      assert.equal(boot.version, "3.0.0");
    } else {
      assert.match(String(result), /power cut/);
      assert.equal(boot.version, "2.0.0", `cut at ${cutAt}`);
    }
  }
});

test("anti-rollback: --force goes down to the node's security floor, never below", async () => {
  const r = await installBundle(
    env(),
    stream(await bundleOf("2.0.0", { securityFloor: "1.5.0" })),
    { force: false },
    () => {},
  );
  assert.equal(r.securityFloor, "1.5.0");
  // The node now runs 2.0.0 from B and remembers floor 1.5.0 (the handler keeps it in upgrade-state.json).
  const onB = env({
    bootedSlot: "B",
    installed: { version: "2.0.0", arch: "x86_64" },
    securityFloor: "1.5.0",
  });
  await assert.rejects(
    installBundle(onB, stream(await bundleOf("1.4.0")), { force: true }, () => {}),
    /1\.4\.0 is below this node's security floor 1\.5\.0/,
  );
  await assert.rejects(
    installBundle(onB, stream(await bundleOf("1.5.0-rc.1")), { force: true }, () => {}),
    /below this node's security floor/,
  );
  const down = await installBundle(onB, stream(await bundleOf("1.5.0")), { force: true }, () => {});
  assert.equal(down.version, "1.5.0");
});

test("a manifest's floor above its own version is refused", async () => {
  await assert.rejects(
    installBundle(
      env(),
      stream(await bundleOf("2.0.0", { securityFloor: "3.0.0" })),
      { force: false },
      () => {},
    ),
    /securityFloor 3\.0\.0 is newer than the version 2\.0\.0/,
  );
});

test("prerelease versions upgrade by semver order: rc.9 → rc.10 needs no force", async () => {
  const r = await installBundle(
    env({ installed: { version: "2.0.0-rc.9", arch: "x86_64" } }),
    stream(await bundleOf("2.0.0-rc.10")),
    { force: false },
    () => {},
  );
  assert.equal(r.version, "2.0.0-rc.10");
  assert.deepEqual(r.demoted, []);
});

test("a corrupted manifest is refused by its signature, before it is parsed", async () => {
  const chunks: Uint8Array[] = [];
  for await (const c of writeBundle({
    manifest: new TextEncoder().encode('{"format": "basalt-bundle/v1", "version": '),
    signature: new Uint8Array(64),
    components: [],
  }))
    chunks.push(c);
  await assert.rejects(
    installBundle(env(), stream(Buffer.concat(chunks)), { force: false }, () => {}),
    (err: Error) => {
      assert.match(err.message, /not signed by any release key this node trusts/);
      assert.doesNotMatch(err.message, /JSON|schema|expected/);
      return true;
    },
  );
});

test("an aborted install stops before the switch and leaves the old version booting", async () => {
  const controller = new AbortController();
  const result = await installBundle(
    env({ signal: controller.signal }),
    stream(await bundleOf("2.0.0")),
    { force: false },
    (p) => {
      if (p.phase === "writing" && p.percent > 20) controller.abort();
    },
  ).catch((e: Error) => e);
  assert.match(String(result), /aborted/);
  assert.equal(nextBoot().version, "1.0.0");
  assert.ok(nextBoot().healthy);
  assert.ok(!readdirSync(espPath).some((f) => f.includes("2.0.0")));
});
