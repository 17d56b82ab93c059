import { type Cached, hasStatus, type Kube, type KubeEndpoint, Reflector } from "@basalt/kube";
import type { PodNetworkNode } from "./pod-routes.ts";

/** A Node as the route keeper caches it. */
export type CachedNode = PodNetworkNode & Cached;

// biome-ignore lint/suspicious/noExplicitAny: a Node from the apiserver, read field by field
type Json = any;

/** Trims a Node to its name, podCIDRs and InternalIPs (what host-gw routing needs). */
export function trimNode(raw: unknown): CachedNode | undefined {
  const n = raw as Json;
  const name = n?.metadata?.name;
  if (typeof name !== "string" || name === "") return undefined;
  const spec = n.spec ?? {};
  const podCidrs: string[] = Array.isArray(spec.podCIDRs)
    ? spec.podCIDRs.filter((c: unknown) => typeof c === "string")
    : typeof spec.podCIDR === "string"
      ? [spec.podCIDR]
      : [];
  const internalIps: string[] = (Array.isArray(n.status?.addresses) ? n.status.addresses : [])
    .filter((a: Json) => a?.type === "InternalIP" && typeof a.address === "string")
    .map((a: Json) => a.address);
  return {
    key: name,
    resourceVersion: String(n.metadata.resourceVersion ?? ""),
    name,
    podCidrs,
    internalIps,
  };
}

/**
 * Splits a PEM holding a client certificate and its key (kubelet's kubelet-client-current.pem) into
 * the two, as TLS wants them.
 */
export function splitCertAndKey(pem: string): { cert: string; key: string } | undefined {
  const blocks = pem.match(/-----BEGIN ([A-Z ]+)-----[\s\S]*?-----END \1-----/g) ?? [];
  const cert = blocks.filter((b) => b.startsWith("-----BEGIN CERTIFICATE-----")).join("\n");
  const key = blocks.find((b) => /-----BEGIN (RSA |EC )?PRIVATE KEY-----/.test(b));
  return cert && key ? { cert: `${cert}\n`, key: `${key}\n` } : undefined;
}

export interface NodeWatchOptions {
  /** The apiserver endpoint and CA, with the node's current client certificate (read anew on each connect). */
  endpoint(): Promise<KubeEndpoint>;
  client(endpoint: KubeEndpoint): Kube & { close?(): void };
  onNodes(nodes: CachedNode[]): void;
  onError(err: unknown): void;
  sleep(ms: number, signal?: AbortSignal): Promise<void>;
}

/**
 * Lists and watches every Node (as system:node:<name>, which the Node authorizer lets read Nodes)
 * and hands the whole list on after each change. The client certificate rotates: when the
 * apiserver stops accepting it (401), the watch starts again with the certificate on disk now.
 */
export async function watchNodes(o: NodeWatchOptions, signal: AbortSignal): Promise<void> {
  let delay = 1000;
  while (!signal.aborted) {
    let endpoint: KubeEndpoint;
    try {
      endpoint = await o.endpoint();
    } catch (err) {
      o.onError(err);
      await o.sleep(delay, signal).catch(() => {});
      delay = Math.min(delay * 2, 30_000);
      continue;
    }
    const kube = o.client(endpoint);
    const stop = new AbortController();
    const both = AbortSignal.any([signal, stop.signal]);
    const reflector: Reflector<CachedNode> = new Reflector<CachedNode>({
      kube,
      path: "/api/v1/nodes",
      transform: trimNode,
      // During a LIST every item is a change: hand the list on once it is whole.
      onChange: () => reflector.synced && o.onNodes([...reflector.items.values()]),
      onError: (err) => {
        o.onError(err);
        if (hasStatus(err, 401)) stop.abort(); // a rotated certificate: reconnect with the new one
      },
    });
    void reflector.whenSynced().then(() => {
      delay = 1000;
      o.onNodes([...reflector.items.values()]);
    });
    await reflector.run(both);
    kube.close?.();
    // A certificate the apiserver keeps refusing must not turn into a tight reconnect loop.
    await o.sleep(delay, signal).catch(() => {});
    delay = Math.min(delay * 2, 30_000);
  }
}
