import assert from "node:assert/strict";
import { test } from "node:test";
import type { Kube, WatchEventType } from "@basalt/kube";
import { type CachedNode, splitCertAndKey, trimNode, watchNodes } from "./node-watch.ts";

const node = (name: string, rv: string, podCIDR?: string, ip?: string) => ({
  metadata: { name, resourceVersion: rv },
  spec: podCIDR ? { podCIDR, podCIDRs: [podCIDR] } : {},
  status: {
    addresses: ip
      ? [
          { type: "Hostname", address: name },
          { type: "InternalIP", address: ip },
        ]
      : [],
  },
});

test("a Node is trimmed to its name, podCIDRs and InternalIPs", () => {
  assert.deepEqual(trimNode(node("w2", "7", "10.244.2.0/24", "10.77.0.12")), {
    key: "w2",
    resourceVersion: "7",
    name: "w2",
    podCidrs: ["10.244.2.0/24"],
    internalIps: ["10.77.0.12"],
  });
  assert.deepEqual(trimNode({ metadata: { name: "old" }, spec: { podCIDR: "10.244.9.0/24" } })?.podCidrs, [
    "10.244.9.0/24",
  ]);
  assert.equal(trimNode({ metadata: {} }), undefined);
  assert.equal(trimNode(null), undefined);
});

test("kubelet's client PEM splits into certificate and key", () => {
  const cert = "-----BEGIN CERTIFICATE-----\nMIIB\n-----END CERTIFICATE-----";
  const key = "-----BEGIN EC PRIVATE KEY-----\nMHc\n-----END EC PRIVATE KEY-----";
  assert.deepEqual(splitCertAndKey(`${cert}\n${key}\n`), { cert: `${cert}\n`, key: `${key}\n` });
  assert.equal(splitCertAndKey(cert), undefined);
});

/** An apiserver in memory: one LIST, then a watch that sends the given events and ends. */
function fakeKube(listed: unknown[], events: [WatchEventType, unknown][], status401After = false): Kube {
  let watches = 0;
  return {
    async request<T>() {
      return { metadata: { resourceVersion: "10" }, items: listed } as T;
    },
    async watch(_path, _query, onEvent) {
      watches++;
      if (watches === 1) for (const [t, o] of events) onEvent(t, o);
      if (status401After && watches === 1) {
        const { KubeApiError } = await import("@basalt/kube");
        throw new KubeApiError(401, "Unauthorized", "certificate expired");
      }
      await new Promise((r) => setTimeout(r, 5));
    },
  };
}

test("the whole Node list is handed on after the LIST and after each change; a 401 reconnects with a fresh endpoint", async () => {
  const seen: string[][] = [];
  const stop = new AbortController();
  let endpoints = 0;
  const errors: string[] = [];
  const run = watchNodes(
    {
      endpoint: async () => {
        endpoints++;
        return { server: "https://10.77.0.1:6443" };
      },
      client: () =>
        fakeKube(
          [node("w1", "5", "10.244.1.0/24", "10.77.0.11"), node("w2", "6", "10.244.2.0/24", "10.77.0.12")],
          [
            ["ADDED", node("w3", "11", "10.244.3.0/24", "10.77.0.13")],
            ["DELETED", node("w2", "12")],
          ],
          endpoints === 1,
        ),
      onNodes: (nodes: CachedNode[]) => seen.push(nodes.map((n) => n.name).sort()),
      onError: (err) => errors.push((err as Error).message),
      sleep: (ms) => new Promise((r) => setTimeout(r, Math.min(ms, 5))),
    },
    stop.signal,
  );
  for (let i = 0; i < 200 && endpoints < 2; i++) await new Promise((r) => setTimeout(r, 5));
  stop.abort();
  await run;
  assert.deepEqual(seen.slice(0, 3), [
    ["w1", "w2"],
    ["w1", "w2", "w3"],
    ["w1", "w3"],
  ]);
  assert.ok(endpoints >= 2, "reconnected after the 401 with the certificate read again");
  assert.match(errors[0]!, /certificate expired/);
});
