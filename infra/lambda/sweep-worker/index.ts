// Entry of the sweep-worker Lambda: one folder per function, so each package holds only its own chunks.
export { handler } from '../../../functions/handlers/sweep-worker.js';
