import type { KubeConfig } from "@kubernetes/client-node";

type CreateDispatcher = (cluster: unknown, agentOptions: unknown) => unknown;

const patched = new WeakSet<KubeConfig>();

/**
 * Makes every API client made from `kc` share one connection pool. @kubernetes/client-node 2.0.x
 * builds a new undici Agent for every request (KubeConfig.createDispatcher, called from
 * applySecurityAuthentication; its `agentCache` only serves the older https.Agent path), so each
 * call opens a new TCP connection and does a full TLS handshake, and the idle Agents linger.
 * This memoizes the dispatcher per cluster and user on this KubeConfig instance. Returns `kc`.
 * Harmless if a future client version reuses connections itself, or renames the method (then it
 * does nothing).
 */
export function reuseConnections(kc: KubeConfig): KubeConfig {
  const target = kc as unknown as { createDispatcher?: CreateDispatcher };
  const original = target.createDispatcher;
  if (typeof original !== "function" || patched.has(kc)) return kc;
  patched.add(kc);
  const cache = new Map<string, unknown>();
  target.createDispatcher = (cluster, agentOptions) => {
    const c = cluster as { name?: string; server?: string } | null;
    const key = JSON.stringify([c?.name, c?.server, kc.getCurrentUser()?.name]);
    if (!cache.has(key)) cache.set(key, original.call(kc, cluster, agentOptions));
    return cache.get(key);
  };
  return kc;
}
