import { readFileSync, writeFileSync } from "node:fs";
import { isIP } from "node:net";
import { join } from "node:path";
import {
  BasaltError,
  type ClientConfig,
  defaultApiPort,
  generateReleaseKey,
  isRole,
  type MachineConfigInput,
  type NodeEntry,
  parseClientConfig,
  selectContext,
} from "@basalt/machinery";
import { stringify } from "yaml";
import { clientConfigPath } from "../../cli/client-config-file.ts";
import type { CommandOutput, Invocation, RunCommand } from "../../cli/command.ts";
import { writePrivateFile } from "../../cli/private-file.ts";
import { controlPlaneEndpoint, controlPlaneMachineConfig } from "./controlplane-config.ts";
import { rotate } from "./rotate.ts";
import { controlPlaneSecrets, readSecrets, renderSecrets } from "./secrets-file.ts";
import { parseEndpoint, parseWorkerSpec, workerMachineConfig } from "./worker-config.ts";

function written(files: { path: string; holds: string }[], message: string): CommandOutput {
  return {
    kind: "local",
    rows: files.map((f) => ({ FILE: f.path, HOLDS: f.holds, MODE: "0600" })),
    json: { files },
    message,
  };
}

/** "a=127.0.0.2" or "a=127.0.0.2:50001" → a node entry. */
export function parseNodeSpec(spec: string): NodeEntry {
  const m = /^([a-z0-9][a-z0-9.-]*)=(.+)$/.exec(spec);
  if (!m)
    throw new BasaltError("invalid_argument", `--node "${spec}" is not NAME=ADDRESS[:PORT]`, {
      hint: "e.g. --node a=127.0.0.2",
    });
  const addr = m[2]!;
  const endpoint = /:\d+$/.test(addr) && !isIP(addr) ? addr : `${addr}:${defaultApiPort}`;
  return { name: m[1]!, endpoint, labels: {} };
}

// The X.509 library is large: load it only for the gen commands, keeping every other command's start-up short.
const pki = () => import("@basalt/pki");

async function clientContext(secretsPath: string, role: string, name: string, nodes: NodeEntry[]) {
  if (!isRole(role))
    throw new BasaltError("invalid_argument", `unknown role "${role}"`, {
      hint: "use os:admin, os:operator, os:reader or os:upgrader",
    });
  const secrets = readSecrets(secretsPath);
  const leaf = await (await pki()).issueLeaf(secrets.ca, {
    commonName: name,
    organizations: [role],
    usage: "client",
  });
  return { nodes, ca: secrets.ca.cert, cert: leaf.cert, key: leaf.key };
}

export const genReleaseKey: RunCommand = async (inv) => {
  const base = (inv.values.out as string | undefined) ?? "release";
  const key = generateReleaseKey();
  writePrivateFile(`${base}.key`, key.privateKey, inv.values.force === true);
  writeFileSync(`${base}.pub`, key.publicKey);
  return {
    kind: "local",
    rows: [
      { FILE: `${base}.key`, HOLDS: "release signing key (private)", MODE: "0600", KEY: key.id },
      {
        FILE: `${base}.pub`,
        HOLDS: "public key: list it in update.trustedKeys",
        MODE: "0644",
        KEY: key.id,
      },
    ],
    json: { id: key.id, privateKey: `${base}.key`, publicKey: `${base}.pub` },
    message: "sign bundles with the private key (basalt-imager --release-key); nodes trust the public key",
  };
};

export const genSecrets: RunCommand = async (inv) => {
  const out = (inv.values.out as string | undefined) ?? "secrets.yaml";
  const p = await pki();
  if (inv.values.upgrade === true) {
    // An older file keeps every key it has (nodes configured from it keep working); only the
    // missing parts of the cluster PKI are added.
    const old = readSecrets(out);
    const { added, ...kubernetes } = await p.completeClusterPki(old.kubernetes ?? {});
    if (added.length > 0) writePrivateFile(out, renderSecrets({ ca: old.ca, kubernetes }), true);
    return written(
      [{ path: out, holds: added.length ? `added ${added.join(", ")}` : "already complete" }],
      added.length ? "existing CAs and token kept" : "nothing to add",
    );
  }
  const ca = await p.createCa("basalt-os-ca");
  const kubernetes = await p.newClusterPki();
  writePrivateFile(out, renderSecrets({ ca, kubernetes }), inv.values.force === true);
  return written(
    [
      {
        path: out,
        holds:
          "node API CA; Kubernetes cluster CA, etcd CA, front-proxy CA, service-account key, bootstrap token",
      },
    ],
    "keep this file secret: it can mint admin certificates",
  );
};

