// A suite may run as more than one vitest project: the part that measures CPU alone, the rest
// side by side with the other suites (vitest.config.ts). `isolab run <suite>` runs all of its
// projects; results and reports name the suite.
export const PROJECTS_OF: Readonly<Record<string, readonly string[]>> = {
  cgroups: ['cgroups', 'cgroups-limits'],
  unit: ['unit', 'unit-e2e', 'unit-measuring'],
};

export const projectsOf = (suite: string): readonly string[] => PROJECTS_OF[suite] ?? [suite];

export const suiteOfProject = (project: string): string =>
  Object.entries(PROJECTS_OF).find(([, ps]) => ps.includes(project))?.[0] ?? project;
