import type { ServerResponse } from 'node:http';
import { pipeline } from 'node:stream/promises';

/**
 * 'close' listeners `pipeline` adds to the response it writes to (its end-of-stream watch, the pipe's own,
 * the destroyer's), on top of those every request already carries here (metrics, drain, request log,
 * trace context): about eleven on one response. Bounded, once per response, so not a leak; but past
 * Node's default warning threshold of 10, so every streamed file printed a MaxListenersExceededWarning,
 * which under load buried the logs and would hide a real leak.
 */
export const PIPELINE_CLOSE_LISTENERS = 8;

/** Streams `source` to the client's response, with room for the listeners that takes (see above). */
export async function pipeToResponse(source: NodeJS.ReadableStream, response: ServerResponse): Promise<void> {
  response.setMaxListeners(response.getMaxListeners() + PIPELINE_CLOSE_LISTENERS);
  await pipeline(source, response);
}
