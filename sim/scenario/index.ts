// index.ts — the scenario package: loading, validation, expansion and JSON Schemas.

export { loadScenarioFile, loadScenarioBytes, type LoadedScenario, type LoadOptions } from './load.js';
export { expandScenario, runPlan, runRng, type Variant, type RunSpec, type RunPlanOptions } from './expand.js';
export { scenarioJsonSchema, profileJsonSchema } from './jsonSchema.js';
export { ProfileLoader, applyOverrides, isProfilePath, type ProfileOverrides } from './profileLoader.js';
export type { Scenario, ResolvedDevice } from './scenario.js';
export {
  parseThreshold,
  THRESHOLD_METRICS,
  THRESHOLD_STATS,
  THRESHOLD_OPS,
  type Threshold,
  type ThresholdMetric,
  type ThresholdStat,
  type ThresholdOp,
} from '../notation/threshold.js';
export {
  parseSize,
  parseDuration,
  parseRate,
  parsePacketRate,
  formatBytes,
  formatNs,
  type UnitResult,
  type FormatOptions,
} from '../notation/units.js';
export { MAX_INPUT_BYTES, MAX_ALIAS_COUNT } from './sourceFile.js';
