import { readFileSync } from "node:fs";
import { Agent, type RequestOptions, request } from "node:https";
import { KubeApiError, kubeErrorFrom } from "./api-errors.ts";
import type { KubeEndpoint } from "./kubeconfig.ts";

/**
 * Basalt's one Kubernetes client: JSON requests and line-delimited watch streams over keep-alive
 * HTTPS (one pooled connection set for requests, one for watches). Not @kubernetes/client-node:
 * that library costs tens of MB of RSS for generated models we do not use, opened a new TLS
 * connection per request, mis-serialized MicroTime and sent merge patches with the wrong content
 * type; the calls Basalt makes are few and plain (see README: one Kubernetes client). It counts its
 * requests, which the benchmark reports per upgraded node.
 */
export interface KubeRequest {
  method: "GET" | "POST" | "PUT" | "PATCH" | "DELETE";
  path: string;
  query?: Record<string, string | number | boolean | undefined>;
  body?: unknown;
  /** For PATCH: merge (default), strategic or json. */
  patch?: "merge" | "strategic" | "json";
  timeoutMs?: number;
  /** Aborts the request (it rejects with the signal's reason). */
  signal?: AbortSignal;
}

export type WatchEventType = "ADDED" | "MODIFIED" | "DELETED" | "BOOKMARK" | "ERROR";

export interface Kube {
  request<T>(req: KubeRequest): Promise<T>;
  /** Streams watch events until the server ends the stream (resolves) or it fails (rejects). */
  watch(
    path: string,
    query: KubeRequest["query"],
    onEvent: (type: WatchEventType, object: unknown) => void,
    signal: AbortSignal,
  ): Promise<void>;
}

const patchTypes = {
  merge: "application/merge-patch+json",
  strategic: "application/strategic-merge-patch+json",
  json: "application/json-patch+json",
};

function queryString(query: KubeRequest["query"]): string {
  const q = new URLSearchParams();
  for (const [k, v] of Object.entries(query ?? {})) if (v !== undefined) q.set(k, String(v));
  const s = q.toString();
  return s ? `?${s}` : "";
}

export class KubeClient implements Kube {
  readonly endpoint: KubeEndpoint;
  /** Requests sent, by verb (watches count once per connection). */
  readonly counts = new Map<string, number>();
  readonly #agent: Agent;
  readonly #watchAgent: Agent;
  readonly #url: URL;

  constructor(endpoint: KubeEndpoint, options: { maxSockets?: number } = {}) {
    this.endpoint = endpoint;
    this.#url = new URL(endpoint.server);
    const tls = {
      ca: endpoint.ca,
      cert: endpoint.cert,
      key: endpoint.key,
      rejectUnauthorized: !endpoint.insecureSkipTlsVerify,
    };
    this.#agent = new Agent({ ...tls, keepAlive: true, maxSockets: options.maxSockets ?? 24 });
    this.#watchAgent = new Agent({ ...tls, keepAlive: true });
  }

  /** Total requests sent so far. */
  get requests(): number {
    let n = 0;
    for (const v of this.counts.values()) n += v;
    return n;
  }

  #options(verb: string, path: string, agent: Agent, headers: Record<string, string>): RequestOptions {
    const h: Record<string, string> = { accept: "application/json", ...headers };
    const token = this.endpoint.tokenFile
      ? readFileSync(this.endpoint.tokenFile, "utf8").trim()
      : this.endpoint.token;
    if (token) h.authorization = `Bearer ${token}`;
    this.counts.set(verb, (this.counts.get(verb) ?? 0) + 1);
    return {
      method: verb === "WATCH" ? "GET" : verb,
      host: this.#url.hostname.replace(/^\[|\]$/g, ""),
      port: this.#url.port || 443,
      path: `${this.#url.pathname.replace(/\/$/, "")}${path}`,
      agent,
      headers: h,
    };
  }

  request<T>(req: KubeRequest): Promise<T> {
    const body = req.body === undefined ? undefined : JSON.stringify(req.body);
    const headers: Record<string, string> = {};
    if (body !== undefined) {
      headers["content-type"] =
        req.method === "PATCH" ? patchTypes[req.patch ?? "merge"] : "application/json";
      headers["content-length"] = String(Buffer.byteLength(body));
    }
    const path = `${req.path}${queryString(req.query)}`;
    const what = `${req.method} ${req.path}`;
    return new Promise<T>((resolve, reject) => {
      const r = request(this.#options(req.method, path, this.#agent, headers), (res) => {
        const chunks: Buffer[] = [];
        res.on("data", (c: Buffer) => chunks.push(c));
        res.on("error", (err) => reject(new KubeApiError(0, "", `${what}: ${err.message}`, { cause: err })));
        res.on("end", () => {
          const text = Buffer.concat(chunks).toString("utf8");
          const status = res.statusCode ?? 0;
          if (status < 200 || status > 299)
            return reject(kubeErrorFrom(status, text, what, res.headers["retry-after"]));
          try {
            resolve((text === "" ? undefined : JSON.parse(text)) as T);
          } catch (err) {
            reject(new KubeApiError(status, "", `${what}: bad JSON: ${(err as Error).message}`));
          }
        });
      });
      r.setTimeout(req.timeoutMs ?? 30_000, () => r.destroy(new Error("timed out")));
      if (req.signal) {
        const signal = req.signal;
        if (signal.aborted) r.destroy(new Error("aborted"));
        const abort = () => r.destroy(new Error("aborted"));
        signal.addEventListener("abort", abort, { once: true });
        r.on("close", () => signal.removeEventListener("abort", abort));
      }
      r.on("error", (err) => reject(new KubeApiError(0, "", `${what}: ${err.message}`, { cause: err })));
      r.end(body);
    });
  }

  watch(
    path: string,
    query: KubeRequest["query"],
    onEvent: (type: WatchEventType, object: unknown) => void,
    signal: AbortSignal,
  ): Promise<void> {
    const full = `${path}${queryString({ ...query, watch: true })}`;
    return new Promise<void>((resolve, reject) => {
      if (signal.aborted) return resolve();
      const r = request(this.#options("WATCH", full, this.#watchAgent, {}), (res) => {
        const status = res.statusCode ?? 0;
        if (status !== 200) {
          const chunks: Buffer[] = [];
          res.on("data", (c: Buffer) => chunks.push(c));
          res.on("end", () =>
            reject(kubeErrorFrom(status, Buffer.concat(chunks).toString(), `WATCH ${path}`)),
          );
          return;
        }
        let buffered = "";
        res.setEncoding("utf8");
        res.on("data", (chunk: string) => {
          buffered += chunk;
          let nl = buffered.indexOf("\n");
          while (nl >= 0) {
            const line = buffered.slice(0, nl);
            buffered = buffered.slice(nl + 1);
            nl = buffered.indexOf("\n");
            if (line.trim() === "") continue;
            try {
              const e = JSON.parse(line) as { type: WatchEventType; object: unknown };
              onEvent(e.type, e.object);
            } catch (err) {
              r.destroy(err as Error);
              return;
            }
          }
        });
        res.on("end", () => resolve());
        res.on("error", (err) => (signal.aborted ? resolve() : reject(err)));
      });
      const abort = () => r.destroy();
      signal.addEventListener("abort", abort, { once: true });
      r.on("close", () => signal.removeEventListener("abort", abort));
      r.on("error", (err) =>
        signal.aborted ? resolve() : reject(new KubeApiError(0, "", `WATCH ${path}: ${err.message}`)),
      );
      r.end();
    });
  }

  /** Closes idle connections. */
  close(): void {
    this.#agent.destroy();
    this.#watchAgent.destroy();
  }
}
