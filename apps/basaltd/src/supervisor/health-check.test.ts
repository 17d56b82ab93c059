import assert from "node:assert/strict";
import { createServer } from "node:https";
import type { AddressInfo } from "node:net";
import { test } from "node:test";
import { createCa, issueLeaf } from "@basalt/pki";
import { checkHealth } from "./health-check.ts";

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
