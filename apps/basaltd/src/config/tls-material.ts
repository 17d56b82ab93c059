import { createSecureContext } from "node:tls";
import { BasaltError, type MachineConfig } from "@basalt/machinery";

/**
 * Checks the API's TLS material before it is written: the key must match the certificate and every
 * PEM must load, or the node would come back without an API. No I/O: OpenSSL parses the strings.
 */
export function checkTlsMaterial(config: MachineConfig): void {
  try {
    createSecureContext({ ca: config.api.ca, cert: config.api.cert, key: config.api.key });
  } catch (err) {
    throw new BasaltError("invalid_argument", `invalid machine config:\n  api: ${(err as Error).message}`, {
      hint: "api.cert must be signed for api.key, and api.ca must hold PEM certificates (new material: basaltctl gen secrets rotate)",
    });
  }
}
