// limit_data: lets `bytes` bytes through in this direction, then closes the connection. The count
// lives in the stage, so it survives attribute updates on a live connection.
import { Stage } from './stage.ts';

export class LimitDataStage extends Stage {
  private transmitted = 0;

  push(data: Buffer): void {
    const remaining = Math.max(0, this.attr('bytes') - this.transmitted);
    const part = remaining < data.length ? data.subarray(0, remaining) : data;
    if (part.length > 0) {
      this.transmitted += part.length;
      this.out.push(part);
    }
    if (this.attr('bytes') - this.transmitted <= 0) this.ctx.control.close();
  }
}
