import { readFileSync } from "node:fs";
import { isIP } from "node:net";
import { join } from "node:path";
import {
  BasaltError,
  type ClientConfig,
  type NodeEntry,
  parseClientConfig,
  selectContext,
} from "@basalt/machinery";
import { stringify } from "yaml";
import { clientConfigPath } from "../../cli/client-config-file.ts";
import type { Invocation, RunCommand } from "../../cli/command.ts";
import { writePrivateFile } from "../../cli/private-file.ts";
import { readSecrets, renderSecrets } from "./secrets-file.ts";

// The X.509 library is large: load it only when rotating.
const pki = () => import("@basalt/pki");

function nodesOf(inv: Invocation, specs: NodeEntry[]): NodeEntry[] {
  if (specs.length) return specs;
  try {
    return selectContext(
      parseClientConfig(readFileSync(clientConfigPath(inv.global), "utf8"), "client config"),
      inv.global.context,
    ).context.nodes;
  } catch {
    throw new BasaltError("invalid_argument", "no nodes to rotate", {
      hint: "pass --node NAME=ADDRESS, or --basaltconfig with the client config naming them",
    });
  }
}

/**
 * `gen secrets rotate`: a new node API CA next to the old one, and what moves the fleet over in two
 * config patches without a moment where a client or node is cut off:
 * 1. `<node>.overlap.yaml` (per node): api.ca = old + new CA. Old and new client certificates both
 *    work (the serving certificate is still the old CA's, which old clients trust).
 * 2. `basaltconfig`: a new admin identity from the new CA, trusting both CAs for node certificates,
 *    so it works before, during and after the switch; other clients via gen client --secrets.
 * 3. `<node>.final.yaml`: api.ca = the new CA only, and a serving certificate from the new CA:
 *    certificates of the old CA are refused from then on.
 * The Kubernetes CA and bootstrap token are carried over unchanged.
 */
export function rotate(parseNodeSpec: (spec: string) => NodeEntry): RunCommand {
  return async (inv) => {
    const secretsPath = (inv.values.secrets as string | undefined) ?? "secrets.yaml";
    const out = (inv.values.out as string | undefined) ?? "rotate";
    const force = inv.values.force === true;
    const old = readSecrets(secretsPath);
    const nodes = nodesOf(inv, ((inv.values.node as string[] | undefined) ?? []).map(parseNodeSpec));
    const p = await pki();
    const ca = await p.createCa("basalt-os-ca");
    const bundle = `${old.ca.cert.trim()}\n${ca.cert.trim()}\n`;
    const files: { path: string; holds: string }[] = [];
    const write = (name: string, text: string, holds: string) => {
      const path = join(out, name);
      writePrivateFile(path, text, force);
      files.push({ path, holds });
    };
    write(
      "secrets.yaml",
      renderSecrets({ ...old, ca }),
      "the new node API CA (Kubernetes secrets unchanged)",
    );
    for (const node of nodes) {
      const host = node.endpoint.replace(/:\d+$/, "").replace(/^\[|\]$/g, "");
      const serving = await p.issueLeaf(ca, {
        commonName: node.name,
        ips: isIP(host) ? [host] : [],
        dnsNames: isIP(host) ? [node.name] : [node.name, host],
        usage: "server",
      });
      write(
        `${node.name}.overlap.yaml`,
        stringify({ api: { ca: bundle } }),
        `merge patch for ${node.name}: trust client certificates of both CAs`,
      );
      write(
        `${node.name}.final.yaml`,
        stringify({ api: { ca: ca.cert, cert: serving.cert, key: serving.key } }),
        `merge patch for ${node.name}: the new CA only, serving certificate from it`,
      );
    }
    const admin = await p.issueLeaf(ca, {
      commonName: "admin",
      organizations: ["os:admin"],
      usage: "client",
    });
    const contextName = inv.global.context ?? "basalt";
    const client: ClientConfig = {
      context: contextName,
      contexts: { [contextName]: { nodes, ca: bundle, cert: admin.cert, key: admin.key } },
    };
    write("basaltconfig", stringify(client), "admin client config from the new CA (trusts both CAs)");
    return {
      kind: "local",
      rows: files.map((f) => ({ FILE: f.path, HOLDS: f.holds, MODE: "0600" })),
      json: { files },
      message: [
        "next, per node (or with -l for a class of nodes):",
        `  basaltctl config patch --merge-file ${out}/NODE.overlap.yaml -n NODE     # old and new certificates work`,
        `  export BASALTCONFIG=${out}/basaltconfig; issue other clients with gen client --secrets ${out}/secrets.yaml`,
        `  basaltctl config patch --merge-file ${out}/NODE.final.yaml -n NODE       # the old CA is dropped`,
      ].join("\n"),
    };
  };
}
