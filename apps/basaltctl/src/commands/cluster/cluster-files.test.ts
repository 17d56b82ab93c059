import assert from "node:assert/strict";
import { existsSync, mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { test } from "node:test";
import { type ClientConfig, parseClientConfig } from "@basalt/machinery";
import { createCa, issueLeaf } from "@basalt/pki";
import { stringify } from "yaml";
import { dropContext, mergeContext } from "./cluster-files.ts";

test("a cluster's context is merged into the client config as current, and dropped again", async () => {
  const ca = await createCa("basalt-os-ca");
  const leaf = await issueLeaf(ca, { commonName: "admin", organizations: ["os:admin"], usage: "client" });
  const ctx = (endpoint: string) => ({
    nodes: [{ name: "n", endpoint, labels: {} }],
    ca: ca.cert,
    cert: leaf.cert,
    key: leaf.key,
  });
  const dir = mkdtempSync(join(tmpdir(), "basalt-ctx-"));
  const path = join(dir, "config");
  writeFileSync(path, stringify({ context: "mine", contexts: { mine: ctx("127.0.0.2:50000") } }));
  const cluster: ClientConfig = { context: "x", contexts: { x: ctx("127.0.0.1:4000") } };
  mergeContext(path, cluster, "demo");
  let now = parseClientConfig(readFileSync(path, "utf8"), path);
  assert.equal(now.context, "demo");
  assert.deepEqual(Object.keys(now.contexts).sort(), ["demo", "mine"]);
  assert.equal(now.contexts.demo?.nodes[0]?.endpoint, "127.0.0.1:4000");
  assert.equal(dropContext(path, "demo"), true);
  now = parseClientConfig(readFileSync(path, "utf8"), path);
  assert.equal(now.context, "mine", "the current context falls back to one that is left");
  assert.deepEqual(Object.keys(now.contexts), ["mine"]);
  assert.equal(dropContext(path, "demo"), false);
  // A client config the cluster created (it held only the cluster's context) goes with it.
  const own = join(dir, "own");
  mergeContext(own, cluster, "demo");
  assert.equal(dropContext(own, "demo"), true);
  assert.equal(existsSync(own), false);
});
