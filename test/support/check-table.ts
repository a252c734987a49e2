/**
 * Tables of tests over checks: rows of evidence with the verdict each must get, and the legal SSE forms of correct
 * streams, which must never count against a target.
 */
import { describe, expect, test } from 'vitest';
import type { Check } from '../../src/checks/types.ts';
import type { Evidence, Outcome } from '../../src/core/evidence.ts';
import type { Profile, Verdict } from '../../src/core/vocabulary.ts';
import { combineVerdicts, resolveOutcome } from '../../src/engine/verdict.ts';
import { findingsOf, legalVariants, runCheck, streamObservation, worstVerdict } from './chunks.ts';

type Judged = ReturnType<typeof worstVerdict>;

/** The verdict a run under `profile` gives these outcomes: conflicts resolved by the spec's table, the worst wins. */
export const verdictUnder = (outcomes: readonly Outcome[], profile: Profile): Verdict =>
  combineVerdicts(outcomes.map((o) => resolveOutcome(o, profile)));

export interface Row {
  name: string;
  given: () => Evidence;
  want: Judged;
  /** A finding key the outcomes must include. */
  key?: string;
  /** A conflict id the findings must name. */
  conflict?: string;
  /** Text the findings' messages must contain. */
  says?: string;
  /** The verdict under each profile named, as a run would give it. */
  profiles?: Partial<Record<Profile, Verdict>>;
}

/** One test per row; every finding must read `Received: … / Documented: …`. */
export function checkTable(checks: readonly Check[], id: string, rows: Row[]): void {
  describe(id, () => {
    for (const row of rows) {
      test(row.name, () => {
        const outcomes = runCheck(checks, id, row.given());
        expect(worstVerdict(outcomes), JSON.stringify(outcomes, null, 1)).toBe(row.want);
        const findings = findingsOf(outcomes);
        if (row.key) expect(findings.map((f) => f.key)).toContain(row.key);
        if (row.conflict) expect(findings.map((f) => f.conflict)).toContain(row.conflict);
        if (row.says) expect(findings.map((f) => f.message).join('\n')).toContain(row.says);
        for (const [profile, verdict] of Object.entries(row.profiles ?? {})) {
          expect(verdictUnder(outcomes, profile as Profile), `under ${profile}`).toBe(verdict);
        }
        for (const f of findings) expect(f.message).toMatch(/^Received: .+\nDocumented: .+/);
      });
    }
  });
}

export type CorrectStreams = Record<string, { chunks: Record<string, unknown>[]; sent: Record<string, unknown> }>;

/** One test per correct stream and legal SSE form of it: each check in `ids` gives only an `allowed` verdict. */
export function legalSseTable(checks: readonly Check[], ids: readonly string[], streams: CorrectStreams, allowed: Judged[]): void {
  describe('legal SSE never fails or warns', () => {
    for (const [answer, { chunks, sent }] of Object.entries(streams)) {
      for (const [variant, body] of Object.entries(legalVariants(chunks))) {
        test(`${answer}, ${variant}`, () => {
          const o = streamObservation([], { body, sent });
          for (const id of ids) {
            const outcomes = runCheck(checks, id, o);
            expect(allowed, `${id}: ${JSON.stringify(outcomes)}`).toContain(worstVerdict(outcomes));
          }
        });
      }
    }
  });
}
