import assert from "node:assert/strict";
import { test } from "node:test";
import { HttpMethod, KubeConfig, RequestContext } from "@kubernetes/client-node";
import { reuseConnections } from "./connection-reuse.ts";

// Any PEM-looking CA is enough: dispatchers are built lazily and nothing connects here.
const ca = Buffer.from("-----BEGIN CERTIFICATE-----\nMA==\n-----END CERTIFICATE-----\n").toString("base64");

function kubeConfig(): KubeConfig {
  const kc = new KubeConfig();
  kc.loadFromOptions({
    clusters: [{ name: "c", server: "https://127.0.0.1:6443", caData: ca, skipTLSVerify: false }],
    users: [{ name: "u", token: "t" }],
    contexts: [{ name: "x", cluster: "c", user: "u" }],
    currentContext: "x",
  });
  return kc;
}

async function dispatcherOf(kc: KubeConfig): Promise<unknown> {
  const ctx = new RequestContext("https://127.0.0.1:6443/api", HttpMethod.GET);
  await kc.applySecurityAuthentication(ctx);
  return ctx.getDispatcher();
}

test("the client builds a new dispatcher (connection pool) per request, unless told to reuse", async () => {
  const plain = kubeConfig();
  const [a, b] = [await dispatcherOf(plain), await dispatcherOf(plain)];
  assert.ok(a !== undefined && b !== undefined);
  // If this starts failing, the client reuses connections itself and reuseConnections can go.
  assert.notEqual(a, b, "@kubernetes/client-node made one dispatcher per request");

  const shared = reuseConnections(kubeConfig());
  assert.equal(await dispatcherOf(shared), await dispatcherOf(shared));
  assert.equal(reuseConnections(shared), shared, "idempotent");
});
