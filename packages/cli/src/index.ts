export { main } from './main.js';
export type { CliIO } from './io.js';
export { STAGE_COMMANDS, PENDING_COMMANDS, type StageCommand, type PendingCommand } from './commands/stage-commands.js';
export { doctor, type DoctorReport } from './commands/doctor.js';
export { CONFIG_TEMPLATE } from './commands/config-template.js';
