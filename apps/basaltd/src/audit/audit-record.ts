import type { Role } from "@basalt/machinery";

/**
 * One line of the audit trail: who called what about which target, and how it ended. Written as
 * one JSON object per line; never holds request bodies, only the few fields named in `targetOf`.
 */
export interface AuditRecord {
  /** ISO time the call reached authorization. */
  time: string;
  /** Client certificate Subject CN and serial number (hex). */
  subject: string;
  serial: string;
  /** The strongest Basalt role the certificate holds, or "" when it holds none. */
  role: Role | "";
  /** "<service type name>/<method>", or "http:/metrics" for the metrics page. */
  rpc: string;
  /** Service name, path, image or version the call was about; "" when none. */
  target: string;
  /** "ok" or the error code the caller saw. */
  result: string;
  /** Why a call was refused or failed, bounded; "" when it succeeded. */
  reason: string;
  address: string;
  durationMs: number;
  /** A refusal reported by a handler inside a running stream (the call itself has its own record). */
  inStream?: boolean;
}

const maxTargetChars = 256;
const maxReasonChars = 300;

/** The strongest of the roles held, for the record's single role column. */
export function strongestRole(roles: readonly Role[]): Role | "" {
  for (const r of ["os:admin", "os:operator", "os:upgrader", "os:reader"] as const)
    if (roles.includes(r)) return r;
  return "";
}

/**
 * A URL without what may be secret in it: userinfo, query string and fragment (pre-signed bundle
 * URLs carry their credentials in the query).
 */
export function redactUrl(text: string): string {
  try {
    const u = new URL(text);
    const redacted = `${u.protocol}//${u.host}${u.pathname}`;
    return u.search || u.hash || u.username || u.password ? `${redacted} [query removed]` : redacted;
  } catch {
    const cut = text.search(/[?#]/);
    return cut >= 0 ? `${text.slice(0, cut)} [query removed]` : text;
  }
}

/** Cuts text for the log, saying how long it was. */
export function bound(text: string, max: number): string {
  return text.length <= max ? text : `${text.slice(0, max)}...(${text.length} chars)`;
}

/**
 * What a request was about, from an allow-list of field names only, so new request fields (config
 * values, tokens) never reach the audit trail by accident.
 */
export function targetOf(message: unknown): string {
  if (!message || typeof message !== "object") return "";
  const m = message as Record<string, unknown>;
  const parts: string[] = [];
  for (const field of ["name", "service", "path", "image", "version"] as const) {
    const v = m[field];
    if (typeof v === "string" && v) parts.push(v);
  }
  if (typeof m.url === "string" && m.url) parts.push(redactUrl(m.url));
  const options = m.options as { force?: unknown; stage?: unknown } | undefined;
  const part = m.part as { case?: unknown; value?: { force?: unknown; stage?: unknown } } | undefined;
  const flags = options ?? (part?.case === "options" ? part.value : undefined);
  if (flags?.force === true) parts.push("force");
  if (flags?.stage === true) parts.push("stage");
  return bound(parts.join(" "), maxTargetChars);
}

/** Bounds the reason text so a long error (quoting a 70,000-character path) stays one short line. */
export function reasonText(text: string): string {
  // Error messages may quote a URL the caller sent (upgrade): its query string may be a credential.
  const redacted = text.replace(/\b[a-z][a-z0-9+.-]*:\/\/[^\s"'<>]+/gi, (url) => redactUrl(url));
  return bound(redacted.replace(/\s+/g, " "), maxReasonChars);
}
