// Models by name, for `faultline check --model M` and scenario checkers.
import { UsageError } from '../../errors.ts';
import type { Model } from './model.ts';
import { register } from './register.ts';
import { casRegister } from './cas-register.ts';
import { kv } from './kv.ts';
import { mutex } from './mutex.ts';
import { fifoQueue } from './fifo-queue.ts';
import { set } from './set.ts';

export const MODELS: Readonly<Record<string, Model>> = {
  register, 'cas-register': casRegister, kv, mutex, 'fifo-queue': fifoQueue, set,
};

export function modelByName(name: string): Model {
  const model = MODELS[name];
  if (!model) throw new UsageError(`unknown model '${name}' (known: ${Object.keys(MODELS).join(', ')})`);
  return model;
}
