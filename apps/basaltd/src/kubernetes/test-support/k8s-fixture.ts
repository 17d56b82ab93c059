import { type KubernetesConfig, kubernetesSchema } from "@basalt/machinery";

export const caPem = "-----BEGIN CERTIFICATE-----\nMIIBfake\n-----END CERTIFICATE-----\n";

/** A parsed kubernetes section with `extra` fields, for generator tests. */
export function k8sConfig(extra: Record<string, unknown> = {}): KubernetesConfig {
  return kubernetesSchema.parse({
    endpoint: "https://10.0.0.1:6443",
    ca: caPem,
    bootstrapToken: "abcdef.0123456789abcdef",
    ...extra,
  });
}

/** `[section] key = value` lines of a TOML document, as `section.key` → raw value. */
export function tomlKeys(toml: string): Map<string, string> {
  const keys = new Map<string, string>();
  let section = "";
  for (const raw of toml.split("\n")) {
    const line = raw.trim();
    const header = /^\[(.+)\]$/.exec(line);
    if (header) section = header[1]!;
    const kv = /^([A-Za-z_]+)\s*=\s*(.+)$/.exec(line);
    if (kv) keys.set(section ? `${section}.${kv[1]}` : kv[1]!, kv[2]!);
  }
  return keys;
}
