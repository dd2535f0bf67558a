// Entry of the endpoint-events Lambda: one folder per function, so each package holds only its own chunks.
export { handler } from '../../../functions/handlers/endpoint-events.js';
