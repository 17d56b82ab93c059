import { BasaltError } from "@basalt/machinery";

/** The pins of tools/k8s/versions.env. */
export interface Versions {
  kubernetes: string;
  etcd: string;
  kwok: string;
  containerd: string;
  runc: string;
  cniPlugins: string;
  pause: string;
}

const keys: Record<keyof Versions, string> = {
  kubernetes: "KUBERNETES_VERSION",
  etcd: "ETCD_VERSION",
  kwok: "KWOK_VERSION",
  containerd: "CONTAINERD_VERSION",
  runc: "RUNC_VERSION",
  cniPlugins: "CNI_PLUGINS_VERSION",
  pause: "PAUSE_VERSION",
};

/** Module versions are Go tags (v1.2.3); the pause image is tagged without the v. */
const patterns: Record<keyof Versions, RegExp> = {
  kubernetes: /^v1\.\d+\.\d+$/,
  etcd: /^v\d+\.\d+\.\d+$/,
  kwok: /^v\d+\.\d+\.\d+$/,
  containerd: /^v2\.\d+\.\d+$/,
  runc: /^v1\.\d+\.\d+$/,
  cniPlugins: /^v1\.\d+\.\d+$/,
  pause: /^\d+\.\d+(\.\d+)?$/,
};

/**
 * Parses versions.env (plain KEY=value lines, # comments; it stays shell-sourceable). Every pin must
 * be there, once, in its expected form: a typo fails here, not twenty minutes into a build.
 */
export function parseVersions(text: string): Versions {
  const values = new Map<string, string>();
  const problems: string[] = [];
  for (const [i, raw] of text.split("\n").entries()) {
    const line = raw.trim();
    if (line === "" || line.startsWith("#")) continue;
    const m = /^([A-Z][A-Z0-9_]*)=(\S+)$/.exec(line);
    if (!m) {
      problems.push(`line ${i + 1}: expected KEY=value, got '${line}'`);
      continue;
    }
    if (values.has(m[1]!)) problems.push(`line ${i + 1}: ${m[1]} is set twice`);
    values.set(m[1]!, m[2]!);
  }
  const out: Partial<Versions> = {};
  for (const [field, key] of Object.entries(keys) as [keyof Versions, string][]) {
    const v = values.get(key);
    if (v === undefined) problems.push(`${key} is missing`);
    else if (!patterns[field].test(v))
      problems.push(`${key}=${v} does not look like ${patterns[field].source}`);
    else out[field] = v;
  }
  if (problems.length > 0)
    throw new BasaltError("invalid_argument", `versions.env: ${problems.join("; ")}`, {
      hint: "fix tools/k8s/versions.env",
    });
  return out as Versions;
}
