import assert from "node:assert/strict";
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { test } from "node:test";
import type { BuildContext } from "./build-context.ts";
import {
  lockedPackages,
  lockInputs,
  lockPathFor,
  parseAptSimulate,
  parseLock,
  renderLock,
} from "./debian-lock.ts";
import { debFileName, downloadPackages } from "./phases/debian-packages.ts";
import { loadProfile } from "./profile.ts";

const profiles = new URL("../profiles/", import.meta.url).pathname;
const load = (name: string) => loadProfile(join(profiles, name), (p) => readFileSync(p, "utf8"));

test("apt's simulated install is read as the packages it would install", () => {
  const text = [
    "Reading package lists...",
    "Inst gcc-12-base (12.2.0-14+deb12u1 Debian:12.15/oldstable [amd64])",
    "Inst libgcc-s1 (12.2.0-14+deb12u1 Debian:12.15/oldstable [amd64]) []",
    "Inst busybox-static (1:1.35.0-4+deb12u1+b1 Debian:12.15/oldstable [amd64])",
    "Inst libfoo [1.0] (1.1 Debian:12.15/oldstable [amd64])",
    "Conf busybox-static (1:1.35.0-4+deb12u1+b1 Debian:12.15/oldstable [amd64])",
  ].join("\n");
  assert.deepEqual(parseAptSimulate(text), [
    { name: "gcc-12-base", version: "12.2.0-14+deb12u1", arch: "amd64" },
    { name: "libgcc-s1", version: "12.2.0-14+deb12u1", arch: "amd64" },
    { name: "busybox-static", version: "1:1.35.0-4+deb12u1+b1", arch: "amd64" },
    { name: "libfoo", version: "1.1", arch: "amd64" },
  ]);
});

for (const name of ["base.yaml", "kubernetes.yaml"]) {
  test(`${name}: the committed lock is fresh, complete and pins every package by version and hash`, () => {
    const profile = load(name);
    const lock = parseLock(readFileSync(lockPathFor(join(profiles, name)), "utf8"), profile, name);
    const rootNames = lock.root.map((p) => p.name);
    for (const wanted of profile.debian.packages)
      assert.ok(rootNames.includes(wanted), `${wanted} in the root closure`);
    for (const wanted of profile.debian.initramfs)
      assert.ok(
        lock.initramfs.some((p) => p.name === wanted),
        `${wanted} in the initramfs closure`,
      );
    // The closure holds what the profile no longer lists by hand (e2fsprogs → libext2fs2, ...).
    assert.ok(rootNames.includes("libext2fs2"));
    assert.ok(lock.initramfs.some((p) => p.name === "libdevmapper1.02.1"));
    assert.match(lock.kernel.name, /^linux-image-\d/);
    assert.equal(lockedPackages(lock).length, new Set(lockedPackages(lock).map((p) => p.name)).size);
    assert.equal(
      renderLock(lock),
      readFileSync(lockPathFor(join(profiles, name)), "utf8"),
      "rendered as committed",
    );
  });
}

test("a lock made from another debian section is refused as stale, with the command that refreshes it", () => {
  const profile = load("base.yaml");
  const text = readFileSync(lockPathFor(join(profiles, "base.yaml")), "utf8");
  const changed = { debian: { ...profile.debian, packages: [...profile.debian.packages, "kmod"] } };
  assert.notEqual(lockInputs(changed), lockInputs(profile));
  assert.equal(
    lockInputs({ debian: { ...profile.debian, packages: [...profile.debian.packages].reverse() } }),
    lockInputs(profile),
  );
  assert.throws(
    () => parseLock(text, changed, "base.lock.yaml"),
    (err: Error & { hint?: string }) =>
      /is stale/.test(err.message) && /basalt-imager lock/.test(err.hint ?? ""),
  );
});

test("the build downloads exactly the lock and refuses a file whose hash is not the lock's", async () => {
  const profile = load("base.yaml");
  const lock = parseLock(
    readFileSync(lockPathFor(join(profiles, "base.yaml")), "utf8"),
    profile,
    "base.lock.yaml",
  );
  const cacheDir = mkdtempSync(join(tmpdir(), "imager-lock-"));
  const asked: string[] = [];
  // `apt-get download` stand-in (unit test): writes a file that is not what the lock pins.
  const exec = {
    run: async (_program: string, args: readonly string[], o: { cwd: string }) => {
      asked.push(args.at(-1)!);
      const [name, version] = args.at(-1)!.split("=") as [string, string];
      const p = lockedPackages(lock).find((x) => x.name === name && x.version === version)!;
      writeFileSync(join(o.cwd, debFileName(p)), "tampered");
      return "";
    },
  } as unknown as BuildContext["exec"];
  const ctx = {
    profile,
    lock,
    cacheDir,
    exec,
    out: { debs: new Map(), versions: {} },
  } as unknown as BuildContext;
  try {
    await assert.rejects(downloadPackages.run(ctx), /does not match the SHA-256 the lock pins/);
    const first = lockedPackages(lock)[0]!;
    assert.deepEqual(asked, [`${first.name}=${first.version}`], "asked apt for the locked version");
    assert.equal(existsSync(join(cacheDir, "debs", debFileName(first))), false, "the bad file is removed");
  } finally {
    rmSync(cacheDir, { recursive: true, force: true });
  }
});
