import { runService } from './start-service';
import { startWorkers } from '../queue/start-workers';

// `npm start`: the HTTP service, the inbox worker and the outbox sender. It runs as
// `node --require ./bin/exit-on-early-signal.cjs --import tsx` (package.json), so a signal
// while it loads ends it cleanly.
void runService(process.env, { onStart: startWorkers });
