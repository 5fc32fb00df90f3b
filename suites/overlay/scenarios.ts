// The lecture's OverlayFS slide, as scenarios. Lower index 0 is the top layer (lowerdir=a:b).
import type { OverlayScenario } from '../../src/overlay/scenario.js';

export const scenarios: Record<string, OverlayScenario> = {
  'overlay.union': {
    name: 'lower ∪ upper, upper wins a name clash',
    lowers: [{ 'only-lower.txt': 'from lower', 'clash.txt': 'lower version', shared: { 'l.txt': 'l' } }],
    upper: { 'only-upper.txt': 'from upper', 'clash.txt': 'upper version', shared: { 'u.txt': 'u' } },
    expect: {
      merged: {
        files: { 'only-lower.txt': 'from lower', 'only-upper.txt': 'from upper', 'clash.txt': 'upper version', 'shared/l.txt': 'l', 'shared/u.txt': 'u' },
      },
    },
  },
  'overlay.copy-up': {
    name: 'writing a lower file copies it up',
    lowers: [{ 'config.txt': 'original\n', dir: { 'deep.txt': 'deep' } }],
    upper: {},
    ops: [
      { op: 'append', path: 'config.txt', content: 'changed\n' },
      { op: 'write', path: 'dir/deep.txt', content: 'rewritten' },
    ],
    expect: {
      merged: { files: { 'config.txt': 'original\nchanged\n', 'dir/deep.txt': 'rewritten' } },
      upper: { files: { 'config.txt': 'original\nchanged\n', 'dir/deep.txt': 'rewritten' } },
      lowersUntouched: true,
    },
  },
  'overlay.whiteout': {
    name: 'deleting a lower file marks it deleted in upperdir',
    lowers: [{ 'doomed.txt': 'bye', 'kept.txt': 'stay' }],
    upper: {},
    ops: [{ op: 'rm', path: 'doomed.txt' }],
    expect: {
      merged: { absent: ['doomed.txt'], files: { 'kept.txt': 'stay' } },
      upper: { whiteouts: ['doomed.txt'] },
      lowersUntouched: true,
    },
  },
  'overlay.opaque-dir': {
    name: 'rmdir + mkdir of a lower dir gives an opaque dir',
    lowers: [{ etc: { 'a.conf': 'a', 'b.conf': 'b' } }],
    upper: {},
    ops: [
      { op: 'rmdir', path: 'etc' },
      { op: 'mkdir', path: 'etc' },
      { op: 'write', path: 'etc/new.conf', content: 'new' },
    ],
    expect: {
      merged: { absent: ['etc/a.conf', 'etc/b.conf'], files: { 'etc/new.conf': 'new' } },
      upper: { opaque: ['etc'], files: { 'etc/new.conf': 'new' } },
      lowersUntouched: true,
    },
  },
  'overlay.multi-lower-readonly': {
    name: 'lowerdir=a:b without upper: read-only, leftmost on top',
    lowers: [{ 'x.txt': 'from a (left)', 'a-only.txt': 'a' }, { 'x.txt': 'from b (right)', 'b-only.txt': 'b' }],
    ops: [
      { op: 'write', path: 'new.txt', content: 'nope' },
      { op: 'rm', path: 'a-only.txt' },
    ],
    expect: {
      ops: ['EROFS', 'EROFS'],
      merged: { files: { 'x.txt': 'from a (left)', 'a-only.txt': 'a', 'b-only.txt': 'b' }, absent: ['new.txt'] },
      lowersUntouched: true,
    },
  },
  'overlay.multi-lower-upper': {
    name: 'lowerdir=a:b with upper and workdir: writable, same precedence',
    lowers: [{ 'x.txt': 'from a (left)' }, { 'x.txt': 'from b (right)', 'b-only.txt': 'b' }],
    upper: {},
    ops: [
      { op: 'write', path: 'new.txt', content: 'written' },
      { op: 'rm', path: 'b-only.txt' },
    ],
    expect: {
      merged: { files: { 'x.txt': 'from a (left)', 'new.txt': 'written' }, absent: ['b-only.txt'] },
      upper: { files: { 'new.txt': 'written' }, whiteouts: ['b-only.txt'] },
      lowersUntouched: true,
    },
  },
  'overlay.stacked': {
    name: 'an overlay as the lower of another overlay',
    lowers: [{ overlay: { lowers: [{ 'base.txt': 'inner top' }, { 'base.txt': 'inner bottom', 'inner-only.txt': 'i' }] } }],
    upper: {},
    ops: [
      { op: 'write', path: 'outer.txt', content: 'outer' },
      { op: 'rm', path: 'inner-only.txt' },
    ],
    expect: {
      merged: { files: { 'base.txt': 'inner top', 'outer.txt': 'outer' }, absent: ['inner-only.txt'] },
      upper: { files: { 'outer.txt': 'outer' }, whiteouts: ['inner-only.txt'] },
    },
  },
};

/** Bad mount input: each must fail at the kernel, be named by the harness, and leave no mount. */
export interface BadInput {
  name: string;
  /** Which option the harness's error must name. */
  option: 'lowerdir' | 'upperdir' | 'workdir';
  layout: 'missing-workdir' | 'workdir-other-fs' | 'missing-lowerdir' | 'upper-inside-lower';
  /**
   * Must the kernel itself refuse it? Overlapping layers "may fail with EBUSY"
   * (Documentation/filesystems/overlayfs.rst): 6.x kernels accept upper inside lower
   * silently, so only the harness's own check stands between a user and undefined behaviour.
   */
  kernelRefuses: boolean;
}

export const badInputs: BadInput[] = [
  { name: 'upperdir without workdir', option: 'workdir', layout: 'missing-workdir', kernelRefuses: true },
  { name: 'workdir on another filesystem than upperdir', option: 'workdir', layout: 'workdir-other-fs', kernelRefuses: true },
  { name: 'a lowerdir that does not exist', option: 'lowerdir', layout: 'missing-lowerdir', kernelRefuses: true },
  { name: 'upperdir inside lowerdir', option: 'upperdir', layout: 'upper-inside-lower', kernelRefuses: false },
];
