import assert from "node:assert/strict";
import { cpSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { test } from "node:test";
import { buildImage } from "@basalt/basalt-imager";

const repo = join(import.meta.dirname, "../..");

/**
 * Same inputs, same bytes: two builds of one profile give identical UKI, root image and disk. The
 * bundle is snapshotted first, so a concurrent `npm run build` cannot change the inputs mid-test.
 */
test("building the same profile twice gives byte-identical artifacts", { timeout: 900_000 }, async () => {
  const work = mkdtempSync(join(tmpdir(), "basalt-repro-"));
  try {
    cpSync(join(repo, "dist"), join(work, "dist"), { recursive: true });
    const profile = readFileSync(join(repo, "apps/basalt-imager/profiles/base.yaml"), "utf8").replace(
      "bundle: dist/basaltd.mjs",
      `bundle: ${join(work, "dist/basaltd.mjs")}`,
    );
    writeFileSync(join(work, "profile.yaml"), profile);
    // The copy builds from the same Debian lock as the profile it copies.
    cpSync(join(repo, "apps/basalt-imager/profiles/base.lock.yaml"), join(work, "profile.lock.yaml"));
    const manifests = [];
    for (const out of ["a", "b"]) {
      await buildImage({
        profilePath: join(work, "profile.yaml"),
        outDir: join(work, out),
        repoRoot: repo,
        log: () => {},
      });
      manifests.push(JSON.parse(readFileSync(join(work, out, "manifest.json"), "utf8")));
    }
    for (const artifact of ["uki", "root", "disk"]) {
      assert.equal(
        manifests[0].artifacts[artifact].sha256,
        manifests[1].artifacts[artifact].sha256,
        `${artifact} differs`,
      );
    }
    assert.equal(
      readFileSync(join(work, "a/manifest.json"), "utf8"),
      readFileSync(join(work, "b/manifest.json"), "utf8"),
    );
  } finally {
    rmSync(work, { recursive: true, force: true });
  }
});
