import { startRelayServer } from "./relay-server.ts";

/**
 * Entry of the relay process: `node relay-main.ts SOCKET CIDR...`, run inside the namespace. It
 * prints `ready` once the socket listens, and exits when its stdin closes (the owner died or let
 * go), so it never outlives the run even if a signal is missed.
 */
const [socketPath, ...allowed] = process.argv.slice(2);
if (!socketPath || allowed.length === 0) {
  process.stderr.write("usage: relay-main.ts SOCKET CIDR...\n");
  process.exit(2);
}
await startRelayServer(socketPath, allowed);
process.stdout.write("ready\n");
process.stdin.on("end", () => process.exit(0));
process.stdin.on("error", () => process.exit(0));
process.stdin.resume();
