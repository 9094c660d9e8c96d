// Decision procedures by model. A model object is matched by identity with the shipped one of that
// name, so a caller's own model called "set" never gets the set procedure by accident.
import type { Model } from '../models/model.ts';
import { MODELS } from '../models/registry.ts';
import type { DecisionProcedure } from './procedure.ts';
import { queueSchedule } from './queue-schedule.ts';
import { setInclusion } from './set-inclusion.ts';
import { uniqueWrites } from './unique-writes.ts';

const BY_MODEL: Readonly<Record<string, DecisionProcedure>> = {
  set: setInclusion, 'fifo-queue': queueSchedule, register: uniqueWrites, 'cas-register': uniqueWrites,
};

export function procedureFor(model: Model): DecisionProcedure | undefined {
  const procedure = BY_MODEL[model.name];
  return procedure && MODELS[model.name] === model ? procedure : undefined;
}
