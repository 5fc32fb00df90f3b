// cgroup v1: one hierarchy per controller (or co-mounted ones like cpu,cpuacct). A worker must
// join each hierarchy it should be accounted in: on hybrid hosts cpu and cpuacct are separate.
import path from 'node:path';
import { readFile } from 'node:fs/promises';
import type { Ledger } from '../core/ledger.js';
import { groupParentName } from '../core/names.js';
import type { CgroupDriver, Controller, Group } from './driver.js';
import { FsGroup, makeGroupDir, readInt, readKey, sharedParent, write } from './fsgroup.js';
import { weightToShares } from './weights.js';

type Ctl = 'cpu' | 'cpuacct' | 'memory' | 'pids' | 'cpuset' | 'freezer';

class V1Group extends FsGroup implements Group {
  setWeight(weight: number) {
    return write(path.join(this.paths.cpu!, 'cpu.shares'), String(weightToShares(weight)));
  }
  async setCpuQuota(quotaUs: number, periodUs: number) {
    await write(path.join(this.paths.cpu!, 'cpu.cfs_period_us'), String(periodUs));
    return write(path.join(this.paths.cpu!, 'cpu.cfs_quota_us'), String(quotaUs));
  }
  async setMemoryLimit(bytes: number) {
    const dir = this.paths.memory!;
    const done = [await write(path.join(dir, 'memory.limit_in_bytes'), String(bytes))];
    // memsw exists only with swap accounting; without it there is nothing to swap to anyway.
    const memsw = path.join(dir, 'memory.memsw.limit_in_bytes');
    if (await readFile(memsw).then(() => true, () => false)) done.push(await write(memsw, String(bytes)));
    else done.push(await write(path.join(dir, 'memory.swappiness'), '0').catch(() => ({ file: 'memory.swappiness', value: 'n/a' })));
    return done;
  }
  setPidsLimit(max: number) {
    return write(path.join(this.paths.pids!, 'pids.max'), String(max));
  }
  setCpus(cpus: string) {
    return write(path.join(this.paths.cpuset!, 'cpuset.cpus'), cpus);
  }
  async setMemoryHigh(): Promise<Array<{ file: string; value: string }>> {
    throw new Error('cgroup v1 has no memory.high (its memory.soft_limit_in_bytes neither throttles nor counts)');
  }
  setFrozen(frozen: boolean) {
    return write(path.join(this.paths.freezer!, 'freezer.state'), frozen ? 'FROZEN' : 'THAWED');
  }
  async frozen() {
    return (await readFile(path.join(this.paths.freezer!, 'freezer.state'), 'utf8')).trim() === 'FROZEN';
  }
  async memoryEvents() {
    return { oom_kill: await this.oomKills() };
  }
  async memoryPeak() {
    return readInt(path.join(this.paths.memory!, 'memory.max_usage_in_bytes')).catch(() => null);
  }
  async memoryStallUs() {
    return null; // v1 keeps no pressure per group
  }
  cpuUsageNs() {
    return readInt(path.join(this.paths.cpuacct!, 'cpuacct.usage'));
  }
  async cpuThrottling() {
    const f = path.join(this.paths.cpu!, 'cpu.stat');
    return { periods: await readKey(f, 'nr_periods'), throttled: await readKey(f, 'nr_throttled') };
  }
  oomKills() {
    return readKey(path.join(this.paths.memory!, 'memory.oom_control'), 'oom_kill');
  }
  pidsMaxEvents() {
    return readKey(path.join(this.paths.pids!, 'pids.events'), 'max');
  }
}

export class CgroupV1 implements CgroupDriver {
  readonly version = 1 as const;
  /** mounts: controller → hierarchy mount point (from the probe). */
  constructor(private readonly mounts: Partial<Record<Ctl, string>>) {}

  /** A new v1 cpuset group has no CPUs and no memory nodes: it gets its parent's. */
  private async inheritCpuset(dir: string): Promise<void> {
    for (const f of ['cpuset.cpus', 'cpuset.mems'])
      await write(path.join(dir, f), (await readFile(path.join(path.dirname(dir), f), 'utf8')).trim());
  }

  private async parent(ledger: Ledger, ctl: Ctl): Promise<string> {
    const mount = this.mounts[ctl];
    if (!mount) throw new Error(`cgroup v1 controller "${ctl}" is not mounted on this host`);
    const p = path.join(mount, groupParentName());
    await sharedParent(ledger, p, async (own) => {
      await makeGroupDir(own, p);
      if (ctl === 'cpuset') await this.inheritCpuset(p);
    });
    return p;
  }

  async create(ledger: Ledger, name: string, controllers: Controller[]): Promise<Group> {
    const ctls: Ctl[] = controllers.flatMap((c) => (c === 'cpu' ? (['cpu', 'cpuacct'] as Ctl[]) : [c]));
    const paths: Record<string, string> = {};
    for (const ctl of ctls) {
      const dir = path.join(await this.parent(ledger, ctl), name);
      // Co-mounted controllers (cpu,cpuacct) share one directory.
      if (!Object.values(paths).includes(dir)) {
        await makeGroupDir(ledger, dir);
        if (ctl === 'cpuset') await this.inheritCpuset(dir);
      }
      paths[ctl] = dir;
    }
    return new V1Group(name, paths);
  }

  async procCgroupOf(pid: number): Promise<string> {
    const lines = (await readFile(`/proc/${pid}/cgroup`, 'utf8')).split('\n');
    return lines.find((l) => /^\d+:([^:]*,)?cpu(,[^:]*)?:/.test(l))?.split(':')[2] ?? '';
  }
}
