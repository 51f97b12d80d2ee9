import { runService } from './start-service';
import { startWorkers } from '../queue/start-workers';

// `npm start`: the HTTP service, the inbox worker and the outbox sender.
void runService(process.env, { onStart: startWorkers });
