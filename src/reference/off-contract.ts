/**
 * The generated types describe the contract, so a value a fault breaks on purpose cannot have them.
 * Faults pass such a value through here at the point where they break the rule, and nowhere else, so
 * every deliberate break is one search away and a misspelt field anywhere else still fails the type check.
 */
export function offContract<T>(value: unknown): T {
  return value as T;
}
