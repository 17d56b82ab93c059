import { authorize, toConnectError } from "@basalt/api";
import { BasaltError } from "@basalt/machinery";
import type { Interceptor } from "@connectrpc/connect";
import type { Logger } from "pino";
import { authenticate } from "./authenticate.ts";
import { peerKey } from "./peer.ts";

/**
 * The one gate every RPC passes: authenticate the TLS peer, authorize the procedure against the
 * table, log the call, and normalize every error (also those thrown mid-stream) into a ConnectError.
 */
export function gateInterceptor(log: Logger): Interceptor {
  return (next) => async (req) => {
    const procedure = `${req.service.typeName}/${req.method.name}`;
    const peer = req.contextValues.get(peerKey);
    try {
      const roles = authenticate(peer);
      const decision = authorize(procedure, roles);
      if (!decision.allowed) {
        throw new BasaltError("permission_denied", decision.reason, {
          hint: decision.needed.length
            ? `a client config with role ${decision.needed.at(-1)} or higher is needed`
            : undefined,
        });
      }
      log.debug({ procedure, peer: peer?.commonName, roles }, "rpc");
      const res = await next(req);
      if (!res.stream) return res;
      return { ...res, message: mapStreamErrors(res.message) };
    } catch (err) {
      const e = toConnectError(err);
      log.info(
        { procedure, peer: peer?.commonName, code: e.code, err: e.rawMessage },
        "rpc refused or failed",
      );
      throw e;
    }
  };
}

async function* mapStreamErrors<T>(messages: AsyncIterable<T>): AsyncIterable<T> {
  try {
    yield* messages;
  } catch (err) {
    throw toConnectError(err);
  }
}
