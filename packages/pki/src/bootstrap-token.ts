import { randomInt } from "node:crypto";

const alphabet = "abcdefghijklmnopqrstuvwxyz0123456789";

function randomString(length: number): string {
  let s = "";
  for (let i = 0; i < length; i++) s += alphabet[randomInt(alphabet.length)];
  return s;
}

/**
 * A new Kubernetes bootstrap token, `<id>.<secret>` (6 and 16 characters of [a-z0-9] from a CSPRNG),
 * the credential kubelet uses once to ask for its client certificate.
 */
export function generateBootstrapToken(): string {
  return `${randomString(6)}.${randomString(16)}`;
}
