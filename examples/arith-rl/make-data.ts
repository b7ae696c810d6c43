// Writes data/*.jsonl for the finetune, align and eval stages (see data.ts).
//   npm run data
import { writeTaskData } from './data.ts';

const written = writeTaskData();
console.log(written.length ? `wrote data/${written.join(', data/')}` : 'data/ is up to date');
