/**
 * Which probes a run sends, and how many requests each may use, decided before anything is sent: the selected
 * probes of each area in plan order, fixed probes first while they fit the area's budget, then what is left shared
 * among the property probes by weight. Pure, so a given depth and selection always plans the same requests.
 */
import type { RegisteredCheck } from '../checks/registry.ts';
import type { Depth } from '../core/vocabulary.ts';
import { runsAt } from '../core/vocabulary.ts';
import type { Plan, Probe } from '../plans/probe.ts';
import { AREA_BUDGET } from './budget.ts';

export interface Allotment {
  probe: Probe;
  plan: Plan;
  /** Requests the probe may send. */
  allowance: number;
}

export interface AreaPlan {
  plan: Plan;
  budget: number;
  allotments: Allotment[];
  /** Probes that were wanted but left out, with the reason. */
  left: Array<{ probe: Probe; reason: string }>;
}

const tooLittle = (probe: Probe, plan: Plan, budget: number, depth: Depth): string =>
  `probe ${probe.id}: the request budget of ${plan.area} (${budget} at depth ${depth}) left too little`;

export function allot(plans: readonly Plan[], selected: readonly RegisteredCheck[], depth: Depth): AreaPlan[] {
  const wanted = new Set<string>(selected.map((c) => c.id));
  return plans
    .filter((plan) => selected.some((c) => c.area === plan.area))
    .map((plan) => {
      const budget = AREA_BUDGET[plan.area][depth];
      const probes = plan.probes.filter((p) => runsAt(p.from, depth) && p.feeds.some((id) => wanted.has(id)));
      const allotments: Allotment[] = [];
      const left: AreaPlan['left'] = [];
      let remaining = budget;
      for (const probe of probes.filter((p) => p.share === undefined)) {
        const need = probe.requests(depth);
        if (need > remaining) {
          left.push({ probe, reason: tooLittle(probe, plan, budget, depth) });
          continue;
        }
        allotments.push({ probe, plan, allowance: need });
        remaining -= need;
      }
      const sharing = probes.filter((p) => p.share !== undefined);
      const weight = sharing.reduce((sum, p) => sum + (p.share ?? 0), 0);
      let spare = remaining;
      sharing.forEach((probe, i) => {
        const last = i === sharing.length - 1;
        const share = last ? spare : Math.floor((remaining * (probe.share ?? 0)) / weight);
        if (share < probe.requests(depth)) {
          left.push({ probe, reason: tooLittle(probe, plan, budget, depth) });
          return;
        }
        spare -= share;
        allotments.push({ probe, plan, allowance: share });
      });
      // Report order follows the plan, not the order shares were handed out.
      allotments.sort((a, b) => plan.probes.indexOf(a.probe) - plan.probes.indexOf(b.probe));
      return { plan, budget, allotments, left };
    });
}
