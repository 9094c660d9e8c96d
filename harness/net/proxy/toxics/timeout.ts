// timeout: nothing gets through (data is dropped), and after `timeout` ms the connection is closed;
// with timeout 0 it stalls until the toxic is removed. As in Toxiproxy, removing the toxic closes the
// connections it stalled: their streams lost data, so carrying on would hand the peer a corrupt stream.
import { Stage } from './stage.ts';

export class TimeoutStage extends Stage {
  private timer: NodeJS.Timeout | undefined;

  start(): void {
    const ms = this.attr('timeout');
    if (ms > 0) this.timer = setTimeout(() => this.ctx.control.close(), ms);
  }

  push(_data: Buffer): void {}

  override end(): void {
    this.ctx.control.close();
  }

  override release(): void {
    this.dispose();
    this.ctx.control.close();
  }

  override dispose(): void {
    if (this.timer) clearTimeout(this.timer);
    this.timer = undefined;
  }
}
