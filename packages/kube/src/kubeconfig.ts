import { existsSync, readFileSync } from "node:fs";
import { dirname, resolve } from "node:path";
import { BasaltError } from "@basalt/machinery";
import { parse } from "yaml";

/**
 * Where the apiserver is and how to authenticate to it: from a kubeconfig file (client certificate
 * or bearer token) or, inside a pod, from the service account. This is the part of a kubeconfig the
 * controller needs; exec and auth-provider plugins are not supported (a controller runs in-cluster).
 */
export interface KubeEndpoint {
  /** https://host:port, without a trailing slash. */
  server: string;
  ca?: string;
  cert?: string;
  key?: string;
  /** A fixed bearer token, or a file re-read on every use (service-account tokens rotate). */
  token?: string;
  tokenFile?: string;
  insecureSkipTlsVerify?: boolean;
}

interface Named<T> {
  name: string;
  [key: string]: unknown;
  cluster?: T;
  user?: T;
  context?: T;
}

type Fields = Record<string, unknown>;

function pick(list: unknown, name: string, what: string, file: string): Fields {
  const entry = (Array.isArray(list) ? (list as Named<Fields>[]) : []).find((e) => e.name === name);
  const value = entry?.[what] as Fields | undefined;
  if (!value) throw new BasaltError("invalid_argument", `kubeconfig ${file}: no ${what} named "${name}"`);
  return value;
}

function material(fields: Fields, key: string, base: string): string | undefined {
  const data = fields[`${key}-data`];
  if (typeof data === "string") return Buffer.from(data, "base64").toString("utf8");
  const path = fields[key];
  if (typeof path === "string") return readFileSync(resolve(base, path), "utf8");
  return undefined;
}

/** Reads a kubeconfig file's current (or named) context. */
export function loadKubeconfig(file: string, context?: string): KubeEndpoint {
  let doc: Fields;
  try {
    doc = parse(readFileSync(file, "utf8")) as Fields;
  } catch (err) {
    throw new BasaltError("invalid_argument", `cannot read kubeconfig ${file}: ${(err as Error).message}`);
  }
  const name = context ?? (doc["current-context"] as string | undefined);
  if (!name) throw new BasaltError("invalid_argument", `kubeconfig ${file} has no current-context`);
  const ctx = pick(doc.contexts, name, "context", file);
  const cluster = pick(doc.clusters, ctx.cluster as string, "cluster", file);
  const user = ctx.user ? pick(doc.users, ctx.user as string, "user", file) : {};
  const base = dirname(resolve(file));
  const endpoint: KubeEndpoint = { server: String(cluster.server).replace(/\/$/, "") };
  const ca = material(cluster, "certificate-authority", base);
  if (ca) endpoint.ca = ca;
  if (cluster["insecure-skip-tls-verify"] === true) endpoint.insecureSkipTlsVerify = true;
  const cert = material(user, "client-certificate", base);
  const key = material(user, "client-key", base);
  if (cert && key) Object.assign(endpoint, { cert, key });
  if (typeof user.token === "string") endpoint.token = user.token;
  if (typeof user.tokenFile === "string") endpoint.tokenFile = resolve(base, user.tokenFile);
  if (user.exec || user["auth-provider"]) {
    throw new BasaltError(
      "unimplemented",
      `kubeconfig ${file}: exec and auth-provider users are not supported`,
      {
        hint: "use a client certificate or a token",
      },
    );
  }
  return endpoint;
}

const serviceAccount = "/var/run/secrets/kubernetes.io/serviceaccount";

/** The pod's service account, when running in a cluster. */
export function inClusterEndpoint(): KubeEndpoint | undefined {
  const host = process.env.KUBERNETES_SERVICE_HOST;
  const port = process.env.KUBERNETES_SERVICE_PORT ?? "443";
  if (!host || !existsSync(`${serviceAccount}/token`)) return undefined;
  const server = `https://${host.includes(":") ? `[${host}]` : host}:${port}`;
  return {
    server,
    ca: readFileSync(`${serviceAccount}/ca.crt`, "utf8"),
    tokenFile: `${serviceAccount}/token`,
  };
}

/** --kubeconfig, else $KUBECONFIG, else in-cluster, else ~/.kube/config. */
export function resolveEndpoint(kubeconfig?: string, context?: string): KubeEndpoint {
  const file = kubeconfig ?? process.env.KUBECONFIG?.split(":")[0];
  if (file) return loadKubeconfig(file, context);
  const inCluster = inClusterEndpoint();
  if (inCluster) return inCluster;
  const home = `${process.env.HOME ?? ""}/.kube/config`;
  if (existsSync(home)) return loadKubeconfig(home, context);
  throw new BasaltError("failed_precondition", "no Kubernetes credentials found", {
    hint: "pass --kubeconfig, set KUBECONFIG, or run in a pod with a service account",
  });
}
