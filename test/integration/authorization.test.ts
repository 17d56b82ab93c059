import assert from "node:assert/strict";
import { after, before, test } from "node:test";
import { allServices, authorizationTable } from "@basalt/api";
import { explainCallError, nodeTransport } from "@basalt/client";
import { BasaltError, type Role } from "@basalt/machinery";
import type { DescMethod } from "@bufbuild/protobuf";
import { type Client, createClient, type Transport } from "@connectrpc/connect";
import { createGrpcTransport } from "@connectrpc/connect-node";
import { LocalFleet } from "../support/local-fleet.ts";

let fleet: LocalFleet;
before(async () => {
  fleet = await LocalFleet.start({ addresses: ["127.0.0.2"] });
});
after(() => fleet?.stop());

type Identity = "admin" | "operator" | "reader" | "upgrader" | "otherCa" | "expired" | "noRole" | "none";
const roleOf: Partial<Record<Identity, Role>> = {
  admin: "os:admin",
  operator: "os:operator",
  reader: "os:reader",
  upgrader: "os:upgrader",
};

function transportFor(identity: Identity): Transport {
  const endpoint = fleet.nodes[0]!.endpoint;
  if (identity === "none") {
    return createGrpcTransport({ baseUrl: `https://${endpoint}`, nodeOptions: { ca: fleet.ids.ca.cert } });
  }
  const id = fleet.ids[identity];
  return nodeTransport(endpoint, { ca: fleet.ids.ca.cert, cert: id.cert, key: id.key });
}

/** Calls one RPC with an empty request and returns "ok" or the error code. */
/** The client's own TLS material, so a node's silent drop at the handshake is explained locally. */
function tlsFor(identity: Identity): { ca: string; cert?: string; key?: string } {
  return identity === "none" ? { ca: fleet.ids.ca.cert } : { ca: fleet.ids.ca.cert, ...fleet.ids[identity] };
}

async function call(
  transport: Transport,
  identity: Identity,
  service: (typeof allServices)[number],
  method: DescMethod,
): Promise<string> {
  const client = createClient(service, transport) as unknown as Client<typeof service> &
    Record<string, (req: object, o: object) => unknown>;
  const fn = client[method.localName]!;
  try {
    const streamingInput = method.methodKind === "bidi_streaming" || method.methodKind === "client_streaming";
    const input = streamingInput
      ? (async function* () {
          yield {};
        })()
      : {};
    const res = fn(input, { timeoutMs: 10_000 });
    if (method.methodKind === "server_streaming" || method.methodKind === "bidi_streaming") {
      for await (const _ of res as AsyncIterable<unknown>) break;
    } else {
      await res;
    }
    return "ok";
  } catch (err) {
    return explainCallError(err, "node", tlsFor(identity)).code;
  }
}

const procedures = allServices.flatMap((s) =>
  s.methods.map((m) => ({ service: s, method: m, name: `${s.typeName}/${m.name}` })),
);

for (const identity of [
  "admin",
  "operator",
  "reader",
  "upgrader",
  "otherCa",
  "expired",
  "noRole",
  "none",
] as Identity[]) {
  test(`every RPC as ${identity}: allowed and denied exactly as the table says`, async () => {
    const transport = transportFor(identity);
    const mismatches: string[] = [];
    for (const p of procedures) {
      const got = await call(transport, identity, p.service, p.method);
      const role = roleOf[identity];
      let want: string;
      if (identity === "otherCa" || identity === "expired" || identity === "none") want = "unauthenticated";
      else if (!role) want = "permission_denied";
      else want = authorizationTable[p.name]!.includes(role) ? "allowed" : "permission_denied";
      // An allowed call must reach its handler: it answers, or refuses the empty request itself.
      // This fleet runs no containerd, so the container RPCs that get that far answer that it is
      // not running — from their handler, past the gate.
      const handled =
        ["ok", "invalid_argument", "failed_precondition", "not_found"].includes(got) ||
        (got === "unavailable" && p.service.typeName === "basalt.machine.v1.ContainerService");
      const ok = want === "allowed" ? handled : got === want;
      if (!ok) mismatches.push(`${p.name}: want ${want}, got ${got}`);
    }
    assert.deepEqual(mismatches, []);
  });
}

test("denials explain themselves: the role needed, the expired date, the untrusted CA", async () => {
  const explain = async (identity: Identity, method = "serviceStop") => {
    const client = createClient(allServices[2], transportFor(identity)) as unknown as Record<
      string,
      (r: object) => Promise<unknown>
    >;
    try {
      await client[method]!({ name: "x" });
      return undefined;
    } catch (err) {
      return explainCallError(err, "node", tlsFor(identity));
    }
  };
  const reader = await explain("reader");
  assert.ok(reader instanceof BasaltError);
  assert.equal(reader.code, "permission_denied");
  assert.match(reader.message, /needs one of os:admin, os:operator; the client certificate has os:reader/);
  const expired = await explain("expired");
  assert.match(expired!.message, /client certificate "old-admin" expired on/);
  assert.match(expired!.hint ?? "", /gen client/);
  const other = await explain("otherCa");
  assert.match(other!.message, /not signed by a CA this node trusts/);
  const none = await explain("none");
  assert.match(none!.message, /no client certificate/);
});
