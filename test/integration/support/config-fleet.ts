import assert from "node:assert/strict";
import { after, before } from "node:test";
import { ConfigService } from "@basalt/api";
import { nodeTransport } from "@basalt/client";
import { type Client, ConnectError, createClient } from "@connectrpc/connect";
import { parse } from "yaml";
import { LocalFleet } from "../../support/local-fleet.ts";

// biome-ignore lint/suspicious/noExplicitAny: parsed YAML, checked field by field
export type Doc = any;

export type Id = "admin" | "operator" | "reader";

/** Two agent-mode basaltd (node-1, node-2, label zone=a) on `addresses`, started before a file's tests. */
export class ConfigFleet {
  fleet!: LocalFleet;
  /** A client config with the admin identity and both nodes. */
  adminConfig!: string;

  constructor(addresses: string[]) {
    before(async () => {
      this.fleet = await LocalFleet.start({
        addresses,
        configure: ({ name }) => ({ node: { name, mode: "agent", labels: { zone: "a" } } }),
      });
      this.adminConfig = this.fleet.writeClientConfig("admin");
    });
    after(() => this.fleet?.stop());
  }

  client(id: Id, node = 0): Client<typeof ConfigService> {
    const n = this.fleet.nodes[node]!;
    return createClient(
      ConfigService,
      nodeTransport(n.endpoint, { ca: this.fleet.ids.ca.cert, ...this.fleet.ids[id] }),
    );
  }

  /** The node's running config, as the admin sees it, with its YAML parsed. */
  async running(node = 0) {
    const c = await this.client("admin", node).getConfig({});
    return { ...c, doc: parse(c.yaml) as Doc };
  }
}

/** Asserts that `call` fails with the Connect code named `code` and a message matching `pattern`. */
export async function rejects(call: Promise<unknown>, code: string, pattern: RegExp): Promise<ConnectError> {
  try {
    await call;
  } catch (err) {
    const e = ConnectError.from(err);
    assert.equal(e.code, codeOf(code), `${code}: ${e.message}`);
    assert.match(e.rawMessage, pattern);
    return e;
  }
  assert.fail(`expected ${code}`);
}

function codeOf(name: string): number {
  return { invalid_argument: 3, failed_precondition: 9, not_found: 5, permission_denied: 7 }[name] ?? 2;
}
