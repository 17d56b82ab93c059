import { mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import type { Component } from "@basalt/testkit";
import { parse, parseAllDocuments, stringify } from "yaml";
import { run } from "./kubectl.ts";
import type { RolloutCluster } from "./rollout-cluster.ts";

const repo = join(import.meta.dirname, "../../../..");
const basaltctl = join(repo, "dist/basaltctl.mjs");
const controllerBundle = join(repo, "dist/basalt-controller.mjs");
/** What deploy/deployment.yaml runs the controller with. */
/**
 * A CRD and a dozen RBAC objects took 32 s on a single control-plane VM under TCG with the workers
 * joining; 60 s was too short once in a busy run.
 */
const applyTimeoutMs = 300_000;
const shippedNodeFlags = ["--max-semi-space-size=4", "--max-old-space-size=384"];

export interface DeployedController {
  /** The running controller (inside the cluster network), its log at `component.logPath`. */
  component: Component;
  /** Its kubeconfig: the ServiceAccount token, server as seen from inside the cluster network. */
  kubeconfig: string;
  /** The same identity, server as seen from this process (for RBAC checks). */
  hostKubeconfig: string;
}

function tokenKubeconfig(server: string, caCert: string, token: string): string {
  return stringify({
    apiVersion: "v1",
    kind: "Config",
    clusters: [
      {
        name: "cluster",
        cluster: { server, "certificate-authority-data": Buffer.from(caCert).toString("base64") },
      },
    ],
    users: [{ name: "basalt-controller", user: { token } }],
    contexts: [{ name: "basalt-controller", context: { cluster: "cluster", user: "basalt-controller" } }],
    "current-context": "basalt-controller",
  });
}

/**
 * deploy/ applied to the cluster, and basalt-controller running with its identity:
 * - namespace.yaml, crd.yaml and rbac.yaml as they are (the ServiceAccount and its bindings);
 * - node-api-secret.yaml filled with an os:admin client identity from `basaltctl gen client`;
 * - the controller is a process, not the Deployment (no image of it here yet): it runs inside the
 *   cluster network, as a pod would, with a kubeconfig holding a token the TokenRequest API issued
 *   for the ServiceAccount (`kubectl create token`), and the Secret's files as the volume would
 *   mount them. So it has exactly the deploy/ RBAC, and reaches every node API at its InternalIP.
 */
export async function deployController(
  c: RolloutCluster,
  identity = "e2e-controller",
): Promise<DeployedController> {
  const dir = join(c.workDir, "controller");
  mkdirSync(dir, { recursive: true });
  const deploy = (f: string) => join(repo, "deploy", f);
  await c.kubectl.run(
    ["apply", "-f", deploy("namespace.yaml"), "-f", deploy("crd.yaml"), "-f", deploy("rbac.yaml")],
    applyTimeoutMs,
  );
  await c.kubectl.run(
    ["wait", "--for=condition=Established", "crd/upgradeplans.basalt.dev", "--timeout=300s"],
    applyTimeoutMs,
  );

  const clientConfig = join(dir, "controller.basaltconfig");
  await run(
    [
      process.execPath,
      basaltctl,
      "gen",
      "client",
      "--role",
      "os:admin",
      "--name",
      "basalt-controller",
      "--secrets",
      c.secretsPath,
      "--node",
      "any=127.0.0.1",
      "--out",
      clientConfig,
    ],
    60_000,
  );
  const cfg = parse(readFileSync(clientConfig, "utf8"));
  const context = cfg.contexts[cfg.context];
  const secret = parseAllDocuments(readFileSync(deploy("node-api-secret.yaml"), "utf8"))[0]!.toJS();
  const b64 = (s: string) => Buffer.from(s).toString("base64");
  secret.data = { "ca.crt": b64(context.ca), "tls.crt": b64(context.cert), "tls.key": b64(context.key) };
  await c.kubectl.run(["apply", "-f", "-"], applyTimeoutMs, JSON.stringify(secret));

  // What the Secret volume would hold, read back from the cluster.
  const stored = await c.kubectl.json(["-n", "basalt-system", "get", "secret", "basalt-node-api"]);
  const tlsDir = join(dir, "node-api");
  mkdirSync(tlsDir, { recursive: true, mode: 0o700 });
  for (const [name, value] of Object.entries(stored.data as Record<string, string>))
    writeFileSync(join(tlsDir, name), Buffer.from(value, "base64"), { mode: 0o600 });

  const token = (
    await c.kubectl.run(["-n", "basalt-system", "create", "token", "basalt-controller", "--duration=3h"])
  ).trim();
  const kubeconfig = join(dir, "controller.internal.kubeconfig");
  writeFileSync(kubeconfig, tokenKubeconfig(c.internalServer, c.caCert, token), { mode: 0o600 });
  const hostKubeconfig = join(dir, "controller.kubeconfig");
  const hostServer = parse(readFileSync(c.adminKubeconfig, "utf8")).clusters[0].cluster.server;
  writeFileSync(hostKubeconfig, tokenKubeconfig(hostServer, c.caCert, token), { mode: 0o600 });

  const component = c.runInside("basalt-controller", process.execPath, [
    ...shippedNodeFlags,
    controllerBundle,
    `--kubeconfig=${kubeconfig}`,
    `--identity=${identity}`,
    "--namespace=basalt-system",
    "--metrics-port=0",
    "--agent=basalt",
    `--node-api-tls=${tlsDir}`,
  ]);
  return { component, kubeconfig, hostKubeconfig };
}
