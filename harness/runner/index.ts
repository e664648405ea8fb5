// The scenario runner as a library: load and validate a scenario, build its plan, run it.
export { loadScenarioFile, parseScenario, ScenarioError, formatProblem } from './scenario-load';
export type { ScenarioProblem } from './scenario-load';
export { Scenario as ScenarioSchema } from './scenario-schema';
export type { Scenario, FaultSpec } from './scenario-schema';
export { buildPlan } from './plan';
export type { RunPlan, PlannedFault, PlannedIntent, PlanOptions } from './plan';
export { runScenario, StartError, defaultOutDir } from './run-scenario';
export type { RunOptions, RunResult } from './run-scenario';
