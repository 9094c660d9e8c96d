// slow_close: data passes at once, but the close (FIN) that follows it is held back `delay` ms.
import { ScheduledStage, now } from './stage.ts';

export class SlowCloseStage extends ScheduledStage {
  push(data: Buffer): void {
    this.enqueue(now(), data);
  }

  override end(): void {
    this.enqueue(now() + this.attr('delay'), null);
  }
}