export const genConfig: RunCommand = async (inv) => {
  const secretsPath = (inv.values.secrets as string | undefined) ?? "secrets.yaml";
  const specs = (inv.values.node as string[] | undefined) ?? [];
  const workerSpecs = ((inv.values.worker as string[] | undefined) ?? []).map(parseWorkerSpec);
  const cpFlag = inv.values.controlplane as string | undefined;
  const controlPlane = cpFlag === undefined ? undefined : parseWorkerSpec(cpFlag);
  if (specs.length === 0 && workerSpecs.length === 0 && !controlPlane)
    throw new BasaltError("invalid_argument", "no nodes given", {
      hint: "add --node NAME=ADDRESS for each agent-mode node, or --worker NAME=ADDRESS for each Kubernetes worker",
    });
  const endpointFlag =
    (inv.values["kubernetes-endpoint"] as string | undefined) ??
    (controlPlane ? controlPlaneEndpoint(controlPlane.address) : undefined);
  if (workerSpecs.length > 0 && !endpointFlag)
    throw new BasaltError("invalid_argument", "--worker needs --kubernetes-endpoint", {
      hint: "the apiserver the workers join, e.g. --kubernetes-endpoint https://10.0.0.1:6443",
    });
  const gateway = inv.values.gateway as string | undefined;
  if (gateway !== undefined && !isIP(gateway))
    throw new BasaltError("invalid_argument", `--gateway "${gateway}" is not an IP address`);
  const nodes = specs.map(parseNodeSpec);
  const out = (inv.values.out as string | undefined) ?? ".";
  const logsRoot = inv.values["logs-root"] as string | undefined;
  const secrets = readSecrets(secretsPath);
  const files: { path: string; holds: string }[] = [];
  if (controlPlane) {
    const kubernetes = controlPlaneSecrets(secrets, secretsPath);
    const extraSans = (inv.values["api-san"] as string[] | undefined) ?? [];
    const serving = await (await pki()).issueLeaf(secrets.ca, {
      commonName: controlPlane.name,
      ips: [controlPlane.address, ...extraSans.filter((a) => isIP(a))],
      dnsNames: [controlPlane.name, ...extraSans.filter((a) => !isIP(a))],
      usage: "server",
    });
    const config = controlPlaneMachineConfig({
      worker: controlPlane,
      api: { ca: secrets.ca.cert, serving },
      kubernetes,
      clusterName: (inv.values["cluster-name"] as string | undefined) ?? "kubernetes",
      ...(gateway ? { gateway } : {}),
      shape: {
        serviceCIDR: inv.values["service-cidr"] as string | undefined,
        podCIDR: inv.values["pod-cidr"] as string | undefined,
        certSANs: (inv.values["cert-san"] as string[] | undefined) ?? [],
        schedulable: inv.values.schedulable === true,
      },
    });
    const path = join(out, `${controlPlane.name}.yaml`);
    writePrivateFile(path, stringify(config), inv.values.force === true);
    files.push({
      path,
      holds: `control-plane machine config of ${controlPlane.name} (cluster CA keys, service-account key)`,
    });
    nodes.push({
      name: controlPlane.name,
      endpoint: `${controlPlane.address}:${defaultApiPort}`,
      labels: {},
    });
  }
  if (workerSpecs.length > 0) {
    const endpoint = parseEndpoint(endpointFlag!);
    if (!secrets.kubernetes)
      throw new BasaltError("failed_precondition", `${secretsPath} has no Kubernetes CA or bootstrap token`, {
        hint: "it predates Kubernetes support: create a new one with `basaltctl gen secrets --out FILE`",
      });
    for (const worker of workerSpecs) {
      const extraSans = (inv.values["api-san"] as string[] | undefined) ?? [];
      const serving = await (await pki()).issueLeaf(secrets.ca, {
        commonName: worker.name,
        ips: [worker.address, ...extraSans.filter((a) => isIP(a))],
        dnsNames: [worker.name, ...extraSans.filter((a) => !isIP(a))],
        usage: "server",
      });
      const config = workerMachineConfig({
        worker,
        api: { ca: secrets.ca.cert, serving },
        kubernetes: secrets.kubernetes,
        endpoint,
        clusterName: (inv.values["cluster-name"] as string | undefined) ?? "kubernetes",
        ...(gateway ? { gateway } : {}),
      });
      const path = join(out, `${worker.name}.yaml`);
      writePrivateFile(path, stringify(config), inv.values.force === true);
      files.push({
        path,
        holds: `worker machine config of ${worker.name} (serving key, bootstrap token)`,
      });
      nodes.push({ name: worker.name, endpoint: `${worker.address}:${defaultApiPort}`, labels: {} });
    }
  }
  for (const node of nodes.slice(0, specs.length)) {
    const host = node.endpoint.replace(/:\d+$/, "").replace(/^\[|\]$/g, "");
    const serving = await (await pki()).issueLeaf(secrets.ca, {
      commonName: node.name,
      ips: isIP(host) ? [host] : [],
      dnsNames: isIP(host) ? [node.name] : [node.name, host],
      usage: "server",
    });
    const config: MachineConfigInput = {
      apiVersion: "basalt.dev/v1alpha1",
      kind: "MachineConfig",
      node: { name: node.name, mode: "agent" },
      api: { listen: node.endpoint, ca: secrets.ca.cert, cert: serving.cert, key: serving.key },
      ...(logsRoot
        ? {
            paths: {
              logs: join(logsRoot, node.name, "log"),
              run: join(logsRoot, node.name, "run"),
              audit: join(logsRoot, node.name, "audit"),
            },
            files: { allow: ["/proc", "/sys", "/etc/os-release", join(logsRoot, node.name, "log")] },
          }
        : {}),
      services: [],
    };
    const path = join(out, `${node.name}.yaml`);
    writePrivateFile(path, stringify(config), inv.values.force === true);
    files.push({ path, holds: `machine config of ${node.name} (serving key)` });
  }
  const contextName = (inv.values["context-name"] as string | undefined) ?? "basalt";
  const admin = await clientContext(secretsPath, "os:admin", "admin", nodes);
  const client: ClientConfig = { context: contextName, contexts: { [contextName]: admin } };
  const path = join(out, "basaltconfig");
  writePrivateFile(path, stringify(client), inv.values.force === true);
  files.push({ path, holds: "admin client config (os:admin key)" });
  return written(files, `use it with: export BASALTCONFIG=${path}`);
};

