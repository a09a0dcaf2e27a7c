/**
 * How long punchlinectl waits on SIGTERM for events in flight. Under a runner, the drain must end
 * before the runner's grace period does, or SIGKILL cuts it short (outputs not closed, the
 * outcome not logged): 2 s are kept for closing. Senders resend whatever was not acknowledged.
 */
export function defaultDrainMs(stopGraceMs: string | undefined): number {
  const grace = Number(stopGraceMs);
  if (stopGraceMs === undefined || stopGraceMs === '' || !Number.isFinite(grace) || grace <= 0) return 30_000;
  return Math.max(1_000, Math.min(30_000, grace - 2_000));
}
