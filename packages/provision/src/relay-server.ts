import { chmodSync } from "node:fs";
import { connect, createServer, type Server, type Socket } from "node:net";
import { maxHandshakeBytes, parseConnectLine, targetAllowed } from "./relay-protocol.ts";

/**
 * The relay's inside half: runs in the namespace (`ip netns exec NS node relay-main.ts …`), listens
 * on a unix socket (a filesystem object, so the host reaches it although the relay's TCP sockets
 * live in the namespace), and for each connection dials the target the handshake names.
 */
export function startRelayServer(socketPath: string, allowed: readonly string[]): Promise<Server> {
  const server = createServer({ allowHalfOpen: true }, (client) => handle(client, allowed));
  return new Promise((resolve, reject) => {
    server.once("error", reject);
    server.listen(socketPath, () => {
      // Only the owner (root) may ask the relay to connect anywhere.
      chmodSync(socketPath, 0o600);
      resolve(server);
    });
  });
}

function handle(client: Socket, allowed: readonly string[]): void {
  let head = Buffer.alloc(0);
  const refuse = (why: string) => {
    client.end(`ERR ${why}\n`);
  };
  client.on("error", () => client.destroy());
  const onData = (chunk: Buffer) => {
    head = Buffer.concat([head, chunk]);
    const nl = head.indexOf(10);
    if (nl < 0) {
      if (head.length > maxHandshakeBytes) {
        client.off("data", onData);
        refuse("handshake too long");
      }
      return;
    }
    client.off("data", onData);
    client.pause();
    const target = parseConnectLine(head.subarray(0, nl).toString("latin1"));
    const rest = head.subarray(nl + 1);
    if ("error" in target) return refuse(target.error);
    if (!targetAllowed(target.host, allowed))
      return refuse(`${target.host} is outside the allowed networks ${allowed.join(", ")}`);
    const upstream = connect({ host: target.host, port: target.port, allowHalfOpen: true });
    upstream.setNoDelay(true);
    let connected = false;
    upstream.once("connect", () => {
      connected = true;
      client.write("OK\n");
      if (rest.length > 0) upstream.write(rest);
      client.pipe(upstream);
      upstream.pipe(client);
      client.resume();
    });
    upstream.on("error", (err) => {
      if (!connected) refuse(`${target.host}:${target.port}: ${err.message}`);
      else client.destroy();
    });
    upstream.on("close", () => client.destroy());
    client.on("close", () => upstream.destroy());
  };
  client.on("data", onData);
}
