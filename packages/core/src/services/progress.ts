/** Progress reporting is pluggable: the CLI draws bars on a TTY; everywhere else it is quiet. */
import type { ProgressHandle } from '../types.js';

export type ProgressFactory = (label: string, total: number) => ProgressHandle;

export const quietProgress: ProgressFactory = () => ({ update() {}, increment() {}, stop() {} });
