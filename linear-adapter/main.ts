import { runService } from './start-service';
import { startWorkers } from './start-workers';

// `npm start`: the HTTP service, the inbox worker and the outbox sender.
void runService(process.env, { onStart: startWorkers });
