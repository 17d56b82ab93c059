import assert from "node:assert/strict";
import { execFileSync } from "node:child_process";
import { mkdtempSync, readFileSync, readlinkSync, rmSync, statSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { test } from "node:test";
import { readTar, type TarEntry, tarArchive } from "./tar.ts";

const longDir = `${"d".repeat(90)}/${"e".repeat(90)}`;
const entries: TarEntry[] = [
  { type: "dir", path: "bin", mode: 0o755 },
  { type: "file", path: "bin/tool", mode: 0o755, bytes: Buffer.from("#!binary\n") },
  { type: "symlink", path: "bin/alias", target: "tool" },
  { type: "file", path: "empty", mode: 0o600, bytes: new Uint8Array(0) },
  { type: "file", path: `${longDir}/f.txt`, mode: 0o644, bytes: Buffer.alloc(1000, 7) },
];

test("tarArchive is read back by GNU tar with modes, owners, links and long paths intact", () => {
  const dir = mkdtempSync(join(tmpdir(), "oci-tar-"));
  try {
    writeFileSync(join(dir, "a.tar"), tarArchive(entries));
    const listing = execFileSync("tar", ["-tvf", join(dir, "a.tar"), "--numeric-owner"], {
      encoding: "utf8",
    });
    assert.match(listing, /^-rwxr-xr-x 0\/0 +9 1970-01-01 00:00 bin\/tool$/m);
    assert.match(listing, /^lrwxrwxrwx 0\/0 +0 1970-01-01 00:00 bin\/alias -> tool$/m);
    assert.match(listing, /^-rw------- 0\/0 +0 .* empty$/m);
    execFileSync("tar", ["-xf", join(dir, "a.tar"), "-C", dir]);
    assert.equal(readFileSync(join(dir, "bin/tool"), "utf8"), "#!binary\n");
    assert.equal(readlinkSync(join(dir, "bin/alias")), "tool");
    assert.deepEqual(readFileSync(join(dir, longDir, "f.txt")), Buffer.alloc(1000, 7));
    assert.equal(statSync(join(dir, "bin/tool")).mode & 0o7777, 0o755);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test("tarArchive is deterministic and readTar returns what was written", () => {
  const a = tarArchive(entries);
  assert.deepEqual(a, tarArchive(entries));
  assert.equal(a.length % 512, 0);
  const back = readTar(a);
  assert.deepEqual(
    back.map((e) => e.path),
    entries.map((e) => e.path),
  );
  const tool = back.find((e) => e.path === "bin/tool");
  assert.ok(tool?.type === "file" && tool.mode === 0o755);
  assert.equal(Buffer.from(tool.bytes).toString(), "#!binary\n");
});

test("tarArchive rejects paths ustar cannot hold and non-permission modes", () => {
  assert.throws(
    () => tarArchive([{ type: "file", path: "x".repeat(101), mode: 0o644, bytes: new Uint8Array(0) }]),
    /too long/,
  );
  assert.throws(
    () => tarArchive([{ type: "file", path: "f", mode: 0o100644, bytes: new Uint8Array(0) }]),
    /not a permission mode/,
  );
  assert.throws(
    () => tarArchive([{ type: "symlink", path: "l", target: "t".repeat(101) }]),
    /longer than 100/,
  );
});
