// Entry of the key-events Lambda: one folder per function, so each package holds only its own chunks.
export { handler } from '../../../functions/handlers/key-events.js';
