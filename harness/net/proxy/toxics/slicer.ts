// slicer: each chunk leaves as many small writes of about `average_size` ± `size_variation` bytes,
// `delay` µs apart, like a network that delivers a response in many small segments.
import { ScheduledStage, now } from './stage.ts';

export class SlicerStage extends ScheduledStage {
  private nextFree = 0;

  push(data: Buffer): void {
    const average = this.attr('average_size');
    if (average <= 0) return this.enqueue(now(), data);
    const gapMs = this.attr('delay') / 1000;
    let at = Math.max(now(), this.nextFree);
    for (const part of this.slices(data, average, this.attr('size_variation'))) {
      this.enqueue(at, part);
      at += gapMs;
    }
    this.nextFree = at;
  }

  override end(): void {
    this.enqueue(now(), null);
  }

  private *slices(data: Buffer, average: number, variation: number): Generator<Buffer> {
    const spread = Math.min(variation, average - 1);
    let offset = 0;
    while (offset < data.length) {
      const size = average + Math.floor(Math.random() * (2 * spread + 1)) - spread;
      yield data.subarray(offset, offset + size);
      offset += size;
    }
  }
}
