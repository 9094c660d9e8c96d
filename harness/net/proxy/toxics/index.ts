// The toxic types the proxy knows, each built into a stage for one direction of one connection.
import type { ToxicType } from '../schema.ts';
import { Stage, type StageContext } from './stage.ts';
import { LatencyStage } from './latency.ts';
import { BandwidthStage } from './bandwidth.ts';
import { SlowCloseStage } from './slow-close.ts';
import { SlicerStage } from './slicer.ts';
import { TimeoutStage } from './timeout.ts';
import { ResetPeerStage } from './reset-peer.ts';
import { LimitDataStage } from './limit-data.ts';

export { Stage } from './stage.ts';
export type { Outlet, ConnectionControl, StageContext } from './stage.ts';

export function createStage(type: ToxicType, ctx: StageContext): Stage {
  switch (type) {
    case 'latency':
      return new LatencyStage(ctx);
    case 'bandwidth':
      return new BandwidthStage(ctx);
    case 'slow_close':
      return new SlowCloseStage(ctx);
    case 'slicer':
      return new SlicerStage(ctx);
    case 'timeout': {
      const stage = new TimeoutStage(ctx);
      stage.start();
      return stage;
    }
    case 'reset_peer':
      return new ResetPeerStage(ctx);
    case 'limit_data':
      return new LimitDataStage(ctx);
  }
}
