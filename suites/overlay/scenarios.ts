// Bad overlay mount input, as data (the scenarios proper are files: scenarios/*.yaml).
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
