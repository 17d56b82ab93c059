/**
 * Clients' view of the container runtime: the CRI subset (runtime.v1) and the containerd services
 * used to import images. Kept apart from the node API's exports: their message names (Container,
 * Image, VersionRequest, ...) would clash with ours, and they are not part of our contract.
 */
export * as cri from "./gen/runtime/v1/api_pb.ts";
export * as containerdContent from "./gen/containerd/services/content/v1/content_pb.ts";
export * as containerdDiff from "./gen/containerd/services/diff/v1/diff_pb.ts";
export * as containerdImages from "./gen/containerd/services/images/v1/images_pb.ts";
export * as containerdLeases from "./gen/containerd/services/leases/v1/leases_pb.ts";
export * as containerdSnapshots from "./gen/containerd/services/snapshots/v1/snapshots_pb.ts";
export * as containerdTypes from "./gen/containerd/types/descriptor_pb.ts";
