// Negative controls touch the kernel like the suites do: root only. Under CI they must run.
export function requireRoot(): boolean {
  const root = process.getuid?.() === 0;
  if (!root && process.env.CI === 'true') throw new Error('negative controls must run as root under CI');
  return root;
}
