import { BasaltError, type ClientContext, defaultApiPort, type NodeEntry } from "@basalt/machinery";
import type { Target } from "./fan-out.ts";

export interface TargetFlags {
  /** -n: node names or addresses from the context, or "all". */
  nodes?: string[];
  /** -e: explicit API endpoints (address[:port]), whether or not the context knows them. */
  endpoints?: string[];
  /** -l: label selector over the context's nodes, e.g. "role=worker,zone!=b". */
  selector?: string;
}

function withPort(address: string): string {
  if (/^\[.*\]:\d+$/.test(address) || /^[^:]+:\d+$/.test(address)) return address;
  return address.includes(":") && !address.startsWith("[")
    ? `[${address}]:${defaultApiPort}`
    : `${address}:${defaultApiPort}`;
}

function hostOf(endpoint: string): string {
  return endpoint.replace(/:\d+$/, "").replace(/^\[|\]$/g, "");
}

/** Parses "a=b,c!=d" into predicates over a node's labels. */
export function matchesSelector(labels: Record<string, string>, selector: string): boolean {
  return selector
    .split(",")
    .map((s) => s.trim())
    .filter(Boolean)
    .every((term) => {
      const ne = term.split("!=");
      if (ne.length === 2) return labels[ne[0]!.trim()] !== ne[1]!.trim();
      const [k, v] = term.split("=");
      if (v === undefined) return k!.trim() in labels;
      return labels[k!.trim()] === v.trim();
    });
}

/**
 * Which nodes a command reaches. Reads default to every node of the context; a command that changes
 * anything must name its nodes (-n, -e or -l; "-n all" is an explicit choice), never by default.
 */
export function resolveTargets(
  context: ClientContext,
  flags: TargetFlags,
  options: { mutating: boolean },
): Target[] {
  const known = context.nodes;
  const toTarget = (n: NodeEntry): Target => ({ node: n.name, endpoint: withPort(n.endpoint) });
  let targets: Target[];
  if (flags.endpoints?.length) {
    targets = flags.endpoints.map((e) => {
      const endpoint = withPort(e);
      const match = known.find((n) => withPort(n.endpoint) === endpoint);
      return { node: match?.name ?? endpoint, endpoint };
    });
  } else if (flags.nodes?.length) {
    targets = flags.nodes.flatMap((name) => {
      if (name === "all") return known.map(toTarget);
      const match = known.find((n) => n.name === name || hostOf(n.endpoint) === name || n.endpoint === name);
      if (match) return [toTarget(match)];
      if (/^[\d.]+(:\d+)?$/.test(name) || name.includes(":"))
        return [{ node: name, endpoint: withPort(name) }];
      throw new BasaltError("not_found", `node "${name}" is not in the current context`, {
        hint: `known nodes: ${known.map((n) => n.name).join(", ") || "none"}; or pass an address`,
      });
    });
  } else if (flags.selector) {
    targets = known.filter((n) => matchesSelector(n.labels, flags.selector!)).map(toTarget);
    if (targets.length === 0)
      throw new BasaltError("not_found", `no node in the context matches -l ${flags.selector}`);
  } else {
    if (options.mutating) {
      throw new BasaltError("invalid_argument", "this command changes nodes and no nodes were named", {
        hint: "name them with -n NODE[,NODE…] (or -n all), -e ADDRESS or -l LABEL=VALUE",
      });
    }
    targets = known.map(toTarget);
  }
  if (targets.length === 0) {
    throw new BasaltError("invalid_argument", "no nodes to talk to", {
      hint: "the context lists no nodes: pass -n or -e",
    });
  }
  const seen = new Set<string>();
  return targets.filter((t) => !seen.has(t.endpoint) && seen.add(t.endpoint));
}
