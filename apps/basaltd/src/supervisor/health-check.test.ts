import assert from "node:assert/strict";
import { createServer } from "node:https";
import type { AddressInfo } from "node:net";
import { test } from "node:test";
import { createCa, issueLeaf } from "@basalt/pki";
import { checkHealth, probeTimeoutMs } from "./health-check.ts";

test("https health: a loopback TLS endpoint on a certificate nobody here trusts is probed by its status", async () => {
  const ca = await createCa("test");
  const leaf = await issueLeaf(ca, { commonName: "x", usage: "server", ips: ["127.0.0.1"] });
  let status = 200;
  const server = createServer({ cert: leaf.cert, key: leaf.key }, (_req, res) => {
    res.statusCode = status;
    res.end("ok");
  });
  await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
  const url = `https://127.0.0.1:${(server.address() as AddressInfo).port}/readyz`;
  try {
    assert.deepEqual(await checkHealth({ https: url }), { healthy: true, message: `${url} answered 200` });
    status = 500;
    assert.deepEqual(await checkHealth({ https: url }), { healthy: false, message: `${url} answered 500` });
  } finally {
    server.close();
  }
  const closed = await checkHealth({ https: url });
  assert.equal(closed.healthy, false);
  assert.match(closed.message, /ECONNREFUSED/);
});

test("https health waits for a slow /readyz (a busy apiserver answers late but answers); a silent one times out", async () => {
  const ca = await createCa("test");
  const leaf = await issueLeaf(ca, { commonName: "x", usage: "server", ips: ["127.0.0.1"] });
  let delayMs = 2500;
  const server = createServer({ cert: leaf.cert, key: leaf.key }, (_req, res) => {
    setTimeout(() => res.end("ok"), delayMs);
  });
  await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
  const url = `https://127.0.0.1:${(server.address() as AddressInfo).port}/readyz`;
  try {
    assert.equal((await checkHealth({ https: url })).healthy, true, "2.5 s is within the HTTPS limit");
    assert.ok(probeTimeoutMs.https > delayMs && probeTimeoutMs.connect < delayMs);
    delayMs = 60_000;
    const started = Date.now();
    const silent = await checkHealth({ https: url }, 300);
    assert.equal(silent.healthy, false);
    assert.ok(Date.now() - started < 5000, "an explicit limit still bounds the probe");
  } finally {
    server.closeAllConnections();
    server.close();
  }
});
