// What a host is, as the probe reads it (src/host/probe.ts composes each primitive's probe):
// the types the gates, the drivers and results.json share. Imports nothing.

export type EngineName = 'docker' | 'podman';
export type CgroupMode = 'v1' | 'v2' | 'hybrid' | 'none';
export type ComposeFlavour = 'v2-plugin' | 'standalone-v1' | 'standalone-v2' | 'podman-compose';
/** How the kernel's overlay marks a deleted lower file in upperdir. */
export type WhiteoutKind = 'chardev' | 'xattr';

export interface OverlayProbe {
  supported: boolean;
  whiteout: WhiteoutKind | null;
  reason?: string;
}

export interface ComposeInfo {
  flavour: ComposeFlavour;
  version: string;
  /** argv prefix that runs it: ["docker","compose"] or ["docker-compose"] */
  command: string[];
}

export interface HostInfo {
  kernel: string;
  arch: string;
  cpus: number;
  root: boolean;
  cgroup: CgroupMode;
  /** controller → where it lives (v1 mount path, or the v2 root) */
  cgroupControllers: Record<string, { version: 1 | 2; path: string }>;
  overlay: OverlayProbe;
  iproute2: string | null;
  iptables: { version: string; backend: string } | null;
  /** the container engine the run drives (docker, or podman under --engine podman) */
  docker: { name: EngineName; client: string | null; engine: string; api: string; storageDriver: string;
    cgroupDriver: string; cgroupVersion: string; runtime?: string } | null;
  dockerReason?: string;
  compose: ComposeInfo | null;
  builder: 'legacy' | 'buildkit' | 'buildah' | null;
  registry: boolean;
  images: { busybox: string | null; go: string | null };
  runc: string | null;
  podman: { usable: boolean; reason: string };
  qemu: string | null;
  kvm: { device: boolean; usable: boolean | null; reason: string };
  tools: Record<string, boolean>;
  /** a binary for another architecture (provisioning's arm64 busybox), for the emulation claim */
  foreignBinary: string | null;
  /** an unprivileged user can make a user namespace (and a mount namespace in it) */
  userns?: boolean;
  usernsReason?: string;
}

