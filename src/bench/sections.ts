// The bench's sections, by name (the CLI lists them without loading the bench).
export const SECTIONS = ['ladder', 'sizes', 'primitives', 'split-window', 'grading', 'guests'] as const;
