import type { PeerCertificate } from "node:tls";

/** The code of the connection error when a node's serving certificate names another node. */
export const nodeNotNamedCode = "ERR_BASALT_NODE_NOT_NAMED";

/** The DNS and IP names of a certificate's subjectAltName ("DNS:a, IP Address:10.0.0.1"). */
export function altNames(subjectaltname: string | undefined): string[] {
  return (subjectaltname ?? "")
    .split(",")
    .map((s) => s.trim())
    .filter((s) => s.length > 0);
}

/**
 * Whether a serving certificate names the node `name`: an exact `DNS:<name>` entry in its
 * subjectAltName (no wildcards, no CN fallback). The upgrade controller reaches a node by an address
 * taken from the Node object, which that node's kubelet may write; only this check ties the answer
 * to the node the controller means, so a compromised kubelet cannot point it at another node.
 * Returns undefined when it does, else an Error (code `nodeNotNamedCode`) that says what it names.
 */
export function checkNodeNamed(
  name: string,
  cert: Pick<PeerCertificate, "subjectaltname">,
): Error | undefined {
  const names = altNames(cert.subjectaltname);
  if (names.includes(`DNS:${name}`)) return undefined;
  return Object.assign(
    new Error(
      `its serving certificate does not name Kubernetes node "${name}" (it names ${names.join(", ") || "nothing"})`,
    ),
    { code: nodeNotNamedCode },
  );
}
