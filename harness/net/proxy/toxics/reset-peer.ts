// reset_peer: when data (or the end) first reaches this stage, wait `timeout` ms and then abort the
// connection with a TCP RST, so both peers see "connection reset by peer". What arrives meanwhile is
// dropped, as in Toxiproxy.
import { Stage } from './stage.ts';

export class ResetPeerStage extends Stage {
  private timer: NodeJS.Timeout | undefined;

  push(_data: Buffer): void {
    this.arm();
  }

  override end(): void {
    this.arm();
  }

  override release(): void {
    this.dispose();
  }

  override dispose(): void {
    if (this.timer) clearTimeout(this.timer);
    this.timer = undefined;
  }

  private arm(): void {
    if (this.timer) return;
    this.timer = setTimeout(() => this.ctx.control.reset(), this.attr('timeout'));
  }
}
