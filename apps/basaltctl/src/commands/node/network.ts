import {
  AddressesResponseSchema,
  LinksResponseSchema,
  NetworkService,
  RoutesResponseSchema,
  SocketsResponseSchema,
} from "@basalt/api";
import type { Command } from "../../cli/command.ts";
import { bytes } from "../../output/format.ts";
import { nodeCommand } from "./node-command.ts";

export const networkCommands: Command[] = [
  nodeCommand({
    path: ["links"],
    summary: "network links (interfaces)",
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
  }),
  nodeCommand({
    path: ["addresses"],
    summary: "IP addresses per link",
    service: NetworkService,
    method: "addresses",
    output: AddressesResponseSchema,
    rows: (v) => v.addresses.map((a) => ({ LINK: a.link, FAMILY: a.family, ADDRESS: a.cidr })),
  }),
  nodeCommand({
    path: ["routes"],
    summary: "routing table (IPv4 and IPv6)",
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
  }),
  nodeCommand({
    path: ["netstat"],
    summary: "TCP and UDP sockets with their processes (--listening for servers only)",
    usage: "basaltctl netstat [--listening]",
    options: { listening: { type: "boolean" } },
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
  }),
];
