// A toxic installed on a proxy: the one mutable record every connection's stage reads, so an update
// through the API reaches live connections without rebuilding them.
import type { Attributes, Stream, ToxicJson, ToxicType } from './schema.ts';

export class ToxicState {
  constructor(
    readonly name: string,
    readonly type: ToxicType,
    readonly stream: Stream,
    public toxicity: number,
    public attributes: Attributes,
  ) {}

  toJSON(): ToxicJson {
    return { name: this.name, type: this.type, stream: this.stream, toxicity: this.toxicity, attributes: { ...this.attributes } };
  }
}
