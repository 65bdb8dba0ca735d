/**
 * A one-line progress bar on stderr (redrawn in place on a terminal, a line per 10 % otherwise), so a long scenario
 * shows it is alive without flooding a CI log.
 */
export class Progress {
  private done = 0;
  private lastTenth = -1;
  private readonly started = Date.now();

  constructor(
    private readonly label: string,
    private readonly total: number,
  ) {}

  tick(count = 1): void {
    this.set(this.done + count);
  }

  set(done: number): void {
    this.done = Math.min(done, this.total);
    const fraction = this.total === 0 ? 1 : this.done / this.total;
    const seconds = ((Date.now() - this.started) / 1000).toFixed(0);
    if (process.stderr.isTTY) {
      const width = 30;
      const filled = Math.round(fraction * width);
      process.stderr.write(
        `\r  ${this.label} [${'#'.repeat(filled)}${'.'.repeat(width - filled)}] ${this.done}/${this.total} ${seconds}s `,
      );
      return;
    }
    const tenth = Math.floor(fraction * 10);
    if (tenth === this.lastTenth) return;
    this.lastTenth = tenth;
    process.stderr.write(`  ${this.label} ${tenth * 10}% (${this.done}/${this.total}, ${seconds}s)\n`);
  }

  finish(): void {
    this.set(this.total);
    if (process.stderr.isTTY) process.stderr.write('\n');
  }
}
