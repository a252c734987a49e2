/** The reference provider started as the instrumented upstream of a proxy run (see recorder.ts). */
import type { UpstreamControl } from '../core/upstream.ts';
import { createRecorder } from './recorder.ts';
import { type RunningReference, startReference } from './server.ts';

export interface InstrumentedUpstream extends RunningReference {
  control: UpstreamControl;
}

export interface UpstreamOptions {
  port?: number;
  host?: string;
  apiKey: string;
  seed?: number;
  gapMs?: number;
}

/** Starts the reference provider as an instrumented upstream. */
export async function startInstrumentedUpstream(options: UpstreamOptions): Promise<InstrumentedUpstream> {
  const recorder = createRecorder();
  const running = await startReference({ ...options, instrument: recorder });
  return {
    ...running,
    control: {
      url: running.url,
      apiKey: options.apiKey,
      script: recorder.script,
      settled: recorder.settled,
      received: recorder.received,
    },
  };
}
