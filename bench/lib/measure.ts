/** Timing helpers: every figure is a median of several runs, measured side by side with its floor. */

export const median = (values: number[]): number => {
  if (values.length === 0) throw new Error('median of nothing');
  const sorted = [...values].sort((a, b) => a - b);
  const mid = sorted.length >> 1;
  return sorted.length % 2 === 1 ? sorted[mid] : (sorted[mid - 1] + sorted[mid]) / 2;
};

/** Wall-clock milliseconds that `fn` takes. */
export async function time(fn: () => Promise<unknown>): Promise<number> {
  const start = process.hrtime.bigint();
  await fn();
  return Number(process.hrtime.bigint() - start) / 1e6;
}

/** One side of a comparison: `run` is timed; `before` and `after` (state set-up, checks) are not. */
export interface Side {
  before?: () => Promise<void>;
  run: () => Promise<void>;
  after?: () => Promise<void>;
}

export interface Paired {
  /** Wall-clock ms of every timed run of the measured side, in order; then of the floor. */
  runs: number[];
  floorRuns: number[];
  ms: number;
  floorMs: number;
  /** ms / floorMs: the ratio of the medians. */
  ratio: number;
  /** Median of the per-round ratios (each measured run over the floor run next to it). */
  pairedRatio: number;
}

export interface PairedOptions {
  reps: number;
  warmup: number;
  /** Runs before each round (the bench waits there for a quiet machine). */
  beforeRound?: () => Promise<void>;
  /** Runs before each side's `before` (the bench takes a CHECKPOINT there). */
  beforeSide?: () => Promise<void>;
}

/**
 * Runs the measured side and the floor alternately (measured first on even rounds, floor first
 * on odd ones), so that drift in the machine (another process, a checkpoint, a warming cache)
 * lands on both; `warmup` untimed rounds come first. Returns the medians and their ratio.
 */
export async function paired(measured: Side, floor: Side, opts: PairedOptions): Promise<Paired> {
  const runs: number[] = [];
  const floorRuns: number[] = [];
  for (let round = 0; round < opts.warmup + opts.reps; round++) {
    await opts.beforeRound?.();
    const order: Array<[Side, number[]]> =
      round % 2 === 0 ? [[measured, runs], [floor, floorRuns]] : [[floor, floorRuns], [measured, runs]];
    for (const [side, sink] of order) {
      await opts.beforeSide?.();
      await side.before?.();
      const ms = await time(side.run);
      await side.after?.();
      if (round >= opts.warmup) sink.push(ms);
    }
  }
  const ms = median(runs);
  const floorMs = median(floorRuns);
  return { runs, floorRuns, ms, floorMs, ratio: ms / floorMs, pairedRatio: median(runs.map((r, k) => r / floorRuns[k])) };
}

export const round = (value: number, digits = 3): number => {
  const f = 10 ** digits;
  return Math.round(value * f) / f;
};
