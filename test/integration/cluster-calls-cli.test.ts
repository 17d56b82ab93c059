import assert from "node:assert/strict";
import { existsSync, mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, before, test } from "node:test";
import { basaltctl, LocalFleet } from "../support/local-fleet.ts";

/**
 * `basaltctl bootstrap` and `kubeconfig` against real agent-mode nodes: the node refuses (no
 * control plane here) and its error reaches the person unchanged; the CLI's own checks (one node,
 * no overwrite without --force, admin only) hold before and around the call.
 */
let fleet: LocalFleet;
let admin: string;
let reader: string;
before(async () => {
  fleet = await LocalFleet.start({ addresses: ["127.0.0.41", "127.0.0.42"] });
  admin = fleet.writeClientConfig("admin");
  reader = fleet.writeClientConfig("reader");
});
after(() => fleet?.stop());

test("bootstrap: the node's refusal passes through with its hint; one node only", async () => {
  const r = await basaltctl(["--basaltconfig", admin, "bootstrap", "-n", "node-1"]);
  assert.equal(r.code, 1);
  assert.match(r.stdout + r.stderr, /no kubernetes: section in its machine config/);
  assert.match(r.stdout + r.stderr, /kubernetes\.role: controlplane/);
  const two = await basaltctl(["--basaltconfig", admin, "bootstrap", "-n", "all"]);
  assert.equal(two.code, 2);
  assert.match(two.stderr, /bootstrap takes one node, not 2/);
  const unnamed = await basaltctl(["--basaltconfig", admin, "bootstrap"]);
  assert.equal(unnamed.code, 2, "a changing command must name its node");
});

test("kubeconfig: admin only, refused by an agent node, never overwrites a file without --force", async () => {
  const dir = mkdtempSync(join(tmpdir(), "basalt-kubeconfig-"));
  const out = join(dir, "kubeconfig");
  const asReader = await basaltctl(["--basaltconfig", reader, "kubeconfig", "-n", "node-1", "--out", out]);
  assert.equal(asReader.code, 2);
  assert.match(asReader.stderr, /permission_denied|not allowed|os:admin/i);
  assert.equal(existsSync(out), false);
  const refused = await basaltctl(["--basaltconfig", admin, "kubeconfig", "-n", "node-1"]);
  assert.equal(refused.code, 1);
  assert.match(refused.stdout + refused.stderr, /no kubernetes: section/);
  writeFileSync(out, "mine");
  const kept = await basaltctl(["--basaltconfig", admin, "kubeconfig", "-n", "node-1", "--out", out]);
  assert.equal(kept.code, 2);
  assert.match(kept.stderr, /exists \(pass --force to overwrite it\)/);
  assert.equal(readFileSync(out, "utf8"), "mine");
  const bad = await basaltctl(["--basaltconfig", admin, "kubeconfig", "-n", "node-1", "--validity", "1w"]);
  assert.match(bad.stderr, /--validity "1w" is not a positive duration/);
});
