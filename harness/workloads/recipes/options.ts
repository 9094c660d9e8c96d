// Reading a recipe's numeric workload options (from the scenario or `--target name:key=value`, where
// they arrive as strings): one reader for every recipe instead of a copy in each.

/** `int('sessionTimeoutMs', 4000)`: the option as a number, or the default when it is not given. */
export const numberOption = (o: Record<string, unknown>) => (k: string, d: number): number => (o[k] === undefined ? d : Number(o[k]));
