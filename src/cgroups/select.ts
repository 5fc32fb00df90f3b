// Pick the driver the host speaks: v2 when cpu lives in the unified tree, else v1 mounts.
import type { HostInfo } from '../types/host.js';
import type { CgroupDriver } from './driver.js';
import { CgroupV1 } from './v1.js';
import { CgroupV2 } from './v2.js';

export function cgroupDriver(host: HostInfo): CgroupDriver {
  const c = host.cgroupControllers;
  if (c.cpu?.version === 2) return new CgroupV2(c.cpu.path);
  return new CgroupV1({ cpu: c.cpu?.path, cpuacct: c.cpuacct?.path, memory: c.memory?.path, pids: c.pids?.path,
    cpuset: c.cpuset?.path, freezer: c.freezer?.path });
}
