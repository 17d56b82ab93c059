import type { ServerHttp2Session } from "node:http2";
import type { TLSSocket } from "node:tls";
import { normalizeSerial } from "@basalt/machinery";

/**
 * The client-certificate serial denylist (api.revokedSerials) and the live connections it applies
 * to: a serial listed is refused at the handshake from then on, and `update` cuts every open
 * connection of a newly listed certificate, streams in flight included.
 */
export class Revocation {
  #revoked: ReadonlySet<string>;
  readonly #live = new Map<TLSSocket, string>();
  /** Told of every connection cut, for metrics and the log. */
  onCut: ((serial: string, address: string) => void) | undefined;

  constructor(serials: readonly string[] = []) {
    this.#revoked = new Set(serials.map(normalizeSerial));
  }

  /** Whether a certificate serial (as Node reports it) is revoked. */
  isRevoked(serial: string | undefined): boolean {
    return !!serial && this.#revoked.has(normalizeSerial(serial));
  }

  /** Tracks an admitted connection until it closes. */
  track(socket: TLSSocket, serial: string): void {
    if (!serial) return;
    this.#live.set(socket, normalizeSerial(serial));
    socket.once("close", () => this.#live.delete(socket));
  }

  /** Replaces the denylist and cuts the live connections it now names; returns how many were cut. */
  update(serials: readonly string[]): number {
    this.#revoked = new Set(serials.map(normalizeSerial));
    let cut = 0;
    for (const [socket, serial] of this.#live) {
      if (!this.#revoked.has(serial)) continue;
      cut++;
      this.#live.delete(socket);
      this.onCut?.(serial, socket.remoteAddress ?? "");
      const session = (socket as TLSSocket & { _basaltSession?: ServerHttp2Session })._basaltSession;
      if (session && !session.destroyed) session.goaway(0, 0, Buffer.from("client certificate revoked"));
      socket.destroy();
    }
    return cut;
  }

  /** Connections currently tracked. */
  get live(): number {
    return this.#live.size;
  }
}
