import assert from "node:assert/strict";
import { test } from "node:test";
import type { Kube } from "@basalt/kube";
import { BasaltError } from "@basalt/machinery";
import { runPodNetwork } from "./pod-network.ts";
import type { PodNetworkHost } from "./pod-network-ports.ts";

test("before kubelet's certificate the watch waits (one event), then the Nodes' routes are kept", async () => {
  const ours = new Map<string, string>();
  const host: PodNetworkHost = {
    keptRoutes: async () => [...ours].map(([dst, via]) => ({ dst, via })),
    addRoute: async (r) => void ours.set(r.dst, r.via),
    replaceRoute: async (r) => void ours.set(r.dst, r.via),
    removeRoute: async (r) => void ours.delete(r.dst),
    setMasquerade: async () => {},
    sleep: (ms, signal) =>
      new Promise((resolve, reject) => {
        const t = setTimeout(resolve, Math.min(ms, 2));
        signal?.addEventListener("abort", () => {
          clearTimeout(t);
          reject(new Error("aborted"));
        });
      }),
  };
  const kube: Kube = {
    async request<T>() {
      return {
        metadata: { resourceVersion: "3" },
        items: [
          {
            metadata: { name: "w1", resourceVersion: "1" },
            spec: { podCIDR: "10.244.1.0/24" },
            status: { addresses: [{ type: "InternalIP", address: "10.77.0.11" }] },
          },
          {
            metadata: { name: "w2", resourceVersion: "2" },
            spec: { podCIDR: "10.244.2.0/24" },
            status: { addresses: [{ type: "InternalIP", address: "10.77.0.12" }] },
          },
        ],
      } as T;
    },
    watch: (_p, _q, _on, signal) =>
      new Promise((resolve) => signal.addEventListener("abort", () => resolve())),
  };
  let tries = 0;
  const events: string[] = [];
  const stop = new AbortController();
  const running = runPodNetwork(
    {
      nodeName: "w1",
      host,
      endpoint: async () => {
        if (++tries < 4) throw new BasaltError("not_found", "kubelet-client-current.pem: not there yet");
        return { server: "https://10.77.0.1:6443" };
      },
      client: () => kube,
      report: (m) => events.push(m),
    },
    stop.signal,
  );
  for (let i = 0; i < 400 && !ours.size; i++) await new Promise((r) => setTimeout(r, 5));
  stop.abort();
  await running;
  assert.deepEqual(Object.fromEntries(ours), { "10.244.2.0/24": "10.77.0.12" });
  assert.deepEqual(
    events.filter((e) => e.startsWith("waiting")),
    ["waiting: kubelet-client-current.pem: not there yet"],
  );
  assert.ok(events.includes("watching Nodes: 2 now"), events.join("\n"));
  assert.ok(!events.some((e) => e.startsWith("problem")), events.join("\n"));
});
