import {
  AddressesResponseSchema,
  LinksResponseSchema,
  NetworkService,
  RoutesResponseSchema,
  SocketsResponseSchema,
} from "@basalt/api";
import { bytes } from "../../output/format.ts";
import { nodeCall } from "./node-call.ts";

export const links = nodeCall({
  service: NetworkService,
  method: "links",
  output: LinksResponseSchema,
  rows: (v) =>
    v.links.map((l) => ({
      NAME: l.name,
      INDEX: l.index,
      KIND: l.kind,
      STATE: l.operstate,
      MTU: l.mtu,
      MAC: l.mac,
      RX: bytes(l.rxBytes),
      TX: bytes(l.txBytes),
    })),
});

export const addresses = nodeCall({
  service: NetworkService,
  method: "addresses",
  output: AddressesResponseSchema,
  rows: (v) => v.addresses.map((a) => ({ LINK: a.link, FAMILY: a.family, ADDRESS: a.cidr })),
});

export const routes = nodeCall({
  service: NetworkService,
  method: "routes",
  output: RoutesResponseSchema,
  rows: (v) =>
    v.routes.map((r) => ({
      FAMILY: r.family,
      DESTINATION: r.destination,
      GATEWAY: r.gateway,
      LINK: r.link,
      METRIC: r.metric,
    })),
});

export const netstat = nodeCall({
  service: NetworkService,
  method: "sockets",
  output: SocketsResponseSchema,
  request: (inv) => ({ listeningOnly: inv.values.listening === true }),
  rows: (v) =>
    v.sockets.map((s) => ({
      PROTO: s.protocol,
      LOCAL: `${s.localAddress}:${s.localPort}`,
      REMOTE: `${s.remoteAddress}:${s.remotePort}`,
      STATE: s.state,
      PID: s.pid || "-",
      PROCESS: s.process || "-",
    })),
});
