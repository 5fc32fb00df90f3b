// The host part of results.json: the contract's flat fields first, the probe's details after.
import type { HostInfo } from '../host/probe.js';

export function hostFingerprint(h: HostInfo): Record<string, unknown> {
  return {
    kernel: h.kernel,
    arch: h.arch,
    cpus: h.cpus,
    root: h.root,
    cgroup: h.cgroup,
    docker: h.docker?.name === 'docker' ? h.docker.engine : null,
    /** which engine the docker-side claims drove, and its version */
    engine: h.docker ? `${h.docker.name} ${h.docker.engine}` : null,
    compose: h.compose ? `${h.compose.flavour === 'podman-compose' ? 'podman-compose' : h.compose.flavour.startsWith('standalone-v1') ? 'v1' : 'v2'} ${h.compose.version}` : null,
    builder: h.builder,
    registry: h.registry,
    kvm: h.kvm.usable === true,
    runc: h.runc,
    node: process.versions.node,
    details: h,
  };
}
