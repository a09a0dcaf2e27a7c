import { PlacementInputError } from './errors.js';
import type { PlacementInput } from './types.js';

/** Rejects input that no placement could make sense of; checked before anything is computed. */
export function validateInput(input: PlacementInput): void {
  const runners = new Set<string>();
  for (const runner of input.runners) {
    if (runner.name === '') throw new PlacementInputError('INVALID_NAME', '', 'runner with an empty name');
    if (runners.has(runner.name)) {
      throw new PlacementInputError('DUPLICATE_RUNNER', runner.name, `runner "${runner.name}" listed twice`);
    }
    runners.add(runner.name);
    const capacity = runner.capacity?.memoryBytes;
    if (capacity !== undefined && !(Number.isFinite(capacity) && capacity >= 0)) {
      throw new PlacementInputError(
        'INVALID_MEMORY',
        runner.name,
        `runner "${runner.name}": memory capacity must be a finite number >= 0, got ${capacity}`,
      );
    }
  }
  const apps = new Set<string>();
  for (const app of input.applications) {
    if (app.id === '') throw new PlacementInputError('INVALID_NAME', '', 'application with an empty id');
    if (apps.has(app.id)) {
      throw new PlacementInputError('DUPLICATE_APPLICATION', app.id, `application "${app.id}" listed twice`);
    }
    apps.add(app.id);
    if (!Number.isInteger(app.instances) || app.instances < 1) {
      throw new PlacementInputError(
        'INVALID_INSTANCES',
        app.id,
        `application "${app.id}": instances must be an integer >= 1, got ${app.instances}`,
      );
    }
    const memory = app.memoryBytes;
    if (memory !== undefined && !(Number.isFinite(memory) && memory >= 0)) {
      throw new PlacementInputError(
        'INVALID_MEMORY',
        app.id,
        `application "${app.id}": memory must be a finite number >= 0, got ${memory}`,
      );
    }
  }
  for (const assignment of input.current) {
    if (!Number.isInteger(assignment.index) || assignment.index < 0) {
      throw new PlacementInputError(
        'INVALID_ASSIGNMENT',
        assignment.app,
        `current assignment of "${assignment.app}" on "${assignment.runner}": index must be an integer >= 0, got ${assignment.index}`,
      );
    }
  }
}
