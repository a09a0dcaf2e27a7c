export { type ControllerConfig, type ControllerFlags, resolveControllerConfig } from './config.js';
export { Controller, ELECTION, VERSION } from './controller.js';
export { type Plan, type PlanInput, plan, type StartedChannel } from './plan.js';
