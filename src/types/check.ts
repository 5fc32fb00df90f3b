// One check of a claim: what was checked, what was expected, what was seen. Drivers return them,
// the claim binding verifies them, the results record them.
export interface Check {
  ok: boolean;
  what: string;
  expected?: unknown;
  actual?: unknown;
}
