import { BasaltError } from "@basalt/machinery";

const reference = /^[a-z0-9]+([._-][a-z0-9]+|__)*(\/[a-z0-9]+([._-][a-z0-9]+|__)*)*$/;

/**
 * The full name containerd and kubelet use for an image: `busybox:1.36` →
 * `docker.io/library/busybox:1.36`, `registry.k8s.io/pause` → `registry.k8s.io/pause:latest`
 * (docker's normalization, which CRI applies to pod specs too). Digested names keep their digest.
 */
export function normalizeImageName(name: string): string {
  const trimmed = name.trim();
  const at = trimmed.indexOf("@");
  const withoutDigest = at >= 0 ? trimmed.slice(0, at) : trimmed;
  const digest = at >= 0 ? trimmed.slice(at) : "";
  const slash = withoutDigest.indexOf("/");
  const first = slash >= 0 ? withoutDigest.slice(0, slash) : "";
  const hasRegistry = slash >= 0 && (first.includes(".") || first.includes(":") || first === "localhost");
  let repo = withoutDigest;
  if (!hasRegistry) repo = `docker.io/${slash >= 0 ? withoutDigest : `library/${withoutDigest}`}`;
  const lastSlash = repo.lastIndexOf("/");
  const colon = repo.indexOf(":", lastSlash);
  const path = colon >= 0 ? repo.slice(0, colon) : repo;
  const tag = colon >= 0 ? repo.slice(colon + 1) : "";
  const pathAfterRegistry = path.slice(path.indexOf("/") + 1);
  if (
    !reference.test(pathAfterRegistry) ||
    (tag && !/^[\w][\w.-]{0,127}$/.test(tag)) ||
    (digest && !/^@sha256:[0-9a-f]{64}$/.test(digest))
  ) {
    throw new BasaltError("invalid_argument", `"${name}" is not a valid image name`, {
      hint: "e.g. registry.example/app:1.0 or busybox:1.36",
    });
  }
  if (digest) return `${path}${tag ? `:${tag}` : ""}${digest}`;
  return `${path}:${tag || "latest"}`;
}

/** An OCI ref.name annotation that is a whole reference (not just a tag like "1.0"). */
export function isFullReference(name: string): boolean {
  return name.includes("/") || /^[^:]+:[^:]+$/.test(name);
}
