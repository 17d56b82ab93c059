import { type Client, createClient, type Interceptor } from "@connectrpc/connect";
import { toConnectError } from "@basalt/api";
import { cri } from "@basalt/api/cri";
import { unixGrpcTransport } from "../adapters/linux/unix-grpc-transport.ts";
import { runtimeError } from "./runtime-errors.ts";

/** The CRI clients basaltd reads containers and images with. */
export interface ContainerRuntime {
  readonly socket: string;
  runtime: Client<typeof cri.RuntimeService>;
  images: Client<typeof cri.ImageService>;
  close(): void;
}

/**
 * Turns every containerd error (also one in the middle of a stream) into one that says what failed
 * and what to do. Interceptors must throw ConnectErrors (the client wraps anything else as
 * "unknown"), so the BasaltError travels as one; `fromConnectError` gets it back.
 */
export function explainErrors(socket: string): Interceptor {
  return (next) => async (req) => {
    const what = `${req.service.typeName}/${req.method.name}`;
    try {
      const res = await next(req);
      if (!res.stream) return res;
      const messages = res.message;
      return {
        ...res,
        message: (async function* () {
          try {
            yield* messages;
          } catch (err) {
            throw toConnectError(runtimeError(err, socket, what));
          }
        })(),
      };
    } catch (err) {
      throw toConnectError(runtimeError(err, socket, what));
    }
  };
}

/**
 * CRI clients on containerd's socket. The connection is made on first use, so a node without
 * containerd starts fine and each call reports that containerd is not running.
 */
export function containerRuntime(socket: string): ContainerRuntime {
  const { transport, close } = unixGrpcTransport(socket, { interceptors: [explainErrors(socket)] });
  return {
    socket,
    runtime: createClient(cri.RuntimeService, transport),
    images: createClient(cri.ImageService, transport),
    close,
  };
}
