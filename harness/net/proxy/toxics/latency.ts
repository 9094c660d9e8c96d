// latency: every chunk arrives `latency` ± `jitter` ms later than it was read (Toxiproxy's latency
// toxic). The delay counts from when the chunk reached this stage, so a stream is delayed, not
// throttled; order is kept, so a chunk never overtakes one drawn with a longer delay.
import { ScheduledStage, now } from './stage.ts';

export class LatencyStage extends ScheduledStage {
  push(data: Buffer): void {
    this.enqueue(now() + this.delay(), data);
  }

  override end(): void {
    this.enqueue(now(), null);
  }

  private delay(): number {
    const jitter = this.attr('jitter');
    const offset = jitter > 0 ? Math.random() * 2 * jitter - jitter : 0;
    return Math.max(0, this.attr('latency') + offset);
  }
}
