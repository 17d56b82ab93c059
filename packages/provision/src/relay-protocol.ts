import { cidrContains, ipv4ToNumber } from "./address-plan.ts";

/**
 * The relay's one-line handshake. A host-side forward connects to the relay's unix socket and
 * writes `CONNECT <ipv4>:<port>\n`; the relay, inside the namespace, connects there and answers
 * `OK\n` (then both sides just pipe bytes) or `ERR <why>\n` and closes. Targets are checked against
 * the CIDRs the relay was started with, so the relay reaches only the run's own subnet and loopback.
 */

/** Longest handshake line accepted; anything longer is refused (bounded memory per connection). */
export const maxHandshakeBytes = 64;

export interface RelayTarget {
  host: string;
  port: number;
}

export function connectLine(target: RelayTarget): string {
  return `CONNECT ${target.host}:${target.port}\n`;
}

/** Parses a handshake line (without its newline) into a target, or says what is wrong with it. */
export function parseConnectLine(line: string): RelayTarget | { error: string } {
  const m = /^CONNECT (\d{1,3}(?:\.\d{1,3}){3}):(\d{1,5})$/.exec(line);
  if (!m) return { error: "expected CONNECT <ipv4>:<port>" };
  const port = Number(m[2]);
  if (ipv4ToNumber(m[1]!) === undefined || port < 1 || port > 65535) return { error: "bad address or port" };
  return { host: m[1]!, port };
}

/** Whether the relay may connect to `host`: inside one of `allowed` (CIDRs). */
export function targetAllowed(host: string, allowed: readonly string[]): boolean {
  return allowed.some((cidr) => cidrContains(cidr, host));
}

/** Parses the relay's answer line: undefined when it is OK, else the error text. */
export function parseAnswer(line: string): string | undefined {
  if (line === "OK") return undefined;
  return line.startsWith("ERR ") ? line.slice(4) : `unexpected answer from the relay: ${line.slice(0, 80)}`;
}
