import type * as Pki from "@basalt/pki";

/**
 * `issueLeaf` of @basalt/pki, loaded on first use. The package brings @peculiar/x509 and its ASN.1
 * stack (~300 KB of the bundle) that only a control plane needs, and only after the API is up:
 * parsing and running it at every start cost each node's boot time under emulation.
 */
export async function issueLeaf(...args: Parameters<typeof Pki.issueLeaf>): ReturnType<typeof Pki.issueLeaf> {
  const pki = await import("@basalt/pki");
  return pki.issueLeaf(...args);
}
