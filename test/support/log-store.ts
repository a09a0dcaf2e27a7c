/**
 * Fills a log table the way a processor channel does: through `postgresql_output` itself (which
 * creates the table from the contract, `createStatements(logTable(...))`, and writes the rows),
 * fed events shaped as the processor's `normalize` emits them.
 */
import { postgresqlOutputSettings } from '@drover/channel-model';
import { PostgresqlOutput } from '@drover/pipeline/postgresql-output';

const quiet = { info: () => {}, warn: () => {}, error: () => {} };

/** Writes `events` into `table` (schema public) at `url`; resolves once every one is committed. */
export async function storeEvents(
  url: string,
  table: string,
  events: readonly Record<string, unknown>[],
): Promise<void> {
  const out = new PostgresqlOutput(postgresqlOutputSettings.parse({ url, table, linger_ms: 5 }), quiet);
  try {
    await new Promise<void>((resolve, reject) => {
      let left = events.length;
      if (left === 0) resolve();
      for (const fields of events) {
        out.write({ component: 'normalize', stream: 'normalized', fields }, (err) => {
          if (err !== undefined) reject(err);
          else if (--left === 0) resolve();
        });
      }
    });
  } finally {
    await out.close();
  }
}
