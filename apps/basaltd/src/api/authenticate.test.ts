import assert from "node:assert/strict";
import { test } from "node:test";
import type { BasaltError } from "@basalt/machinery";
import { authenticate } from "./authenticate.ts";
import type { Peer } from "./peer.ts";

const good: Peer = {
  address: "127.0.0.1",
  authorized: true,
  authorizationError: "",
  hasCertificate: true,
  commonName: "alice",
  organizations: ["os:reader", "other"],
  validTo: "",
};

function code(peer: Peer | undefined): string {
  try {
    authenticate(peer);
    return "ok";
  } catch (err) {
    return `${(err as BasaltError).code}: ${(err as BasaltError).message}`;
  }
}

test("roles come from Subject O, ignoring other organizations", () => {
  assert.deepEqual(authenticate(good), ["os:reader"]);
});

test("each bad certificate gets its own explanation", () => {
  assert.match(code(undefined), /^unauthenticated: .*TLS/);
  assert.match(code({ ...good, hasCertificate: false }), /^unauthenticated: no client certificate/);
  assert.match(
    code({ ...good, authorized: false, authorizationError: "CERT_HAS_EXPIRED", validTo: "Jan 1" }),
    /expired on Jan 1/,
  );
  assert.match(
    code({ ...good, authorized: false, authorizationError: "UNABLE_TO_VERIFY_LEAF_SIGNATURE" }),
    /not signed by a CA this node trusts/,
  );
  assert.match(code({ ...good, organizations: ["system:masters"] }), /^permission_denied: .*no Basalt role/);
});
