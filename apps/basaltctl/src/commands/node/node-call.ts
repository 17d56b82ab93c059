import { fanOut, nodeTransport, resolveTargets, type Target } from "@basalt/client";
import { BasaltError } from "@basalt/machinery";
import type {
  DescMessage,
  DescMethod,
  DescService,
  MessageInitShape,
  MessageShape,
} from "@bufbuild/protobuf";
import { toJson } from "@bufbuild/protobuf";
import { type Client, createClient } from "@connectrpc/connect";
import { loadContext } from "../../cli/client-config-file.ts";
import type { CommandOutput, Invocation, Row, RunCommand } from "../../cli/command.ts";

interface NodeCallSpec<S extends DescService, O extends DescMessage> {
  service: S;
  /** The RPC, by its local name in the generated client (e.g. "memory"). */
  method: keyof Client<S> & string;
  output: O;
  /** Changes something on the node: refused without -n/-e/-l. */
  mutating?: boolean;
  streaming?: boolean | ((inv: Invocation) => boolean);
  /** At most this many nodes (bootstrap: one cluster is made on one node). */
  maxTargets?: number;
  /** Runs as long as it takes (upgrades): no --timeout deadline. */
  longRunning?: boolean;
  request?(inv: Invocation): Record<string, unknown>;
  /** For client- or bidi-streaming RPCs: the messages sent to one node. */
  input?(inv: Invocation): AsyncIterable<Record<string, unknown>>;
  /** A note for the person, printed once to stderr before the answers (e.g. about many targets). */
  notice?(targets: readonly Target[]): string | undefined;
  /** Progress of a long-running stream answer, for a per-node progress display. */
  progress?(value: MessageShape<O>): { percent: number; label: string } | undefined;
  rows(value: MessageShape<O>): Row[];
  raw?(value: MessageShape<O>): Uint8Array | undefined;
}

/**
 * Builds a command's run that asks every targeted node one RPC, concurrently, each answer tagged
 * with its node. Server streams yield one answer per message.
 */
export function nodeCall<S extends DescService, O extends DescMessage>(spec: NodeCallSpec<S, O>): RunCommand {
  return async (inv, command): Promise<CommandOutput> => {
    const { context } = loadContext(inv.global);
    const targets = resolveTargets(context, inv.global, { mutating: spec.mutating ?? false });
    if (spec.maxTargets !== undefined && targets.length > spec.maxTargets)
      throw new BasaltError(
        "invalid_argument",
        `${command.path.join(" ")} takes ${spec.maxTargets === 1 ? "one node" : `at most ${spec.maxTargets} nodes`}, not ${targets.length} (${targets.map((t) => t.node).join(", ")})`,
        { hint: "name one node with -n NODE" },
      );
    const request = spec.request?.(inv) ?? {};
    const note = spec.notice?.(targets);
    if (note) process.stderr.write(`${note}\n`);
    const streaming = typeof spec.streaming === "function" ? spec.streaming(inv) : (spec.streaming ?? false);
    const method = spec.service.method[spec.method as keyof typeof spec.service.method] as
      | DescMethod
      | undefined;
    const isStream = method?.methodKind === "server_streaming";
    const follow = request.follow === true;
    const results = fanOut(
      targets,
      (target) => {
        const client = createClient(spec.service, nodeTransport(target.endpoint, context));
        // Followed streams run until the user stops them; everything else has a deadline.
        const callOptions =
          (isStream && follow) || spec.longRunning ? {} : { timeoutMs: inv.global.timeoutMs };
        const fn = (client as Record<string, (req: unknown, opts: unknown) => unknown>)[spec.method]!;
        const input = spec.input ? spec.input(inv) : (request as MessageInitShape<DescMessage>);
        return fn(input, callOptions) as Promise<unknown> | AsyncIterable<unknown>;
      },
      { concurrency: inv.global.concurrency, tls: context },
    );
    return {
      kind: "nodes",
      results,
      streaming,
      rows: (v) => spec.rows(v as MessageShape<O>),
      json: (v) => toJson(spec.output, v as MessageShape<O>, { alwaysEmitImplicit: true }),
      raw: spec.raw ? (v) => spec.raw!(v as MessageShape<O>) : undefined,
      progress: spec.progress ? (v) => spec.progress!(v as MessageShape<O>) : undefined,
    };
  };
}
