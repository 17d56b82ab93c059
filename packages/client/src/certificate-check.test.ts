import assert from "node:assert/strict";
import { test } from "node:test";
import { createCa, issueLeaf } from "@basalt/pki";
import { checkClientCertificate } from "./certificate-check.ts";
import { explainCallError } from "./client-errors.ts";

test("basaltctl explains a certificate the node dropped at the handshake from the certificate itself", async () => {
  const ca = await createCa("c");
  const other = await createCa("o");
  const good = await issueLeaf(ca, { commonName: "alice", organizations: ["os:reader"], usage: "client" });
  const day = 86_400_000;
  const expired = await issueLeaf(ca, {
    commonName: "old",
    usage: "client",
    notBefore: new Date(Date.now() - 3 * day),
    notAfter: new Date(Date.now() - day),
  });
  const foreign = await issueLeaf(other, { commonName: "eve", usage: "client" });
  assert.equal(checkClientCertificate({ ca: ca.cert, ...good }), undefined);
  assert.match(checkClientCertificate({ ca: ca.cert, ...expired })!.message, /"old" expired on /);
  assert.match(
    checkClientCertificate({ ca: ca.cert, ...foreign })!.message,
    /not signed by a CA this node trusts/,
  );
  assert.match(checkClientCertificate({ ca: ca.cert })!.message, /no client certificate/);
  const dropped = new Error("[canceled] http/2 stream closed with error code CANCEL (0x8)");
  assert.equal(explainCallError(dropped, "n", { ca: ca.cert, ...expired }).code, "unauthenticated");
  assert.match(
    explainCallError(dropped, "n", { ca: ca.cert, ...good }).message,
    /does not accept this client/,
  );
});
