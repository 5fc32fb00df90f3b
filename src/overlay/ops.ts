// The ops a scenario does through an overlay's merged view, as data (unionmount-testsuite's
// vocabulary, in part): the scenario files name them, the driver and the rootless mount apply them.

/** The ops a scenario does through the merged view (unionmount-testsuite's vocabulary, in part). */
export type Op =
  | { op: 'write' | 'append'; path: string; content: string }
  | { op: 'rm' | 'rmdir' | 'mkdir'; path: string }
  | { op: 'rename' | 'link'; path: string; to: string }
  | { op: 'symlink'; path: string; target: string }
  | { op: 'chmod'; path: string; mode: string }
  | { op: 'chown'; path: string; uid: number; gid: number }
  | { op: 'truncate'; path: string; size: number }
  | { op: 'setxattr'; path: string; name: string; value: string };

export const OPS = ['write', 'append', 'rm', 'rmdir', 'mkdir', 'rename', 'link', 'symlink', 'chmod', 'chown',
  'truncate', 'setxattr'] as const;
