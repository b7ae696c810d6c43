export { type CapturedRun, type CapturedRunOptions, runCaptured } from './captured.js';
export { CONFIG_TEMPLATE } from './commands/config-template.js';
export { type DoctorReport, doctor } from './commands/doctor.js';
export { PENDING_COMMANDS, type PendingCommand, STAGE_COMMANDS, type StageCommand } from './commands/stage-commands.js';
export type { CliIO } from './io.js';
export { main } from './main.js';
