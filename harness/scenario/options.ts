// Checks a run's options against what its target and its scenario's workload declare, before any
// runtime, namespace or run folder exists: `--nodes 4` on ZooKeeper, `--target zk-lite:bug=nosuch` or a
// misspelt option are one-line usage errors, never an UNKNOWN verdict from a half-started run. The
// options then travel on parsed: the target gets its schema's output (typed, defaults filled), the
// workload the merged record it always had, with the user's values coerced and named as declared.
import { UsageError } from '../errors.ts';
import { optionName, parseOptions, type OptionsSchema } from '../options.ts';
import type { Target } from '../target.ts';
import type { Scenario } from './types.ts';
import { SCENARIO_DEFAULTS } from './types.ts';

export interface CheckedOptions {
  nodes: number;
  /** What the target is started with (ctx.options, hostNames). */
  targetOptions: Record<string, unknown>;
  /** What the workload and its checkers read: scenario target options < scenario workload options <
   *  the user's `--target` pairs. */
  workloadOptions: Record<string, unknown>;
}

export interface OptionsInput {
  scenario: Scenario;
  target: Target;
  /** `--target name:key=value` pairs, as given. */
  overrides: Record<string, string>;
  /** `--nodes`, when given. */
  nodes?: number;
}

export function checkRunOptions({ scenario, target, overrides, nodes: wanted }: OptionsInput): CheckedOptions {
  const nodes = wanted ?? scenario.nodes ?? defaultNodes(target);
  if (!target.nodes.includes(nodes)) {
    const from = wanted !== undefined ? '--nodes' : `scenario ${scenario.name}`;
    throw new UsageError(`${target.name} runs with ${listOr(target.nodes)} nodes, not ${nodes} (${from})`);
  }
  const workloadSchema = scenario.workload.options;
  const fromScenario = (record: Record<string, unknown> | undefined, schema: OptionsSchema, what: string) =>
    named(record ?? {}, (key) => optionName(schema, key), (key) => `scenario ${scenario.name} sets ${what} '${key}', which ${what === 'target option' ? target.name : 'its workload'} does not have (known: ${known(schema)})`);
  const scenarioTarget = fromScenario(scenario.targetOptions, target.options, 'target option');
  const scenarioWorkload = fromScenario(scenario.workloadOptions, workloadSchema, 'workload option');
  const userTarget: Record<string, unknown> = {}, userWorkload: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(overrides)) {
    const t = optionName(target.options, key), w = optionName(workloadSchema, key);
    if (!t && !w) throw new UsageError(`--target ${target.name}: unknown option '${key}' (${target.name} options: ${known(target.options)}; ${scenario.name} options: ${known(workloadSchema)})`);
    if (t) userTarget[t] = value;
    if (w) userWorkload[w] = value;
  }
  const targetOptions = parseOptions(target.options, { ...scenarioTarget, ...userTarget }, target.name) as Record<string, unknown>;
  const workloadParsed = parseOptions(workloadSchema, { ...scenarioWorkload, ...userWorkload }, `${scenario.name} workload`) as Record<string, unknown>;
  const workloadOptions = { ...scenario.targetOptions, ...scenario.workloadOptions, ...pick(targetOptions, userTarget), ...pick(workloadParsed, userWorkload) };
  return { nodes, targetOptions, workloadOptions };
}

function defaultNodes(target: Target): number {
  return target.nodes.includes(SCENARIO_DEFAULTS.nodes) ? SCENARIO_DEFAULTS.nodes : target.nodes[0];
}

/** `record` with each key renamed as the schema names it; an unknown key throws `unknown(key)`. */
function named(record: Record<string, unknown>, nameOf: (key: string) => string | undefined, unknown: (key: string) => string): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(record)) {
    const name = nameOf(key);
    if (!name) throw new UsageError(unknown(key));
    out[name] = value;
  }
  return out;
}

/** The parsed values of the keys the user gave. */
function pick(parsed: Record<string, unknown>, given: Record<string, unknown>): Record<string, unknown> {
  return Object.fromEntries(Object.keys(given).map((k) => [k, parsed[k]]));
}

const known = (schema: OptionsSchema): string => Object.keys(schema.shape).join(', ') || '(none)';
const listOr = (xs: readonly number[]): string => (xs.length === 1 ? String(xs[0]) : `${xs.slice(0, -1).join(', ')} or ${xs[xs.length - 1]}`);
