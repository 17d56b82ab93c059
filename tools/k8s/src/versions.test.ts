import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { test } from "node:test";
import { parseVersions } from "./versions.ts";

test("the repository's versions.env parses and pins every component", () => {
  const v = parseVersions(readFileSync(join(import.meta.dirname, "..", "versions.env"), "utf8"));
  assert.equal(v.kubernetes, "v1.34.4");
  assert.match(v.containerd, /^v2\.2\.\d+$/);
  assert.match(v.runc, /^v1\.3\.\d+$/);
  assert.match(v.cniPlugins, /^v1\.9\.\d+$/);
  assert.equal(v.pause, "3.10.1");
});

test("versions.env problems are all listed: missing keys, bad forms, duplicates, junk lines", () => {
  const text = [
    "# comment",
    "KUBERNETES_VERSION=1.34.4",
    "ETCD_VERSION=v3.6.5",
    "ETCD_VERSION=v3.6.6",
    "export KWOK_VERSION=v0.8.0",
    "CONTAINERD_VERSION=v1.7.28",
    "RUNC_VERSION=v1.3.7",
    "CNI_PLUGINS_VERSION=v1.9.1",
  ].join("\n");
  assert.throws(
    () => parseVersions(text),
    (err: Error) => {
      assert.match(err.message, /KUBERNETES_VERSION=1\.34\.4 does not look like/);
      assert.match(err.message, /line 4: ETCD_VERSION is set twice/);
      assert.match(err.message, /line 5: expected KEY=value/);
      assert.match(err.message, /KWOK_VERSION is missing/);
      assert.match(err.message, /CONTAINERD_VERSION=v1\.7\.28 does not look like/);
      assert.match(err.message, /PAUSE_VERSION is missing/);
      return true;
    },
  );
});
