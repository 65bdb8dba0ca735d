import type { BenchStack } from './stack';

/** What one repeat of a scenario measured: figure name → value. Units are in the names (`_per_s`, `_ms`, `_mib`). */
export type Figures = Record<string, number>;

/** A figure's goal from the issue: met when the median is at least or at most the value. */
export interface Target {
  figure: string;
  atLeast?: number;
  atMost?: number;
}

/** Sizes a scenario: the full-size figure scaled by `--scale`, or the tiny smoke-run figure. */
export type Size = (full: number, smoke: number) => number;

export interface ScenarioContext {
  stack: BenchStack;
  size: Size;
  say: (line: string) => void;
}

export interface Scenario {
  name: string;
  title: string;
  /** What the figures mean and how they are taken, for the results table. */
  method: string;
  /** Runs in `npm run bench` without naming it (n8n does not: it installs 1.8 GB on demand). */
  byDefault: boolean;
  /** Repeats when not overridden (3 by default). */
  repeats?: number;
  targets: Target[];
  /** Once per run, before the repeats (e.g. starting the bare worker). */
  setUp?(context: ScenarioContext): Promise<void>;
  /** One repeat. */
  run(context: ScenarioContext): Promise<Figures>;
  /** Once per run, after the repeats. */
  tearDown?(): Promise<void>;
}

export const targetMet = (target: Target, value: number): boolean =>
  (target.atLeast === undefined || value >= target.atLeast) && (target.atMost === undefined || value <= target.atMost);

export const describeTarget = (target: Target): string =>
  [target.atLeast !== undefined && `≥ ${target.atLeast}`, target.atMost !== undefined && `≤ ${target.atMost}`]
    .filter(Boolean)
    .join(' and ');
