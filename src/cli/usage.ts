/** Help texts. Kept beside the flag parser's table so the two are read together. */
export const MAIN_USAGE = `Usage: chat-conformance <command> [flags]

Commands:
  run     run the conformance suites against a target (default command)
  proxy   validate a proxy or gateway: its own faults, told from its upstream's
  serve   start the reference provider, or (--upstream URL) the reference proxy
  gen     regenerate types and tables from spec/openapi.yaml (--check: fail when stale)
  bench   print speed and memory figures of the checker and the reference provider
  merge   merge the report.json files of a matrix's shards into one matrix report
  history show the runs kept in a report folder: verdicts per run, failing since, flaky checks, trends

Run 'chat-conformance <command> --help' for the flags of run, proxy, serve, merge and history.
`;

export const RUN_USAGE = `Usage: chat-conformance run [--target=URL] [flags]
       npm test -- --target=URL [flags]

Without --target the suites run against the embedded reference provider.
Every flag can also come from the environment variable in brackets.

  --target URL          base URL in the OpenAI SDK convention (…/v1), or the full …/chat/completions URL [CONFORMANCE_TARGET]
  --model ID            model to test; default: the first id from GET {target}/models [CONFORMANCE_MODEL]
  --api-key-env NAME    environment variable holding the API key (default CONFORMANCE_API_KEY) [CONFORMANCE_API_KEY_ENV]
  --profile P           strict | documented | lenient (default documented) [CONFORMANCE_PROFILE]
  --depth D             smoke (≤ 20 requests) | standard (≤ 150) | deep (default standard) [CONFORMANCE_DEPTH]
  --seed N              seed of the generated cases (default: random, printed) [CONFORMANCE_SEED]
  --path P              replay one fast-check counterexample (with --seed and --only) [CONFORMANCE_PATH]
  --concurrency N       requests in flight at once (default 4) [CONFORMANCE_CONCURRENCY]
  --timeout-ms N        deadline of one request, also bounds headers and silences (default 60000) [CONFORMANCE_TIMEOUT_MS]
  --max-bytes N         body bytes read per response before it is cut (default 8 MiB) [CONFORMANCE_MAX_BYTES]
  --only LIST           areas or check ids to run, comma-separated, repeatable [CONFORMANCE_ONLY]
  --skip LIST           areas or check ids to leave out [CONFORMANCE_SKIP]
  --header 'N: v'       extra header on every request, repeatable (newline-separated in the env) [CONFORMANCE_HEADERS]
  --report-dir DIR      where reports go (default reports/) [CONFORMANCE_REPORT_DIR]
  --baseline FILE       report.json of an earlier run to list verdict changes against (default: the previous
                        run in the report folder, when it tested the same target, model and profile) [CONFORMANCE_BASELINE]
  --reasoning-model ID  model for separate_reasoning (default deepseek/deepseek-r1-turbo) [CONFORMANCE_REASONING_MODEL]
  --thinking-model ID   model for enable_thinking (default zai-org/glm-4.5) [CONFORMANCE_THINKING_MODEL]
  --deterministic       the target answers identical seeded requests identically (a mock, or a proxy in front of
                        one): stream/non-stream and same-seed differences fail instead of warn [CONFORMANCE_DETERMINISTIC=1]
  --expectations FILE   expected verdicts per check: only unexpected failures fail the run [CONFORMANCE_EXPECTATIONS]
  --write-expectations  write FILE from this run (its failures become expected)
  --update-expectations tighten FILE: checks expected to fail that now pass are expected to pass
  --color / --no-color  force or disable colour

Matrix of targets (chat-conformance.config.json, schema src/matrix/config.schema.json):
  --config FILE         run every target × model of FILE under one concurrency limit [CONFORMANCE_CONFIG]
  --only-target NAME    only these targets of FILE, repeatable [CONFORMANCE_ONLY_TARGET]
  --shard i/n           run part i of n of the matrix and write its report.json for 'merge' [CONFORMANCE_SHARD]
  --expectations DIR    with --config: the folder of <target>.json expectations files (default: the config's)

Exit codes: 0 no failures · 1 conformance failures · 2 invalid invocation or unusable target · 130 interrupted.
`;

export const PROXY_USAGE = `Usage: chat-conformance proxy --target=PROXY_URL [--upstream-port N] [run flags]
       chat-conformance proxy --target=PROXY_URL --upstream=URL [--upstream-model ID] [run flags]

Validates a proxy or gateway: the proxy checks (area proxy) and the ordinary areas (all but params, unless
named with --only) run against --target, the proxy under test.

Instrumented (default): the tool starts its reference provider as the upstream and the proxy must forward to it.
Each request tells the upstream how to answer (errors, cut or paced streams…) and everything the upstream
receives is recorded, so every difference is the proxy's doing. The upstream accepts $CONFORMANCE_UPSTREAM_API_KEY,
or else the client's key ($CONFORMANCE_API_KEY), which a pass-through proxy forwards.
  --upstream-port N        port of the instrumented upstream (default 8090) [CONFORMANCE_UPSTREAM_PORT]
  --upstream-host H        its host (default 127.0.0.1) [CONFORMANCE_UPSTREAM_HOST]

Differential: seeded temperature-0 requests go through the proxy and straight to the upstream, and every
difference (status, error fields, shape, usage chunk, [DONE]; counts and content with --deterministic) is reported.
  --upstream URL           base URL (…/v1) of the upstream the proxy forwards to [CONFORMANCE_UPSTREAM]
  --upstream-model ID      model to ask the upstream for directly, when the proxy maps names [CONFORMANCE_UPSTREAM_MODEL]

Both:
  --upstream-api-key-env NAME  variable holding the upstream's key (default CONFORMANCE_UPSTREAM_API_KEY)
                               [CONFORMANCE_UPSTREAM_API_KEY_ENV]

Every flag of 'chat-conformance run --help' applies. A standard proxy run sends at most 150 requests.
Exit codes: 0 no failures · 1 conformance failures · 2 invalid invocation, unusable proxy or upstream · 130 interrupted.
`;
