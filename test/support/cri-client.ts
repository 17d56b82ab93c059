import { connect } from "node:net";
import { containerdImages, cri } from "@basalt/api/cri";
import { type Client, createClient } from "@connectrpc/connect";
import { createGrpcTransport, Http2SessionManager } from "@connectrpc/connect-node";

/**
 * The test's own CRI client (it plays kubelet: runs pod sandboxes and containers), straight on
 * containerd's socket — separate from basaltd's, so the test checks basaltd against containerd
 * rather than against itself.
 */
export function criClient(socket: string): {
  runtime: Client<typeof cri.RuntimeService>;
  images: Client<typeof cri.ImageService>;
  /** containerd's own image records in CRI's namespace (labels such as pinned). */
  records: Client<typeof containerdImages.Images>;
  close(): void;
} {
  const sessions = new Http2SessionManager(
    "http://localhost",
    {},
    { createConnection: () => connect(socket) },
  );
  const transport = createGrpcTransport({ baseUrl: "http://localhost", sessionManager: sessions });
  return {
    runtime: createClient(cri.RuntimeService, transport),
    images: createClient(cri.ImageService, transport),
    records: createClient(
      containerdImages.Images,
      createGrpcTransport({
        baseUrl: "http://localhost",
        sessionManager: sessions,
        interceptors: [
          (next) => (req) => {
            req.header.set("containerd-namespace", "k8s.io");
            return next(req);
          },
        ],
      }),
    ),
    close: () => sessions.abort(),
  };
}
