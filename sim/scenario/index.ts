// index.ts — the scenario package: loading, validation, expansion and JSON Schemas.

export { loadScenarioFile, type LoadedScenario } from './load.js';
export { expandScenario, runPlan, type Variant, type RunSpec } from './expand.js';
export { scenarioJsonSchema, profileJsonSchema } from './jsonSchema.js';
export { loadScenarioObject } from './loadObject.js';
