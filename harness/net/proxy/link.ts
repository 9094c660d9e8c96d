// One direction of one proxied connection (client→upstream or upstream→client): reads from the source
// socket, passes every chunk through the chain of toxic stages active for this direction, and writes
// what comes out to the destination. Toxics join or leave the chain while data flows; only data that
// flows after the change sees it, and nothing held by a leaving toxic is reordered.
import type { Socket } from 'node:net';
import { createStage, type Stage, type ConnectionControl } from './toxics/index.ts';
import type { ToxicState } from './toxic-state.ts';
import type { Stream } from './schema.ts';

const HIGH_WATER = 1 << 20; // bytes held in toxics before the source is paused
const LOW_WATER = HIGH_WATER / 4;

interface Member {
  toxic: ToxicState;
  stage: Stage | null; // null: toxicity roll said this connection is spared
  rolledAt: number; // the toxicity the roll was made with
}

export class Link {
  private members: Member[] = [];
  private paused = false;
  private finished = false;

  constructor(
    readonly stream: Stream,
    private readonly source: Socket,
    private readonly dest: Socket,
    private readonly control: ConnectionControl,
  ) {}

  start(): void {
    this.source.on('data', (data: Buffer) => this.accept(data));
    this.source.on('end', () => this.forwardEnd(0));
    this.dest.on('drain', () => this.maybeResume());
  }

  /** Add a toxic at the end of the chain (Toxiproxy order); toxicity is rolled once per connection. */
  attach(toxic: ToxicState): void {
    this.members.push({ toxic, stage: this.roll(toxic), rolledAt: toxic.toxicity });
  }

  /** The toxic changed: attributes are read live; a new toxicity is rolled again. */
  updated(toxic: ToxicState): void {
    const index = this.members.findIndex((m) => m.toxic === toxic);
    if (index < 0 || this.members[index].rolledAt === toxic.toxicity) return;
    this.detach(toxic.name);
    this.members.splice(index, 0, { toxic, stage: this.roll(toxic), rolledAt: toxic.toxicity });
  }

  detach(name: string): void {
    const member = this.members.find((m) => m.toxic.name === name);
    if (!member) return;
    member.stage?.release();
    this.members = this.members.filter((m) => m !== member);
    member.stage?.dispose();
    this.maybeResume();
  }

  dispose(): void {
    for (const m of this.members) m.stage?.dispose();
    this.members = [];
    this.finished = true;
  }

  private roll(toxic: ToxicState): Stage | null {
    if (!(Math.random() < toxic.toxicity)) return null;
    const stage = createStage(toxic.type, { attributes: () => toxic.attributes, control: this.control });
    stage.out = {
      push: (data) => this.forward(this.indexAfter(stage), data),
      end: () => this.forwardEnd(this.indexAfter(stage)),
    };
    return stage;
  }

  private indexAfter(stage: Stage): number {
    return this.members.findIndex((m) => m.stage === stage) + 1;
  }

  private accept(data: Buffer): void {
    this.forward(0, data);
    if (!this.paused && this.heldBytes() > HIGH_WATER) this.pause();
  }

  private forward(from: number, data: Buffer): void {
    if (this.finished) return;
    const next = this.nextStage(from);
    if (next) return next.push(data);
    if (!this.dest.write(data)) this.pause();
    else this.maybeResume();
  }

  private forwardEnd(from: number): void {
    if (this.finished) return;
    const next = this.nextStage(from);
    if (next) return next.end();
    this.finished = true;
    this.dest.end();
  }

  private nextStage(from: number): Stage | null {
    for (let i = from; i < this.members.length; i++) {
      const stage = this.members[i].stage;
      if (stage) return stage;
    }
    return null;
  }

  private heldBytes(): number {
    let total = 0;
    for (const m of this.members) total += m.stage?.queuedBytes() ?? 0;
    return total;
  }

  private pause(): void {
    this.paused = true;
    this.source.pause();
  }

  private maybeResume(): void {
    if (!this.paused || this.dest.writableNeedDrain || this.heldBytes() > LOW_WATER) return;
    this.paused = false;
    this.source.resume();
  }
}