export const genClient: RunCommand = async (inv: Invocation) => {
  const role = inv.values.role as string | undefined;
  if (!role)
    throw new BasaltError("invalid_argument", "--role is required", {
      hint: "os:admin, os:operator or os:reader",
    });
  const name = (inv.values.name as string | undefined) ?? role.replace("os:", "");
  const tlsDir = inv.values["tls-dir"] as string | undefined;
  if (tlsDir !== undefined) {
    // The layout basalt-controller's --node-api-tls reads and `kubectl create secret generic
    // basalt-node-api --from-file=DIR` turns into its Secret: no nodes, no client config.
    const c = await clientContext(
      (inv.values.secrets as string | undefined) ?? "secrets.yaml",
      role,
      name,
      [],
    );
    const f = inv.values.force === true;
    writePrivateFile(join(tlsDir, "ca.crt"), c.ca, f);
    writePrivateFile(join(tlsDir, "tls.crt"), c.cert, f);
    writePrivateFile(join(tlsDir, "tls.key"), c.key, f);
    return written(
      [
        { path: join(tlsDir, "ca.crt"), holds: "the cluster CA (nodes' serving certificates)" },
        { path: join(tlsDir, "tls.crt"), holds: `client certificate ${name} (${role})` },
        { path: join(tlsDir, "tls.key"), holds: "its private key" },
      ],
      `make it the controller's Secret: kubectl -n basalt-system create secret generic basalt-node-api --from-file=${tlsDir}`,
    );
  }
  let nodes = ((inv.values.node as string[] | undefined) ?? []).map(parseNodeSpec);
  const contextName = inv.global.context ?? "basalt";
  if (nodes.length === 0) {
    try {
      const current = selectContext(
        parseClientConfig(readFileSync(clientConfigPath(inv.global), "utf8"), "client config"),
        inv.global.context,
      );
      nodes = current.context.nodes;
    } catch {
      throw new BasaltError("invalid_argument", "no nodes for the new client config", {
        hint: "pass --node NAME=ADDRESS, or --basaltconfig with an existing client config to copy them from",
      });
    }
  }
  const context = await clientContext(
    (inv.values.secrets as string | undefined) ?? "secrets.yaml",
    role,
    name,
    nodes,
  );
  const out = (inv.values.out as string | undefined) ?? `${name}.basaltconfig`;
  writePrivateFile(
    out,
    stringify({ context: contextName, contexts: { [contextName]: context } }),
    inv.values.force === true,
  );
  return written(
    [{ path: out, holds: `client config for ${name} (${role})` }],
    `use it with: export BASALTCONFIG=${out}`,
  );
};

export const genSecretsRotate = rotate(parseNodeSpec);
