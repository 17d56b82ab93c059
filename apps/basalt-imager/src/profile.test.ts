import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { test } from "node:test";
import { BasaltError } from "@basalt/machinery";
import { parseProfile } from "./profile.ts";

test("the base profile is valid and pins Node", () => {
  const p = parseProfile(readFileSync(new URL("../profiles/base.yaml", import.meta.url), "utf8"));
  assert.equal(p.node.version, "24.21.0");
  assert.ok(p.debian.packages.includes("libstdc++6"));
  assert.equal(p.disk.espMiB, 512);
});

test("problems are listed by path", () => {
  assert.throws(
    () => parseProfile("version: one\ndebian: {kernel: K, packages: [], initramfs: [x1]}\n"),
    (err: unknown) =>
      err instanceof BasaltError &&
      err.code === "invalid_argument" &&
      /version: expected a semver/.test(err.message) &&
      /debian.packages/.test(err.message) &&
      /node:/.test(err.message),
  );
});

test("extra files may not escape the root tree", () => {
  const base = readFileSync(new URL("../profiles/base.yaml", import.meta.url), "utf8");
  assert.throws(() => parseProfile(`${base}\nfiles: [{path: ../etc/passwd, content: x}]\n`), /without \.\./);
});
