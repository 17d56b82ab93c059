import type { Role } from "@basalt/machinery";
import { createCa, issueLeaf, type KeyPairPem } from "@basalt/pki";

/** Every identity the API tests call with: one per role, and the ways a client can be wrong. */
export interface Identities {
  ca: KeyPairPem;
  admin: KeyPairPem;
  operator: KeyPairPem;
  reader: KeyPairPem;
  /** os:upgrader: the upgrade controller's least privilege. */
  upgrader: KeyPairPem;
  /** A well-formed os:admin certificate from a CA the nodes do not trust. */
  otherCa: KeyPairPem & { caCert: string };
  /** An os:admin certificate from the right CA that expired yesterday. */
  expired: KeyPairPem;
  /** Signed by the right CA, but its Subject O holds no Basalt role. */
  noRole: KeyPairPem;
}

export async function createIdentities(): Promise<Identities> {
  const ca = await createCa("basalt-test-ca");
  const other = await createCa("some-other-ca");
  const client = (roles: Role[], name: string, from = ca) =>
    issueLeaf(from, { commonName: name, organizations: roles, usage: "client" });
  const day = 86_400_000;
  return {
    ca,
    admin: await client(["os:admin"], "admin"),
    operator: await client(["os:operator"], "operator"),
    reader: await client(["os:reader"], "reader"),
    upgrader: await client(["os:upgrader"], "upgrader"),
    otherCa: { ...(await client(["os:admin"], "intruder", other)), caCert: other.cert },
    expired: await issueLeaf(ca, {
      commonName: "old-admin",
      organizations: ["os:admin"],
      usage: "client",
      notBefore: new Date(Date.now() - 30 * day),
      notAfter: new Date(Date.now() - day),
    }),
    noRole: await issueLeaf(ca, { commonName: "nobody", usage: "client" }),
  };
}

export async function serverCertificate(ca: KeyPairPem, name: string, ip: string): Promise<KeyPairPem> {
  return issueLeaf(ca, { commonName: name, ips: [ip], dnsNames: [name], usage: "server" });
}
