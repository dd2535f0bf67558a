// Entry of the sweep-planner Lambda: one folder per function, so each package holds only its own chunks.
export { handler } from '../../../functions/handlers/sweep-planner.js';
