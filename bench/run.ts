import path from 'node:path';
import { parseArgs } from 'node:util';
import { machine, summarize, updateReadme, versions, writeResult, type ScenarioResult } from './lib/report';
import type { Figures, Scenario, Size } from './lib/scenario';
import { type BenchStack, startBenchStack } from './lib/stack';
import { backfill } from './scenarios/backfill';
import { bare } from './scenarios/bare';
import { growth } from './scenarios/growth';
import { history } from './scenarios/history';
import { ingest } from './scenarios/ingest';
import { issues } from './scenarios/issues';
import { latency } from './scenarios/latency';
import { n8nSideBySide } from './scenarios/n8n';
import { parked } from './scenarios/parked';
import { throughput } from './scenarios/throughput';

const SCENARIOS: Scenario[] = [
  bare,
  throughput,
  latency,
  ingest,
  parked,
  growth,
  history,
  issues,
  backfill,
  n8nSideBySide,
];

const USAGE = `npm run bench -- [scenario ...] [--scale F] [--repeats N] [--smoke] [--out DIR] [--readme FILE]
  scenarios: ${SCENARIOS.map((scenario) => scenario.name).join(', ')} (default: all but issues, backfill and n8n)
  --scale F    multiply every count by F (default 1: the sizes in the issue)
  --repeats N  repeats per scenario (default 3; history runs once)
  --smoke      tiny counts and one repeat: checks the harness, measures nothing
  --out DIR    where results go (default bench/results)
  --readme F   the markdown file whose results tables are rewritten (default bench/README.md)`;

/** `npm run bench`: runs the chosen scenarios, each on a fresh embedded stack, and writes results and tables. */
async function main(): Promise<void> {
  const { values, positionals } = parseArgs({
    allowPositionals: true,
    options: {
      scale: { type: 'string', default: '1' },
      repeats: { type: 'string' },
      smoke: { type: 'boolean', default: false },
      out: { type: 'string', default: path.join(__dirname, 'results') },
      readme: { type: 'string', default: path.join(__dirname, 'README.md') },
      help: { type: 'boolean', default: false },
    },
  });
  if (values.help) {
    console.log(USAGE);
    return;
  }
  const unknown = positionals.filter((name) => !SCENARIOS.some((scenario) => scenario.name === name));
  const scale = Number(values.scale);
  const repeatsWanted = values.repeats === undefined ? undefined : Number(values.repeats);
  const problem =
    unknown.length > 0
      ? `unknown scenario(s): ${unknown.join(', ')}`
      : !(scale > 0)
        ? '--scale must be a number above 0'
        : repeatsWanted !== undefined && !(Number.isInteger(repeatsWanted) && repeatsWanted > 0)
          ? '--repeats must be a whole number above 0'
          : undefined;
  if (problem) {
    console.error(`${problem}\n${USAGE}`);
    process.exitCode = 2;
    return;
  }
  const chosen =
    positionals.length > 0
      ? SCENARIOS.filter((scenario) => positionals.includes(scenario.name))
      : SCENARIOS.filter((scenario) => scenario.byDefault);
  const size: Size = (full, smoke) => (values.smoke ? smoke : Math.max(smoke, Math.round(full * scale)));

  // A smoke run shares one stack across scenarios to stay short; a measuring run gives each a fresh one.
  const shared = values.smoke ? await startBenchStack({ say }) : undefined;
  try {
    for (const scenario of chosen) {
      const repeats = values.smoke ? 1 : (repeatsWanted ?? scenario.repeats ?? 3);
      const result = await runScenario(scenario, { size, repeats, scale: values.smoke ? 0 : scale, stack: shared });
      const file = await writeResult(values.out, result);
      say(`${scenario.name}: written to ${path.relative(process.cwd(), file)}`);
    }
  } finally {
    await shared?.stop();
  }
  await updateReadme(
    values.readme,
    values.out,
    SCENARIOS.map((scenario) => scenario.name),
  );
}

const say = (line: string) => console.log(line);

async function runScenario(
  scenario: Scenario,
  options: { size: Size; repeats: number; scale: number; stack?: BenchStack },
): Promise<ScenarioResult> {
  say(`\n== ${scenario.title} (${scenario.name}), ${options.repeats} repeat(s)`);
  const stack = options.stack ?? (await startBenchStack({ say }));
  try {
    const context = { stack, size: options.size, say };
    await scenario.setUp?.(context);
    const repeats: Figures[] = [];
    for (let repeat = 1; repeat <= options.repeats; repeat += 1) {
      say(`-- repeat ${repeat}/${options.repeats}`);
      repeats.push(await scenario.run(context));
      say(`   ${JSON.stringify(repeats.at(-1))}`);
    }
    return {
      scenario: scenario.name,
      title: scenario.title,
      method: scenario.method,
      date: new Date().toISOString().slice(0, 10),
      scale: options.scale,
      machine: machine(),
      versions: await versions(stack),
      repeats,
      ...summarize(scenario, repeats),
    };
  } finally {
    await scenario.tearDown?.();
    if (!options.stack) await stack.stop();
  }
}

main().catch((error: unknown) => {
  console.error(error);
  process.exit(1);
});
