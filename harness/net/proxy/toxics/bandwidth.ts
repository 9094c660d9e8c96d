// bandwidth: at most `rate` KB/s (1 KB = 1000 bytes, as Toxiproxy counts) in this direction. Large
// chunks go out in pieces of 100 ms worth of data so the receiver sees a steady trickle.
import { ScheduledStage, now } from './stage.ts';

export class BandwidthStage extends ScheduledStage {
  push(data: Buffer): void {
    const bytesPerMs = this.attr('rate'); // KB/s == bytes/ms
    if (bytesPerMs <= 0) return this.enqueue(now(), data);
    const piece = Math.max(1, bytesPerMs * 100);
    for (let offset = 0; offset < data.length; offset += piece) {
      const part = data.subarray(offset, offset + piece);
      const start = Math.max(now(), this.lastDue);
      this.enqueue(start + part.length / bytesPerMs, part);
    }
  }

  override end(): void {
    this.enqueue(now(), null);
  }
}
