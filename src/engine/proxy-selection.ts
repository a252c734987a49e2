/**
 * Which checks a run leaves out because of what it is pointed at: the proxy area needs a proxy run, and each proxy
 * check one of its two set-ups; a proxy run leaves params out unless it is named, since its property runs test the
 * upstream's own validation and would take a third of the budget. Pure.
 */
import type { RegisteredCheck } from '../checks/registry.ts';
import type { RunConfig } from '../core/run-config.ts';
import type { ProxySetup } from '../core/upstream.ts';
import type { Area } from '../core/vocabulary.ts';
import type { Plan, Probe } from '../plans/probe.ts';

/** Areas a proxy run leaves out unless `--only` names them. */
export const LEFT_OUT_OF_PROXY_RUNS: readonly Area[] = ['params'];

/** The probe capability a proxy set-up provides. */
export const capabilityOf = (setup: ProxySetup | undefined): Probe['needs'] =>
  setup === undefined ? undefined : setup.mode === 'instrumented' ? 'upstream' : 'direct';

/** Whether a run with this set-up can send the probe. */
export const canSend = (probe: Probe, setup: ProxySetup | undefined): boolean =>
  probe.needs === undefined || probe.needs === capabilityOf(setup);

/** Why the check is left out of this run, or undefined when it is not. */
export function proxyExclusion(check: RegisteredCheck, config: RunConfig, plans: readonly Plan[]): string | undefined {
  if (check.area === 'proxy') {
    if (!config.proxy) return 'proxy runs only: chat-conformance proxy --target=<proxy> (see the README)';
    const feeding = plans.flatMap((p) => p.probes).filter((p) => p.feeds.includes(check.id));
    if (feeding.some((p) => canSend(p, config.proxy))) return undefined;
    return config.proxy.mode === 'instrumented'
      ? 'differential proxy runs only (chat-conformance proxy --upstream=URL)'
      : 'proxy runs against the instrumented upstream only (chat-conformance proxy without --upstream)';
  }
  if (config.proxy && config.only.length === 0 && LEFT_OUT_OF_PROXY_RUNS.includes(check.area)) {
    return `left out of proxy runs unless named (--only=proxy,${check.area}): it tests the upstream's own validation`;
  }
  return undefined;
}
