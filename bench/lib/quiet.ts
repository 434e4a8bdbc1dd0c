import * as fs from 'node:fs';

/**
 * Waits for the machine to be quiet before a measurement: the bench is idle while this samples
 * /proc/stat, so CPU time spent meanwhile belongs to other processes (a test run, a build), which
 * would slow one side of a comparison more than the other. Linux only; elsewhere it never waits.
 */

function cpuTimes(): { idle: number; total: number } | undefined {
  try {
    const line = fs.readFileSync('/proc/stat', 'utf8').split('\n')[0];
    const fields = line.trim().split(/\s+/).slice(1).map(Number);
    const idle = fields[3] + (fields[4] ?? 0);
    return { idle, total: fields.reduce((a, b) => a + b, 0) };
  } catch {
    return undefined;
  }
}

const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

/** Share of all cores busy over `ms` milliseconds (0 … 1), or undefined without /proc/stat. */
export async function busyShare(ms = 400): Promise<number | undefined> {
  const a = cpuTimes();
  await sleep(ms);
  const b = cpuTimes();
  if (a === undefined || b === undefined || b.total === a.total) return undefined;
  return 1 - (b.idle - a.idle) / (b.total - a.total);
}

export class QuietGate {
  /** Seconds spent waiting so far, and how often the budget ran out. */
  waitedS = 0;
  gaveUp = 0;

  constructor(
    private readonly threshold: number,
    private readonly budgetS: number,
    private readonly log: (message: string) => void,
  ) {}

  async wait(what: string): Promise<void> {
    let share = await busyShare();
    if (share === undefined || share <= this.threshold) return;
    const start = Date.now();
    this.log(`${what}: waiting for the machine to be quiet (${Math.round(share * 100)}% busy)`);
    while (share !== undefined && share > this.threshold) {
      if (this.waitedS + (Date.now() - start) / 1000 >= this.budgetS) {
        this.gaveUp++;
        this.log(`${what}: still ${Math.round(share * 100)}% busy; going on (waiting budget of ${this.budgetS} s used up)`);
        break;
      }
      await sleep(2000);
      share = await busyShare();
    }
    this.waitedS += (Date.now() - start) / 1000;
  }
}
