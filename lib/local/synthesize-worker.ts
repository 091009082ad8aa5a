/**
 * The worker thread that synthesizes the app (see synthesize-app.ts and template.ts). It receives
 * `{ outdir, journeys }` and answers `{ stacks }` or `{ error }`.
 */
import { parentPort, workerData } from 'node:worker_threads';
import * as z from 'zod';
import { JourneySchema } from '../journeys/format';
import { synthesizeAppToDisk } from './synthesize-app';

const RequestSchema = z.object({ outdir: z.string(), journeys: z.array(JourneySchema).optional() });

try {
  const request = RequestSchema.parse(workerData);
  parentPort?.postMessage({ stacks: synthesizeAppToDisk(request.outdir, request.journeys) });
} catch (error) {
  parentPort?.postMessage({ error: error instanceof Error ? (error.stack ?? error.message) : String(error) });
}
