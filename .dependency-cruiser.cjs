/**
 * The layers of src/ and the direction their imports may take (npm run check). Lower layers never import higher
 * ones: core ← contract, sse, http ← checks, arbitraries ← plans ← engine ← report, run ← history ← matrix ← cli, vitest. The
 * reference provider stands beside them and may read the contract and the check ids.
 */
const layer = (name, from, allowed) => ({
  name,
  severity: 'error',
  comment: `${from} may import only ${allowed.join(', ') || 'itself'} within src/`,
  from: { path: `^src/${from}/` },
  to: { path: '^(src|spec)/', pathNot: [`^src/${from}/`, ...allowed.map((a) => (a === 'spec' ? '^spec/generated/' : `^src/${a}/`))] },
});

module.exports = {
  forbidden: [
    { name: 'no-cycles', severity: 'error', from: {}, to: { circular: true } },
    layer('core-is-a-leaf', 'core', []),
    layer('contract-reads-core', 'contract', ['core', 'spec']),
    layer('sse-reads-core', 'sse', ['core']),
    layer('http-reads-core', 'http', ['core']),
    layer('checks-judge', 'checks', ['core', 'contract']),
    layer('arbitraries-generate', 'arbitraries', ['core', 'contract']),
    layer('plans-only-send', 'plans', ['core', 'contract', 'arbitraries', 'checks']),
    layer('engine-schedules', 'engine', ['core', 'contract', 'sse', 'http', 'checks', 'plans']),
    layer('reference-stands-apart', 'reference', ['core', 'contract', 'checks']),
    layer('report-renders', 'report', ['core', 'contract', 'http', 'checks', 'engine']),
    layer('run-prepares', 'run', ['core', 'contract', 'http', 'checks', 'engine', 'reference']),
    layer('matrix-runs-cells', 'matrix', ['core', 'contract', 'http', 'checks', 'engine', 'report', 'run', 'history', 'reference']),
    layer('history-reads-runs', 'history', ['core', 'contract', 'checks', 'engine', 'report']),
    { name: 'no-orphans', severity: 'error', from: { orphan: true, path: '^src/', pathNot: '\\.d\\.ts$' }, to: {} },
  ],
  options: {
    doNotFollow: { path: 'node_modules' },
    tsPreCompilationDeps: true,
    tsConfig: { fileName: 'tsconfig.json' },
    exclude: { path: '^(node_modules|spec/generated)' },
  },
};
