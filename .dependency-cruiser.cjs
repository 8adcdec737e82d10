/**
 * The "must not" column of design.md (../shared/design.md, "Folders"), checked by
 * dependency-cruiser: `npm run lint:deps`, run by .ci/run. A violation prints the rule's
 * name, the importing file and the imported one, and fails the run.
 *
 * Folder rules count every import, type-only ones included: "pipeline/ does not know
 * sources/" is about what a module knows, and a type is knowledge. Only the cycle rule
 * lets type-only imports through (see no-runtime-cycles).
 */
/** @type {import('dependency-cruiser').IConfiguration} */
module.exports = {
  forbidden: [
    {
      name: 'api-not-pollers',
      comment:
        'design.md: api/ must not touch pollers directly; it writes the mapping store and the ' +
        'supervisor starts and stops pollers (sources/) from the change feed.',
      severity: 'error',
      from: { path: '^src/api/' },
      to: { path: '^src/(supervisor|sources)/' },
    },
    {
      name: 'mappings-not-polling',
      comment:
        'design.md: mappings/ must not know how polling works; source checks come in through ' +
        'an interface mappings/ owns.',
      severity: 'error',
      from: { path: '^src/mappings/' },
      to: { path: '^src/(sources|supervisor|pipeline)/' },
    },
    {
      name: 'targets-report-one-outcome',
      comment:
        'design.md: targets/ do not retry, they report one outcome; retrying is the source ' +
        "policy's job and queueing the pipeline's.",
      severity: 'error',
      from: { path: '^src/targets/' },
      to: { path: '^src/(pipeline|sources)/' },
    },
    {
      name: 'pipeline-not-sources',
      comment:
        'design.md: pipeline/ is the invoke queue and must not know which source a batch came ' +
        "from; the batch's fate belongs to its source's policy.",
      severity: 'error',
      from: { path: '^src/pipeline/' },
      to: { path: '^src/sources/' },
    },
    {
      name: 'streams-not-one-service',
      comment:
        'design.md: sources/streams/ holds what Kinesis and DynamoDB Streams share and must not ' +
        'know SDK details of one service: those live in the adapters sources/kinesis and sources/dynamodb.',
      severity: 'error',
      from: { path: '^src/sources/streams/' },
      to: {
        path: ['^src/sources/(kinesis|dynamodb)/', '(^|/)node_modules/@aws-sdk/client-(kinesis|dynamodb-streams)/'],
      },
    },
    {
      name: 'loadtest-from-outside',
      comment:
        'design.md: loadtest/ drives Sluice from outside, like a user, and must not reach into ' +
        'sources/. (Ready before the folder exists.)',
      severity: 'error',
      from: { path: '^src/loadtest/' },
      to: { path: '^src/sources/' },
    },
    {
      name: 'redrive-from-outside',
      comment:
        'design.md: redrive/ drives Sluice from outside like loadtest/ (the Lambda API, the ' +
        'invocation route, the SDK): it must not reach into the running parts. It may use the ' +
        "stream adapters of sources/ to re-read ranges in the mapping's event shape, but not " +
        'the poller, supervisor, pipeline queue or targets.',
      severity: 'error',
      from: { path: '^src/redrive/' },
      to: { path: ['^src/(supervisor|targets|api)/', '^src/pipeline/(?!payload-limit)'] },
    },
    {
      name: 'src-not-test-code',
      comment: 'Production code must not import the test bed, benchmarks or the chaos suite.',
      severity: 'error',
      from: { path: '^src/' },
      to: { path: '^(test|bench|chaos)/' },
    },
    {
      name: 'no-runtime-cycles',
      comment:
        'No import cycle among modules that load each other at run time: a cycle makes one of ' +
        'them see the other half-initialised. Type-only imports are erased by the compiler, ' +
        'so a cycle closed only by them is allowed (preCompilationOnly: false counts only the ' +
        'imports that survive compilation).',
      severity: 'error',
      from: { path: '^src/' },
      to: {
        circular: true,
        preCompilationOnly: false,
        // Every other step of the cycle must survive compilation too.
        viaOnly: { dependencyTypesNot: ['type-only', 'pre-compilation-only'] },
      },
    },
  ],
  options: {
    doNotFollow: { path: 'node_modules' },
    // Read TypeScript before compilation, so type-only imports are seen (and labelled as
    // such) by the folder rules.
    tsPreCompilationDeps: 'specify',
    tsConfig: { fileName: 'tsconfig.json' },
    enhancedResolveOptions: {
      exportsFields: ['exports'],
      conditionNames: ['import', 'require', 'node', 'default'],
      extensions: ['.ts', '.js', '.mjs', '.cjs', '.json'],
    },
    reporterOptions: { text: { highlightFocused: true } },
  },
};
