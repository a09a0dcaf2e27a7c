export class PipelineError extends Error {
  override readonly name = 'PipelineError';
  readonly component: string | undefined;

  constructor(message: string, component?: string, options?: { cause?: unknown }) {
    super(component === undefined ? message : `${component}: ${message}`, options);
    this.component = component;
  }
}
